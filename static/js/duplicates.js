// Keyboard shortcuts of the duplicates page: j/k move between pairs, d confirms, n rejects.
import { onShortcut } from "./lib/keys.js";

const list = document.getElementById("candidates");
let selectedId = null;

function cards() {
  return Array.from(list.querySelectorAll(".candidate"));
}

function select(card) {
  cards().forEach((c) => c.classList.remove("selected"));
  if (!card) {
    selectedId = null;
    return;
  }
  card.classList.add("selected");
  selectedId = card.id;
  card.focus({ preventScroll: true });
  card.scrollIntoView({ block: "nearest" });
}

function current() {
  return selectedId ? document.getElementById(selectedId) : null;
}

function move(step) {
  const all = cards();
  if (!all.length) return;
  const index = all.indexOf(current());
  const next = index < 0 ? 0 : Math.min(Math.max(index + step, 0), all.length - 1);
  select(all[next]);
}

function press(action) {
  const card = current();
  const button = card && card.querySelector(`button[data-action="${action}"]`);
  if (button) button.click();
}

if (list) {
  // After a decision the card is replaced: keep it selected, then move on to the next pair.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    const card = event.detail.target && document.getElementById(event.detail.target.id);
    if (card && card.classList.contains("candidate") && card.id === selectedId) {
      const all = cards();
      const index = all.indexOf(card);
      select(card.querySelector(".error") ? card : all[Math.min(index + 1, all.length - 1)]);
    }
  });

  onShortcut((event) => {
    if (event.key === "j") move(1);
    else if (event.key === "k") move(-1);
    else if (event.key === "d") {
      if (!current()) move(0);
      press("confirm");
    } else if (event.key === "n") {
      if (!current()) move(0);
      press("reject");
    } else return;
    event.preventDefault();
  });

  select(cards()[0]);
}
