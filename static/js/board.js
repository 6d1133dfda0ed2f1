/* The board's drag and drop (tasks/board.html). Without this file (or without JS) the
   move buttons on every card do the same moves with plain form posts; they are also
   the keyboard path. A drop posts {column, before|after, version} to the card's move
   URL; a refused move (the task changed meanwhile: 412) reloads the board, so the card
   shows its fresh state. Each card's check (one-click complete) is a step of the same
   form, sent here with fetch so the card moves to its new column without a reload. */
(function () {
  "use strict";

  var board = document.querySelector(".board[data-move-url]");
  if (!board || !window.fetch) { return; }

  function announce(text) {
    var live = document.getElementById("live");
    if (live) { live.textContent = text; }
  }

  // A card's task id is its element id after "card-" (no data-id: 2 KB a board).
  function taskId(card) { return card.id.slice("card-".length); }

  function neighbour(card, direction) {
    var node = card[direction];
    while (node && !(node.classList && node.classList.contains("board-card"))) {
      node = node[direction];
    }
    return node;
  }

  function move(card, list) {
    var form = card.querySelector("form.move-form");
    var body = new FormData();
    body.append("column", list.getAttribute("data-column"));
    body.append("version", card.getAttribute("data-version"));
    var next = neighbour(card, "nextSibling");
    var previous = neighbour(card, "previousSibling");
    if (next) { body.append("before", taskId(next)); }
    else if (previous) { body.append("after", taskId(previous)); }
    var token = form ? form.querySelector("input[name=csrfmiddlewaretoken]").value : "";
    var url = board.getAttribute("data-move-url").replace("TASK", taskId(card));
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.detail || "The move was refused."); }
        card.setAttribute("data-version", String(data.version));
        var version = card.querySelector("input[name=version]");
        if (version) { version.value = String(data.version); }
        var select = card.querySelector("select[name=column]");
        if (select) { select.value = data.column; }
        announce("Moved.");
      });
    }).catch(function (error) {
      announce(error.message);
      window.location.hash = "card-" + taskId(card);
      window.location.reload();
    });
  }

  function addToCount(columnId, step) {
    var count = document.querySelector("#col-" + columnId + " h2 .count");
    if (count && count.firstChild) {
      count.firstChild.nodeValue = String(parseInt(count.firstChild.nodeValue, 10) + step);
    }
    var link = document.querySelector('a[href="#col-' + columnId + '"]');
    if (link) {
      link.textContent = link.textContent.replace(/\((\d+)\)$/, function (_, n) {
        return "(" + (parseInt(n, 10) + step) + ")";
      });
    }
  }

  // One-click complete in place: the check's step (done, or reopen) posted with fetch;
  // the card goes to the end of the column the server put it in, and keeps focus.
  function complete(button) {
    var card = button.closest(".board-card");
    var form = document.getElementById(button.getAttribute("form"));
    if (!card || !form || board.getAttribute("data-busy")) { return; }
    var body = new FormData(form);
    body.set("step", button.value);
    board.setAttribute("data-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": body.get("csrfmiddlewaretoken") }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.detail || "The change was refused."); }
        var done = data.status === "done";
        button.value = done ? "reopen" : "done";
        button.setAttribute("aria-pressed", done ? "true" : "false");
        card.setAttribute("data-version", String(data.version));
        form.querySelector("input[name=version]").value = String(data.version);
        var select = form.querySelector("select[name=column]");
        if (select) { select.value = data.column; }
        var from = card.parentNode;
        var to = board.querySelector('ol.cards[data-column="' + data.column + '"]');
        if (to && to !== from) {
          var empty = to.querySelector("li.empty");
          if (empty) { to.removeChild(empty); }
          to.appendChild(card);
          addToCount(from.getAttribute("data-column"), -1);
          addToCount(data.column, 1);
        }
        button.focus();
        var title = card.querySelector("a.title");
        announce("“" + (title ? title.textContent : "Task") + "” " + (done ? "done." : "reopened."));
        board.removeAttribute("data-busy");
      });
    }).catch(function (error) {
      announce(error.message);
      window.location.hash = "card-" + taskId(card);
      window.location.reload();
    });
  }

  board.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".board-card > button.check");
    if (!button) { return; }
    event.preventDefault();
    complete(button);
  });

  if (!window.Sortable) { return; }
  var lists = board.querySelectorAll("ol.cards[data-column]");
  Array.prototype.forEach.call(lists, function (list) {
    window.Sortable.create(list, {
      group: "board",
      draggable: ".board-card",
      filter: "form, a, button, select",
      preventOnFilter: false,
      animation: 0,
      // Pointer events instead of HTML5 drag and drop: the same on touch screens.
      forceFallback: true,
      onEnd: function (event) {
        if (event.from === event.to && event.oldIndex === event.newIndex) { return; }
        board.setAttribute("data-busy", "true");
        move(event.item, event.to).then(function () { board.removeAttribute("data-busy"); });
      }
    });
  });
  board.setAttribute("data-ready", "true");
})();
