// The connectivity check page: gather ICE candidates against each configured STUN and TURN server and say what works.
// The first half (probes, verdicts) has no DOM access; the page code at the bottom renders it.

/**
 * @typedef {{urls: string | string[], username?: string, credential?: string}} IceServer
 * @typedef {"host" | "stun" | "turn-udp" | "turn-tcp" | "turn-tls"} CheckKind
 * @typedef {{kind: CheckKind, url: string | null, config: RTCConfiguration | null, want: RTCIceCandidateType | null}} Probe
 * @typedef {"works" | "fails" | "not-configured" | "checking"} Outcome
 * @typedef {{outcome: Outcome, detail: string}} Result
 */

const LABELS = {
  host: "Direct connection",
  stun: "STUN (your public address)",
  "turn-udp": "TURN relay over UDP",
  "turn-tcp": "TURN relay over TCP",
  "turn-tls": "TURN relay over TLS",
};
const OUTCOME_TEXT = { works: "Works", fails: "Fails", "not-configured": "Not configured", checking: "Checking…" };

/** @param {string} url @returns {CheckKind} */
export function turnKind(url) {
  if (url.startsWith("turns:")) return "turn-tls";
  return /[?&]transport=tcp\b/.test(url) ? "turn-tcp" : "turn-udp";
}

/**
 * One probe per way to connect: host candidates with no server, then each STUN URL, then each TURN URL on its own,
 * so a failure names its server. Kinds with no server become "not configured" rows (TLS only when configured).
 * @param {IceServer[]} iceServers
 * @returns {Probe[]}
 */
export function probesFor(iceServers) {
  /** @type {Probe[]} */
  const probes = [{ kind: "host", url: null, config: { iceServers: [] }, want: "host" }];
  const turn = [];
  for (const server of iceServers) {
    for (const url of [server.urls].flat()) {
      if (url.startsWith("stun:") || url.startsWith("stuns:")) {
        probes.push({ kind: "stun", url, config: { iceServers: [{ urls: url }] }, want: "srflx" });
      } else if (url.startsWith("turn:") || url.startsWith("turns:")) {
        const only = { urls: url, username: server.username, credential: server.credential };
        turn.push({ kind: turnKind(url), url, config: { iceServers: [only], iceTransportPolicy: "relay" }, want: "relay" });
      }
    }
  }
  if (!probes.some((p) => p.kind === "stun")) probes.push({ kind: "stun", url: null, config: null, want: null });
  for (const kind of /** @type {CheckKind[]} */ (["turn-udp", "turn-tcp"])) {
    if (!turn.some((p) => p.kind === kind)) turn.push({ kind, url: null, config: null, want: null });
  }
  const order = ["turn-udp", "turn-tcp", "turn-tls"];
  turn.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  return probes.concat(turn);
}

/**
 * Gather candidates for one configuration until the wanted type appears, gathering ends, or the time is up.
 * @param {RTCConfiguration} config
 * @param {RTCIceCandidateType} want
 * @param {number} timeoutMs
 * @returns {Promise<{found: boolean, types: string[], errors: {code: number, text: string}[], timedOut: boolean}>}
 */
export function gather(config, want, timeoutMs) {
  return new Promise((resolve) => {
    const pc = new RTCPeerConnection(config);
    const types = [];
    const errors = [];
    let done = false;
    const finish = (timedOut) => {
      if (done) return;
      done = true;
      window.clearTimeout(timer);
      pc.close();
      resolve({ found: types.includes(want), types, errors, timedOut });
    };
    const timer = window.setTimeout(() => finish(true), timeoutMs);
    pc.addEventListener("icecandidate", ({ candidate }) => {
      if (!candidate) return finish(false);
      if (!candidate.candidate) return undefined;
      types.push(candidate.type);
      if (candidate.type === want) finish(false);
      return undefined;
    });
    pc.addEventListener("icecandidateerror", (event) => {
      const { errorCode, errorText } = /** @type {RTCPeerConnectionIceErrorEvent} */ (event);
      errors.push({ code: errorCode, text: errorText });
    });
    pc.createDataChannel("check");
    pc.createOffer()
      .then((offer) => pc.setLocalDescription(offer))
      .catch((error) => {
        errors.push({ code: 0, text: String(error) });
        finish(false);
      });
  });
}

/**
 * Say in plain words what one probe's result means.
 * @param {Probe} probe
 * @param {Awaited<ReturnType<typeof gather>> | null} gathered
 * @returns {Result}
 */
export function resultFor(probe, gathered) {
  if (!probe.config) {
    const detail = probe.kind === "stun"
      ? "This server names no STUN server. Calls between different networks go through the TURN relay, if there is one."
      : "This server names no relay of this kind.";
    return { outcome: "not-configured", detail };
  }
  if (!gathered) return { outcome: "checking", detail: "" };
  const refused = gathered.errors.find((e) => e.code === 401 || e.code === 403);
  if (probe.kind === "host") {
    return gathered.found
      ? { outcome: "works", detail: "Your browser found its own network address: people on the same network can reach you directly." }
      : { outcome: "fails", detail: "Your browser offered no address of its own. A browser setting or extension may be blocking WebRTC." };
  }
  if (probe.kind === "stun") {
    if (gathered.found) {
      return { outcome: "works", detail: "The STUN server told your browser its public address: direct calls across the internet can work." };
    }
    if (!gathered.errors.length && !gathered.timedOut) {
      return { outcome: "works", detail: "The STUN server answered with the address your browser already has: this device is not behind NAT." };
    }
    return { outcome: "fails", detail: "No answer from the STUN server: this network may block UDP to it. Calls then need the relay." };
  }
  const how = { "turn-udp": "over UDP, the fastest way", "turn-tcp": "over TCP", "turn-tls": "over TLS, like a secure web page" }[probe.kind];
  if (gathered.found) return { outcome: "works", detail: `Calls can go through the relay ${how}.` };
  if (refused) {
    return { outcome: "fails", detail: `The relay refused this page's credentials (${refused.code}). Ask the people who run this service to check its TURN settings.` };
  }
  const blocked = probe.kind === "turn-udp" ? "This network may block UDP." : "This network may block the relay's port.";
  return { outcome: "fails", detail: `The relay could not be reached ${how.split(",")[0]}. ${blocked}` };
}

