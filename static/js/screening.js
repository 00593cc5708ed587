// Keyboard shortcuts of the screening page: i include, e exclude, m maybe, n not retrieved, u undo, ? help.
// The buttons carry data-shortcut; the card is swapped by htmx, so buttons are looked up on every key.
(function () {
  "use strict";

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var help = document.getElementById("shortcut-help");
    if (event.key === "?") {
      event.preventDefault();
      if (help.open) help.close(); else help.showModal();
      return;
    }
    if (typing(event.target) || (help && help.open)) return;
    var card = document.getElementById("screening-card");
    if (!card || card.classList.contains("htmx-request")) return;
    var key = event.key.toLowerCase();
    var button = card.querySelector('button[data-shortcut="' + key + '"]');
    if (!button) return;
    event.preventDefault();
    if (key === "e") {
      // At full text an exclusion needs a reason: open the list first when none is chosen.
      var reason = card.querySelector("#exclusion-reason");
      if (reason && !reason.value) {
        reason.focus();
        return;
      }
    }
    button.click();
  });

  // After choosing a reason with the keyboard, Enter excludes.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target && event.target.id === "exclusion-reason" && event.target.value) {
      event.preventDefault();
      var button = document.querySelector('#screening-card button[data-shortcut="e"]');
      if (button) button.click();
    }
  });
})();
