// Each tile's menu: pin it large (or unpin), show it full screen, hide our own view. Double-clicking a tile pins it
// too (layout.js).

import { gettext, interpolate } from "./i18n.js";
import { SELF, keyOf } from "./layout.js";
import { closePopover, openPopover } from "./popover.js";

export class TileMenu {
  /**
   * @param {HTMLElement} root #room
   * @param {import("./layout.js").StageLayout} layout
   */
  constructor(root, layout) {
    this.root = root;
    this.layout = layout;
    this.menu = /** @type {HTMLElement} */ (root.querySelector("#tile-menu"));
    this.pinItem = /** @type {HTMLButtonElement} */ (this.menu.querySelector("[data-action=pin]"));
    this.fullItem = /** @type {HTMLButtonElement} */ (this.menu.querySelector("[data-action=fullscreen]"));
    this.hideItem = /** @type {HTMLButtonElement} */ (this.menu.querySelector("[data-action=hide-self]"));
    /** @type {HTMLElement | null} */
    this.tile = null;
    root.querySelector("#stage").addEventListener("click", (event) => {
      const button = /** @type {HTMLElement} */ (event.target).closest(".tile-menu-button");
      if (button) this.open(/** @type {HTMLElement} */ (button.closest(".tile")), /** @type {HTMLElement} */ (button));
    });
    this.pinItem.addEventListener("click", () => this.run(() => this.layout.togglePin(keyOf(this.tile))));
    this.fullItem.addEventListener("click", () => this.run(() => this.toggleFullScreen(this.tile)));
    this.hideItem.addEventListener("click", () => this.run(() => this.layout.setHideSelf(true)));
  }

  /** @param {HTMLElement} tile @param {HTMLElement} button */
  open(tile, button) {
    this.tile = tile;
    const key = keyOf(tile);
    this.pinItem.textContent = this.layout.pinned === key ? gettext("Unpin") : gettext("Pin to the stage");
    this.fullItem.textContent = document.fullscreenElement === tile ? gettext("Exit full screen") : gettext("Full screen");
    this.fullItem.hidden = !tile.requestFullscreen;
    this.hideItem.hidden = key !== SELF;
    const name = tile.querySelector(".tile-label, .tile-name span")?.textContent || "";
    this.menu.setAttribute("aria-label", interpolate(gettext("Options for %(name)s"), { name }));
    // A full-screen tile hides the rest of the page: its menu must live inside it while it is full screen.
    const home = document.fullscreenElement === tile ? tile.querySelector(".tile-frame") : this.root;
    if (this.menu.parentElement !== home) home.append(this.menu);
    openPopover(this.menu, button);
  }

  /** @param {() => void} action */
  run(action) {
    closePopover({ restoreFocus: false });
    action();
  }

  /** @param {HTMLElement | null} tile */
  toggleFullScreen(tile) {
    if (!tile) return;
    if (document.fullscreenElement === tile) document.exitFullscreen().catch(() => {});
    else tile.requestFullscreen().catch(() => {});
  }
}
