// Files sent peer to peer: an offer over the control channel, the receiver accepts or declines, then the file
// flows in chunks over a data channel of its own, read slice by slice and paced by bufferedAmountLowThreshold.
// Neither side ever holds the whole file in one buffer: the sender reads slices, the receiver keeps Blob parts
// (which Chromium keeps on disk when they grow large) or writes straight to a file it chose.

import { gettext, interpolate } from "./i18n.js";

const CHUNK_BYTES = 64 * 1024;
/** Stop reading while this much waits in the channel's buffer; go on when it falls below the low mark. */
const BUFFER_HIGH = 4 * 1024 * 1024;
const BUFFER_LOW = 1024 * 1024;
/**
 * What a received file is, to this page, whatever the sender says: bytes to save. A blob: URL lives in Confer's
 * origin, so an HTML file the sender calls text/html would run as Confer if the browser rendered it.
 */
const RECEIVED_TYPE = "application/octet-stream";
/** The receiver turns its chunks into one Blob part every this many bytes. */
const PART_BYTES = 4 * 1024 * 1024;
const LABEL_PREFIX = "file:";

/** @param {number} bytes */
export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1024;
    unit += 1;
  } while (value >= 1024 && unit < units.length - 1);
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Wait for one event of a target. @param {EventTarget} target @param {string} type */
function once(target, type) {
  return new Promise((resolve) => target.addEventListener(type, resolve, { once: true }));
}

/**
 * @typedef {object} Transfer
 * @property {string} id
 * @property {string} peerId
 * @property {"out" | "in"} direction
 * @property {string} name
 * @property {number} size
 * @property {string} mime
 * @property {File} [file]
 * @property {HTMLElement} item
 * @property {HTMLProgressElement} progress
 * @property {HTMLElement} status
 * @property {HTMLElement} actions
 * @property {number} done
 * @property {boolean} finished
 * @property {any} [writable]   a FileSystemWritableFileStream, when the person chose where to save
 * @property {number} [lastPaint]
 */

export class FileTransfers {
  /**
   * @param {object} options
   * @param {() => import("./peers.js").PeerMesh | null} options.getMesh  the media mesh, or in a meeting through the
   *   server the data-only one (its connections are made on demand)
   * @param {(peerId: string) => string} options.nameOf
   * @param {(item: HTMLElement) => void} options.show      puts an item in the chat log
   * @param {(text: string) => void} options.announce
   * @param {() => void} options.onIncoming                 an offer arrived (for the unread count)
   */
  constructor({ getMesh, nameOf, show, announce, onIncoming }) {
    this.getMesh = getMesh;
    this.nameOf = nameOf;
    this.show = show;
    this.announce = announce;
    this.onIncoming = onIncoming;
    /** @type {Map<string, Transfer>} */
    this.transfers = new Map();
  }

  /** Offer files to one peer, or to everyone (null). @param {File[]} files @param {string | null} to */
  send(files, to) {
    const mesh = this.getMesh();
    if (!mesh) return;
    const peerIds = to ? [to] : mesh.recipientIds;
    if (!peerIds.length) {
      this.announce(gettext("There is nobody to send a file to yet."));
      return;
    }
    for (const file of files) {
      for (const peerId of peerIds) {
        const transfer = this.create({ id: newId(), peerId, direction: "out", name: file.name, size: file.size,
          mime: file.type || "application/octet-stream", file });
        const offered = mesh.sendControl(peerId, { type: "file-offer", id: transfer.id, name: transfer.name,
          size: transfer.size, mime: transfer.mime });
        if (offered) this.setStatus(transfer, interpolate(gettext("Waiting for %(name)s to accept…"), { name: this.nameOf(peerId) }));
        else this.fail(transfer, gettext("Could not reach them: their connection is not ready."));
      }
    }
  }

