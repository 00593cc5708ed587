// Keyboard shortcuts of the screening page: i include, e exclude, m maybe, n not retrieved, u undo, ? help.
// The buttons carry data-shortcut; the card is swapped by htmx, so buttons are looked up on every key.
import { onShortcut } from "./lib/keys.js";

onShortcut((event) => {
  const help = document.getElementById("shortcut-help");
  if (event.key === "?" && help) {
    event.preventDefault();
    if (help.open) help.close();
    else help.showModal();
    return;
  }
  if (help && help.open) return;
  const card = document.getElementById("screening-card");
  if (!card || card.classList.contains("htmx-request")) return;
  const key = event.key.toLowerCase();
  const button = card.querySelector(`button[data-shortcut="${key}"]`);
  if (!button) return;
  event.preventDefault();
  if (key === "e") {
    // At full text an exclusion needs a reason: open the list first when none is chosen.
    const reason = card.querySelector("#exclusion-reason");
    if (reason && !reason.value) {
      reason.focus();
      return;
    }
  }
  button.click();
});

// After choosing a reason with the keyboard, Enter excludes.
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.target && event.target.id === "exclusion-reason" && event.target.value) {
    event.preventDefault();
    const button = document.querySelector('#screening-card button[data-shortcut="e"]');
    if (button) button.click();
  }
});
