/*
 * Cool Papers: formulas typeset by MathJax in a way browser translation cannot break.
 *
 * The server (coolpapers/rendering/tex.py) sends every formula as
 * <span class="math notranslate" translate="no">\(…\)</span> and wraps each title, abstract or
 * note that holds one in <span class="tex notranslate" translate="no">. A browser translator
 * leaves both alone, so it never sees raw TeX. This file typesets the formulas of such a
 * wrapper, marks the typeset output notranslate too, and only then drops the wrapper's
 * notranslate: translation of the text runs after typesetting, whether it was switched on
 * before the page loaded, after, or while more papers arrive. Formulas stay notranslate.
 *
 * - Only the .math spans are typeset (they are passed to MathJax one by one), so a `$` or
 *   `\(` that the server left as text is never taken for a formula.
 * - Work is done a few wrappers at a time in idle time, so scrolling never waits for it. The
 *   initial papers are queued at once, each lazily loaded chunk on "coolpapers:chunk-loaded"
 *   (browse.js; event.detail.root is the new chunk), and only that chunk.
 * - A formula wider than its line is scaled down to fit, again whenever the window resizes.
 * - MathJax itself (the script named by this script's data-mathjax) is loaded from here once a
 *   formula needs it, and not at all when the footer link has set the cookie math=off: the page then shows the
 *   TeX source and the wrappers are released at once. Pages are the same for every reader
 *   (they are cached), so the setting is read here, not on the server.
 * - The site runs under a strict Content-Security-Policy: MathJax's style sheets, which it
 *   would add as inline <style> elements, are adopted as constructed style sheets instead.
 * - What TeX typesets is safe without that policy's help, since titles, abstracts and notes
 *   are anyone's text: the `html` package (\href, \class, \cssId, \style, \data) is never
 *   loaded, its macros show their content only, and MathJax's `safe` extension removes every
 *   id, class and style that TeX asks for (\mmlToken, \bbox) and every link but http(s).
 *
 * NO FLASH OF TEX, NO SHIFT (site.css, section "math")
 * ------------------------------------------------------
 * For readers with JavaScript (CSS's `scripting` media feature, so from the first paint of
 * the cached HTML on), a wrapper that waits for its formulas is hidden (visibility, so it
 * keeps its place), and so is its paper and everything after it on the page. Typesetting
 * changes the wrapper's size where no one sees it; when the wrapper is released, what
 * appears is final and nothing that was visible moves (no layout shift, no TeX source).
 * Wrappers are typeset in page order, at once while they are near the screen (so the
 * first screen appears as soon as MathJax is ready), in idle time below it. To make that
 * soon, MathJax's components, its main font and the font data the page's TeX asks for
 * (\mathbb, \mathcal, ...) are fetched in parallel from here, and that font data is set up
 * before the first typeset (MathJax would otherwise stop and start over for each file).
 * This script marks <html class="math-js"> when it runs (if it never does, the CSS shows
 * the page after 3 s anyway), and <html class="math-settled"> while no wrapper waits and
 * no chunk is being loaded (the footer shows then: nothing moves it on screen). If MathJax is not ready 10 s after this script ran (or fails
 * to load), the TeX source is shown, as with math=off.
 */
