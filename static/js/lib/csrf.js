// The CSRF token, read from the one place the page puts it: the body's hx-headers (base.html),
// which htmx sends with its own requests too.

/** Headers to send with a fetch that writes: the CSRF token, and JSON. */
export function csrfHeaders(extra = {}) {
  const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
  return { ...headers, ...extra };
}
