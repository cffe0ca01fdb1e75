// "Copy link": a dialog that says who the room's link works for and copies it, or (for the room's owner) a guest
// invite link for people without an account, so the link sent is one that works for whoever gets it.

import { gettext } from "./i18n.js";

export class InviteDialog {
  /**
   * @param {HTMLElement} root #room
   * @param {object} options
   * @param {(text: string) => Promise<boolean>} options.copy
   * @param {() => Promise<string | null>} options.makeGuestLink   makes an invite link (owners only)
   */
  constructor(root, { copy, makeGuestLink }) {
    this.dialog = /** @type {HTMLDialogElement} */ (root.querySelector("#invite-dialog"));
    this.copy = copy;
    this.makeGuestLink = makeGuestLink;
    this.status = /** @type {HTMLElement} */ (this.dialog.querySelector("#invite-status"));
    this.roomLink = /** @type {HTMLInputElement} */ (this.dialog.querySelector("#invite-room-link"));
    root.querySelector("#copy-link").addEventListener("click", () => this.open());
    this.dialog.querySelector("#invite-copy-room").addEventListener("click", async () => {
      this.say(await this.copy(this.roomLink.value) ? gettext("Room link copied.") : gettext("Select the link and copy it."));
    });
    const guestButton = this.dialog.querySelector("#invite-copy-guest");
    if (guestButton) {
      guestButton.addEventListener("click", async () => {
        const url = await this.makeGuestLink();
        if (!url) return;
        /** @type {HTMLInputElement} */ (this.dialog.querySelector("#invite-guest-link")).value = url;
        this.say(await this.copy(url) ? gettext("Guest invite link copied: it works for a day.") : gettext("Select the link and copy it."));
      });
    }
  }

  open() {
    this.say("");
    if (!this.dialog.open) this.dialog.showModal();
  }

  /** The room's access rule changed: say whom the link works for now. @param {string} access */
  setAccess(access) {
    this.dialog.dataset.access = access;
    for (const line of this.dialog.querySelectorAll("[data-for]")) {
      /** @type {HTMLElement} */ (line).hidden = /** @type {HTMLElement} */ (line).dataset.for !== access;
    }
  }

  /** @param {string} text */
  say(text) {
    this.status.textContent = text;
  }
}

/** Copy text to the clipboard; resolve false where the browser will not (then show it to copy by hand). */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