(function () {
  "use strict";

  const PENDING = ".tex.notranslate";
  const BATCH = 8; // wrappers per slice: the titles and abstracts of about four papers
  const READY_TIMEOUT = 10000; // ms without MathJax before the TeX source is shown instead
  const FONT_WAIT = 300; // ms a slice waits at most for MathJax's fonts before it is shown
  // Font data MathJax loads on demand (and its font), fetched up front when the TeX uses it.
  const ALPHABETS = {
    "double-struck": [/\\(?:mathbb|Bbb|mathbbm|mathds)\b/, "ds"],
    calligraphic: [/\\(?:mathcal|cal)\b/, "c"],
    fraktur: [/\\(?:mathfrak|frak)\b/, "f"],
    script: [/\\mathscr\b/, "s"],
  };
  document.documentElement.classList.add("math-js"); // CSS: no fail-safe reveal needed
  const BLOCKS = ".math.display, p, li, td, th, h1, h2, h3, h4, h5, h6, blockquote, div";
  // Off by the reader's choice (the page then loads no MathJax), or when MathJax failed to load.
  let mathOff = document.cookie.split(/;\s*/).includes("math=off");
  const mathjaxUrl = document.currentScript && document.currentScript.dataset.mathjax;

  const queue = [];
  let mathReady = false;
  let busy = false;
  let chunksLoading = 0;

  // --- MathJax configuration (read by vendor/mathjax/startup.js, loaded after this file) ---

  window.MathJax = {
    loader: {
      // No context menu and no speech: they would load inline styles and a blob worker.
      load: ["input/tex", "output/chtml", "a11y/assistive-mml", "ui/safe"],
      paths: { fonts: "[mathjax]/fonts" },
    },
    tex: {
      // tex.math_delimited writes \(…\) and \[…\], and $…$ or $$…$$ only when the TeX itself
      // holds \) or \]. Environments are their own delimiters.
      inlineMath: [["\\(", "\\)"], ["$", "$"]],
      displayMath: [["\\[", "\\]"], ["$$", "$$"]],
      processEscapes: false,
      processEnvironments: true,
      macros: {
        // Blackboard-bold packages whose fonts we do not ship: \mathbb looks the same.
        mathbbm: ["\\mathbb{#1}", 1],
        mathds: ["\\mathbb{#1}", 1],
        // The html package's macros, which would give the page TeX's links, ids, classes,
        // styles and data attributes (data-star-url, read by browse.js): their content only.
        href: ["{#2}", 2],
        "class": ["{#2}", 2],
        cssId: ["{#2}", 2],
        style: ["{#2}", 2],
        data: ["{#2}", 2],
      },
      autoload: { bbm: [], dsfont: [], html: [] },
      require: { allow: { html: false } }, // \require{html} is an error
    },
    options: {
      // ui/safe, for what TeX can still ask for without the html package (\mmlToken's href,
      // id, class and style; \bbox's style): only http(s) links (see strictUrls) and none
      // of the rest. MathJax's own classes and styles come from its output, not from TeX.
      safeOptions: {
        allow: { URLs: "safe", classes: "none", cssIDs: "none", styles: "none" },
        safeProtocols: { http: true, https: true, file: false, javascript: false, data: false },
      },
    },
    startup: {
      typeset: false,
      ready: function () {
        adoptStyleSheets(window.MathJax._.adaptors.HTMLAdaptor.HTMLAdaptor);
        strictUrls(window.MathJax._.ui.safe.SafeMethods.SafeMethods);
        window.MathJax.startup.defaultReady();
        window.MathJax.startup.promise.then(loadAlphabets).then(
          function () {
            mathReady = true;
            pump();
          },
          function (error) {
            console.error("MathJax failed to start", error);
            mathOff = true; // the text must not stay untranslatable
            pump();
          }
        );
      },
    },
  };

  // MathJax is fetched when the first formula needs it: a page without one (home, most
  // searches) never downloads or runs it, and a lazily loaded chunk with one fetches it then.
  let requested = false;
  function requestMathJax() {
    if (requested || mathOff || !mathjaxUrl) return;
    requested = true;
    const script = document.createElement("script");
    script.src = mathjaxUrl;
    script.addEventListener("error", giveUp);
    document.head.append(script);
    preload(mathjaxUrl.replace(/[^/]*$/, ""));
    window.setTimeout(function () { if (!mathReady) giveUp(); }, READY_TIMEOUT);
  }

  function giveUp() {
    // No MathJax (a failed download, or far too slow): the TeX source, readable and
    // translatable, rather than hidden papers.
    if (mathOff || mathReady || !requested) return;
    mathOff = true;
    pump();
  }

  function alphabets() {
    // The on-demand font data that the formulas of this page ask for.
    const tex = Array.from(document.querySelectorAll(".math"), function (math) {
      return math.textContent;
    }).join(" ");
    return Object.keys(ALPHABETS).filter(function (name) { return ALPHABETS[name][0].test(tex); });
  }

  function preload(root) {
    // What startup.js would fetch one after the other (core, then the components, then the
    // font), and the fonts the first formulas need, all at once.
    const hints = [
      "core.js", "input/tex.js", "output/chtml.js", "a11y/assistive-mml.js", "ui/safe.js",
      "fonts/mathjax-newcm-font/chtml.js",
    ].map(function (path) { return [path, "script"]; });
    if (document.querySelector(".math")) {
      const fonts = ["n", "zero", "brk"];
      alphabets().forEach(function (name) {
        hints.push(["fonts/mathjax-newcm-font/chtml/dynamic/" + name + ".js", "script"]);
        fonts.push(ALPHABETS[name][1]);
      });
      fonts.forEach(function (name) {
        hints.push(["fonts/mathjax-newcm-font/chtml/woff2/mjx-ncm-" + name + ".woff2", "font"]);
      });
    }
    hints.forEach(function (hint) {
      const link = document.createElement("link");
      link.rel = "preload";
      link.as = hint[1];
      link.href = root + hint[0];
      if (hint[1] === "font") {
        link.type = "font/woff2";
        link.crossOrigin = "anonymous"; // fonts are fetched in CORS mode, same origin or not
      }
      document.head.append(link);
    });
  }

  function loadAlphabets() {
    // Sets up the font data of alphabets() before the first typeset; failures are MathJax's
    // to report (it falls back to loading on demand).
    const font = window.MathJax.startup.document.outputJax.font;
    const files = font.CLASS.dynamicFiles || {};
    return Promise.all(alphabets().filter(function (name) { return files[name]; }).map(
      function (name) { return font.loadDynamicFile(files[name]).catch(function () {}); }
    ));
  }

  function adoptStyleSheets(Adaptor) {
    // MathJax builds each style sheet as a <style> element and later adds rules to its
    // `sheet`; here the element never enters the page and its rules live in a
    // CSSStyleSheet adopted by the document, which a CSP without 'unsafe-inline' allows.
    const sheets = new WeakMap();
    function sheetOf(node) {
      let sheet = sheets.get(node);
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(node.textContent);
        sheets.set(node, sheet);
        document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
      }
      return sheet;
    }
    const isStyle = function (node) { return node instanceof HTMLStyleElement; };
    const append = Adaptor.prototype.append;
    const replace = Adaptor.prototype.replace;
    Adaptor.prototype.append = function (parent, child) {
      if (isStyle(child)) {
        sheetOf(child);
        return child;
      }
      return append.call(this, parent, child);
    };
    Adaptor.prototype.replace = function (node, old) {
      if (isStyle(node)) {
        sheetOf(node);
        return old;
      }
      return replace.call(this, node, old);
    };
    Adaptor.prototype.insertRules = function (node, rules) {
      const sheet = sheetOf(node);
      rules.forEach(function (rule) { sheet.insertRule(rule, sheet.cssRules.length); });
    };
    Adaptor.prototype.cssText = function (node) {
      if (!isStyle(node)) return "";
      return Array.from(sheetOf(node).cssRules, function (rule) { return rule.cssText; }).join("\n");
    };
  }

  function strictUrls(methods) {
    // MathJax's filterURL lets through a URL without a scheme, and finds none in
    // "java\tscript:…", which a browser reads as javascript: (URL parsers drop tabs). Only
    // an absolute http(s) URL without blanks, control characters or quotes passes here.
    const HTTP_URL = /^https?:\/\/[^\s\x00-\x1f\x7f-\x9f"'<>\\^`{|}]+$/i;
    methods.filterURL = function (safe, url) {
      return safe.allow.URLs !== "none" && HTTP_URL.test(url) ? url : null;
    };
  }

  // --- typesetting, a few wrappers at a time ---------------------------------------------

  function idle(callback) {
    if (window.requestIdleCallback) {
      window.requestIdleCallback(callback, { timeout: 150 });
    } else {
      window.setTimeout(callback, 0);
    }
  }

  function enqueue(root) {
    if (root.matches && root.matches(PENDING)) queue.push(root);
    root.querySelectorAll(PENDING).forEach(function (node) { queue.push(node); });
    if (queue.length) requestMathJax();
    settled();
    pump();
  }

  function settled() {
    // The footer (site.css) shows when no wrapper waits and no chunk is on its way (htmx
    // loads the next one at the .sentinel, just above the footer): neither typesetting
    // nor the new chunk moves it on screen.
    document.documentElement.classList.toggle(
      "math-settled", !queue.length && !busy && !chunksLoading
    );
  }

  function isChunkRequest(event) {
    const elt = event.detail && event.detail.elt;
    return elt instanceof Element && elt.matches(".sentinel");
  }
  function chunkDone() {
    chunksLoading = Math.max(0, chunksLoading - 1);
    settled();
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!isChunkRequest(event)) return;
    chunksLoading += 1;
    settled();
  });
  // A chunk that came is done on "coolpapers:chunk-loaded" (below, once its wrappers are
  // queued); one that failed here (the sentinel stays, with its "Load more papers" link).
  document.addEventListener("htmx:afterRequest", function (event) {
    if (isChunkRequest(event) && !event.detail.successful) chunkDone();
  });

  function pump() {
    if (busy || !queue.length || !(mathReady || mathOff)) return;
    if (mathOff) {
      // Nothing to typeset: every wrapper is released at once (no layout changes).
      queue.splice(0).forEach(release);
      settled();
      return;
    }
    busy = true;
    if (nearScreen(queue[0])) {
      window.setTimeout(step, 0); // on or just below the screen: hidden until done
    } else {
      idle(step);
    }
  }

  function nearScreen(node) {
    const box = node.getBoundingClientRect();
    return box.top < window.innerHeight * 2 && box.bottom > -window.innerHeight;
  }

  function fontsOrTimeout() {
    // The typeset formulas' fonts have started to load (fit() laid them out): show them
    // with their glyphs when these come soon. Box sizes do not depend on the fonts.
    return Promise.race([
      document.fonts ? document.fonts.ready : Promise.resolve(),
      new Promise(function (resolve) { window.setTimeout(resolve, FONT_WAIT); }),
    ]);
  }

  function step() {
    const batch = queue.splice(0, BATCH);
    const formulas = [];
    batch.forEach(function (node) {
      node.querySelectorAll(".math").forEach(function (math) { formulas.push(math); });
    });
    const typeset = mathOff || !formulas.length
      ? Promise.resolve()
      : window.MathJax.typesetPromise(formulas);
    typeset
      .then(function () {
        if (!mathOff) {
          const containers = protect(formulas);
          fit(containers);
          if (containers.length) return fontsOrTimeout();
        }
      })
      .catch(function (error) { console.error("MathJax could not typeset", error); })
      .then(function () {
        batch.forEach(release);
        busy = false;
        settled();
        pump();
      });
  }

  function protect(formulas) {
    const containers = [];
    formulas.forEach(function (math) {
      math.querySelectorAll("mjx-container").forEach(function (container) {
        container.classList.add("notranslate");
        container.setAttribute("translate", "no");
        containers.push(container);
      });
    });
    return containers;
  }

  function release(node) {
    node.classList.remove("notranslate");
    node.removeAttribute("translate");
  }

  // --- formulas wider than their line ----------------------------------------------------

  function padding(node) {
    const style = getComputedStyle(node);
    return parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
  }

  function room(container) {
    // The line's width, less the padding MathJax gives a display formula's container.
    const block = container.parentElement.closest(BLOCKS);
    return block ? block.clientWidth - padding(block) - padding(container) : Infinity;
  }

  function fit(containers) {
    // All writes, then all reads, then all writes: one layout, however many formulas.
    containers.forEach(function (container) {
      if (!container.dataset.size) container.dataset.size = parseFloat(container.style.fontSize) || 100;
      container.style.fontSize = container.dataset.size + "%";
    });
    const sizes = containers.map(function (container) {
      const math = container.firstElementChild || container;
      return [container, math.getBoundingClientRect().width, room(container)];
    });
    sizes.forEach(function (entry) {
      const container = entry[0], width = entry[1], available = entry[2];
      if (width > available + 0.5) {
        const scale = available / width;
        container.style.fontSize = (parseFloat(container.dataset.size) * scale).toFixed(2) + "%";
      }
    });
  }

  let resizeFrame = 0;
  window.addEventListener("resize", function () {
    window.cancelAnimationFrame(resizeFrame);
    resizeFrame = window.requestAnimationFrame(function () {
      fit(Array.from(document.querySelectorAll(".math mjx-container")));
    });
  });

  // --- the reader's switch ---------------------------------------------------------------

  function showSwitch() {
    const link = document.querySelector("a.math-toggle");
    const note = document.querySelector(".math-off-note");
    if (!link || !mathOff || !document.cookie.split(/;\s*/).includes("math=off")) return;
    link.dataset.math = "on";
    link.textContent = link.dataset.labelOn || "Typeset formulas";
    if (note) note.hidden = false;
  }

  document.addEventListener("click", function (event) {
    const link = event.target instanceof Element && event.target.closest("a.math-toggle");
    if (!link) return;
    event.preventDefault();
    document.cookie = link.dataset.math === "off"
      ? "math=off; path=/; max-age=31536000; samesite=lax"
      : "math=; path=/; max-age=0; samesite=lax";
    window.location.reload();
  });

  // --- what to typeset -------------------------------------------------------------------

  document.addEventListener("coolpapers:chunk-loaded", function (event) {
    enqueue(event.detail.root);
    chunkDone();
  });

  // Without MathJax (a failed download), the text must not stay untranslatable.
  window.addEventListener("load", function () {
    if (!(window.MathJax && window.MathJax.version)) giveUp();
  });

  // For pages that insert content themselves (the admin's note preview).
  window.CoolPapersMath = { typeset: enqueue };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      showSwitch();
      enqueue(document);
    });
  } else {
    showSwitch();
    enqueue(document);
  }
})();
