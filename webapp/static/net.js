// What the page scripts share: JSON posts that carry the CSRF token, and a status line.
const csrf = document.querySelector('meta[name="csrf-token"]').content;

// POST a JSON body; resolves to { ok, status, data } with the server's JSON (or its error).
export async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({ error: response.statusText }));
  return { ok: response.ok, status: response.status, data };
}

// A function that shows a message in `element` for a few seconds.
export function announcer(element) {
  let timer = null;
  return (message) => {
    element.textContent = message;
    clearTimeout(timer);
    timer = setTimeout(() => (element.textContent = ""), 3000);
  };
}