  /** A control message from a peer. @param {string} peerId @param {any} message */
  onControl(peerId, message) {
    const transfer = this.transfers.get(String(message.id));
    switch (message.type) {
      case "file-offer":
        if (transfer || typeof message.name !== "string" || !Number.isSafeInteger(message.size) || message.size < 0) return;
        this.offered(peerId, message);
        break;
      case "file-accept":
        if (transfer && transfer.peerId === peerId && transfer.direction === "out") this.start(transfer);
        break;
      case "file-decline":
        if (transfer && transfer.peerId === peerId) {
          this.fail(transfer, interpolate(gettext("%(name)s declined the file."), { name: this.nameOf(peerId) }));
        }
        break;
      case "file-received":
        if (transfer && transfer.peerId === peerId && transfer.direction === "out") {
          this.complete(transfer, interpolate(gettext("Sent to %(name)s."), { name: this.nameOf(peerId) }));
        }
        break;
      case "file-cancel":
        if (transfer && transfer.peerId === peerId) this.fail(transfer, gettext("The transfer was cancelled."));
        break;
    }
  }

  /** A data channel the other side opened. @param {string} peerId @param {RTCDataChannel} channel */
  onDataChannel(peerId, channel) {
    if (!channel.label.startsWith(LABEL_PREFIX)) return;
    const transfer = this.transfers.get(channel.label.slice(LABEL_PREFIX.length));
    if (!transfer || transfer.peerId !== peerId || transfer.direction !== "in" || transfer.finished) {
      channel.close();
      return;
    }
    this.receive(transfer, channel);
  }

  /** A peer left: whatever was on its way to or from it stops. @param {string} peerId */
  peerGone(peerId) {
    for (const transfer of this.transfers.values()) {
      if (transfer.peerId === peerId && !transfer.finished) this.fail(transfer, gettext("They left before the file arrived."));
    }
  }

  // Sending.

  /** @param {Transfer} transfer */
  async start(transfer) {
    const channel = this.getMesh()?.openChannel(transfer.peerId, LABEL_PREFIX + transfer.id);
    if (!channel) {
      this.fail(transfer, gettext("Could not reach them: their connection is not ready."));
      return;
    }
    channel.binaryType = "arraybuffer";
    channel.bufferedAmountLowThreshold = BUFFER_LOW;
    this.setStatus(transfer, gettext("Sending…"));
    transfer.actions.replaceChildren(this.button(gettext("Cancel"), () => this.cancel(transfer, channel)));
    if (channel.readyState !== "open") await once(channel, "open");
    const file = /** @type {File} */ (transfer.file);
    try {
      while (transfer.done < transfer.size && !transfer.finished) {
        if (channel.bufferedAmount > BUFFER_HIGH) await once(channel, "bufferedamountlow");
        if (channel.readyState !== "open") throw new Error("closed");
        const chunk = await file.slice(transfer.done, transfer.done + CHUNK_BYTES).arrayBuffer();
        channel.send(chunk);
        transfer.done += chunk.byteLength;
        this.setProgress(transfer);
      }
      if (!transfer.finished) this.setStatus(transfer, interpolate(gettext("Waiting for %(name)s to save it…"), { name: this.nameOf(transfer.peerId) }));
    } catch {
      if (!transfer.finished) this.fail(transfer, gettext("The connection closed before the file was sent."));
    }
  }

  /** @param {Transfer} transfer @param {RTCDataChannel | null} channel */
  cancel(transfer, channel) {
    this.getMesh()?.sendControl(transfer.peerId, { type: "file-cancel", id: transfer.id });
    if (channel) channel.close();
    if (transfer.writable) transfer.writable.abort().catch(() => {});
    this.fail(transfer, gettext("You cancelled the transfer."));
  }

  // Receiving.

