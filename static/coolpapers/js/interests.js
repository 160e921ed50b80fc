/*
 * Cool Papers: the reader's interests, kept in this browser only (localStorage).
 *
 * - Counting: opening a paper page, or clicking [PDF] or [REL] of a paper, adds one to each
 *   of the paper's keywords (read from data-keyword, which browser translation leaves alone).
 * - "My interests" (/interests): the counts drawn as a word cloud, a button that clears
 *   them, and the reader's own preference keywords for the ❤ sort.
 * - ❤ sort links (a[data-prefer]) get the keywords in ?kw=: the reader's preference
 *   keywords, or else the 20 biggest words of the cloud; with neither, they lead to
 *   /interests.
 * Nothing here talks to the server except by following a link the reader clicks.
 */
(function () {
  "use strict";

  const COUNTS_KEY = "coolpapers:interests";
  const PREFER_KEY = "coolpapers:prefer";
  const CLOUD_SIZE = 100;
  const PREFER_FROM_CLOUD = 20;

  function load(key, fallback) {
    try {
      const value = JSON.parse(window.localStorage.getItem(key));
      return value === null ? fallback : value;
    } catch (error) {
      return fallback;
    }
  }

  function save(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      // Storage full or disabled (private mode): interests are simply not kept.
    }
  }

  function counts() {
    const stored = load(COUNTS_KEY, {});
    return stored && typeof stored === "object" && !Array.isArray(stored) ? stored : {};
  }

  function keywordsOf(root) {
    return Array.from(root.querySelectorAll("a.keyword[data-keyword]"), function (link) {
      return link.dataset.keyword;
    });
  }

  function count(keywords) {
    if (!keywords.length) return;
    const stored = counts();
    keywords.forEach(function (keyword) {
      stored[keyword] = (Number(stored[keyword]) || 0) + 1;
    });
    save(COUNTS_KEY, stored);
  }

  function ranked() {
    return Object.entries(counts())
      .filter(function (pair) { return Number(pair[1]) > 0; })
      .sort(function (a, b) { return b[1] - a[1] || a[0].localeCompare(b[0]); });
  }

  function preferKeywords() {
    const own = String(load(PREFER_KEY, "") || "")
      .split(/[,;\n]+/)
      .map(function (word) { return word.trim().replace(/\s+/g, " "); })
      .filter(Boolean);
    if (own.length) return own;
    return ranked().slice(0, PREFER_FROM_CLOUD).map(function (pair) { return pair[0]; });
  }

  // --- counting ---------------------------------------------------------------------------

  document.addEventListener("click", function (event) {
    const link = event.target instanceof Element && event.target.closest("a.action-pdf, a.action-rel");
    if (!link) return;
    const paper = link.closest("article.paper");
    if (paper) count(keywordsOf(paper));
  });

  function countOpenedPaper() {
    const page = document.querySelector("article.paper-page");
    if (page) count(keywordsOf(page));
  }

  // --- ❤ sort links -----------------------------------------------------------------------

  function updatePreferLinks() {
    const keywords = preferKeywords();
    document.querySelectorAll("a[data-prefer]").forEach(function (link) {
      if (keywords.length) {
        const url = new URL(link.dataset.prefer, window.location.href);
        url.searchParams.set("sort", "prefer");
        url.searchParams.set("kw", keywords.join(","));
        url.searchParams.delete("page");
        link.href = url.pathname + url.search;
        link.title = "Your interests first: " + keywords.join(", ");
      } else {
        link.href = link.dataset.interests || "/interests";
        link.title = "Tell us your interests first";
      }
      (link.closest(".prefer-sort") || link).hidden = false;
    });
  }

  // --- the interests page -----------------------------------------------------------------

  function drawCloud(page) {
    const cloud = page.querySelector("#word-cloud");
    const status = page.querySelector(".cloud-status");
    const words = ranked().slice(0, CLOUD_SIZE);
    cloud.replaceChildren();
    if (!words.length) {
      status.textContent = "No interests yet: open a few papers, or click their [PDF] or [REL].";
      return;
    }
    status.textContent = words.length + " keywords from your reading.";
    const most = Math.log(1 + words[0][1]);
    const searchPath = cloud.dataset.search || "/arxiv/search";
    // Alphabetical, like a tag cloud; the size says how often.
    words
      .slice()
      .sort(function (a, b) { return a[0].localeCompare(b[0]); })
      .forEach(function (pair) {
        const link = document.createElement("a");
        const weight = most > 0 ? Math.log(1 + pair[1]) / most : 1;
        link.className = "cloud-word";
        link.textContent = pair[0];
        link.dataset.count = String(pair[1]);
        link.title = pair[0] + ": " + pair[1];
        link.style.fontSize = (0.85 + 1.65 * weight).toFixed(2) + "em";
        link.href = searchPath + "?q=" + encodeURIComponent('"' + pair[0] + '"');
        cloud.append(link, " ");
      });
  }

  function showPreference(page) {
    const current = page.querySelector(".prefer-current");
    const keywords = preferKeywords();
    current.textContent = keywords.length
      ? "The ❤ sort uses: " + keywords.join(", ")
      : "The ❤ sort has no keywords yet.";
  }

  function setUpInterestsPage() {
    const page = document.querySelector("section.interests");
    if (!page) return;
    const main = page.closest("main") || document;
    const field = main.querySelector("#prefer-keywords");
    field.value = String(load(PREFER_KEY, "") || "");
    field.addEventListener("input", function () {
      save(PREFER_KEY, field.value);
      showPreference(main);
      updatePreferLinks();
    });
    main.querySelector(".prefer-form").addEventListener("submit", function (event) {
      event.preventDefault();
    });
    main.querySelector("button.clear-interests").addEventListener("click", function () {
      try {
        window.localStorage.removeItem(COUNTS_KEY);
      } catch (error) {
        // nothing stored
      }
      drawCloud(page);
      showPreference(main);
      updatePreferLinks();
    });
    drawCloud(page);
    showPreference(main);
  }

  function start() {
    countOpenedPaper();
    setUpInterestsPage();
    updatePreferLinks();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
