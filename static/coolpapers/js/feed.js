/*
 * Cool Papers: a signed-in reader's 👍/👎 on every card and paper page, and read marks on the
 * For you pages. Loaded (defer) for signed-in readers only.
 *
 * - The controls are plain forms that work without JavaScript (POST, then back to the page).
 *   Here they are sent with fetch instead (Accept: application/json, the form's own CSRF
 *   token), and the buttons' pressed state, value and the card's marks change in place.
 * - Opening a paper from a For you card (its title or [PDF]) marks it read, with a beacon
 *   that outlives the navigation.
 * Handlers are delegated from `document`, so papers that htmx inserts later work too.
 */
(function () {
  "use strict";

  const gettext = window.gettext || function (text) { return text; };

  function send(form, data) {
    return fetch(form.action, {
      method: "POST",
      body: data,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.detail || String(response.status));
        return body;
      });
    });
  }

  function say(form, text) {
    const status = form.querySelector("[role=status]");
    if (status) status.textContent = text;
  }

  // Every control for the same paper (a paper can be on a page once, but the paper page and
  // a For you card both have one): keep them alike.
  function showRating(paper, value) {
    document.querySelectorAll("form.rate-form").forEach(function (form) {
      if (form.dataset.paper !== paper) return;
      const up = form.querySelector(".rate-up");
      const down = form.querySelector(".rate-down");
      if (up) {
        up.setAttribute("aria-pressed", value === 1 ? "true" : "false");
        up.value = value === 1 ? "none" : "up";
      }
      if (down) {
        down.setAttribute("aria-pressed", value === -1 ? "true" : "false");
        down.value = value === -1 ? "none" : "down";
      }
    });
  }

  function showRead(form, read) {
    const button = form.querySelector(".read-button");
    if (button) {
      button.setAttribute("aria-pressed", read ? "true" : "false");
      button.value = read ? "0" : "1";
    }
    const item = form.closest(".foryou-item");
    if (item) item.classList.toggle("is-read", read);
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    const rating = form.matches("form.rate-form");
    if (!rating && !form.matches("form.read-form")) return;
    event.preventDefault();
    const button = event.submitter;
    const data = new FormData(form);
    if (button && button.name) data.set(button.name, button.value);
    form.setAttribute("aria-busy", "true");
    send(form, data)
      .then(function (body) {
        if (rating) {
          showRating(body.paper, body.value);
          say(form, body.value === 1 ? gettext("Rated 👍") : body.value === -1 ? gettext("Rated 👎") : gettext("Rating removed"));
        } else {
          showRead(form, body.read);
        }
      })
      .catch(function (error) {
        say(form, gettext("Not saved:") + " " + error.message);
      })
      .finally(function () { form.removeAttribute("aria-busy"); });
  });

  // Opening a paper from For you marks it read.
  function opened(event) {
    const link = event.target instanceof Element && event.target.closest(".foryou-item .paper-title a, .foryou-item a.action-pdf");
    if (!link || (event.type === "auxclick" && event.button !== 1)) return;
    const item = link.closest(".foryou-item");
    const form = item && item.querySelector("form.read-form");
    const token = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!item || !token || item.classList.contains("is-read")) return;
    const data = new FormData();
    data.set("csrfmiddlewaretoken", token.value);
    data.set("read", "1");
    if (navigator.sendBeacon && navigator.sendBeacon(item.dataset.readUrl, data)) {
      showRead(form, true);
    }
  }
  document.addEventListener("click", opened);
  document.addEventListener("auxclick", opened);
})();
