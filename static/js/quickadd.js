/* Quick add on the task list, a project's list and its board: a live "We understood:
   ..." under the field, from POST /api/tasks/quick/?preview=true (nothing is saved),
   with the form's project when it has one. Without this script the Preview button
   shows the same on a page of its own. */
(function () {
  "use strict";
  var LABELS = { low: "Low", medium: "Medium", high: "High" };

  function describe(body) {
    var parts = ["“" + body.title + "”"];
    if (body.due_date) { parts.push("due " + body.due_date + (body.due_time ? " " + body.due_time : "")); }
    parts.push((LABELS[body.priority] || body.priority) + " priority");
    if (body.tags && body.tags.length) { parts.push("#" + body.tags.join(" #")); }
    if (body.repeat) { parts.push("repeats " + body.repeat); }
    if (body.assignee) { parts.push("assigned to " + body.assignee.name); }
    else if (body.assignee_note) { parts.push("nobody assigned (" + body.assignee_note + ")"); }
    return "We understood: " + parts.join(", ");
  }

  function enhance(form) {
    var input = form.querySelector("input[name=text]");
    var out = document.getElementById("quick-preview");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var project = form.querySelector("input[name=project]");
    if (!input || !out || !window.fetch) { return; }
    var timer = null;
    var latest = 0;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var text = input.value.trim();
        var ticket = ++latest;
        if (!text) { out.textContent = ""; return; }
        fetch(form.getAttribute("data-preview-url"), {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-CSRFToken": token ? token.value : ""
          },
          body: JSON.stringify(project ? { text: text, project: project.value } : { text: text })
        }).then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        }).then(function (result) {
          if (ticket !== latest) { return; }
          if (result.ok) { out.textContent = describe(result.body); return; }
          var errors = result.body || {};
          var first = Object.keys(errors)[0];
          out.textContent = first ? [].concat(errors[first]).join(" ") : "";
        }).catch(function () { out.textContent = ""; });
      }, 300);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-quick-add]"), enhance);
  });
})();
