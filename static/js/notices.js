// Plain messages in the room page's live region.

import { gettext } from "./i18n.js";

/** Plain messages in the page's live region, by key, so each kind of news replaces its previous one. */
export class Notices {
  /** @param {HTMLElement} region */
  constructor(region) {
    this.region = region;
    /** @type {Map<string, {element: HTMLElement, timer: number | undefined}>} */
    this.items = new Map();
  }

  /**
   * @param {string} key
   * @param {string} text
   * @param {{tone?: "info" | "warning" | "error", action?: {label: string, run: () => void}, fadeAfterMs?: number}} [options]
   */
  set(key, text, { tone = "info", action, fadeAfterMs } = {}) {
    this.clear(key);
    const element = document.createElement("div");
    element.className = `notice notice--${tone}`;
    element.dataset.notice = key;
    const message = document.createElement("span");
    message.textContent = text;
    element.append(message);
    if (action) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "notice-action";
      button.textContent = action.label;
      button.addEventListener("click", () => {
        this.clear(key);
        action.run();
      });
      element.append(button);
    }
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "notice-dismiss";
    dismiss.setAttribute("aria-label", gettext("Dismiss"));
    dismiss.textContent = "×";
    dismiss.addEventListener("click", () => this.clear(key));
    element.append(dismiss);
    this.region.append(element);
    const timer = fadeAfterMs ? window.setTimeout(() => this.clear(key), fadeAfterMs) : undefined;
    this.items.set(key, { element, timer });
  }

  /** @param {string} key */
  clear(key) {
    const item = this.items.get(key);
    if (!item) return;
    window.clearTimeout(item.timer);
    item.element.remove();
    this.items.delete(key);
  }
}
