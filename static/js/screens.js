// The screens over the room: waiting in the lobby, asking for the room password, and the end of the call.

import { gettext } from "./i18n.js";

export class Screens {
  /** @param {HTMLElement} root #room */
  constructor(root) {
    this.root = root;
    this.ended = /** @type {HTMLElement} */ (root.querySelector("#room-ended"));
    this.lobby = /** @type {HTMLElement} */ (root.querySelector("#lobby-screen"));
    this.passwordForm = /** @type {HTMLFormElement} */ (root.querySelector("#room-password-form"));
    this.confirmDialog = /** @type {HTMLDialogElement} */ (root.querySelector("#confirm-dialog"));
  }

  /** @param {(password: string | null) => void} onPassword */
  onPassword(onPassword) {
    this.passwordForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const password = /** @type {string} */ (new FormData(this.passwordForm).get("password")) || null;
      this.hide();
      onPassword(password);
    });
  }

  /**
   * @param {{title: string, text: string, retryLabel?: string, rejoin?: boolean, password?: boolean}} options
   *   (already translated); rejoin: false where joining again cannot work (removed, turned away...)
   */
  show({ title, text, retryLabel = gettext("Rejoin"), rejoin = true, password = false }) {
    this.lobby.hidden = true;
    const heading = this.ended.querySelector("#room-ended-title");
    heading.textContent = title;
    this.ended.querySelector("#room-ended-text").textContent = text;
    const rejoinLink = /** @type {HTMLElement} */ (this.ended.querySelector("#room-ended-rejoin"));
    rejoinLink.textContent = retryLabel;
    rejoinLink.hidden = password || !rejoin;
    this.passwordForm.hidden = !password;
    this.ended.hidden = false;
    if (password) /** @type {HTMLElement} */ (this.passwordForm.querySelector("input")).focus();
    else /** @type {HTMLElement} */ (heading).focus();
  }

  hide() {
    this.ended.hidden = true;
    this.lobby.hidden = true;
  }

  showLobby() {
    this.lobby.hidden = false;
    /** @type {HTMLElement} */ (this.lobby.querySelector("h2")).focus();
  }

  /**
   * Ask a yes-or-no question in a dialog; resolve true for yes.
   * @param {string} title @param {string} text @param {string} yes
   * @returns {Promise<boolean>}
   */
  confirm(title, text, yes) {
    const dialog = this.confirmDialog;
    dialog.querySelector("#confirm-title").textContent = title;
    dialog.querySelector("#confirm-text").textContent = text;
    dialog.querySelector("#confirm-yes").textContent = yes;
    dialog.returnValue = "";
    dialog.showModal();
    return new Promise((resolve) =>
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true })
    );
  }
}
