/*
 * [Save] on every card and paper page of a signed-in reader (templates/personal/_save.html).
 *
 * Without scripts [Save] is a link to the save page (/library/save/<id>), a form of
 * checkboxes. With them it opens a small menu right there: one checkbox per collection of the
 * reader (from /api/collections, asked once per page), each change sent at once to the API
 * (POST /api/collections/<id>/papers, DELETE /api/collections/<id>/papers/<arXiv id>), and a
 * field to make a new collection with the paper in it. The CSRF token comes from /csrf as for
 * stars (browse.js). Escape or a click elsewhere closes the menu and focus returns to [Save].
 * On a collection's page, Mark read / Mark unread is sent in place (no-script: the form posts).
 */
(function () {
  "use strict";

  const TOKEN_KEY = "coolpapers:csrf";
  const t = window.gettext || function (text) { return text; };
  let collectionsRequest = null;
  let openMenu = null;
  let menuCount = 0;

  function csrfToken(refresh) {
    if (!refresh) {
      try {
        const kept = sessionStorage.getItem(TOKEN_KEY);
        if (kept) return Promise.resolve(kept);
      } catch (error) {
        // no session storage: ask every time
      }
    }
    const meta = document.querySelector('meta[name="csrf-url"]');
    return fetch(meta ? meta.content : "/csrf", { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        try {
          sessionStorage.setItem(TOKEN_KEY, data.token);
        } catch (error) {
          // kept for this request only
        }
        return data.token;
      });
  }

  // A JSON request to the API with the CSRF header; a 403 (stale token) asks /csrf once more.
  function api(method, url, body) {
    function send(token) {
      const options = {
        method: method,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token, Accept: "application/json" },
      };
      if (body !== undefined) {
        options.headers["Content-Type"] = "application/json";
        options.body = JSON.stringify(body);
      }
      return fetch(url, options);
    }
    return csrfToken(false)
      .then(send)
      .then(function (response) {
        return response.status === 403 ? csrfToken(true).then(send) : response;
      })
      .then(function (response) {
        if (response.status === 204) return null;
        return response.json().then(function (data) {
          if (!response.ok) {
            const error = new Error(message(data) || t("Something went wrong; try again."));
            error.status = response.status;
            throw error;
          }
          return data;
        });
      });
  }

  function message(data) {
    if (!data) return "";
    if (data.detail) return data.detail;
    const first = Object.keys(data)[0];
    return first ? [].concat(data[first]).join(" ") : "";
  }

  function collections(refresh) {
    if (!collectionsRequest || refresh) {
      collectionsRequest = api("GET", "/api/collections").catch(function (error) {
        collectionsRequest = null;
        throw error;
      });
    }
    return collectionsRequest;
  }

  function heldBy(link) {
    return (link.dataset.in || "").split(",").filter(Boolean).map(Number);
  }

  function showState(link, held) {
    link.dataset.in = held.join(",");
    const saved = held.length > 0;
    link.classList.toggle("is-saved", saved);
    link.textContent = saved ? link.dataset.labelSaved : link.dataset.labelSave;
    // Every card of the same paper on the page shows the same state.
    document.querySelectorAll("a.action-save").forEach(function (other) {
      if (other !== link && other.dataset.saveFor === link.dataset.saveFor) {
        other.dataset.in = link.dataset.in;
        other.classList.toggle("is-saved", saved);
        other.textContent = link.textContent;
      }
    });
  }

  function close(returnFocus) {
    if (!openMenu) return;
    const menu = openMenu;
    openMenu = null;
    menu.link.setAttribute("aria-expanded", "false");
    menu.node.remove();
    if (returnFocus) menu.link.focus();
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function checkbox(link, collection, status) {
    const label = element("label", "check");
    const box = element("input");
    box.type = "checkbox";
    box.value = String(collection.id);
    box.checked = heldBy(link).indexOf(collection.id) >= 0;
    label.append(box, " " + collection.name);
    box.addEventListener("change", function () {
      const paper = link.dataset.saveFor;
      box.disabled = true;
      const request = box.checked
        ? api("POST", "/api/collections/" + collection.id + "/papers", { paper: paper })
        : api("DELETE", "/api/collections/" + collection.id + "/papers/" + paper);
      request
        .then(function () {
          let held = heldBy(link).filter(function (id) { return id !== collection.id; });
          if (box.checked) held = held.concat([collection.id]);
          showState(link, held);
          status.textContent = box.checked
            ? t("Saved in %s").replace("%s", collection.name)
            : t("Removed from %s").replace("%s", collection.name);
          status.classList.remove("notice-error");
        })
        .catch(function (error) {
          box.checked = !box.checked;
          status.textContent = error.message;
          status.classList.add("notice-error");
        })
        .finally(function () { box.disabled = false; });
    });
    return label;
  }

  function build(link, list) {
    menuCount += 1;
    const id = "save-menu-" + menuCount;
    const node = element("div", "save-menu");
    node.id = id;
    node.setAttribute("role", "group");
    node.setAttribute("aria-label", t("Save in collections"));
    const status = element("p", "save-status");
    status.setAttribute("role", "status");
    const boxes = element("div", "save-boxes");
    list.forEach(function (collection) { boxes.append(checkbox(link, collection, status)); });

    const form = element("form", "save-new");
    const field = element("input");
    field.type = "text";
    field.name = "name";
    field.maxLength = 100;
    field.placeholder = t("New collection");
    field.setAttribute("aria-label", t("New collection name"));
    const add = element("button", "button", t("Add"));
    add.type = "submit";
    form.append(field, add);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const name = field.value.trim();
      if (!name) {
        field.focus();
        return;
      }
      add.disabled = true;
      api("POST", "/api/collections", { name: name })
        .then(function (collection) {
          return api("POST", "/api/collections/" + collection.id + "/papers", {
            paper: link.dataset.saveFor,
          }).then(function () { return collection; });
        })
        .then(function (collection) {
          collectionsRequest = null;
          showState(link, heldBy(link).concat([collection.id]));
          const label = checkbox(link, collection, status);
          boxes.append(label);
          field.value = "";
          status.textContent = t("Saved in %s").replace("%s", collection.name);
          status.classList.remove("notice-error");
        })
        .catch(function (error) {
          status.textContent = error.message;
          status.classList.add("notice-error");
        })
        .finally(function () { add.disabled = false; });
    });

    const footer = element("p", "save-footer");
    const manage = element("a", "", t("Your library"));
    manage.href = "/library";
    const done = element("button", "button", t("Done"));
    done.type = "button";
    done.addEventListener("click", function () { close(true); });
    footer.append(manage, done);
    node.append(boxes, form, status, footer);
    return node;
  }

  function open(link) {
    close(false);
    link.setAttribute("aria-expanded", "true");
    const menu = { link: link, node: element("div", "save-menu save-loading", t("Loading…")) };
    openMenu = menu;
    link.parentNode.append(menu.node);
    collections(false)
      .then(function (list) {
        if (openMenu !== menu) return;
        const node = build(link, list);
        menu.node.replaceWith(node);
        menu.node = node;
        link.setAttribute("aria-controls", node.id);
        // Near the right edge (a phone), the menu opens leftwards from [Save]'s end.
        if (node.getBoundingClientRect().right > document.documentElement.clientWidth - 8) {
          node.classList.add("save-menu-end");
        }
        node.scrollIntoView({ block: "nearest" });
        const first = node.querySelector("input");
        if (first) first.focus();
      })
      .catch(function () {
        // The API is out of reach: fall back to the save page, back to this page after.
        close(false);
        const url = new URL(link.href, window.location.href);
        url.searchParams.set("next", window.location.pathname + window.location.search);
        window.location.href = url.toString();
      });
  }

  function enhance(root) {
    root.querySelectorAll("a.action-save:not([role])").forEach(function (link) {
      link.setAttribute("role", "button");
      link.setAttribute("aria-expanded", "false");
      link.setAttribute("aria-haspopup", "true");
    });
  }

  document.addEventListener("click", function (event) {
    const target = event.target instanceof Element ? event.target : null;
    const link = target && target.closest("a.action-save");
    if (link) {
      event.preventDefault();
      if (openMenu && openMenu.link === link) close(true);
      else open(link);
      return;
    }
    if (openMenu && target && !openMenu.node.contains(target)) close(false);
  });

  // Focus moving on past the menu (Tab) closes it, as a click elsewhere does.
  document.addEventListener("focusin", function (event) {
    if (!openMenu) return;
    const target = event.target;
    if (target !== openMenu.link && !openMenu.node.contains(target)) close(false);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && openMenu) {
      close(true);
      return;
    }
    // Space activates a role="button" link, as it would a button.
    const target = event.target instanceof Element ? event.target : null;
    if (event.key === " " && target && target.matches("a.action-save")) {
      event.preventDefault();
      target.click();
    }
  });

  // Mark read / Mark unread on a collection's papers (the For you pages' read endpoint): the
  // form, sent with its own CSRF token, answers JSON; the card is dimmed or not in place.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("form.library-read-form")) return;
    event.preventDefault();
    const button = form.querySelector(".library-read-button");
    const status = form.querySelector("[role=status]");
    const data = new FormData(form);
    data.set("read", button.value);
    form.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: data,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.detail || String(response.status));
          return body;
        });
      })
      .then(function (body) {
        const item = form.closest(".library-item");
        if (item) item.classList.toggle("is-read", body.read);
        button.value = body.read ? "0" : "1";
        button.textContent = body.read ? button.dataset.labelUnread : button.dataset.labelRead;
        status.className = "visually-hidden";
        status.textContent = body.read ? t("Marked read") : t("Marked unread");
      })
      .catch(function (error) {
        status.className = "library-read-error notice-error";
        status.textContent = t("Not saved:") + " " + error.message;
      })
      .finally(function () { form.removeAttribute("aria-busy"); });
  });

  function start() {
    enhance(document);
    // Cards loaded later (lazy lists, related papers) come in through htmx.
    document.body.addEventListener("htmx:afterSwap", function () { enhance(document); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
