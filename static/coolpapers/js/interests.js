/*
 * Cool Papers: the reader's interests, kept in this browser only (localStorage).
 *
 * - Counting: opening a paper page, or clicking [PDF] or [REL] of a paper, adds one to each
 *   of the paper's keywords (read from data-keyword, which browser translation leaves alone).
 * - "My interests" (/interests): the counts drawn as a word cloud, a button that clears
 *   them, and the reader's own preference keywords for the ❤ sort.
 * - Papers read: the same opens and clicks keep the ids of the last 20 papers, newest first.
 * - ❤ sort links (a[data-prefer]) get the keywords in ?kw=: the reader's preference
 *   keywords, or else the 20 biggest words of the cloud. When the page says the site runs in
 *   semantic mode (data-semantic="1"), they also get the papers read in ?like=, which the
 *   server prefers (nearest to those papers first). With neither, they lead to /interests.
 * Nothing here talks to the server except by following a link the reader clicks.
 * Messages are in the page's language: gettext() and friends come from the catalog script
 * base.html loads first (/jsi18n/<language>.js); without it, English.
 */
(function () {
  "use strict";

  const gettext = window.gettext || function (text) { return text; };
  const ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  const interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (all, name) { return String(values[name]); });
  };

  const COUNTS_KEY = "coolpapers:interests";
  const PREFER_KEY = "coolpapers:prefer";
  const LIKED_KEY = "coolpapers:liked";
  const LIKED_SIZE = 20;
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

  function liked() {
    const stored = load(LIKED_KEY, []);
    return Array.isArray(stored)
      ? stored.filter(function (id) { return typeof id === "string" && id; }).slice(0, LIKED_SIZE)
      : [];
  }

  function remember(paper) {
    const id = paper && paper.dataset.arxivId;
    if (!id) return;
    const ids = liked().filter(function (other) { return other !== id; });
    ids.unshift(id);
    save(LIKED_KEY, ids.slice(0, LIKED_SIZE));
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
    if (!paper) return;
    count(keywordsOf(paper));
    remember(paper);
    updatePreferLinks();
  });

  function countOpenedPaper() {
    const page = document.querySelector("article.paper-page");
    if (!page) return;
    count(keywordsOf(page));
    remember(page);
  }

  // --- ❤ sort links -----------------------------------------------------------------------

  function updatePreferLinks() {
    const keywords = preferKeywords();
    const papers = liked();
    document.querySelectorAll("a[data-prefer]").forEach(function (link) {
      const like = link.dataset.semantic === "1" ? papers : [];
      if (keywords.length || like.length) {
        const url = new URL(link.dataset.prefer, window.location.href);
        url.searchParams.set("sort", "prefer");
        if (keywords.length) url.searchParams.set("kw", keywords.join(","));
        else url.searchParams.delete("kw");
        if (like.length) url.searchParams.set("like", like.join(","));
        else url.searchParams.delete("like");
        url.searchParams.delete("page");
        link.href = url.pathname + url.search;
        const why = [];
        if (like.length) {
          why.push(interpolate(ngettext(
            "papers like the %(count)s you read last",
            "papers like the %(count)s you read last",
            like.length
          ), { count: like.length }, true));
        }
        if (keywords.length) why.push(keywords.join(", "));
        link.title = interpolate(gettext("Your interests first: %(why)s"), { why: why.join("; ") }, true);
      } else {
        link.href = link.dataset.interests || "/interests";
        link.title = gettext("Tell us your interests first");
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
      status.textContent = gettext("No interests yet: open a few papers, or click their [PDF] or [REL].");
      return;
    }
    status.textContent = interpolate(ngettext(
      "%(count)s keyword from your reading.",
      "%(count)s keywords from your reading.",
      words.length
    ), { count: words.length }, true);
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
      ? interpolate(gettext("The ❤ sort uses: %(keywords)s"), { keywords: keywords.join(", ") }, true)
      : gettext("The ❤ sort has no keywords yet.");
    const read = page.querySelector(".liked-current");
    if (read) {
      const papers = liked();
      read.textContent = papers.length
        ? interpolate(gettext("Papers you read last (%(count)s): %(ids)s"), {
          count: papers.length,
          ids: papers.join(", "),
        }, true)
        : gettext("No papers read yet.");
    }
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
        window.localStorage.removeItem(LIKED_KEY);
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

  // What this browser keeps, for the account pages' merge offer (accounts.js).
  window.CoolPapersInterests = {
    load: load,
    save: save,
    keys: { counts: COUNTS_KEY, prefer: PREFER_KEY, liked: LIKED_KEY },
  };
})();
