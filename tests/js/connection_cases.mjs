// static/js/connection.js under Node, with a stand-in signalling client and hand-driven timers: each case prints
// whether the connection did what docs/protocol.md's close-code table says it should.
// stdout: {"case name": null (passed) or "what went wrong"}
import assert from "node:assert/strict";
import { runCases } from "./run_cases.mjs";

if (typeof globalThis.CustomEvent === "undefined") {
  globalThis.CustomEvent = class extends Event {
    constructor(type, options = {}) {
      super(type);
      this.detail = options.detail;
    }
  };
}

const { RoomConnection, RECONNECT_DELAYS_MS } = await import("./connection.js");
const { describeClose } = await import("./protocol.js");

/** Timers that run only when the case says so. */
class Timers {
  constructor() {
    this.pending = new Map();
    this.next = 1;
  }
  setTimeout(fn, delay) {
    const id = this.next++;
    this.pending.set(id, { fn, delay, repeat: false });
    return id;
  }
  setInterval(fn, delay) {
    const id = this.next++;
    this.pending.set(id, { fn, delay, repeat: true });
    return id;
  }
  clearTimeout(id) {
    this.pending.delete(id);
  }
  clearInterval(id) {
    this.pending.delete(id);
  }
  /** Run the one-shot timers set so far, and let what they started run; return their delays. */
  async runDue() {
    const due = [...this.pending].filter(([, timer]) => !timer.repeat);
    for (const [id] of due) this.pending.delete(id);
    for (const [, timer] of due) timer.fn(); // a join waits on the server: the case answers for it
    await settle();
    return due.map(([, timer]) => timer.delay);
  }
  intervals() {
    return [...this.pending.values()].filter((timer) => timer.repeat).map((timer) => timer.delay);
  }
}

/** A signalling client the case drives: it records how it was asked to join, and closes when told. */
class FakeClient extends EventTarget {
  static made = [];
  static answer = () => ({ type: "welcome" });
  constructor({ url, token }) {
    super();
    this.url = url;
    this.token = token;
    this.left = false;
    this.pings = 0;
    this.me = null;
    FakeClient.made.push(this);
  }
  get peerId() {
    return this.welcome ? this.welcome.peer_id : null;
  }
  connect(options) {
    this.joinedWith = options;
    return new Promise((resolve, reject) => {
      this.resolve = (welcome) => {
        this.welcome = welcome;
        resolve(welcome);
      };
      this.reject = reject;
    });
  }
  /** The server closes this socket with `code`. */
  closeWith(code) {
    const info = { ...describeClose(code), left: this.left, serverError: null };
    if (!this.welcome) this.reject(Object.assign(new Error(info.text), info));
    this.dispatchEvent(new CustomEvent("close", { detail: info }));
  }
  ping() {
    this.pings += 1;
  }
  leave() {
    this.left = true;
  }
  close() {
    this.left = true;
  }
  sendPresence() {}
  requestIceServers() {}
}

