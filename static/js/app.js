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

  // One-click complete in place: the button's own POST (status=done, or todo to
  // reopen) sent with fetch; the button keeps focus and flips its pressed state.
  function enhanceComplete(form) {
    var button = form.querySelector("button.check");
    if (!button || !window.fetch) { return; }
    var busy = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) { return; }
      busy = true;
      var body = new FormData(form);
      body.set("status", button.value); // a submit button's value is not in FormData(form)
      fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(form) }
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (data) {
        var done = data.status === "done";
        button.value = done ? "todo" : "done";
        button.setAttribute("aria-pressed", done ? "true" : "false");
        var row = form.closest("tr, li");
        if (row) {
          row.classList.remove("status-todo", "status-in_progress", "status-done");
          row.classList.add("status-" + data.status, "updated");
          var select = row.querySelector("form.quick-status select");
          if (select) { select.value = data.status; }
        }
        var title = row && row.querySelector("a.title");
        announce("“" + (title ? title.textContent : "Task") + "” " +
          (done ? "done." : "reopened."));
        busy = false;
      }).catch(function () {
        busy = false;
        form.submit();
      });
    });
  }

  // Checklist ticks in place (task page): the tick form's POST sent with fetch; the
  // button keeps focus, flips its pressed state, and the "done/total" count follows.
  function enhanceChecklistTick(form) {
    var button = form.querySelector("button.check");
    var field = form.querySelector("input[name=done]");
    if (!button || !field || !window.fetch) { return; }
    var busy = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) { return; }
      busy = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(form) }
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (data) {
        field.value = data.done ? "false" : "true";
        button.setAttribute("aria-pressed", data.done ? "true" : "false");
        var item = form.closest("li");
        if (item) { item.classList.toggle("done", data.done); }
        var count = document.getElementById("checklist-count");
        var summary = data.checklist.done + "/" + data.checklist.total;
        if (count) { count.textContent = summary; }
        var text = item && item.querySelector(".item-text");
        announce("“" + (text ? text.textContent : "Item") + "” " +
          (data.done ? "done" : "not done") + " (" + summary + ").");
        busy = false;
      }).catch(function () {
        busy = false;
        form.submit();
      });
    });
  }

  // Markdown preview: the "Preview" button posts the text to the renderer the pages
  // use and shows the result under the field (without this script the button posts
  // the whole form back and the page shows the same preview).
  function enhancePreview(button) {
    var region = document.getElementById(button.getAttribute("aria-controls"));
    var source = document.getElementById(button.getAttribute("data-preview-for"));
    var url = button.getAttribute("data-preview-url");
    if (!region || !source || !url || !window.fetch) { return; }
    var label = button.textContent;
    function show(open) {
      region.hidden = !open;
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.textContent = open ? "Hide preview" : label;
    }
    show(!region.hidden);
    source.addEventListener("input", function () { if (!region.hidden) { show(false); } });
    button.addEventListener("click", function (event) {
      event.preventDefault();
      if (!region.hidden) { show(false); return; }
      var body = new FormData();
      body.append("text", source.value);
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(button.form) }
      }).then(function (response) { return response.json(); }).then(function (data) {
        // Sanitised on the server (taskflow/markdown.py: markdown-it-py, then nh3).
        region.innerHTML = data.html || '<p class="muted">' +
          (data.detail || "Nothing to preview.") + "</p>";
        show(true);
      });
    });
  }

  // Keyboard shortcuts (listed in the `?` overlay, templates/partials/shortcuts.html).
  // None fires while typing in a field or with Ctrl/Alt/Meta held.
  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function enableShortcuts() {
    var body = document.body;
    if (!body.hasAttribute("data-shortcuts")) { return; }
    var dialog = document.getElementById("shortcuts");
    var rows = Array.prototype.slice.call(
      document.querySelectorAll("table.tasks tbody tr, ul.task-mini li[id]"));
    var current = -1;
    var pendingG = false;
    var hint = document.getElementById("shortcuts-hint");
    if (hint) { hint.hidden = false; }

    function openHelp() { if (dialog && !dialog.open) { dialog.showModal(); } }
    Array.prototype.forEach.call(document.querySelectorAll("[data-open-shortcuts]"),
      function (b) { b.addEventListener("click", openHelp); });

    function go(url) { if (url) { window.location.assign(url); } }
    function currentRow() {
      var active = document.activeElement;
      var row = active && active.closest && active.closest("table.tasks tbody tr, ul.task-mini li[id]");
      if (row) { current = rows.indexOf(row); return row; }
      return current >= 0 ? rows[current] : null;
    }
    function move(step) {
      if (!rows.length) { return; }
      currentRow();
      current = current < 0 ? 0 : Math.min(Math.max(current + step, 0), rows.length - 1);
      rows.forEach(function (r, i) { r.classList.toggle("current", i === current); });
      rows[current].focus();
    }
    function rowLink(row, suffix) {
      var link = row && row.querySelector("a.title");
      return link ? link.getAttribute("href") + suffix : null;
    }
    function pageKey(key) {
      var el = document.querySelector('main [data-key="' + key + '"]');
      return el ? el.getAttribute("href") : null;
    }

    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (typing(event.target) || (dialog && dialog.open)) { return; }
      var key = event.key;
      if (pendingG) {
        pendingG = false;
        var target = { d: body.dataset.urlDashboard, t: body.dataset.urlTasks,
          b: body.dataset.urlBoard }[key];
        if (target) { event.preventDefault(); go(target); }
        return;
      }
      var row = currentRow();
      switch (key) {
        case "?": openHelp(); break;
        case "g": pendingG = true; break;
        case "j": move(1); break;
        case "k": move(-1); break;
        case "q":
          var quick = document.getElementById("quick-add");
          if (quick) { quick.focus(); } else { go(body.dataset.urlNew); }
          break;
        case "/":
          var search = document.getElementById("f-search");
          if (search) { search.focus(); } else { go(body.dataset.urlTasks + "#f-search"); }
          break;
        case "x":
          var box = row && row.querySelector("input[name=ids]");
          if (!box) { return; }
          box.click(); // fires change, so the bulk bar's count follows
          break;
        case "c":
          // The chosen row's button, or the task page's own; never a guess in a list.
          var scope = row || (rows.length ? null : document.querySelector("main"));
          var check = scope && scope.querySelector("form.complete button.check");
          if (!check) { return; }
          check.click();
          break;
        case "Enter":
          // Only when the row itself has focus: on a link or button Enter stays native.
          if (!row || document.activeElement !== row) { return; }
          go(rowLink(row, ""));
          break;
        case "e": go(row ? rowLink(row, "edit/") : pageKey("e")); break;
        case "#": go(row ? rowLink(row, "delete/") : pageKey("#")); break;
        default: return;
      }
      event.preventDefault();
    });
  }

  function openFiltersOnWideScreens() {
    var details = document.querySelector("details.more-filters");
    if (details && window.matchMedia && window.matchMedia("(min-width: 641px)").matches) {
      details.open = true;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Only in the list: a detail page reloads so every field on it stays current.
    var forms = document.querySelectorAll("table.tasks form.quick-status");
    Array.prototype.forEach.call(forms, enhanceQuickStatus);
    enhanceBulk();
    var completes = document.querySelectorAll("table.tasks form.complete, ul.task-mini form.complete");
    Array.prototype.forEach.call(completes, enhanceComplete);
    Array.prototype.forEach.call(document.querySelectorAll("ol.checklist form.tick"),
      enhanceChecklistTick);
    Array.prototype.forEach.call(document.querySelectorAll("[data-preview-url]"), enhancePreview);
    openFiltersOnWideScreens();
    enableShortcuts();
    if (window.location.hash === "#f-search") {
      var search = document.getElementById("f-search");
      if (search) { search.focus(); }
    }
    // After a failed submit, put the keyboard where the first problem is.
    var invalid = document.querySelector("main [aria-invalid=true]");
    if (invalid) { invalid.focus(); }
  });
})();
