/*
 * Cool Papers: the FAQ answer while a model writes it.
 *
 * The answer's fragment polls itself every second (htmx, hx-swap="none"). Each new version is
 * put in a stage out of sight, its formulas typeset there by math.js
 * (window.CoolPapersMath.typeset), and only then swapped in for the old one: the reader never
 * sees the answer hidden while MathJax works, nor any TeX source. The server renders only
 * whole formulas (coolpapers/faq/streaming.py), so nothing half-written reaches MathJax.
 * A version like the last one is ignored; the done answer has no poller, so polling stops.
 */
(function () {
  "use strict";

  const PENDING = ".tex.notranslate";
  const FAIL_SAFE_MS = 4000; // math.js shows TeX source after 3 s without MathJax: so do we

  function typeset(node) {
    if (window.CoolPapersMath) window.CoolPapersMath.typeset(node);
  }

  function whenTypeset(node, done) {
    const pending = node.matches(PENDING) ? [node] : Array.from(node.querySelectorAll(PENDING));
    if (!pending.length || !window.CoolPapersMath) {
      done();
      return;
    }
    let finished = false;
    function check() {
      if (finished || pending.some(function (n) { return n.matches(PENDING); })) return;
      finished = true;
      observer.disconnect();
      done();
    }
    const observer = new MutationObserver(check);
    pending.forEach(function (n) {
      observer.observe(n, { attributes: true, attributeFilter: ["class"] });
    });
    window.setTimeout(function () {
      if (finished) return;
      finished = true;
      observer.disconnect();
      done();
    }, FAIL_SAFE_MS);
    typeset(node);
    check();
  }

  // Inserted by htmx as it is (the paper page's FAQ section, the answer to a request).
  document.addEventListener("htmx:load", function (event) {
    const elt = event.detail && event.detail.elt;
    if (elt instanceof Element && elt.matches(".faq-answer")) typeset(elt);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const live = event.detail && event.detail.elt;
    if (!(live instanceof Element) || !live.matches(".faq-live")) return;
    if (!event.detail.successful || live.faqBusy) return;
    const text = event.detail.xhr.responseText;
    if (text === live.faqLast) return;
    live.faqLast = text;
    const template = document.createElement("template");
    template.innerHTML = text;
    const next = template.content.querySelector(".faq-answer");
    if (!next) return;
    live.faqBusy = true;
    const stage = document.createElement("div");
    stage.className = "faq-stage";
    stage.setAttribute("aria-hidden", "true");
    stage.style.width = live.getBoundingClientRect().width + "px"; // CSSOM: allowed by the CSP
    stage.appendChild(next);
    document.body.appendChild(stage);
    whenTypeset(next, function () {
      if (live.isConnected) {
        live.replaceWith(next);
        next.faqLast = text;
        if (window.htmx) window.htmx.process(next);
      }
      stage.remove();
    });
  });
})();
