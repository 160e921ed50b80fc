/*
 * Cool Papers: light or dark theme. Without a choice the page follows the system setting
 * (site.css's prefers-color-scheme rules); the header's button stores the reader's choice in
 * this browser and sets <html data-theme>, which site.css lets win over the system.
 * Loaded without defer in <head> so the stored theme applies before the first paint (the CSP
 * allows no inline script); the button is wired once the document is parsed.
 */
(function () {
  "use strict";

  const KEY = "coolpapers:theme";
  const root = document.documentElement;
  const system = window.matchMedia("(prefers-color-scheme: dark)");

  function stored() {
    try {
      const theme = window.localStorage.getItem(KEY);
      return theme === "light" || theme === "dark" ? theme : null;
    } catch (error) {
      return null; // storage disabled: follow the system
    }
  }

  function current() {
    return root.dataset.theme || (system.matches ? "dark" : "light");
  }

  const chosen = stored();
  if (chosen) root.dataset.theme = chosen;

  function wire() {
    const button = document.querySelector("button.theme-toggle");
    if (!button) return;
    function show() {
      button.setAttribute("aria-pressed", String(current() === "dark"));
    }
    button.addEventListener("click", function () {
      const theme = current() === "dark" ? "light" : "dark";
      root.dataset.theme = theme;
      try {
        window.localStorage.setItem(KEY, theme);
      } catch (error) {
        // Storage disabled: the choice lasts for this page view.
      }
      show();
    });
    system.addEventListener("change", show);
    show();
    button.hidden = false;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
