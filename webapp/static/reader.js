// The reader's behaviour: highlight a sentence's counterpart, pin it, move with the keyboard,
// hide and reveal translations, load more rows as the learner scrolls, remember the position,
// and make cards from sentences and selected words. Without it the page still reads.
import { announcer, postJson } from "./net.js";

const reader = document.querySelector(".reader");
const rows = document.getElementById("rows");
const toolbar = document.getElementById("toolbar");
const wordDialog = document.getElementById("word-card-dialog");
const shortcutsDialog = document.getElementById("shortcuts-dialog");
const { article, learn, help } = reader.dataset;

let current = null; // the sentence the keyboard is on
let pinned = null; // the link whose highlight stays
let selection = null; // { phrase, sentence, link, range } of the selected words
let wordCard = null; // the selection the open word-card dialog is for (focus there clears it)

const sentencesOf = (link) => reader.querySelectorAll(`.s[data-link="${CSS.escape(link)}"]`);
// The learning sentences on screen: the side-by-side panes, or the interleaved list on phones.
const learnSentences = () =>
  [...reader.querySelectorAll('.s[data-side="l"]')].filter((s) => s.offsetParent !== null);

const say = announcer(document.getElementById("status"));

// The reader's posts either succeed or throw with the server's message.
async function post(url, body) {
  const { ok, data } = await postJson(url, body);
  if (!ok) throw new Error(data.error);
  return data;
}

// Highlighting: hover or focus lights a sentence and its counterpart; a click pins it.
function light(link, on, cls = "hl") {
  if (link) sentencesOf(link).forEach((s) => s.classList.toggle(cls, on));
}

rows.addEventListener("mouseover", (event) => {
  const s = event.target.closest(".s");
  if (s) light(s.dataset.link, true);
});
rows.addEventListener("mouseout", (event) => {
  const s = event.target.closest(".s");
  if (s) light(s.dataset.link, false);
});
rows.addEventListener("focusin", (event) => {
  const s = event.target.closest(".s");
  if (s) light(s.dataset.link, true);
});
rows.addEventListener("focusout", (event) => {
  const s = event.target.closest(".s");
  if (s) light(s.dataset.link, false);
});

function pin(link) {
  if (pinned) light(pinned, false, "pinned");
  pinned = pinned === link ? null : link;
  if (pinned) light(pinned, true, "pinned");
}

function reveal(link) {
  if (link) sentencesOf(link).forEach((s) => s.classList.add("revealed"));
}

rows.addEventListener("click", (event) => {
  const s = event.target.closest(".s");
  if (!s || !window.getSelection().isCollapsed) return;
  setCurrent(s.dataset.side === "l" ? s : counterpart(s) || s, false);
  if (reader.classList.contains("hide-translations") && s.dataset.side === "h") reveal(s.dataset.link);
  else pin(s.dataset.link);
});

function counterpart(s) {
  return [...sentencesOf(s.dataset.link)].find((other) => other.dataset.side === "l");
}

// Keyboard: one sentence at a time, with a roving tab stop.
function setCurrent(s, focus = true, remember = true) {
  if (!s) return;
  if (current) {
    current.classList.remove("current");
    current.tabIndex = -1;
  }
  current = s;
  current.classList.add("current");
  current.tabIndex = 0;
  if (focus) {
    current.focus({ preventScroll: true });
    current.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }
  if (remember) rememberPosition(current);
}

function step(delta) {
  const all = learnSentences();
  const index = current ? all.indexOf(current) : -1;
  setCurrent(all[Math.min(all.length - 1, Math.max(0, index + delta))]);
}

function toggle(mode, button) {
  const on = reader.classList.toggle(mode);
  const control = reader.querySelector(`[data-action="${button}"]`);
  if (control) control.setAttribute("aria-pressed", String(mode === "helper-hidden" ? !on : on));
  if (mode === "hide-translations" && !on) {
    reader.querySelectorAll(".revealed").forEach((s) => s.classList.remove("revealed"));
  }
}

const keys = {
  j: () => step(1),
  ArrowDown: () => step(1),
  k: () => step(-1),
  ArrowUp: () => step(-1),
  Enter: () => current && pin(current.dataset.link),
  r: () => current && reveal(current.dataset.link),
  t: () => help && toggle("hide-translations", "hide-translations"),
  h: () => help && toggle("helper-hidden", "toggle-help"),
  c: () => current && sentenceCard(current.dataset.link),
  w: () => selection && openWordCard(),
  "?": () => shortcutsDialog.showModal(),
};

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest("input, select, textarea, dialog")) return;
  // Enter (and Space, which has no shortcut) belong to a focused control: letters do not, so
  // j still moves on after a click on "Hide translations".
  if (event.key === "Enter" && event.target.closest("button, a, summary")) return;
  const action = keys[event.key];
  if (!action) return;
  event.preventDefault();
  reader.classList.add("keyboard"); // show where the keyboard is only once it is used
  action();
});

reader.querySelectorAll(".modes [data-action]").forEach((button) => {
  button.addEventListener("click", () => {
    const action = button.dataset.action;
    if (action === "toggle-help") toggle("helper-hidden", action);
    else if (action === "hide-translations") toggle("hide-translations", action);
    else shortcutsDialog.showModal();
  });
});

