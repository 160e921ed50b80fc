/*
 * Live preview of a note in the admin: the Markdown goes to the server (the same renderer as
 * the paper page) and comes back as HTML, whose formulas math.js then typesets. Loaded as a
 * file, not inline, for the site's Content-Security-Policy.
 */
(function () {
  "use strict";

  function start() {
    const body = document.querySelector("textarea[data-preview-url]");
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (!body || !token) return;
    const preview = document.createElement("div");
    preview.className = "note-preview note-body";
    preview.setAttribute("aria-live", "polite");
    (body.closest(".form-row") || body).insertAdjacentElement("afterend", preview);

    let timer = 0;
    let pending = null;

    function show(html) {
      if (window.MathJax && window.MathJax.typesetClear) window.MathJax.typesetClear([preview]);
      const content = document.createElement("div");
      content.className = "tex notranslate";
      content.setAttribute("translate", "no");
      content.innerHTML = html; // rendered by the server, safe whatever the note holds
      preview.replaceChildren(content);
      if (window.CoolPapersMath) window.CoolPapersMath.typeset(preview);
    }

    function refresh() {
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(body.dataset.previewUrl, {
        method: "POST",
        headers: { "X-CSRFToken": token.value },
        body: new URLSearchParams({ body: body.value }),
        credentials: "same-origin",
        signal: pending.signal,
      })
        .then(function (response) {
          if (!response.ok) throw new Error("the server answered " + response.status);
          return response.text();
        })
        .then(show)
        .catch(function (error) {
          if (error.name !== "AbortError") preview.textContent = "No preview: " + error.message;
        });
    }

    body.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 300);
    });
    refresh();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
