// Keyboard shortcuts of the duplicates page: j/k move between pairs, d confirms, n rejects.
(function () {
  "use strict";
  var list = document.getElementById("candidates");
  if (!list) return;
  var selectedId = null;

  function cards() { return Array.prototype.slice.call(list.querySelectorAll(".candidate")); }

  function select(card) {
    cards().forEach(function (c) { c.classList.remove("selected"); });
    if (!card) { selectedId = null; return; }
    card.classList.add("selected");
    selectedId = card.id;
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "nearest" });
  }

  function current() { return selectedId ? document.getElementById(selectedId) : null; }

  function move(step) {
    var all = cards();
    if (!all.length) return;
    var index = all.indexOf(current());
    var next = index < 0 ? 0 : Math.min(Math.max(index + step, 0), all.length - 1);
    select(all[next]);
  }

  function press(action) {
    var card = current();
    var button = card && card.querySelector('button[data-action="' + action + '"]');
    if (button) button.click();
  }

  // After a decision the card is replaced: keep it selected, then move on to the next pair.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var card = event.detail.target && document.getElementById(event.detail.target.id);
    if (card && card.classList.contains("candidate") && card.id === selectedId) {
      var all = cards();
      var index = all.indexOf(card);
      select(card.querySelector(".error") ? card : all[Math.min(index + 1, all.length - 1)]);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable) return;
    if (event.key === "j") { move(1); }
    else if (event.key === "k") { move(-1); }
    else if (event.key === "d") { if (!current()) move(0); press("confirm"); }
    else if (event.key === "n") { if (!current()) move(0); press("reject"); }
    else { return; }
    event.preventDefault();
  });

  var first = cards()[0];
  if (first) select(first);
})();