// Selecting words offers card buttons next to the selection.
document.addEventListener("selectionchange", () => {
  const chosen = window.getSelection();
  const text = chosen.toString().replace(/\s+/g, " ").trim();
  const anchor = chosen.anchorNode && chosen.anchorNode.parentElement;
  const s = anchor && anchor.closest(".s");
  if (!text || !s || chosen.isCollapsed) {
    selection = null;
    if (!toolbar.matches(":focus-within")) toolbar.hidden = true;
    return;
  }
  const inLearn = s.dataset.side === "l";
  const range = chosen.getRangeAt(0).cloneRange();
  selection = { phrase: text, sentence: inLearn ? s : counterpart(s), link: s.dataset.link, inLearn, range };
  const box = range.getBoundingClientRect();
  toolbar.hidden = !s.dataset.link;
  toolbar.querySelector('[data-action="word-card"]').hidden = !inLearn;
  // Above the selection, or below it near the top; always inside the window.
  const above = box.top - toolbar.offsetHeight - 8;
  const top = above >= 8 ? above : box.bottom + 8;
  toolbar.style.top = `${Math.min(Math.max(8, top), innerHeight - toolbar.offsetHeight - 8)}px`;
  toolbar.style.left = `${Math.max(8, Math.min(innerWidth - 260, box.left))}px`;
});

toolbar.addEventListener("mousedown", (event) => event.preventDefault()); // keep the selection
toolbar.addEventListener("click", (event) => {
  const button = event.target.closest("[data-action]");
  if (!button || !selection) return;
  if (button.dataset.action === "sentence-card") sentenceCard(selection.link);
  else openWordCard();
});

async function sentenceCard(link) {
  if (!link || !help) return say("This sentence has no translation to make a card with.");
  try {
    const data = await post(reader.dataset.cardsUrl, { kind: "sentence", link: Number(link), learn, help });
    sentencesOf(link).forEach((s) => s.classList.add("carded"));
    say(data.created ? "Sentence card added." : "You already have this card.");
  } catch (error) {
    say(error.message);
  }
  toolbar.hidden = true;
}

function openWordCard() {
  if (!selection || !selection.inLearn) return say("Select words in the language you are learning.");
  wordCard = selection;
  wordDialog.querySelector(".phrase").textContent = selection.phrase;
  wordDialog.querySelector('input[name="meaning"]').value = "";
  wordDialog.returnValue = ""; // Escape keeps the last value: it must not mean "save"
  wordDialog.showModal();
}

wordDialog.addEventListener("close", async () => {
  const card = wordCard;
  wordCard = null;
  if (wordDialog.returnValue !== "save" || !card) return;
  const { phrase, sentence, link, range } = card;
  try {
    const data = await post(reader.dataset.cardsUrl, {
      kind: "word",
      link: Number(link),
      sentence: Number(sentence.dataset.s),
      phrase,
      meaning: wordDialog.querySelector('input[name="meaning"]').value,
      learn,
      help,
    });
    markPhrase(sentence, range);
    say(data.created ? `Word card added: ${phrase}` : "You already have this card.");
  } catch (error) {
    say(error.message);
  }
  toolbar.hidden = true;
});

function markPhrase(sentence, range) {
  if (sentence.contains(range.commonAncestorContainer)) {
    try {
      range.surroundContents(document.createElement("mark"));
      window.getSelection().removeAllRanges();
      return;
    } catch {
      // The selection crosses other marks: the mark appears on the next visit instead.
    }
  }
  sentence.classList.add("carded");
}

// Remember where the learner is, a moment after they stop moving.
function rememberPosition(s) {
  if (!s || s.dataset.side !== "l") return;
  clearTimeout(rememberPosition.timer);
  rememberPosition.timer = setTimeout(() => {
    post(reader.dataset.progressUrl, { article, learn, sentence: Number(s.dataset.s) }).catch(() => {});
  }, 800);
}

const seen = new IntersectionObserver(
  (entries) => {
    const top = entries.filter((e) => e.isIntersecting).map((e) => e.target);
    if (top.length) rememberPosition(top[top.length - 1]);
  },
  { rootMargin: "0px 0px -70% 0px" },
);

function watch(root) {
  root.querySelectorAll('.s[data-side="l"]').forEach((s) => seen.observe(s));
  const more = root.querySelector("a.later[data-next]");
  if (more) loader.observe(more);
}

// Load the next rows before the reader reaches the end of the page.
const loader = new IntersectionObserver(
  (entries) => entries.filter((e) => e.isIntersecting).forEach((e) => loadMore(e.target)),
  { rootMargin: "800px 0px" },
);

async function loadMore(link) {
  loader.unobserve(link);
  const holder = link.closest(".more");
  try {
    const response = await fetch(link.dataset.next, { headers: { Accept: "text/html" } });
    if (!response.ok) throw new Error(response.statusText);
    const template = document.createElement("template");
    template.innerHTML = await response.text();
    const added = [...template.content.children];
    holder.replaceWith(template.content);
    added.forEach(watch);
  } catch {
    loader.observe(link); // try again on the next scroll; the link also works by itself
  }
}

watch(rows);
const start = reader.dataset.position
  ? learnSentences().find((s) => s.dataset.pos === reader.dataset.position)
  : null;
setCurrent(start || learnSentences()[0], Boolean(start), false);
