// The chat panel: room and private messages, the recipient list, and the unread count on the chat button.

import { gettext, interpolate, ngettext } from "./i18n.js";

/** The time of day in the page's language (a Chinese page says 下午, not PM), whatever the browser's own. */
const timeFormat = (() => {
  const lang = (typeof document !== "undefined" && document.documentElement.lang) || undefined;
  try {
    return new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });
  } catch {
    return new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  }
})();

/** @param {string} iso */
function timeOf(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return timeFormat.format(date);
}

/** Web addresses in chat text: http and https only, never javascript: or data:. */
const LINK = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

/**
 * Return chat text as DOM nodes, its http(s) links clickable: text nodes and anchors built one by one, never HTML
 * made from what someone typed.
 * @param {string} text @returns {DocumentFragment}
 */
export function linkify(text) {
  const fragment = document.createDocumentFragment();
  let at = 0;
  for (const match of text.matchAll(LINK)) {
    let address = match[0];
    const trailing = address.match(TRAILING);
    if (trailing) address = address.slice(0, -trailing[0].length);
    let url;
    try {
      url = new URL(address);
    } catch {
      continue;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") continue;
    fragment.append(document.createTextNode(text.slice(at, match.index)));
    const link = document.createElement("a");
    link.href = url.href;
    link.textContent = address;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    fragment.append(link);
    at = match.index + address.length;
  }
  fragment.append(document.createTextNode(text.slice(at)));
  return fragment;
}

export class ChatPanel {
  /**
   * @param {HTMLElement} panel  #chat-panel
   * @param {object} options
   * @param {(text: string, to: string | null) => boolean} options.send
   * @param {() => string | null} options.myPeerId
   * @param {(peerId: string) => string} options.nameOf
   * @param {(text: string) => void} options.announce
   * @param {() => boolean} options.isOpen
   * @param {(count: number) => void} options.onUnread
   * @param {(message: {name: string, text: string, to?: string}) => void} [options.toast]  a message arrived while closed
   */
  constructor(panel, { send, myPeerId, nameOf, announce, isOpen, onUnread, toast = () => {} }) {
    this.panel = panel;
    this.log = /** @type {HTMLOListElement} */ (panel.querySelector("#chat-log"));
    this.form = /** @type {HTMLFormElement} */ (panel.querySelector("#chat-form"));
    this.recipient = /** @type {HTMLSelectElement} */ (panel.querySelector("#chat-to"));
    this.text = /** @type {HTMLTextAreaElement} */ (panel.querySelector("#chat-text"));
    this.sendMessage = send;
    this.myPeerId = myPeerId;
    this.nameOf = nameOf;
    this.announce = announce;
    this.isOpen = isOpen;
    this.onUnread = onUnread;
    this.toast = toast;
    this.unread = 0;
    /** Message ids shown, so history after a resume does not repeat them. */
    this.seen = new Set();
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.text.addEventListener("keydown", (event) => {
      // Enter sends, Shift+Enter starts a new line, as in other chats.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
  }

  submit() {
    const text = this.text.value.trim();
    if (!text) return;
    if (this.sendMessage(text, this.recipient.value || null)) this.text.value = "";
  }

  /** The peer chosen in "To", or null for everyone. */
  get selectedRecipient() {
    return this.recipient.value || null;
  }

  /** Offer everyone else as a private recipient. @param {Map<string, import("./protocol.js").Peer>} roster */
  setRecipients(roster) {
    const chosen = this.recipient.value;
    for (const option of [...this.recipient.options]) if (option.value) option.remove();
    for (const peer of roster.values()) {
      const option = document.createElement("option");
      option.value = peer.peer_id;
      option.textContent = peer.name;
      this.recipient.append(option);
    }
    this.recipient.value = roster.has(chosen) ? chosen : "";
  }

  /** Show the history a welcome carries, oldest first. @param {any[]} roomMessages @param {any[]} privateMessages */
  loadHistory(roomMessages, privateMessages) {
    const all = [...(roomMessages || []), ...(privateMessages || [])].sort((a, b) =>
      a.sent_at < b.sent_at ? -1 : a.sent_at > b.sent_at ? 1 : 0
    );
    for (const message of all) this.add(message, { history: true });
  }

  /**
   * Show one message (room or private).
   * @param {{id: number, from: string, name: string, text: string, sent_at: string, to?: string}} message
   * @param {{history?: boolean}} [options]
   */
  add(message, { history = false } = {}) {
    const key = `${message.to ? "p" : "r"}${message.id}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const mine = message.from === this.myPeerId();
    const item = document.createElement("li");
    item.className = "chat-message";
    item.classList.toggle("chat-message--mine", mine);
    item.classList.toggle("chat-message--private", !!message.to);
    const meta = document.createElement("p");
    meta.className = "chat-meta";
    const author = document.createElement("span");
    author.className = "chat-author";
    author.textContent = mine ? gettext("You") : message.name;
    meta.append(author);
    if (message.to) {
      const privacy = document.createElement("span");
      privacy.className = "chat-private";
      privacy.textContent = mine
        ? interpolate(gettext("privately to %(name)s"), { name: this.nameOf(message.to) })
        : gettext("privately to you");
      meta.append(" ", privacy);
    }
    const time = document.createElement("time");
    time.dateTime = message.sent_at;
    time.textContent = timeOf(message.sent_at);
    meta.append(" ", time);
    const text = document.createElement("p");
    text.className = "chat-text";
    text.append(linkify(message.text));
    item.append(meta, text);
    this.append(item);
    if (mine || history) return;
    const format = message.to ? gettext("Private message from %(name)s: %(text)s") : gettext("%(name)s says: %(text)s");
    this.announce(interpolate(format, { name: message.name, text: message.text }));
    if (!this.isOpen()) this.toast(message);
    this.noteUnread();
  }

  /** Add an item to the log (a message, a file) and keep the newest in view. @param {HTMLElement} item */
  append(item) {
    const nearBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
    this.log.append(item);
    if (nearBottom) this.log.scrollTop = this.log.scrollHeight;
  }

  /** Count something new from someone else, unless the panel is open. */
  noteUnread() {
    if (this.isOpen()) return;
    this.unread += 1;
    this.onUnread(this.unread);
  }

  /** The panel opened: everything is read. */
  markRead() {
    this.unread = 0;
    this.onUnread(0);
    this.log.scrollTop = this.log.scrollHeight;
  }

  /** The words for the chat button, with the unread count. @param {number} count */
  static buttonLabel(count) {
    if (!count) return gettext("Chat");
    return interpolate(ngettext("Chat, %(count)s unread message", "Chat, %(count)s unread messages", count), {
      count,
    });
  }

  /** Show an error from the server about chat (too long...). @param {string} text */
  showError(text) {
    const item = document.createElement("li");
    item.className = "chat-message chat-message--error";
    item.setAttribute("role", "alert");
    item.textContent = text;
    this.append(item);
  }
}
