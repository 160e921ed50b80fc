/*
 * Home page: the categories a reader ticks are shown first, in a "Your categories" section.
 * The choice is kept in this browser's localStorage only (no account, nothing sent).
 */
(function () {
  "use strict";

  const pinned = document.getElementById("pinned");
  if (!pinned) return;
  const KEY = "coolpapers:pinned-categories";
  const MAX_UNION = 20; // a list URL names at most 20 categories
  const list = pinned.querySelector("ul");
  const union = pinned.querySelector(".pinned-union");
  const help = document.querySelector(".pin-help");

  function load() {
    try {
      const codes = JSON.parse(localStorage.getItem(KEY) || "[]");
      return Array.isArray(codes) ? codes.filter(function (c) { return typeof c === "string"; }) : [];
    } catch (error) {
      return [];
    }
  }

  function save(codes) {
    try {
      localStorage.setItem(KEY, JSON.stringify(codes));
    } catch (error) {
      /* storage disabled: the ticks last for this page view */
    }
  }

  function render(codes) {
    const originals = new Map();
    document.querySelectorAll("#categories li.category").forEach(function (item) {
      originals.set(item.dataset.code, item);
    });
    const shown = codes.filter(function (code) { return originals.has(code); });
    list.replaceChildren.apply(list, shown.map(function (code) {
      return originals.get(code).cloneNode(true);
    }));
    document.querySelectorAll("input.pin").forEach(function (box) {
      box.checked = shown.includes(box.value);
      box.hidden = false;
    });
    pinned.hidden = shown.length === 0;
    union.hidden = shown.length < 2 || shown.length > MAX_UNION;
    union.href = pinned.dataset.listPrefix + shown.join(",");
  }

  let current = load();
  document.addEventListener("change", function (event) {
    const box = event.target instanceof Element && event.target.closest("input.pin");
    if (!box) return;
    current = current.filter(function (code) { return code !== box.value; });
    if (box.checked) current.push(box.value);
    save(current);
    render(current);
  });
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) {
      current = load();
      render(current);
    }
  });
  if (help) help.hidden = false;
  render(current);
})();
