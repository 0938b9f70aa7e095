// The review screen's keyboard and fetch behaviour: reveal, answer, undo, without reloading.
// Without this script the page still works through its links and forms.
import { announcer, postJson as post } from "./net.js";

const root = document.getElementById("review");
const say = announcer(document.getElementById("status"));
let shownAt = performance.now();
let busy = false;

const card = () => root.querySelector(".flashcard");

async function loadNext() {
  const response = await fetch(root.dataset.cardUrl, { headers: { Accept: "text/html" } });
  if (response.ok) {
    root.innerHTML = await response.text();
    shownAt = performance.now();
  }
}

// Run one request at a time; when the server cannot be reached the card stays, so the learner
// can simply answer again (the same request id: it is never applied twice).
async function exclusively(work) {
  if (busy) return;
  busy = true;
  try {
    await work();
  } catch {
    say("The server cannot be reached: try again.");
  } finally {
    busy = false;
  }
}

function reveal() {
  const current = card();
  if (!current || current.classList.contains("revealed")) return;
  current.classList.add("revealed");
  const show = current.querySelector(".show");
  if (show) show.remove();
  const good = current.querySelector('.rate[value="3"]');
  if (good) good.focus({ preventScroll: true });
}

function rate(rating) {
  const current = card();
  if (!current || !current.classList.contains("revealed")) return;
  // A double click sends nothing more; a retry would reuse the request id anyway.
  exclusively(async () => {
    const { ok, status: code, data } = await post(root.dataset.answerUrl, {
      card: Number(current.dataset.card),
      rating,
      version: Number(current.dataset.version),
      request: current.dataset.request,
      duration_ms: Math.round(performance.now() - shownAt),
    });
    if (ok) say(data.leech ? "Answered: this card is now marked as a leech." : `Next in ${data.interval}`);
    else say(code === 409 ? data.error : `Not saved: ${data.error}`);
    await loadNext();
  });
}

function undo() {
  exclusively(async () => {
    const { ok, data } = await post(root.dataset.undoUrl, {});
    say(ok ? (data.undone ? "Undone: the card is back as it was." : "Nothing to undo.") : data.error);
    await loadNext();
  });
}

function toggleContext() {
  const context = root.querySelector(".flashcard.revealed .context");
  if (context) context.open = !context.open;
}

document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, select, textarea")) return;
  // A key held down repeats: Space held a moment too long must not reveal and answer at once,
  // nor press the Good button that revealing focused.
  if (event.repeat) {
    if (event.key === " ") event.preventDefault();
    return;
  }
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
    event.preventDefault();
    undo();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const revealed = card() && card().classList.contains("revealed");
  if (event.key === " ") {
    event.preventDefault();
    if (revealed) rate(3);
    else reveal();
  } else if (["1", "2", "3", "4"].includes(event.key)) {
    event.preventDefault();
    rate(Number(event.key));
  } else if (event.key === "u") {
    undo();
  } else if (event.key === "p") {
    toggleContext();
  }
});

root.addEventListener("click", (event) => {
  if (event.target.closest('[data-action="reveal"]')) {
    event.preventDefault();
    reveal();
    return;
  }
  const button = event.target.closest("button.rate");
  if (button) {
    event.preventDefault();
    rate(Number(button.value));
  }
});

document.querySelector(".undo-form").addEventListener("submit", (event) => {
  event.preventDefault();
  undo();
});
