/*
 * In-page keyword filter of a daily list. Highlights several keywords at once in the papers
 * loaded so far and can hide the papers that match none of them.
 *
 * - Keywords: words separated by spaces or commas; "quoted phrases" stay together. Matching
 *   is case-insensitive and by substring ("model" also marks "models").
 * - Matches are wrapped in <mark class="kw kw-N"> (N = keyword number, for its colour) in
 *   text nodes only, never inside an element with class "math" (typeset formulas) or in
 *   <summary> labels.
 * - Chunks loaded later get the same treatment through the "coolpapers:chunk-loaded" hook
 *   that browse.js dispatches (event.detail.root = the inserted chunk).
 * - The status is in the page's language (gettext() from /jsi18n/<language>.js; else English).
 */
(function () {
  "use strict";

  const ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  const interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (all, name) { return String(values[name]); });
  };

  const form = document.querySelector("form.filter-bar");
  const papers = document.getElementById("papers");
  if (!form || !papers) return;
  form.hidden = false;

  const input = form.elements.namedItem("keywords");
  const hideMisses = form.elements.namedItem("hide");
  const status = form.querySelector(".filter-status");
  const FIELDS = ".paper-title, .authors, .comments, .abstract";
  const SKIP = ".math, mark, summary, script, style";
  const COLOURS = 6;

  function parseKeywords(text) {
    const words = [];
    const token = /"([^"]*)"|([^\s,"]+)/g;
    let match;
    while ((match = token.exec(text)) !== null) {
      const word = (match[1] !== undefined ? match[1] : match[2])
        .trim()
        .replace(/\s+/g, " ")
        .toLowerCase();
      if (word && !words.includes(word)) words.push(word);
    }
    return words;
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function phrasePattern(word) {
    // A phrase also matches where the abstract wraps between its words.
    return word.split(/\s+/).map(escapeRegExp).join("\\s+");
  }

  function compile(words) {
    if (!words.length) return null;
    // Longest first, so "language model" wins over "language" where both match.
    const alternatives = words.slice().sort(function (a, b) { return b.length - a.length; });
    return new RegExp(alternatives.map(phrasePattern).join("|"), "gi");
  }

  function unwrap(mark) {
    const text = document.createTextNode(mark.textContent);
    mark.replaceWith(text);
    // Merge with neighbouring text so the next search sees whole words again.
    while (text.previousSibling && text.previousSibling.nodeType === Node.TEXT_NODE) {
      text.data = text.previousSibling.data + text.data;
      text.previousSibling.remove();
    }
    while (text.nextSibling && text.nextSibling.nodeType === Node.TEXT_NODE) {
      text.data += text.nextSibling.data;
      text.nextSibling.remove();
    }
  }

  function textNodes(field) {
    const walker = document.createTreeWalker(field, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        const parent = node.parentElement;
        return parent && !parent.closest(SKIP) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT;
      },
    });
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    return nodes;
  }

  function markMatches(node, pattern, colourOf) {
    const text = node.data;
    let fragment = null;
    let last = 0;
    let match;
    pattern.lastIndex = 0;
    while ((match = pattern.exec(text)) !== null) {
      fragment = fragment || document.createDocumentFragment();
      if (match.index > last) fragment.append(text.slice(last, match.index));
      const mark = document.createElement("mark");
      const word = match[0].toLowerCase().replace(/\s+/g, " ");
      mark.className = "kw kw-" + ((colourOf.get(word) || 0) % COLOURS);
      mark.textContent = match[0];
      fragment.append(mark);
      last = match.index + match[0].length;
    }
    if (!fragment) return false;
    if (last < text.length) fragment.append(text.slice(last));
    node.replaceWith(fragment);
    return true;
  }

  function filterPaper(paper, pattern, colourOf) {
    paper.querySelectorAll("mark.kw").forEach(unwrap);
    let matched = false;
    if (pattern) {
      paper.querySelectorAll(FIELDS).forEach(function (field) {
        textNodes(field).forEach(function (node) {
          if (markMatches(node, pattern, colourOf)) matched = true;
        });
      });
      // A match among the collapsed authors is shown, not left behind "show all".
      paper.querySelectorAll("details.more-authors").forEach(function (details) {
        if (details.querySelector("mark.kw")) details.open = true;
      });
    }
    paper.classList.toggle("filter-miss", Boolean(pattern) && !matched);
    paper.hidden = Boolean(pattern) && hideMisses.checked && !matched;
  }

  function apply(root) {
    const words = parseKeywords(input.value);
    const pattern = compile(words);
    const colourOf = new Map(words.map(function (word, i) { return [word, i]; }));
    root.querySelectorAll("article.paper").forEach(function (paper) {
      filterPaper(paper, pattern, colourOf);
    });
    const all = papers.querySelectorAll("article.paper");
    const misses = papers.querySelectorAll("article.paper.filter-miss");
    status.textContent = pattern
      ? interpolate(ngettext(
        "%(matched)s of %(total)s loaded paper matches",
        "%(matched)s of %(total)s loaded papers match",
        all.length
      ), { matched: all.length - misses.length, total: all.length }, true)
      : "";
  }

  let timer = 0;
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { apply(papers); }, 150);
  });
  hideMisses.addEventListener("change", function () { apply(papers); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    apply(papers);
  });
  document.addEventListener("coolpapers:chunk-loaded", function (event) {
    apply(event.detail.root);
  });
})();