/**
 * The sentence at the top of the page.
 * @param {{probe: Probe, result: Result}[]} rows
 * @param {string} policy  the deployment's ICE transport policy
 * @returns {{tone: "ok" | "warning" | "bad", text: string}}
 */
export function verdictFor(rows, policy) {
  const works = (/** @type {(kind: CheckKind) => boolean} */ test) =>
    rows.some(({ probe, result }) => test(probe.kind) && result.outcome === "works");
  const relayConfigured = rows.some(({ probe }) => probe.kind.startsWith("turn-") && probe.config);
  const relay = works((kind) => kind.startsWith("turn-"));
  const stun = works((kind) => kind === "stun");
  const host = works((kind) => kind === "host");
  if (relay && host) {
    return { tone: "ok", text: "Calls should work from this network. When a direct connection is not possible, they go through the relay." };
  }
  if (relay) return { tone: "ok", text: "Calls should work from this network, through the relay." };
  if (policy === "relay") {
    return { tone: "bad", text: "Calls will not work from this network: this service only connects calls through its relay, and the relay could not be reached." };
  }
  if (stun) {
    const why = relayConfigured ? "no relay could be reached" : "this service has no relay";
    return { tone: "warning", text: `Calls should work with most people, but may fail with someone behind a strict firewall, because ${why}.` };
  }
  if (host) {
    const why = relayConfigured ? ", because the relay could not be used" : "";
    return { tone: "warning", text: `Calls will work with people on the same network as you, but probably not with people elsewhere${why}.` };
  }
  return { tone: "bad", text: "Calls will not work from this browser: it offered no way to connect. WebRTC may be disabled." };
}

// The page.

class CheckPage {
  /** @param {HTMLElement} root @param {{ice_servers: IceServer[], ice_transport_policy: string, timeout_ms: number}} config */
  constructor(root, config) {
    this.root = root;
    this.config = config;
    this.rowsBody = /** @type {HTMLElement} */ (root.querySelector("#check-rows"));
    this.summary = /** @type {HTMLElement} */ (root.querySelector("#check-summary"));
    this.verdict = /** @type {HTMLElement} */ (root.querySelector("#check-verdict"));
    this.again = /** @type {HTMLButtonElement} */ (root.querySelector("#check-again"));
    this.again.addEventListener("click", () => this.run());
  }

  async run() {
    this.again.disabled = true;
    this.root.dataset.state = "checking";
    this.summary.dataset.tone = "";
    this.verdict.textContent = "Checking… this takes a few seconds.";
    if (typeof RTCPeerConnection === "undefined") {
      this.finish({ tone: "bad", text: "This browser cannot make video calls: it has no WebRTC." });
      return;
    }
    const probes = probesFor(this.config.ice_servers);
    const rows = probes.map((probe) => ({ probe, result: resultFor(probe, null) }));
    this.rowsBody.replaceChildren(...rows.map(({ probe, result }) => this.renderRow(probe, result)));
    await Promise.all(rows.map(async (row, index) => {
      if (!row.probe.config) return;
      const gathered = await gather(row.probe.config, /** @type {RTCIceCandidateType} */ (row.probe.want), this.config.timeout_ms);
      row.result = resultFor(row.probe, gathered);
      this.rowsBody.children[index].replaceWith(this.renderRow(row.probe, row.result));
    }));
    this.finish(verdictFor(rows, this.config.ice_transport_policy));
  }

  /** @param {{tone: string, text: string}} verdict */
  finish({ tone, text }) {
    this.summary.dataset.tone = tone;
    this.verdict.textContent = text;
    this.root.dataset.state = "done";
    this.again.disabled = false;
  }

  /** @param {Probe} probe @param {Result} result */
  renderRow(probe, result) {
    const cell = () => {
      const td = document.createElement("td");
      td.setAttribute("role", "cell"); // keeps the table's meaning where the phone layout makes cells blocks
      return td;
    };
    const row = document.createElement("tr");
    row.setAttribute("role", "row");
    row.dataset.check = probe.kind;
    row.dataset.result = result.outcome;
    const name = cell();
    name.textContent = LABELS[probe.kind];
    const server = cell();
    server.className = "check-server";
    if (probe.url) {
      // Let a long URL wrap before its "?transport=" rather than inside the port number.
      const [address, query] = probe.url.split("?");
      const part = (text) => Object.assign(document.createElement("span"), { textContent: text });
      server.append(part(address));
      if (query) server.append(document.createElement("wbr"), part(`?${query}`));
    }
    const outcome = cell();
    const badge = document.createElement("span");
    badge.className = `badge badge--${{ works: "ok", fails: "fails", checking: "checking", "not-configured": "none" }[result.outcome]}`;
    badge.textContent = OUTCOME_TEXT[result.outcome];
    outcome.append(badge);
    const detail = cell();
    detail.textContent = result.detail;
    row.append(name, server, outcome, detail);
    return row;
  }
}

const root = document.getElementById("connectivity-check");
const configElement = document.getElementById("check-config");
if (root && configElement) new CheckPage(root, JSON.parse(configElement.textContent || "{}")).run();
