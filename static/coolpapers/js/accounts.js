/*
 * Cool Papers: account pages.
 *
 * - The merge offer (/accounts/merge, shown after each sign-in): reads what this browser kept
 *   (interests.js's localStorage: the ❤ keywords, the word cloud's counts, the papers read
 *   last) into a form of ticked checkboxes. Items merged or declined before for this account
 *   are remembered (coolpapers:merged:<user id>) and not offered again; with nothing new the
 *   page goes straight on to where the reader was going. Nothing is sent without a click.
 * - The sign-in code page opened from the mail's link (?code=…, the code filled in by the
 *   server): submitted at once, so the link signs in with one click.
 */
(function () {
  "use strict";

  const gettext = window.gettext || function (text) { return text; };

  // interests.js (every page loads it first) owns the storage and its keys.
  const stored = window.CoolPapersInterests;
  const load = stored.load;
  const save = stored.save;
  const COUNTS_KEY = stored.keys.counts;
  const PREFER_KEY = stored.keys.prefer;
  const LIKED_KEY = stored.keys.liked;
  const CLOUD_OFFER = 20;

  function squash(word) {
    return String(word).replace(/,/g, " ").trim().replace(/\s+/g, " ");
  }

  function mergedKey(userId) {
    return "coolpapers:merged:" + userId;
  }

  function remembered(userId) {
    const stored = load(mergedKey(userId), {});
    return {
      keywords: Array.isArray(stored.keywords) ? stored.keywords : [],
      papers: Array.isArray(stored.papers) ? stored.papers : [],
    };
  }

  function remember(userId, keywords, papers) {
    const known = remembered(userId);
    const words = new Set(known.keywords.map(function (w) { return w.toLowerCase(); }));
    keywords.forEach(function (w) { words.add(w.toLowerCase()); });
    const ids = new Set(known.papers);
    papers.forEach(function (id) { ids.add(id); });
    save(mergedKey(userId), { keywords: Array.from(words), papers: Array.from(ids) });
  }

  function browserInterests() {
    const prefer = String(load(PREFER_KEY, "") || "")
      .split(/[,;\n]+/)
      .map(squash)
      .filter(Boolean);
    const counts = load(COUNTS_KEY, {});
    const cloud = counts && typeof counts === "object" && !Array.isArray(counts)
      ? Object.entries(counts)
        .filter(function (pair) { return Number(pair[1]) > 0; })
        .sort(function (a, b) { return b[1] - a[1] || a[0].localeCompare(b[0]); })
        .map(function (pair) { return squash(pair[0]); })
        .filter(Boolean)
      : [];
    const liked = load(LIKED_KEY, []);
    const papers = Array.isArray(liked)
      ? liked.filter(function (id) { return typeof id === "string" && id; })
      : [];
    return { prefer: prefer, cloud: cloud, papers: papers };
  }

  function unique(words, exclude) {
    const seen = new Set(exclude);
    return words.filter(function (word) {
      const key = word.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  function addChoices(group, name, values, prefix) {
    const list = group.querySelector(".merge-list");
    values.forEach(function (value, n) {
      const item = document.createElement("li");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.name = name;
      box.value = value;
      box.checked = true;
      box.id = prefix + n;
      const label = document.createElement("label");
      label.htmlFor = box.id;
      label.textContent = value;
      item.append(box, " ", label);
      list.append(item);
    });
    group.hidden = values.length === 0;
  }

  function showTitles(offer, form, papers) {
    if (!papers.length || !offer.dataset.titles) return;
    const url = offer.dataset.titles + "?ids=" + encodeURIComponent(papers.join(","));
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { titles: {} }; })
      .then(function (data) {
        form.querySelectorAll('.merge-papers input[name="papers"]').forEach(function (box) {
          const title = data.titles && data.titles[box.value];
          if (!title) return;
          const label = form.querySelector('label[for="' + box.id + '"]');
          const text = document.createElement("span");
          text.className = "merge-title";
          text.lang = "en";
          text.textContent = " " + title;
          label.append(text);
        });
      })
      .catch(function () { /* ids alone then */ });
  }

  function setUpOffer() {
    const offer = document.querySelector(".merge-offer[data-merge-user]");
    if (!offer) return;
    const userId = offer.dataset.mergeUser;
    const form = offer.querySelector(".merge-form");
    const status = offer.querySelector(".merge-status");
    const failed = offer.querySelector(".notice-error");
    const known = remembered(userId);
    const kept = browserInterests();
    const prefer = unique(kept.prefer, known.keywords);
    const cloud = unique(kept.cloud, known.keywords.concat(prefer.map(function (w) { return w.toLowerCase(); })))
      .slice(0, CLOUD_OFFER);
    const papers = kept.papers.filter(function (id) { return known.papers.indexOf(id) < 0; });
    if (!prefer.length && !cloud.length && !papers.length && !failed) {
      status.textContent = gettext("Nothing new to merge from this browser.");
      window.location.replace(offer.dataset.next || "/");
      return;
    }
    addChoices(form.querySelector(".merge-prefer"), "keywords", prefer, "merge-prefer-");
    addChoices(form.querySelector(".merge-cloud"), "keywords", cloud, "merge-cloud-");
    addChoices(form.querySelector(".merge-papers"), "papers", papers, "merge-paper-");
    status.textContent = gettext("This browser kept these. Untick what you do not want in your account.");
    form.hidden = false;
    const skip = offer.querySelector(".merge-continue");
    if (skip) skip.hidden = true;
    showTitles(offer, form, papers);
    form.querySelector(".merge-skip").addEventListener("click", function () {
      // Declined: not offered again (new interests will be).
      remember(userId, prefer.concat(cloud), papers);
    });
    form.addEventListener("submit", function () {
      // What was offered and left unticked counts as declined.
      remember(userId, prefer.concat(cloud), papers);
    });
  }

  function setUpDone() {
    const done = document.querySelector(".merge-done[data-merge-user]");
    if (!done) return;
    try {
      const merged = JSON.parse(done.dataset.merged || "{}");
      remember(done.dataset.mergeUser, merged.keywords || [], merged.papers || []);
    } catch (error) {
      // nothing to remember
    }
  }

  function submitCodeFromLink() {
    const code = new URLSearchParams(window.location.search).get("code");
    if (!code) return;
    const field = document.querySelector('form.account-form input[name="code"]');
    if (!field || field.value !== code || document.querySelector(".notice-error")) return;
    const form = field.form;
    if (form.dataset.submitted) return;
    form.dataset.submitted = "1";
    form.requestSubmit();
  }

  function start() {
    setUpOffer();
    setUpDone();
    submitCodeFromLink();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
