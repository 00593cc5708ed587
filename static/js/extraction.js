// The extraction sheet: move like a spreadsheet (arrows, Tab, Enter), save each cell as you leave it
// through the REST API with the version it was based on, and show saving / saved / conflict per cell.
import { csrfHeaders } from "./lib/csrf.js";

function startSheet(table) {
  const url = table.dataset.valuesUrl;

  function grid() {
    return Array.from(table.querySelectorAll("tr.cells"))
      .map((tr) => Array.from(tr.querySelectorAll("input.cell")))
      .filter((row) => row.length);
  }

  function where(input) {
    const rows = grid();
    for (let r = 0; r < rows.length; r++) {
      const c = rows[r].indexOf(input);
      if (c >= 0) return { rows, r, c };
    }
    return null;
  }

  function focusCell(input) {
    if (!input) return;
    input.focus();
    input.select();
  }

  function move(input, dr, dc) {
    const at = where(input);
    if (!at) return;
    if (dr) {
      const row = at.rows[at.r + dr];
      if (row) focusCell(row[Math.min(at.c, row.length - 1)]);
    } else {
      let r = at.r;
      let c = at.c + dc;
      if (c < 0 && r > 0) { r -= 1; c = at.rows[r].length - 1; }
      if (c >= at.rows[r].length && r < at.rows.length - 1) { r += 1; c = 0; }
      focusCell(at.rows[r][c]);
    }
  }

  function box(input) { return input.closest("td"); }

  function setState(input, state, message) {
    const cell = box(input);
    cell.querySelector(".cell-state").dataset.state = state;
    const note = cell.querySelector(".cell-msg");
    note.textContent = message || "";
    input.setAttribute("aria-invalid", state === "error" || state === "conflict" ? "true" : "false");
    return note;
  }

  function saved(input, body) {
    input.dataset.version = body.version;
    input.dataset.saved = body.shown;
    if (document.activeElement !== input || input.value === input.dataset.sent) input.value = body.shown;
    box(input).querySelector(".formula").textContent = body.source && body.source.formula ? body.source.formula : "";
    setState(input, "saved");
  }

  function conflict(input, body, mine) {
    const theirs = body.current_value === null || body.current_value === undefined ? "(empty)" : String(body.current_value);
    const note = setState(
      input, "conflict",
      `${body.updated_by} changed this to ${theirs} while you edited; your ${mine || "(empty)"} was not saved. `
    );
    const keep = document.createElement("button");
    keep.type = "button";
    keep.textContent = "Keep mine";
    keep.addEventListener("click", () => { input.dataset.version = body.current_version; save(input, true); });
    const take = document.createElement("button");
    take.type = "button";
    take.textContent = "Take theirs";
    take.addEventListener("click", () => {
      input.dataset.version = body.current_version;
      input.value = body.current_value === null ? "" : theirs;
      input.dataset.saved = input.value;
      setState(input, "saved");
    });
    note.append(keep, take);
  }

  async function send(input) {
    const value = input.value.trim();
    input.dataset.sent = input.value;
    setState(input, "saving");
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: csrfHeaders({ "Content-Type": "application/json", Accept: "application/json" }),
        body: JSON.stringify({ cell: input.dataset.cell, value: value === "" ? null : value, based_on_version: Number(input.dataset.version || 0) }),
      });
    } catch (error) {
      setState(input, "error", "Not saved: the server could not be reached. Leave the cell again to retry.");
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (response.ok) saved(input, body);
    else if (response.status === 409) conflict(input, body, value);
    else {
      const messages = body.value || body.cell || body.detail || [`Not saved (HTTP ${response.status}).`];
      setState(input, "error", Array.isArray(messages) ? messages.join(" ") : String(messages));
    }
  }

  // One request at a time per cell, so a fast second edit is based on the first one's version.
  function save(input, force) {
    input._queue = (input._queue || Promise.resolve()).then(() => {
      if (force || input.value !== input.dataset.saved) return send(input);
      // Back to the stored value after a refused one: the refusal no longer applies.
      if (box(input).querySelector(".cell-state").dataset.state === "error") {
        setState(input, input.dataset.version !== "0" ? "saved" : "");
      }
      return undefined;
    });
  }

  table.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!input.matches || !input.matches("input.cell")) return;
    const atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    const atEnd = input.selectionStart === input.value.length && input.selectionEnd === input.value.length;
    if (event.key === "ArrowUp") { event.preventDefault(); move(input, -1, 0); }
    else if (event.key === "ArrowDown") { event.preventDefault(); move(input, 1, 0); }
    else if (event.key === "ArrowLeft" && (atStart || input.selectionStart === input.selectionEnd && input.value === "")) { event.preventDefault(); move(input, 0, -1); }
    else if (event.key === "ArrowRight" && atEnd) { event.preventDefault(); move(input, 0, 1); }
    else if (event.key === "Enter") { event.preventDefault(); save(input); move(input, event.shiftKey ? -1 : 1, 0); }
    else if (event.key === "Escape") { input.value = input.dataset.saved || ""; setState(input, input.dataset.version !== "0" ? "saved" : ""); }
  });
  table.addEventListener("focusout", (event) => {
    if (event.target.matches && event.target.matches("input.cell")) save(event.target);
  });
  table.addEventListener("focusin", (event) => {
    if (event.target.matches && event.target.matches("input.cell")) event.target.select();
  });
  table.addEventListener("click", (event) => {
    const button = event.target.closest("button.use");
    if (!button) return;
    const input = button.closest("tr").querySelector("input.cell");
    if (!input) return;
    input.value = button.dataset.use;
    save(input);
  });
}

const sheet = document.getElementById("sheet");
if (sheet && sheet.dataset.editable === "true" && sheet.dataset.valuesUrl) startSheet(sheet);
