/*
 * Cool Papers: behaviour of the daily lists and paper pages. Loaded with `defer` on every
 * page; no inline scripts or event-handler attributes anywhere (the site will run under a
 * strict Content-Security-Policy). Every handler is delegated from `document`, so it also
 * works for papers that htmx inserts later.
 *
 * THE HOOK FOR LAZILY LOADED PAPERS
 * ---------------------------------
 * After htmx inserts the next chunk of a daily list, this file dispatches exactly one event
 * on `document`:
 *
 *     document.addEventListener("coolpapers:chunk-loaded", (event) => {
 *       const root = event.detail.root; // the inserted <section class="chunk"> element
 *       // ... process root.querySelectorAll("article.paper") ...
 *     });
 *
 * - `event.detail.root` is the new <section class="chunk" data-page="N"> holding that
 *   chunk's <article class="paper"> elements; it is already in the document and htmx has
 *   finished processing it.
 * - It fires once per inserted chunk, never for the papers of the initial HTML (handle those
 *   on DOMContentLoaded), and never twice for the same nodes.
 * - Listeners should only touch nodes inside `root`. The in-page keyword filter (filter.js)
 *   uses it; typesetting (the Rendering issue) is meant to as well.
 */
(function () {
  "use strict";

  const CHUNK_LOADED = "coolpapers:chunk-loaded";

  // htmx fires htmx:load on each top-level node it inserts; a chunk response is one
  // <section class="chunk"> followed by the next sentinel (or the end-of-list note).
  document.addEventListener("htmx:load", function (event) {
    const node = event.target;
    if (node instanceof Element && node.matches("section.chunk")) {
      document.dispatchEvent(new CustomEvent(CHUNK_LOADED, { detail: { root: node } }));
    }
  });

  // A failed chunk request leaves the sentinel in place: show its "load more" link again.
  function chunkFailed(event) {
    const node = event.target;
    if (node instanceof Element && node.matches(".sentinel")) {
      node.classList.add("failed");
    }
  }
  document.addEventListener("htmx:responseError", chunkFailed);
  document.addEventListener("htmx:sendError", chunkFailed);

  // --- [Copy] -----------------------------------------------------------------------------
  // The text comes from the button's data-copy (title, authors, abstract, link as the server
  // stored them), so typesetting or browser translation of the page never changes it.

  function copyWithSelectionKept(text) {
    // Fallback for browsers without the async clipboard API: copy from a hidden textarea,
    // then give the reader back exactly the selection they had.
    const selection = document.getSelection();
    const ranges = [];
    for (let i = 0; selection && i < selection.rangeCount; i += 1) {
      ranges.push(selection.getRangeAt(i));
    }
    const active = document.activeElement;
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.append(area);
    area.select();
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } finally {
      area.remove();
      if (selection) {
        selection.removeAllRanges();
        ranges.forEach(function (range) { selection.addRange(range); });
      }
      if (active instanceof HTMLElement) {
        active.focus({ preventScroll: true });
      }
    }
    return copied;
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(
        function () { return true; },
        function () { return copyWithSelectionKept(text); }
      );
    }
    return Promise.resolve(copyWithSelectionKept(text));
  }

  function showCopyResult(button, copied) {
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = copied ? "[Copied]" : "[Copy failed]";
    window.setTimeout(function () { button.textContent = label; }, 1500);
  }

  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element && event.target.closest("button.action-copy");
    if (!button) return;
    copyText(button.dataset.copy || "").then(function (copied) {
      showCopyResult(button, copied);
    });
  });

  // --- Stars ------------------------------------------------------------------------------
  // A click on any element with data-star-url ([PDF] here, [REL] from the related-papers
  // feature) is counted once per browser, paper and day by a CSRF-protected POST. The browser
  // id is a signed HttpOnly cookie that /csrf sets: the page never sees or chooses it.

  // Pages are cached and the same for everyone, so they hold no CSRF token: it comes from
  // /csrf (which also sets the CSRF and browser-id cookies), once per browser session,
  // fetched as soon as a page has something to count, so a click that navigates away ([REL])
  // still has it.
  const TOKEN_KEY = "coolpapers:csrf";
  let tokenRequest = null;

  function csrfToken(refresh) {
    if (!refresh) {
      try {
        const kept = sessionStorage.getItem(TOKEN_KEY);
        if (kept) return Promise.resolve(kept);
      } catch (error) {
        // no session storage: ask every page view
      }
      if (tokenRequest) return tokenRequest;
    }
    const meta = document.querySelector('meta[name="csrf-url"]');
    tokenRequest = fetch(meta ? meta.content : "/csrf", { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        try {
          sessionStorage.setItem(TOKEN_KEY, data.token);
        } catch (error) {
          // kept for this page view only
        }
        return data.token;
      });
    return tokenRequest;
  }

  function prefetchToken() {
    if (document.querySelector("[data-star-url]")) {
      csrfToken(false).catch(function () { tokenRequest = null; });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", prefetchToken);
  } else {
    prefetchToken();
  }

  function showStars(paperId, stars) {
    document.querySelectorAll(".stars[data-stars-for]").forEach(function (node) {
      if (node.dataset.starsFor === paperId) {
        const count = node.querySelector(".star-count");
        if (count) count.textContent = String(stars);
      }
    });
  }

  function countStar(event) {
    const link = event.target instanceof Element && event.target.closest("[data-star-url]");
    if (!link || (event.type === "auxclick" && event.button !== 1)) return;
    function post(token) {
      // keepalive: the click usually opens the PDF, the request must outlive that.
      return fetch(link.dataset.starUrl, {
        method: "POST",
        headers: { "X-CSRFToken": token },
        credentials: "same-origin",
        keepalive: true,
      });
    }
    csrfToken(false)
      .then(post)
      .then(function (response) {
        // A token from before the CSRF cookie changed (a new session), or no browser-id
        // cookie (cleared or expired): /csrf sets both, then try again once.
        return response.status === 403 ? csrfToken(true).then(post) : response;
      })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) showStars(data.paper, data.stars); })
      .catch(function () { /* a lost star is not worth bothering the reader */ });
  }
  document.addEventListener("click", countStar);
  document.addEventListener("auxclick", countStar);
})();
