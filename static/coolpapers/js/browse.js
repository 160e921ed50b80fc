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

  // The catalog script (/jsi18n/<language>.js, loaded first by base.html) gives gettext();
  // without it, English.
  const gettext = window.gettext || function (text) { return text; };

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
    button.textContent = copied ? gettext("[Copied]") : gettext("[Copy failed]");
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

/*
 * --- Keeping the reader's place (Back, reload) -------------------------------------------
 * A list loads 25 papers at a time and its sentinel rewrites the address to ?page=N as the
 * reader scrolls; the server answers ?page=N with the pages up to N (at most PAGES_AT_ONCE
 * of them, coolpapers/web/paging.py), the same for every reader. What only this reader knows
 * is kept in this history entry's state (history.state, which survives reloads and Back):
 * the paper they were at (the one they opened, else the first one in view) and how far from
 * the top of the window it was. When the entry is shown again from the server (reload, or
 * Back when the browser kept no copy of the page), that paper is put back where it was.
 * A page restored whole from the back/forward cache is left as it is.
 *
 * Formulas typeset by MathJax, and anything else that changes heights after load, move the
 * papers: the place is applied again whenever the list changes size, until the reader
 * scrolls, types or touches, or nothing has moved for a while.
 */
(function () {
  "use strict";

  const KEY = "coolpapersPlace";
  // The same as coolpapers.web.paging.PAGES_AT_ONCE (tests/browse/test_place.py checks it).
  const PAGES_AT_ONCE = 8;
  const SAVE_DELAY = 250; // ms after the last scroll
  const QUIET = 1500; // ms without a size change after load: the place has settled
  const LIMIT = 20000; // ms after load past which the place is never applied again

  const list = document.getElementById("papers");
  if (!list || !window.history || !history.replaceState) return;
  // The browser's own restoration puts back a pixel offset, wrong once heights change.
  if ("scrollRestoration" in history) history.scrollRestoration = "manual";

  function shown(node) {
    return node.getClientRects().length > 0; // not hidden (the keyword filter hides papers)
  }

  function pageOf(node) {
    const chunk = node.closest("section.chunk");
    return chunk ? parseInt(chunk.dataset.page, 10) || 1 : 1;
  }

  // The paper the reader is at: the first one reaching into the window, or the next one if
  // that one only shows its end and the next starts in the upper third. None at the very top.
  function placeInView() {
    if (window.scrollY < 1) return null;
    const papers = Array.prototype.filter.call(list.querySelectorAll("article.paper"), shown);
    for (let i = 0; i < papers.length; i += 1) {
      const box = papers[i].getBoundingClientRect();
      if (box.bottom <= 0) continue;
      if (box.top >= window.innerHeight) return null;
      const next = papers[i + 1];
      if (box.top < 0 && next && next.getBoundingClientRect().top < window.innerHeight / 3) {
        return placeOf(next);
      }
      return placeOf(papers[i]);
    }
    return null;
  }

  function placeOf(paper) {
    return { paper: paper.id, offset: Math.round(paper.getBoundingClientRect().top) };
  }

  // The address's ?page= shows the pages up to it, the last PAGES_AT_ONCE of them: a place
  // on an earlier page (the reader scrolled back up that far) gets an address that shows it.
  function addressFor(place) {
    const url = new URL(window.location.href);
    const node = place && document.getElementById(place.paper);
    const asked = parseInt(url.searchParams.get("page") || "1", 10) || 1;
    if (node && pageOf(node) <= asked - PAGES_AT_ONCE) {
      url.searchParams.set("page", String(pageOf(node)));
    }
    return url.href;
  }

  function save(place) {
    const state = Object.assign({}, history.state);
    if (place) state[KEY] = place;
    else delete state[KEY];
    try {
      history.replaceState(state, "", addressFor(place));
    } catch (error) {
      // too many state changes (browsers limit them): the next scroll saves again
    }
  }

  // --- saving ---
  let opened = null; // the paper the reader clicked a link of, kept until they scroll
  let restoring = null;
  let saveTimer = 0;

  function saveSoon() {
    window.clearTimeout(saveTimer);
    saveTimer = window.setTimeout(function () {
      if (!restoring) save(opened || placeInView());
    }, SAVE_DELAY);
  }

  window.addEventListener("scroll", function () {
    if (restoring) return;
    opened = null;
    saveSoon();
  }, { passive: true });

  function remember(event) {
    const link = event.target instanceof Element && event.target.closest("a[href]");
    const paper = link && link.closest("article.paper");
    if (!paper || !list.contains(paper)) return;
    stopRestoring();
    opened = placeOf(paper);
    window.clearTimeout(saveTimer);
    save(opened);
  }
  document.addEventListener("click", remember, true);
  document.addEventListener("auxclick", remember, true);

  // htmx replaces the whole history state when a chunk rewrites the address.
  document.addEventListener("htmx:replacedInHistory", saveSoon);

  window.addEventListener("pagehide", function () {
    window.clearTimeout(saveTimer);
    if (!restoring) save(opened || placeInView());
  });

  // --- restoring ---
  let quietTimer = 0;
  let observer = null;
  let loaded = document.readyState === "complete";
  const started = Date.now();

  function apply(place) {
    const paper = document.getElementById(place.paper);
    if (!paper || !list.contains(paper) || !shown(paper)) return false;
    // A window made smaller since (a phone turned) still shows the paper's start.
    const offset = Math.min(place.offset, Math.max(0, window.innerHeight - 80));
    const delta = paper.getBoundingClientRect().top - offset;
    if (Math.abs(delta) >= 1) window.scrollBy(0, delta);
    return true;
  }

  function stopRestoring() {
    if (!restoring) return;
    restoring = null;
    window.clearTimeout(quietTimer);
    if (observer) observer.disconnect();
    ["wheel", "touchstart", "keydown", "mousedown"].forEach(function (type) {
      window.removeEventListener(type, stopRestoring, true);
    });
  }

  // Settled once nothing has moved for QUIET ms after load (typesetting runs after load).
  function settleLater() {
    window.clearTimeout(quietTimer);
    if (!loaded) return;
    const left = LIMIT - (Date.now() - started);
    quietTimer = window.setTimeout(stopRestoring, Math.max(0, Math.min(QUIET, left)));
  }

  function reapply() {
    if (!restoring) return;
    if (Date.now() - started > LIMIT || !apply(restoring)) {
      stopRestoring();
      return;
    }
    settleLater();
  }

  function restore(place) {
    if (!place || typeof place.paper !== "string" || typeof place.offset !== "number") return;
    if (!apply(place)) return;
    restoring = place;
    // The reader moving ends it: their scrolling wins over ours.
    ["wheel", "touchstart", "keydown", "mousedown"].forEach(function (type) {
      window.addEventListener(type, stopRestoring, { capture: true, passive: true });
    });
    if (window.ResizeObserver) {
      observer = new ResizeObserver(reapply);
      observer.observe(list);
      observer.observe(document.querySelector("main") || document.body);
    }
    settleLater();
  }

  window.addEventListener("load", function () {
    loaded = true;
    reapply();
  });

  window.addEventListener("pageshow", function (event) {
    // Back to a page the browser kept whole: it is where the reader left it.
    if (event.persisted) opened = null;
  });

  restore((history.state || {})[KEY]);
})();
