// The one keyboard guard of every page with shortcuts: never act on a key typed into a field,
// nor on one pressed with Ctrl, Alt or Meta (the browser's and the system's shortcuts).

/** True when the key goes to something the user is typing in. */
export function isTyping(target) {
  return Boolean(
    target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName || ""))
  );
}

/** Call handler(event) for keys meant as page shortcuts only. */
export function onShortcut(handler, { allowWhileTyping = false } = {}) {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (!allowWhileTyping && isTyping(event.target)) return;
    handler(event);
  });
}