  /** @param {string} peerId @param {{id: string, name: string, size: number, mime?: string}} offer */
  offered(peerId, offer) {
    const name = offer.name.slice(0, 255) || "file";
    const transfer = this.create({ id: String(offer.id), peerId, direction: "in", name, size: offer.size,
      mime: typeof offer.mime === "string" ? offer.mime : "application/octet-stream" });
    const sender = this.nameOf(peerId);
    this.setStatus(transfer, interpolate(gettext("%(name)s offers you this file."), { name: sender }));
    const accept = this.button(interpolate(gettext("Accept %(file)s"), { file: name }), () => this.accept(transfer, false), true);
    accept.textContent = gettext("Accept");
    const decline = this.button(interpolate(gettext("Decline %(file)s"), { file: name }), () => this.decline(transfer));
    decline.textContent = gettext("Decline");
    transfer.actions.replaceChildren(accept, decline);
    if ("showSaveFilePicker" in window) {
      const save = this.button(interpolate(gettext("Save %(file)s to disk"), { file: name }), () => this.accept(transfer, true));
      save.textContent = gettext("Save to disk…");
      transfer.actions.append(save);
    }
    this.announce(interpolate(gettext("%(name)s offers you a file: %(file)s (%(size)s)."), { name: sender, file: name, size: formatBytes(offer.size) }));
    this.onIncoming();
  }

  /** @param {Transfer} transfer @param {boolean} toDisk  write straight into a file the person picks */
  async accept(transfer, toDisk) {
    if (toDisk) {
      try {
        const handle = await /** @type {any} */ (window).showSaveFilePicker({ suggestedName: transfer.name });
        transfer.writable = await handle.createWritable();
      } catch {
        return; // the person closed the picker: the offer still stands
      }
    }
    transfer.actions.replaceChildren(this.button(gettext("Cancel"), () => this.cancel(transfer, null)));
    this.setStatus(transfer, gettext("Waiting for the file…"));
    if (!this.getMesh()?.sendControl(transfer.peerId, { type: "file-accept", id: transfer.id })) {
      this.fail(transfer, gettext("Could not reach them: their connection is not ready."));
    }
  }

  /** @param {Transfer} transfer */
  decline(transfer) {
    this.getMesh()?.sendControl(transfer.peerId, { type: "file-decline", id: transfer.id });
    this.fail(transfer, gettext("You declined the file."));
  }

  /** @param {Transfer} transfer @param {RTCDataChannel} channel */
  receive(transfer, channel) {
    channel.binaryType = "arraybuffer";
    transfer.actions.replaceChildren(this.button(gettext("Cancel"), () => this.cancel(transfer, channel)));
    this.setStatus(transfer, gettext("Receiving…"));
    /** @type {Blob[]} */
    const parts = [];
    /** @type {ArrayBuffer[]} */
    let pending = [];
    let pendingBytes = 0;
    let writing = Promise.resolve();
    channel.addEventListener("message", ({ data }) => {
      if (transfer.finished || !(data instanceof ArrayBuffer)) return;
      if (transfer.writable) {
        writing = writing.then(() => transfer.writable.write(data));
      } else {
        pending.push(data);
        pendingBytes += data.byteLength;
        if (pendingBytes >= PART_BYTES) {
          parts.push(new Blob(pending));
          pending = [];
          pendingBytes = 0;
        }
      }
      transfer.done += data.byteLength;
      this.setProgress(transfer);
      if (transfer.done < transfer.size) return;
      if (pending.length) parts.push(new Blob(pending));
      pending = [];
      writing
        .then(() => (transfer.writable ? transfer.writable.close() : null))
        .then(() => this.received(transfer, transfer.writable ? null : new Blob(parts, { type: RECEIVED_TYPE })))
        .catch(() => this.fail(transfer, gettext("The file could not be saved.")))
        .finally(() => channel.close());
    });
    channel.addEventListener("close", () => {
      if (!transfer.finished) this.fail(transfer, gettext("The connection closed before the file arrived."));
    });
    if (transfer.size === 0) this.received(transfer, new Blob([], { type: RECEIVED_TYPE }));
  }

