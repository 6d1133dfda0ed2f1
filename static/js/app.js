/* TaskFlow: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  function announce(text) {
    var live = document.getElementById("live");
    if (live) { live.textContent = text; }
  }

  function csrfToken(form) {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // Quick status change in place: the same POST the form makes, sent with fetch.
  // The button is not disabled while the request runs: disabling the focused element
  // drops keyboard focus to the top of the page. A flag stops double submits instead,
  // and focus goes back to the button if anything moved it. (Without this script the
  // server redirects to the row's #task-<id> anchor, which focuses the row.)
  function enhanceQuickStatus(form) {
    var busy = false;
    form.addEventListener("submit", function (event) {
      if (!window.fetch) { return; }
      event.preventDefault();
      if (busy) { return; }
      busy = true;
      var button = form.querySelector("button");
      if (button) { button.setAttribute("aria-busy", "true"); }
      function done() {
        busy = false;
        if (!button) { return; }
        button.removeAttribute("aria-busy");
        var active = document.activeElement;
        if (!active || active === document.body) { button.focus(); }
      }
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(form) }
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (data) {
        var row = form.closest("tr");
        if (row) {
          row.className = "status-" + data.status + " updated";
        }
        announce("Status set to " + data.label + ".");
        done();
      }).catch(function () {
        form.submit(); // let the server answer with a full page and a message
      });
    });
  }

  function enhanceBulk() {
    var all = document.getElementById("select-all");
    var bulk = document.getElementById("bulk");
    if (!all || !bulk) { return; }
    var boxes = Array.prototype.slice.call(
      document.querySelectorAll("input[type=checkbox][name=ids][form=bulk]"));
    var count = document.getElementById("bulk-count");
    function update() {
      var n = boxes.filter(function (b) { return b.checked; }).length;
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
      if (count) { count.textContent = n + " selected:"; }
    }
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      update();
    });
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    var action = document.getElementById("bulk-action");
    var status = document.getElementById("bulk-status");
    if (action && status) {
      var sync = function () { status.disabled = action.value !== "set_status"; };
      action.addEventListener("change", sync);
      sync();
    }
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Only in the list: a detail page reloads so every field on it stays current.
    var forms = document.querySelectorAll("table.tasks form.quick-status");
    Array.prototype.forEach.call(forms, enhanceQuickStatus);
    enhanceBulk();
    // After a failed submit, put the keyboard where the first problem is.
    var invalid = document.querySelector("main [aria-invalid=true]");
    if (invalid) { invalid.focus(); }
  });
})();
