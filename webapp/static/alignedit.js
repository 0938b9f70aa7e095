// The alignment editor's keyboard and fetch behaviour: select a sentence, move between pairs and
// sentences, edit and undo without reloading the page. Without this script the page still
// works: sentences are links that select them, and the action form posts and comes back.
import { announcer, postJson } from "./net.js";

const root = document.getElementById("aligner");
const holder = document.getElementById("screen");
const say = announcer(document.getElementById("status"));
let busy = false;

const form = () => holder.querySelector("form.edit-form");
const selected = () => holder.querySelector(".s.selected");
const allSentences = () => [...holder.querySelectorAll(".link .s")];
const linkOf = (s) => s.closest(".link");

// Selection -----------------------------------------------------------------------------------

function select(s, focus = true) {
  if (!s) return;
  holder.querySelectorAll(".selected").forEach((element) => {
    element.classList.remove("selected");
    element.removeAttribute("aria-current");
  });
  s.classList.add("selected");
  s.setAttribute("aria-current", "true");
  linkOf(s).classList.add("selected");
  describe(s);
  if (focus) {
    s.focus({ preventScroll: true });
    s.scrollIntoView({ block: "nearest" });
  }
}

// The action form names the selected sentence, quotes it, and offers the other pane's
// sentences of its pair as places where a split may divide that side.
function describe(s) {
  const actions = form();
  const pane = s.closest(".pane");
  actions.elements.sentence.value = s.dataset.s;
  const quote = actions.querySelector(".selected-text");
  const q = document.createElement("q");
  q.lang = pane.lang;
  q.dir = pane.dir;
  q.textContent = s.textContent;
  quote.replaceChildren("Selected: ", q);
  const other = linkOf(s).querySelector(pane.classList.contains("first") ? ".pane.second" : ".pane.first");
  const choice = actions.elements.other;
  const keep = [...choice.options].slice(0, 2);
  const places = [...other.querySelectorAll(".s")].map((sentence, index) => {
    const text = sentence.textContent.trim();
    return new Option(`after “${text.length > 32 ? `${text.slice(0, 29)}...` : text}”`, String(index + 1));
  });
  choice.replaceChildren(...keep, ...places);
  choice.value = "";
  const doubtful = actions.querySelector('[data-action="doubtful"]');
  const url = new URL(doubtful.href);
  url.searchParams.set("after", linkOf(s).dataset.pos);
  doubtful.href = url.pathname + url.search;
}

// j/k: the first sentence of the next or previous pair; h/l: the next or previous sentence in
// reading order (the left pane, then the right), going on into the neighbouring pairs.
function stepLink(delta) {
  const links = [...holder.querySelectorAll(".link")];
  const here = selected() ? links.indexOf(linkOf(selected())) : -1;
  const target = links[here + delta];
  if (target) select(target.querySelector(".s"));
  else turnPage(delta);
}

function stepSentence(delta) {
  const sentences = allSentences();
  const target = sentences[sentences.indexOf(selected()) + delta];
  if (target) select(target);
  else turnPage(delta);
}

function turnPage(delta) {
  const more = holder.querySelector(delta > 0 ? "a.later" : "a.earlier");
  if (more) window.location.href = more.href;
}

function doubtful(delta) {
  const links = [...holder.querySelectorAll(".link")];
  const here = selected() ? links.indexOf(linkOf(selected())) : -1;
  const ahead = delta > 0 ? links.slice(here + 1) : links.slice(0, Math.max(here, 0)).reverse();
  const found = ahead.find((link) => link.classList.contains("flagged"));
  if (found) {
    select(found.querySelector(".s"));
    return;
  }
  const url = new URL(root.dataset.doubtfulUrl, window.location.href);
  url.searchParams.set("after", here >= 0 ? links[here].dataset.pos : "-1");
  if (delta < 0) url.searchParams.set("direction", "previous");
  if (selected()) url.searchParams.set("sel", selected().dataset.s);
  window.location.href = url.pathname + url.search;
}

// Edits ---------------------------------------------------------------------------------------

// Send the action form's fields as JSON, then swap in the rows as they are now. A 409 (the
// page was out of date) shows the server's message and the current rows.
async function act(action) {
  if (busy) return;
  busy = true;
  const fields = form().elements;
  try {
    // getAttribute: the buttons are named "action", which hides the form's own property.
    const { ok, status, data } = await postJson(form().getAttribute("action"), {
      action,
      version: Number(fields.version.value),
      sentence: fields.sentence.value ? Number(fields.sentence.value) : null,
      other: fields.other.value,
    });
    say(ok ? data.message : data.error);
    if (ok || status === 409) await refresh();
  } catch {
    say("The server cannot be reached: try again.");
  } finally {
    busy = false;
  }
}

async function refresh() {
  const sentence = selected() ? selected().dataset.s : "";
  const url = new URL(root.dataset.screenUrl, window.location.href);
  url.searchParams.set("start", holder.querySelector(".screen").dataset.start);
  if (sentence) url.searchParams.set("sel", sentence);
  const response = await fetch(url, { headers: { Accept: "text/html" } });
  if (!response.ok) {
    say("The pairs could not be loaded again: reload the page.");
    return;
  }
  // Keys pressed while the request ran may have moved the selection: keep where it is now.
  const keep = selected() ? selected().dataset.s : sentence;
  holder.innerHTML = await response.text();
  const page = new URL(root.dataset.pageUrl, window.location.href);
  page.searchParams.set("start", holder.querySelector(".screen").dataset.start);
  if (keep) page.searchParams.set("sel", keep);
  window.history.replaceState(null, "", page.pathname + page.search);
  const again = keep && holder.querySelector(`.s[data-s="${CSS.escape(keep)}"]`);
  select(again || holder.querySelector(".s.selected") || holder.querySelector(".link .s"));
}

// Events --------------------------------------------------------------------------------------

const keys = {
  j: () => stepLink(1),
  ArrowDown: () => stepLink(1),
  k: () => stepLink(-1),
  ArrowUp: () => stepLink(-1),
  l: () => stepSentence(1),
  ArrowRight: () => stepSentence(1),
  h: () => stepSentence(-1),
  ArrowLeft: () => stepSentence(-1),
  n: () => doubtful(1),
  p: () => doubtful(-1),
  m: () => act("merge"),
  s: () => act("split"),
  "[": () => act("move-previous"),
  "]": () => act("move-next"),
  x: () => act("detach"),
  0: () => act("detach"),
  u: () => act("undo"),
};

document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, select, textarea, dialog") || event.repeat) return;
  if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "z") {
    event.preventDefault();
    act("undo");
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const handler = keys[event.key];
  if (handler) {
    event.preventDefault();
    handler();
  }
});

holder.addEventListener("click", (event) => {
  const s = event.target.closest(".link .s");
  if (s) {
    event.preventDefault();
    select(s);
    return;
  }
  const jump = event.target.closest('[data-action="doubtful"]');
  if (jump) {
    event.preventDefault();
    doubtful(1);
  }
});

// Tab (or a screen reader) moving the focus onto a sentence selects it too.
holder.addEventListener("focusin", (event) => {
  const s = event.target.closest(".link .s");
  if (s && s !== selected()) select(s, false);
});

holder.addEventListener("submit", (event) => {
  event.preventDefault();
  if (event.submitter) act(event.submitter.value);
});

select(selected() || holder.querySelector(".link .s"), false);
