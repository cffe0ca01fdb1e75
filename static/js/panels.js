// The side panels (chat, participants, devices): one open at a time, beside the stage on wide screens and
// over it on phones; their buttons show whether they are open, the unread count and the lobby.

import { interpolate, ngettext } from "./i18n.js";
import { ChatPanel } from "./chat.js";

const PANELS = { chat: "#toggle-chat", people: "#toggle-people", host: "#toggle-host", settings: "#toggle-settings" };

export class Panels {
  /** @param {HTMLElement} root #room @param {(name: string, open: boolean) => void} onChange */
  constructor(root, onChange) {
    this.root = root;
    this.onChange = onChange;
    /** @type {string | null} */
    this.current = null;
    this.peopleCount = 1;
    this.lobbyWaiting = 0;
    this.shortcuts = /** @type {HTMLDialogElement} */ (root.querySelector("#shortcuts-dialog"));
    for (const [name, selector] of Object.entries(PANELS)) {
      root.querySelector(selector).addEventListener("click", () => this.toggle(name));
      const panel = this.panel(name);
      panel.querySelector("[data-close-panel]").addEventListener("click", () => this.close());
      panel.addEventListener("keydown", (event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          this.close();
        }
      });
    }
    root.querySelector("#show-shortcuts").addEventListener("click", () => this.showShortcuts());
    for (const name of Object.keys(PANELS)) this.updateTip(name);
  }

  /** @param {string} name */
  panel(name) {
    return /** @type {HTMLElement} */ (this.root.querySelector(`#${name}-panel`));
  }

  /** @param {string} name */
  button(name) {
    return /** @type {HTMLElement} */ (this.root.querySelector(PANELS[name]));
  }

  /** @param {string} name */
  toggle(name) {
    if (this.current === name) this.close();
    else this.open(name);
  }

  /** @param {string} name */
  open(name) {
    if (this.current && this.current !== name) this.close({ restoreFocus: false });
    const panel = this.panel(name);
    panel.hidden = false;
    this.root.dataset.panel = name;
    this.button(name).setAttribute("aria-expanded", "true");
    this.current = name;
    this.onChange(name, true);
    const first = /** @type {HTMLElement | null} */ (
      panel.querySelector("textarea, select:not([disabled]), .panel-body button, [data-close-panel]")
    );
    if (first) first.focus();
  }

  /** @param {{restoreFocus?: boolean}} [options] */
  close({ restoreFocus = true } = {}) {
    const name = this.current;
    if (!name) return;
    this.panel(name).hidden = true;
    this.button(name).setAttribute("aria-expanded", "false");
    delete this.root.dataset.panel;
    this.current = null;
    this.onChange(name, false);
    if (restoreFocus) this.button(name).focus();
  }

  showShortcuts() {
    if (!this.shortcuts.open) this.shortcuts.showModal();
  }

  /** @param {number} count */
  setUnread(count) {
    const badge = /** @type {HTMLElement} */ (this.root.querySelector("#chat-badge"));
    badge.hidden = !count;
    badge.textContent = count > 99 ? "99+" : String(count);
    this.button("chat").setAttribute("aria-label", ChatPanel.buttonLabel(count));
    this.updateTip("chat");
  }

  /** @param {number} count */
  setPeopleCount(count) {
    this.peopleCount = count;
    this.renderPeople();
  }

  /** @param {number} count  people waiting in the lobby (only moderators are told) */
  setLobbyWaiting(count) {
    this.lobbyWaiting = count;
    this.renderPeople();
  }

  renderPeople() {
    const badge = /** @type {HTMLElement} */ (this.root.querySelector("#people-badge"));
    badge.textContent = String(this.peopleCount);
    badge.classList.toggle("control-badge--alert", this.lobbyWaiting > 0);
    let label = interpolate(ngettext("Participants (%(count)s)", "Participants (%(count)s)", this.peopleCount), {
      count: this.peopleCount,
    });
    if (this.lobbyWaiting) {
      label += ", " + interpolate(ngettext("%(count)s waiting in the lobby", "%(count)s waiting in the lobby", this.lobbyWaiting), {
        count: this.lobbyWaiting,
      });
    }
    this.button("people").setAttribute("aria-label", label);
    const tip = this.button("people").querySelector(".control-tip");
    if (tip) tip.textContent = label;
    this.button("people").dataset.alert = String(this.lobbyWaiting > 0);
  }

  /** Show each panel button's name as its tooltip. @param {string} name */
  updateTip(name) {
    const button = this.button(name);
    const tip = button.querySelector(".control-tip");
    if (tip) tip.textContent = button.getAttribute("aria-label");
  }
}
