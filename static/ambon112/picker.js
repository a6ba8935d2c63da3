// A text field you type into to pick one item from a list (WAI-ARIA combobox with a listbox):
// every typed word must start a word of the item, arrows move, Enter picks, Escape closes.

import { el, fold } from "./ui.js";

let counter = 0;

/**
 * Turn `input` into a picker over `items` ({label, hint?, search?, ...}).
 * onPick(item | null) runs when the choice changes. Returns {setItems, pick, clear, value}.
 */
export function picker(input, { items = [], onPick = () => {}, max = 12 } = {}) {
  const id = `picker-${++counter}`;
  const list = el("ul", { className: "picker-list", id: `${id}-list`, role: "listbox" });
  list.hidden = true;
  const wrap = el("div", { className: "picker" });
  input.replaceWith(wrap);
  wrap.append(input, list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.autocomplete = "off";
  input.spellcheck = false;

  let all = [];
  let shown = [];
  let active = -1;
  let chosen = null;
  let wanted = false; // the list was asked for (typing, focus, arrows)

  function setItems(next) {
    all = next.map((item) => ({
      ...item,
      _label: fold(item.label),
      _words: fold(`${item.label} ${item.search || ""}`).split(/[^\p{L}\p{N}]+/u).filter(Boolean),
    }));
  }

  function matches(query) {
    const words = fold(query).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    if (!words.length) return all.slice(0, max);
    const folded = fold(query).trim();
    const hits = all.filter((item) => words.every((w) => item._words.some((iw) => iw.startsWith(w))));
    // Names that start with what was typed first, then the list's own order.
    const first = hits.filter((item) => item._label.startsWith(folded));
    const rest = hits.filter((item) => !item._label.startsWith(folded));
    return [...first, ...rest].slice(0, max);
  }

  function render() {
    list.replaceChildren(
      ...shown.map((item, index) =>
        el(
          "li",
          {
            id: `${id}-${index}`,
            role: "option",
            "aria-selected": index === active ? "true" : "false",
            className: index === active ? "active" : "",
            dataset: { index },
          },
          el("span", { className: "label" }, item.label),
          item.hint ? el("span", { className: "hint" }, item.hint) : null
        )
      )
    );
    if (!shown.length && wanted && input.value.trim()) {
      list.append(el("li", { className: "none", "aria-disabled": "true" }, gettext("No match")));
    }
    const open = list.children.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    if (active >= 0 && shown[active]) {
      input.setAttribute("aria-activedescendant", `${id}-${active}`);
      list.children[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function open() {
    wanted = true;
    shown = matches(input.value);
    // Nothing typed yet: show the list but let Enter mean "submit", not "the first item".
    active = shown.length && input.value.trim() ? 0 : -1;
    render();
  }

  function close() {
    wanted = false;
    shown = [];
    active = -1;
    render();
  }

  function pick(item, { silent = false } = {}) {
    chosen = item;
    input.value = item ? item.label : "";
    input.classList.toggle("picked", Boolean(item));
    close();
    if (!silent) onPick(item);
  }

  function clear({ silent = false } = {}) {
    pick(null, { silent });
  }

  input.addEventListener("input", () => {
    if (chosen) {
      chosen = null;
      input.classList.remove("picked");
      onPick(null);
    }
    open();
  });
  input.addEventListener("focus", () => {
    if (!chosen) open();
  });
  input.addEventListener("blur", () => {
    // An exact name typed out counts as picked.
    if (!chosen && input.value.trim()) {
      const exact = all.find((item) => item._label === fold(input.value.trim()));
      if (exact) pick(exact);
    }
    close();
  });
  input.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) {
        open();
        return;
      }
      if (!shown.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      active = active < 0 && step < 0 ? shown.length - 1 : (active + step + shown.length) % shown.length;
      render();
    } else if (event.key === "Enter") {
      if (shown[active]) {
        event.preventDefault();
        event.stopPropagation();
        pick(shown[active]);
      } else if (shown.length) {
        close(); // nothing highlighted: Enter goes on to the form
      }
      if (!event.defaultPrevented && !chosen && input.value.trim()) {
        event.preventDefault(); // never submit with an unpicked, half-typed name
        event.stopPropagation();
        open();
      }
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  list.addEventListener("mousedown", (event) => {
    event.preventDefault(); // keep the focus in the field
    const option = event.target.closest("li[data-index]");
    if (option) pick(shown[Number(option.dataset.index)]);
  });

  setItems(items);
  return {
    setItems,
    pick,
    clear,
    get value() {
      return chosen;
    },
    find: (predicate) => all.find(predicate),
  };
}