  /** @param {Transfer} transfer @param {Blob | null} blob  null when it went straight to disk */
  received(transfer, blob) {
    this.getMesh()?.sendControl(transfer.peerId, { type: "file-received", id: transfer.id });
    this.complete(transfer, blob ? gettext("Received.") : gettext("Received and saved."));
    if (!blob) return;
    const link = document.createElement("a");
    link.className = "file-download";
    link.href = URL.createObjectURL(blob);
    link.download = transfer.name;
    link.textContent = interpolate(gettext("Download %(file)s"), { file: transfer.name });
    transfer.actions.replaceChildren(link);
    this.announce(interpolate(gettext("%(file)s arrived."), { file: transfer.name }));
  }

  // The item in the chat log.

  /** @param {Omit<Transfer, "item" | "progress" | "status" | "actions" | "done" | "finished">} fields @returns {Transfer} */
  create(fields) {
    const item = document.createElement("li");
    item.className = "chat-message chat-file";
    item.dataset.transfer = fields.id;
    item.dataset.direction = fields.direction;
    const meta = document.createElement("p");
    meta.className = "chat-meta";
    meta.textContent =
      fields.direction === "out"
        ? interpolate(gettext("File to %(name)s"), { name: this.nameOf(fields.peerId) })
        : interpolate(gettext("File from %(name)s"), { name: this.nameOf(fields.peerId) });
    const title = document.createElement("p");
    title.className = "chat-file-name";
    title.textContent = `${fields.name} · ${formatBytes(fields.size)}`;
    const progress = document.createElement("progress");
    progress.max = Math.max(1, fields.size);
    progress.value = 0;
    progress.setAttribute(
      "aria-label",
      fields.direction === "out"
        ? interpolate(gettext("Sending %(file)s"), { file: fields.name })
        : interpolate(gettext("Receiving %(file)s"), { file: fields.name })
    );
    const status = document.createElement("p");
    status.className = "chat-file-status";
    const actions = document.createElement("div");
    actions.className = "chat-file-actions";
    item.append(meta, title, progress, status, actions);
    /** @type {Transfer} */
    const transfer = { ...fields, item, progress, status, actions, done: 0, finished: false };
    this.transfers.set(transfer.id, transfer); // an id is one file to one peer
    this.show(item);
    return transfer;
  }

  /** @param {Transfer} transfer */
  setProgress(transfer) {
    const now = performance.now();
    if (transfer.done < transfer.size && now - (transfer.lastPaint || 0) < 100) return;
    transfer.lastPaint = now;
    transfer.progress.value = transfer.done;
    transfer.item.dataset.bytes = String(transfer.done);
    const verb = transfer.direction === "out" ? gettext("Sent %(done)s of %(size)s") : gettext("Received %(done)s of %(size)s");
    transfer.status.textContent = interpolate(verb, { done: formatBytes(transfer.done), size: formatBytes(transfer.size) });
  }

  /** @param {Transfer} transfer @param {string} text */
  setStatus(transfer, text) {
    transfer.status.textContent = text;
  }

  /** @param {Transfer} transfer @param {string} text */
  complete(transfer, text) {
    transfer.finished = true;
    transfer.done = transfer.size;
    transfer.progress.value = transfer.progress.max;
    transfer.item.dataset.state = "done";
    transfer.item.dataset.bytes = String(transfer.size);
    transfer.actions.replaceChildren();
    this.setStatus(transfer, text);
  }

  /** @param {Transfer} transfer @param {string} text */
  fail(transfer, text) {
    if (transfer.finished) return;
    transfer.finished = true;
    transfer.item.dataset.state = "failed";
    transfer.actions.replaceChildren();
    this.setStatus(transfer, text);
  }

  /** @param {string} label @param {() => void} run @param {boolean} [primary] */
  button(label, run, primary = false) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = primary ? "file-button file-button--primary" : "file-button";
    button.textContent = label;
    button.setAttribute("aria-label", label);
    button.addEventListener("click", run);
    return button;
  }
}
