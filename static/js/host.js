// The host's controls inside the call: lock, mute everyone (moderators); the lobby, who may use the link, the size,
// the password and guest invite links (the room's owner, through the REST API). The room state keeps them current.

import { callApi } from "./api.js";
import { gettext, interpolate } from "./i18n.js";

const DAY_MS = 24 * 3600 * 1000;

export class HostPanel {
  /**
   * @param {HTMLElement} panel #host-panel
   * @param {object} options
   * @param {(type: string, fields?: object) => boolean} options.moderate
   * @param {(title: string, text: string, yes: string) => Promise<boolean>} options.confirm
   * @param {string} options.roomApiUrl     /api/v1/rooms/<slug>/
   * @param {string} options.csrfToken
   * @param {(access: string) => void} options.onAccess   the room's access rule changed here
   * @param {(text: string) => Promise<boolean>} options.copy
   */
  constructor(panel, { moderate, confirm, roomApiUrl, csrfToken, onAccess, copy }) {
    this.panel = panel;
    this.moderate = moderate;
    this.confirm = confirm;
    this.roomApiUrl = roomApiUrl;
    this.csrfToken = csrfToken;
    this.onAccess = onAccess;
    this.copy = copy;
    this.canManage = panel.dataset.canManage === "true";
    this.status = /** @type {HTMLElement} */ (panel.querySelector("#host-status"));
    this.lock = /** @type {HTMLInputElement} */ (panel.querySelector("#host-lock"));
    this.lock.addEventListener("change", () => this.moderate(this.lock.checked ? "lock" : "unlock"));
    panel.querySelector("#host-mute-all").addEventListener("click", async () => {
      const yes = await this.confirm(
        gettext("Mute everyone else?"),
        gettext("Every microphone but yours is turned off. People can turn theirs back on."),
        gettext("Mute everyone")
      );
      if (yes && this.moderate("mute-everyone")) this.say(gettext("Everyone else was muted."));
    });
    if (!this.canManage) return;
    this.lobby = /** @type {HTMLInputElement} */ (panel.querySelector("#host-lobby"));
    this.access = /** @type {HTMLSelectElement} */ (panel.querySelector("#host-access"));
    this.size = /** @type {HTMLInputElement} */ (panel.querySelector("#host-size"));
    this.passwordForm = /** @type {HTMLFormElement} */ (panel.querySelector("#host-password-form"));
    this.password = /** @type {HTMLInputElement} */ (panel.querySelector("#host-password"));
    this.passwordState = /** @type {HTMLElement} */ (panel.querySelector("#host-password-state"));
    this.invites = /** @type {HTMLElement} */ (panel.querySelector("#host-invites"));
    this.lobby.addEventListener("change", () => this.change({ requires_approval: this.lobby.checked },
      this.lobby.checked ? gettext("Newcomers now wait in the lobby.") : gettext("Newcomers now come straight in.")));
    this.access.addEventListener("change", () => this.change({ access: this.access.value },
      gettext("Who may use the room's link was changed."), () => this.onAccess(this.access.value)));
    this.size.addEventListener("change", () => {
      const value = Number(this.size.value);
      if (!Number.isInteger(value) || value < 2 || value > 50) {
        this.say(gettext("The size must be a whole number from 2 to 50."), true);
        return;
      }
      this.change({ max_participants: value }, interpolate(gettext("Up to %(count)s people may join now."), { count: value }));
    });
    this.passwordForm.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!this.password.value) return;
      this.change({ password: this.password.value }, gettext("The room has a new password."), () => (this.password.value = ""));
    });
    panel.querySelector("#host-password-clear").addEventListener("click", () =>
      this.change({ password: "" }, gettext("The room has no password now.")));
    panel.querySelector("#host-invite-create").addEventListener("click", () => this.createInvite());
    this.renderPasswordState(this.passwordState.dataset.hasPassword === "true");
  }

  /** Show the room's rules as the room state has them. @param {any} room */
  render(room) {
    this.lock.checked = !!room.is_locked;
    if (!this.canManage) return;
    if (document.activeElement !== this.lobby) this.lobby.checked = !!room.requires_approval;
    if (document.activeElement !== this.size && room.max_participants) this.size.value = String(room.max_participants);
    this.renderPasswordState(!!room.has_password);
  }

  /** @param {boolean} hasPassword */
  renderPasswordState(hasPassword) {
    this.passwordState.textContent = hasPassword
      ? gettext("This room has a password: people who are not hosts or moderators must give it.")
      : gettext("This room has no password.");
  }

  /** The panel opened: fetch the invite links. */
  opened() {
    if (this.canManage) this.loadInvites();
  }

  /** @param {object} changes @param {string} done @param {() => void} [after] */
  async change(changes, done, after) {
    try {
      await callApi("PATCH", this.roomApiUrl, this.csrfToken, changes);
      this.say(done);
      if (after) after();
    } catch (error) {
      this.say(/** @type {Error} */ (error).message, true);
    }
  }

  async loadInvites() {
    try {
      const invites = await callApi("GET", `${this.roomApiUrl}invites/`, this.csrfToken);
      this.invites.replaceChildren(...invites.filter((invite) => invite.is_usable).map((invite) => this.inviteItem(invite)));
      if (!this.invites.childElementCount) {
        const none = document.createElement("li");
        none.className = "host-note";
        none.textContent = gettext("No invite links work now.");
        this.invites.append(none);
      }
    } catch (error) {
      this.say(/** @type {Error} */ (error).message, true);
    }
  }

  /** Make a guest invite link that works for a day; return its address (or null). */
  async createInvite() {
    try {
      const invite = await callApi("POST", `${this.roomApiUrl}invites/`, this.csrfToken, {
        expires_at: new Date(Date.now() + DAY_MS).toISOString(),
      });
      const copied = await this.copy(invite.url);
      this.say(copied ? gettext("A guest invite link was made and copied.") : gettext("A guest invite link was made."));
      if (!this.panel.hidden) await this.loadInvites();
      return invite.url;
    } catch (error) {
      this.say(/** @type {Error} */ (error).message, true);
      return null;
    }
  }

  /** @param {{id: number, url: string, expires_at: string | null}} invite */
  inviteItem(invite) {
    const item = document.createElement("li");
    item.className = "invite-item";
    item.dataset.invite = String(invite.id);
    const link = document.createElement("input");
    link.type = "text";
    link.readOnly = true;
    link.value = invite.url;
    link.setAttribute("aria-label", gettext("Guest invite link"));
    const until = document.createElement("span");
    until.className = "host-note";
    until.textContent = invite.expires_at
      ? interpolate(gettext("Works until %(when)s"), { when: new Date(invite.expires_at).toLocaleString(document.documentElement.lang || undefined) })
      : gettext("Works until revoked");
    const copy = document.createElement("button");
    copy.type = "button";
    copy.className = "person-button";
    copy.textContent = gettext("Copy");
    copy.addEventListener("click", async () => this.say(await this.copy(invite.url) ? gettext("Copied.") : invite.url));
    const revoke = document.createElement("button");
    revoke.type = "button";
    revoke.className = "person-button person-button--danger";
    revoke.textContent = gettext("Revoke");
    revoke.setAttribute("aria-label", interpolate(gettext("Revoke the invite link %(url)s"), { url: invite.url }));
    revoke.addEventListener("click", async () => {
      try {
        await callApi("DELETE", `${this.roomApiUrl}invites/${invite.id}/`, this.csrfToken);
        this.say(gettext("The invite link was revoked."));
        await this.loadInvites();
      } catch (error) {
        this.say(/** @type {Error} */ (error).message, true);
      }
    });
    item.append(link, until, copy, revoke);
    return item;
  }

  /** @param {string} text @param {boolean} [problem] */
  say(text, problem = false) {
    this.status.textContent = text;
    this.status.dataset.tone = problem ? "error" : "info";
  }
}
