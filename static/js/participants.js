// The participants panel: who is here with their microphone, camera and hand, the lobby, and the moderator's
// controls (mute, remove, make moderator, admit, deny, lock, record, end the meeting).

import { gettext, interpolate } from "./i18n.js";

const ROLE_NAMES = {
  host: () => gettext("Host"),
  moderator: () => gettext("Moderator"),
  viewer: () => gettext("Viewer"),
};

/**
 * Return the peers with a raised hand, in the order their hands went up (the server's times; ties by peer id).
 * @param {import("./protocol.js").Peer[]} peers
 */
export function handQueue(peers) {
  return peers
    .filter((peer) => peer.hand)
    .sort((a, b) => {
      const [ta, tb] = [a.hand_raised_at || "", b.hand_raised_at || ""];
      return ta < tb ? -1 : ta > tb ? 1 : a.peer_id < b.peer_id ? -1 : a.peer_id > b.peer_id ? 1 : 0;
    });
}

export class PeoplePanel {
  /**
   * @param {HTMLElement} panel  #people-panel
   * @param {object} options
   * @param {(type: string, fields?: object) => boolean} options.moderate   sends a moderation message
   * @param {(title: string, text: string, yes: string) => Promise<boolean>} options.confirm
   */
  constructor(panel, { moderate, confirm }) {
    this.panel = panel;
    this.list = panel.querySelector("#people-list");
    this.handsSection = panel.querySelector("#people-hands");
    this.handsList = panel.querySelector("#hands-list");
    this.lobbySection = panel.querySelector("#people-lobby");
    this.lobbyList = panel.querySelector("#lobby-list");
    this.actions = panel.querySelector("#people-actions");
    this.lockButton = panel.querySelector("#lock-toggle");
    this.recordingButton = panel.querySelector("#recording-toggle");
    this.endButton = panel.querySelector("#end-meeting");
    this.moderate = moderate;
    this.confirm = confirm;
    this.room = {};
    this.lockButton.addEventListener("click", () => this.moderate(this.room.is_locked ? "unlock" : "lock"));
    this.recordingButton.addEventListener("click", () =>
      this.moderate(this.room.recording ? "stop-recording" : "start-recording")
    );
    this.endButton.addEventListener("click", async () => {
      const yes = await this.confirm(
        gettext("End the meeting for everyone?"),
        gettext("Everyone, the lobby included, will be disconnected."),
        gettext("End the meeting")
      );
      if (yes) this.moderate("end-meeting");
    });
  }

  /**
   * Draw the panel from the room state.
   * @param {import("./protocol.js").RoomState} state @param {string | null} myPeerId @param {boolean} canModerate
   */
  render(state, myPeerId, canModerate) {
    this.room = state.room || {};
    const focused = document.activeElement && this.panel.contains(document.activeElement)
      ? document.activeElement.getAttribute("aria-label")
      : null;
    const peers = [...state.peers].sort((a, b) => {
      if (a.peer_id === myPeerId) return -1;
      if (b.peer_id === myPeerId) return 1;
      return Number(a.connected === false) - Number(b.connected === false);
    });
    this.list.replaceChildren(...peers.map((peer) => this.person(peer, peer.peer_id === myPeerId, canModerate)));

    const hands = handQueue(state.peers);
    this.handsSection.hidden = !hands.length;
    this.handsList.replaceChildren(...hands.map((peer) => {
      const item = document.createElement("li");
      item.className = "person";
      item.dataset.hand = peer.peer_id;
      const name = document.createElement("span");
      name.className = "person-text person-name";
      name.textContent = peer.peer_id === myPeerId ? interpolate(gettext("%(name)s (you)"), { name: peer.name }) : peer.name;
      item.append(name);
      if (canModerate && peer.peer_id !== myPeerId) {
        const actions = document.createElement("span");
        actions.className = "person-actions";
        actions.append(this.button(gettext("Ask to speak"), interpolate(gettext("Ask %(name)s to unmute"), { name: peer.name }),
          () => this.moderate("ask-unmute", { peer_id: peer.peer_id, kind: "audio" })));
        item.append(actions);
      }
      return item;
    }));

    const lobby = canModerate ? state.lobby || [] : [];
    this.lobbySection.hidden = !lobby.length;
    this.lobbyList.replaceChildren(...lobby.map((guest) => this.waiting(guest)));

    this.actions.hidden = !canModerate;
    this.lockButton.textContent = this.room.is_locked ? gettext("Unlock the meeting") : gettext("Lock the meeting");
    this.lockButton.setAttribute("aria-pressed", String(!!this.room.is_locked));
    this.recordingButton.textContent = this.room.recording ? gettext("Stop recording") : gettext("Start recording");
    if (focused) {
      const again = [...this.panel.querySelectorAll("button")].find((b) => b.getAttribute("aria-label") === focused);
      if (again) again.focus();
    }
  }

