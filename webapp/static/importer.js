// The import page: follow a running job's progress, and correct the cleaner without reloads.
import { postJson } from "./net.js";

const job = document.querySelector(".importer.job");
const RUNNING = new Set(["reading", "queued", "running"]);

// Poll while the job runs; reload when its status changes, so the page shows the outcome.
async function follow() {
  const response = await fetch(job.dataset.statusUrl, { headers: { Accept: "application/json" } });
  if (!response.ok) return setTimeout(follow, 2000);
  const state = await response.json();
  if (state.status !== job.dataset.status) return location.reload();
  const stage = job.querySelector(".job-progress .stage");
  const bar = job.querySelector(".job-progress progress");
  if (state.stage) stage.textContent = state.stage;
  bar.value = state.progress;
  bar.textContent = `${Math.round(state.progress * 100)}%`;
  setTimeout(follow, 500);
}

// Restore or remove a line in place; the server answers whether the line is now kept.
async function toggle(event) {
  const item = event.target.closest("li[data-line]");
  if (!item) return;
  event.preventDefault();
  const form = event.target.closest("form");
  const { ok, data } = await postJson(form.getAttribute("action"), { correction: form.elements.correction.value });
  if (!ok) {
    item.querySelector(".reason")?.remove();
    item.insertAdjacentHTML("beforeend", '<span class="reason error"></span>');
    item.querySelector(".reason").textContent = data.error || "could not change this line";
    return;
  }
  item.classList.toggle("kept", data.kept);
  item.classList.toggle("removed", !data.kept);
  item.querySelector("button.toggle").textContent = data.kept ? "Remove" : "Restore";
  form.elements.correction.value = data.kept ? "remove" : "restore";
}

if (job) {
  if (RUNNING.has(job.dataset.status)) setTimeout(follow, 300);
  job.querySelector(".preview")?.addEventListener("submit", toggle);
}
