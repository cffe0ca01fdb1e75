// Reactions: a few emoji a person sends to the room; they float over the sender's tile and are said to screen
// readers. The list and the pace are the server's (contract.js).

import { REACTIONS, REACTION_INTERVAL_MS } from "./contract.js";
import { gettext, interpolate } from "./i18n.js";
import { closePopover, openPopover } from "./popover.js";

export class Reactions {
  /**
   * @param {HTMLElement} root #room
   * @param {object} options
   * @param {(emoji: string) => boolean} options.send
   */
  constructor(root, { send }) {
    this.button = /** @type {HTMLButtonElement} */ (root.querySelector("#toggle-reactions"));
    this.menu = /** @type {HTMLElement} */ (root.querySelector("#reactions-menu"));
    this.send = send;
    this.lastSent = -Infinity;
    for (const emoji of REACTIONS) {
      const item = document.createElement("button");
      item.type = "button";
      item.className = "reaction-choice";
      item.textContent = emoji;
      item.setAttribute("aria-label", interpolate(gettext("React with %(emoji)s"), { emoji }));
      item.addEventListener("click", () => this.react(emoji));
      this.menu.append(item);
    }
    this.button.addEventListener("click", () => {
      if (!this.menu.hidden) closePopover();
      else openPopover(this.menu, this.button);
    });
  }

  /** Send one, at the pace the server allows (a quicker one would be refused). @param {string} emoji */
  react(emoji) {
    const now = performance.now();
    if (now - this.lastSent < REACTION_INTERVAL_MS) return;
    if (this.send(emoji)) this.lastSent = now;
  }

  /** Close the menu (the call ended). */
  close() {
    if (!this.menu.hidden) closePopover({ restoreFocus: false });
  }
}