  /** @param {import("./protocol.js").Peer} peer @param {boolean} isMe @param {boolean} canModerate */
  person(peer, isMe, canModerate) {
    const item = document.createElement("li");
    item.className = "person";
    item.dataset.person = peer.peer_id;
    const avatar = document.createElement("span");
    avatar.className = "avatar";
    avatar.setAttribute("aria-hidden", "true");
    avatar.textContent = (peer.name.trim()[0] || "?").toUpperCase();
    const text = document.createElement("span");
    text.className = "person-text";
    const name = document.createElement("span");
    name.className = "person-name";
    name.textContent = isMe ? interpolate(gettext("%(name)s (you)"), { name: peer.name }) : peer.name;
    text.append(name);
    const details = [];
    if (ROLE_NAMES[peer.role]) details.push(ROLE_NAMES[peer.role]());
    if (peer.hand) details.push(gettext("hand raised"));
    if (peer.audio === false) details.push(gettext("microphone off"));
    if (peer.video === false) details.push(gettext("camera off"));
    if (peer.screen) details.push(gettext("sharing the screen"));
    if (peer.connected === false) details.push(gettext("connection lost"));
    if (details.length) {
      const detail = document.createElement("span");
      detail.className = "person-detail";
      detail.textContent = details.join(" · ");
      text.append(detail);
    }
    item.append(avatar, text);
    if (peer.hand) {
      const hand = document.createElement("span");
      hand.className = "person-hand";
      hand.setAttribute("aria-hidden", "true");
      hand.textContent = "✋";
      item.append(hand);
    }
    if (canModerate && !isMe) {
      const actions = document.createElement("span");
      actions.className = "person-actions";
      const who = { name: peer.name };
      if (peer.audio !== false) {
        actions.append(this.button(gettext("Mute"), interpolate(gettext("Mute %(name)s"), who), () =>
          this.moderate("mute", { peer_id: peer.peer_id, kind: "audio" })));
      } else {
        actions.append(this.button(gettext("Ask to unmute"), interpolate(gettext("Ask %(name)s to unmute"), who), () =>
          this.moderate("ask-unmute", { peer_id: peer.peer_id, kind: "audio" })));
      }
      if (peer.role === "participant") {
        actions.append(this.button(gettext("Make moderator"), interpolate(gettext("Make %(name)s a moderator"), who), () =>
          this.moderate("set-role", { peer_id: peer.peer_id, role: "moderator" })));
      } else if (peer.role === "moderator") {
        actions.append(this.button(gettext("Remove moderator"), interpolate(gettext("Make %(name)s a participant"), who), () =>
          this.moderate("set-role", { peer_id: peer.peer_id, role: "participant" })));
      }
      if (peer.role !== "host") {
        actions.append(this.button(gettext("Remove"), interpolate(gettext("Remove %(name)s"), who), async () => {
          const yes = await this.confirm(
            interpolate(gettext("Remove %(name)s from the meeting?"), who),
            gettext("They will be disconnected and cannot come back to this meeting."),
            gettext("Remove")
          );
          if (yes) this.moderate("remove", { peer_id: peer.peer_id });
        }, true));
      }
      item.append(actions);
    }
    return item;
  }

  /** @param {{peer_id: string, name: string}} guest */
  waiting(guest) {
    const item = document.createElement("li");
    item.className = "person";
    item.dataset.waiting = guest.peer_id;
    const avatar = document.createElement("span");
    avatar.className = "avatar";
    avatar.setAttribute("aria-hidden", "true");
    avatar.textContent = (guest.name.trim()[0] || "?").toUpperCase();
    const name = document.createElement("span");
    name.className = "person-text person-name";
    name.textContent = guest.name;
    if (guest.like_removed) {
      // The server saw them come from the address, or through the invite, of someone removed from this meeting.
      item.dataset.likeRemoved = "true";
      const warning = document.createElement("span");
      warning.className = "person-status person-warning";
      warning.textContent = gettext("May be someone who was removed");
      name.append(" ", warning);
    }
    const actions = document.createElement("span");
    actions.className = "person-actions";
    const who = { name: guest.name };
    actions.append(
      this.button(gettext("Admit"), interpolate(gettext("Admit %(name)s"), who), () =>
        this.moderate("admit", { peer_id: guest.peer_id }), false, true),
      this.button(gettext("Deny"), interpolate(gettext("Deny %(name)s"), who), () =>
        this.moderate("deny", { peer_id: guest.peer_id }), true)
    );
    item.append(avatar, name, actions);
    return item;
  }

  /** @param {string} text @param {string} label @param {() => void} run @param {boolean} [danger] @param {boolean} [primary] */
  button(text, label, run, danger = false, primary = false) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `person-button${danger ? " person-button--danger" : ""}${primary ? " person-button--primary" : ""}`;
    button.textContent = text;
    button.setAttribute("aria-label", label);
    button.addEventListener("click", run);
    return button;
  }
}
