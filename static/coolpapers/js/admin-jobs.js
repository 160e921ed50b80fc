/*
 * Cool Papers admin, new ingestion job: show only the fields of the chosen kind.
 *
 * The kind <select> carries the form's own rule (data-kind-fields, from
 * coolpapers/ingestion/forms.py KIND_FIELDS: kind -> field names). The other kinds' rows are
 * hidden and their inputs disabled, so a value typed before switching kind is not sent;
 * fieldsets left with no visible row are hidden too. Without this script every field shows
 * and the server refuses a field of another kind with a message.
 * (The job lists' and job pages' live progress is htmx alone: no code here.)
 */
(function () {
  "use strict";

  function rowsFor(form, name) {
    return form.querySelectorAll(".form-row.field-" + name);
  }

  function setUp() {
    const kind = document.getElementById("id_kind");
    if (!kind || !kind.form || !kind.dataset.kindFields) return;
    let fields;
    try {
      fields = JSON.parse(kind.dataset.kindFields);
    } catch (error) {
      return; // a broken rule: leave every field showing, the server still checks
    }
    const form = kind.form;
    const every = new Set(Object.values(fields).flat());

    function apply() {
      const own = new Set(fields[kind.value] || []);
      every.forEach(function (name) {
        const show = own.has(name);
        rowsFor(form, name).forEach(function (row) {
          row.hidden = !show;
          row.querySelectorAll("input, select, textarea").forEach(function (input) {
            input.disabled = !show;
          });
        });
      });
      form.querySelectorAll("fieldset").forEach(function (fieldset) {
        const rows = fieldset.querySelectorAll(".form-row");
        if (rows.length) {
          fieldset.hidden = Array.prototype.every.call(rows, function (row) {
            return row.hidden;
          });
        }
      });
    }

    kind.addEventListener("change", apply);
    apply();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
