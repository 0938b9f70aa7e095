// Display settings every page shares: text size and theme, remembered in this browser.
const KEY = "tandem-display";
const root = document.documentElement;
const sizes = [1, 2, 3, 4, 5, 6];

function load() {
  try {
    return { size: 3, theme: null, ...JSON.parse(localStorage.getItem(KEY) || "{}") };
  } catch {
    return { size: 3, theme: null };
  }
}

function apply(settings) {
  sizes.forEach((n) => root.classList.toggle(`fs-${n}`, n === settings.size));
  if (settings.theme) root.dataset.theme = settings.theme;
  else delete root.dataset.theme;
}

let settings = load();
apply(settings);

function save(change) {
  settings = { ...settings, ...change };
  localStorage.setItem(KEY, JSON.stringify(settings));
  apply(settings);
}

const actions = {
  smaller: () => save({ size: Math.max(1, settings.size - 1) }),
  larger: () => save({ size: Math.min(6, settings.size + 1) }),
  theme: () => {
    const dark = settings.theme
      ? settings.theme === "dark"
      : matchMedia("(prefers-color-scheme: dark)").matches;
    save({ theme: dark ? "light" : "dark" });
  },
};

document.querySelectorAll(".display [data-action]").forEach((button) => {
  button.addEventListener("click", () => actions[button.dataset.action]());
});