class Storage {
  constructor() {
    this.items = new Map();
  }
  getItem(key) {
    return this.items.has(key) ? this.items.get(key) : null;
  }
  setItem(key, value) {
    this.items.set(key, value);
  }
  removeItem(key) {
    this.items.delete(key);
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function makeConnection({ tokenRefusal = null, keepsMedia = undefined } = {}) {
  FakeClient.made = [];
  const timers = new Timers();
  const storage = new Storage();
  const events = [];
  const connection = new RoomConnection({
    slug: "k7dq-m3xa-p9wn",
    getToken: async (name) => {
      if (tokenRefusal) throw Object.assign(new Error(tokenRefusal.message), tokenRefusal);
      return { token: `token-${FakeClient.made.length}`, websocket_url: "ws://127.0.0.1/ws/rooms/k7dq-m3xa-p9wn/", name };
    },
    presence: () => ({ audio: true, video: false }),
    storage,
    Client: FakeClient,
    timers,
    keepsMedia,
  });
  for (const type of ["connecting", "client", "lobby", "joined", "reconnecting", "password", "ended"]) {
    connection.addEventListener(type, (event) => events.push([type, event.detail]));
  }
  return { connection, timers, storage, events };
}

const WELCOME = { type: "welcome", peer_id: "p_alice", resume_secret: "s3cret", resumed: false, ice_servers_expire_at: null };

const cases = {
  async "a dropped socket is resumed with the saved ticket after a back-off"() {
    const { connection, timers, events } = makeConnection();
    connection.start("Alice");
    await settle();
    FakeClient.made[0].resolve(WELCOME);
    await settle();
    assert.deepEqual(events.find(([type]) => type === "joined")[1].keptSeat, false);
    assert.deepEqual(timers.intervals(), [8000], "a keepalive ping every 8 s");
    FakeClient.made[0].closeWith(4016);
    const [, reconnecting] = events.find(([type]) => type === "reconnecting");
    assert.equal(reconnecting.delay, RECONNECT_DELAYS_MS[0]);
    assert.deepEqual(timers.intervals(), [], "no pings on a closed socket");
    await timers.runDue();
    await settle();
    assert.equal(FakeClient.made.length, 2);
    assert.deepEqual(FakeClient.made[1].joinedWith.resume, { peer_id: "p_alice", secret: "s3cret" });
    FakeClient.made[1].resolve({ ...WELCOME, resumed: true });
    await settle();
    const joins = events.filter(([type]) => type === "joined");
    assert.equal(joins.length, 2);
    assert.equal(joins[1][1].keptSeat, true, "the same seat: the media connections carry on");
  },

  async "a page holding media through the server asks to keep it when its socket drops, not when it reloads"() {
    const { connection, timers, storage } = makeConnection({ keepsMedia: () => true });
    connection.start("Bob");
    await settle();
    FakeClient.made[0].resolve({ ...WELCOME, peer_id: "p_bob" });
    await settle();
    FakeClient.made[0].closeWith(1006);
    await timers.runDue();
    await settle();
    assert.deepEqual(FakeClient.made[1].joinedWith.resume, { peer_id: "p_bob", secret: "s3cret", keep_media: true });

    // The same tab reloaded: the ticket is there, the connections are not.
    const reloaded = makeConnection({ keepsMedia: () => true });
    reloaded.storage.setItem(reloaded.connection.ticketKey, storage.getItem(connection.ticketKey));
    reloaded.connection.start("Bob");
    await settle();
    assert.deepEqual(FakeClient.made[0].joinedWith.resume, { peer_id: "p_bob", secret: "s3cret" });
  },

  async "an expired token is replaced at once, without a back-off"() {
    const { connection, timers, events } = makeConnection();
    connection.start();
    await settle();
    FakeClient.made[0].resolve(WELCOME);
    await settle();
    FakeClient.made[0].closeWith(4101);
    assert.deepEqual(await timers.runDue(), [0]);
    await settle();
    assert.equal(FakeClient.made.length, 2);
    assert.equal(events.filter(([type]) => type === "ended").length, 0);
  },

  async "a removal ends the meeting and forgets the ticket"() {
    const { connection, timers, storage, events } = makeConnection();
    connection.start();
    await settle();
    FakeClient.made[0].resolve(WELCOME);
    await settle();
    assert.notEqual(storage.getItem(connection.ticketKey), null);
    FakeClient.made[0].closeWith(4012);
    const [, ended] = events.find(([type]) => type === "ended");
    assert.equal(ended.code, 4012);
    assert.equal(ended.title, "You were removed from the meeting");
    assert.equal(ended.retry, null, "nothing to rejoin");
    assert.equal(ended.rejoin, false, "no Rejoin offered: it would be refused");
    assert.equal(storage.getItem(connection.ticketKey), null);
    assert.deepEqual(await timers.runDue(), [], "no reconnection is scheduled");
  },

  async "a full room offers to try again later"() {
    const { connection, events } = makeConnection();
    connection.start();
    await settle();
    FakeClient.made[0].closeWith(4005);
    await settle();
    const [, ended] = events.find(([type]) => type === "ended");
    assert.equal(ended.retry, "later");
    assert.equal(ended.rejoin, true);
  },

  async "a password room asks for the password and joins with it"() {
    const { connection, events } = makeConnection();
    connection.start();
    await settle();
    FakeClient.made[0].closeWith(4014);
    await settle();
    assert.equal(events.filter(([type]) => type === "password").length, 1);
    connection.usePassword("hunter2");
    await settle();
    assert.equal(FakeClient.made[1].joinedWith.password, "hunter2");
  },

  async "a refused token request ends with the refusal, without retrying"() {
    const { connection, timers, events } = makeConnection({
      tokenRefusal: { status: 403, retry: false, message: "You are not a member of this room." },
    });
    await connection.start();
    const [, ended] = events.find(([type]) => type === "ended");
    assert.equal(ended.code, 4003);
    assert.equal(ended.text, "You are not a member of this room.");
    assert.equal(ended.rejoin, false);
    assert.deepEqual(await timers.runDue(), []);
  },

  async "it gives up after the last back-off"() {
    const { connection, timers, events } = makeConnection({ tokenRefusal: { status: 503, retry: true, message: "down" } });
    await connection.start();
    const delays = [];
    for (let attempt = 0; attempt < RECONNECT_DELAYS_MS.length; attempt += 1) delays.push(...(await timers.runDue()));
    assert.deepEqual(delays, RECONNECT_DELAYS_MS);
    const [, ended] = events.find(([type]) => type === "ended");
    assert.equal(ended.gaveUp, true);
    assert.equal(ended.rejoin, true);
  },

  async "leaving says goodbye, forgets the ticket and never reconnects"() {
    const { connection, timers, storage } = makeConnection();
    connection.start();
    await settle();
    FakeClient.made[0].resolve(WELCOME);
    await settle();
    connection.leave();
    assert.equal(FakeClient.made[0].left, true);
    assert.equal(storage.getItem(connection.ticketKey), null);
    FakeClient.made[0].closeWith(1000);
    assert.deepEqual(await timers.runDue(), []);
  },
};

await runCases(cases);
