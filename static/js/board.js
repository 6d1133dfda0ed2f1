/* The board's drag and drop (tasks/board.html). Without this file (or without JS) the
   move buttons on every card do the same moves with plain form posts; they are also
   the keyboard path. A drop posts {column, before|after, version} to the card's move
   URL; a refused move (the task changed meanwhile: 412) reloads the board, so the card
   shows its fresh state. */
(function () {
  "use strict";

  var board = document.querySelector(".board[data-move-url]");
  if (!board || !window.Sortable || !window.fetch) { return; }

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
