// Where the tiles go: a grid, or one large tile (a pinned person, a shared screen, or the active speaker) beside a
// strip of the others; pages when there are more than fit; the choice remembered. `planLayout` is pure (it runs
// under Node in the tests); `StageLayout` applies a plan to the page.

import { gettext, interpolate } from "./i18n.js";

/** The self view's key; remote people are keyed by peer id, shared screens by "screen:" + peer id ("" for ours). */
export const SELF = "self";
export const SCREEN_PREFIX = "screen:";
const STORAGE_KEY = "confer.layout";

/**
 * @typedef {object} LayoutInput
 * @property {string[]} people      remote peer ids in the order they joined
 * @property {string[]} screens     keys of shared screens, oldest first
 * @property {"grid" | "speaker"} mode
 * @property {string | null} pinned   a key the person pinned (a peer id, SELF or a screen key)
 * @property {string | null} speaker  the remote peer speaking now, or last
 * @property {boolean} hideSelf
 * @property {number} gridPageSize    tiles a grid page holds
 * @property {number} stripPageSize   tiles a strip page holds beside a large tile
 * @property {number} page            the page asked for (clamped)
 */

/**
 * @typedef {object} LayoutPlan
 * @property {string | null} main     the key of the large tile, or null for a grid
 * @property {string[]} onPage        the other keys shown, in order
 * @property {string[]} hidden        the keys on other pages (or a hidden self view)
 * @property {number} page            the page shown (0-based)
 * @property {number} pages           how many pages there are
 * @property {boolean} pictureInPicture  two people in a grid: the other fills the stage, the self view floats
 * @property {string[]} visiblePeers  remote peer ids whose camera or screen is on screen (what to subscribe to)
 */

/** Return where every tile goes. @param {LayoutInput} input @returns {LayoutPlan} */
export function planLayout({ people, screens, mode, pinned, speaker, hideSelf, gridPageSize, stripPageSize, page }) {
  const all = [...screens, SELF, ...people];
  const exists = new Set(all);
  let main = null;
  if (pinned && exists.has(pinned) && !(pinned === SELF && hideSelf)) main = pinned;
  else if (screens.length) main = screens[screens.length - 1];
  else if (mode === "speaker" && people.length) main = speaker && people.includes(speaker) ? speaker : people[0];
  const rest = all.filter((key) => key !== main && !(key === SELF && hideSelf));
  const size = Math.max(1, main ? stripPageSize : gridPageSize);
  const pages = Math.max(1, Math.ceil(rest.length / size));
  const shown = Math.min(Math.max(0, page), pages - 1);
  const onPage = rest.slice(shown * size, (shown + 1) * size);
  const visible = new Set([...(main ? [main] : []), ...onPage]);
  const hidden = all.filter((key) => !visible.has(key));
  const pictureInPicture = !main && !hideSelf && pages === 1 && onPage.length === 2 && screens.length === 0;
  const visiblePeers = [...new Set([...visible].map(peerOf).filter((peerId) => peerId && peerId !== SELF))];
  return { main, onPage, hidden, page: shown, pages, pictureInPicture, visiblePeers };
}

/** Return the peer id a key shows: its own, the sharer's of a screen, "" for our own screen. @param {string} key */
export function peerOf(key) {
  return key.startsWith(SCREEN_PREFIX) ? key.slice(SCREEN_PREFIX.length) : key;
}

/** How many tiles a page holds for a stage of this size: tiles no smaller than about 200×130 (150×110 on phones). */
export function pageSizes(width, height) {
  const phone = width < 700;
  const [tileWidth, tileHeight] = phone ? [150, 110] : [200, 130];
  const grid = Math.max(2, Math.min(49, Math.floor(width / tileWidth) * Math.floor(height / tileHeight)));
  const strip = phone ? Math.max(2, Math.floor(width / 120)) : Math.max(2, Math.floor(height / 150));
  return { grid, strip };
}

/** The person's remembered choice. */
function savedChoice() {
  try {
    const saved = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "{}") || {};
    return { mode: saved.mode === "speaker" ? "speaker" : "grid", hideSelf: saved.hideSelf === true };
  } catch {
    return { mode: "grid", hideSelf: false };
  }
}

/**
 * Applies a layout to the stage: the large tile in #stage-main, the others in #tiles, the pager.
 *
 * Once a plan is applied it calls the tiles' one hook, `tiles.onLayout()`: whatever follows the tiles on screen
 * (TileGrid.visiblePeerIds, tileSizes) reads them there. Events (CustomEvent): `change` {mode, hideSelf, pinned}:
 * the person's choice changed.
 */
export class StageLayout extends EventTarget {
  /** @param {HTMLElement} root #room @param {import("./tiles.js").TileGrid} tiles */
  constructor(root, tiles) {
    super();
    this.root = root;
    this.tiles = tiles;
    this.stage = /** @type {HTMLElement} */ (root.querySelector("#stage"));
    this.mainBox = /** @type {HTMLElement} */ (root.querySelector("#stage-main"));
    this.grid = /** @type {HTMLElement} */ (root.querySelector("#tiles"));
    this.pager = /** @type {HTMLElement} */ (root.querySelector("#stage-pager"));
    this.pageLabel = /** @type {HTMLElement} */ (root.querySelector("#page-label"));
    const choice = savedChoice();
    /** @type {"grid" | "speaker"} */
    this.mode = choice.mode;
    this.hideSelf = choice.hideSelf;
    /** @type {string | null} */
    this.pinned = null;
    /** @type {string | null} the remote peer heard last */
    this.speaker = null;
    this.page = 0;
    /** @type {LayoutPlan | null} */
    this.plan = null;
    this.scheduled = false;
    root.querySelector("#page-prev").addEventListener("click", () => this.turn(-1));
    root.querySelector("#page-next").addEventListener("click", () => this.turn(1));
    // Double-click a tile to pin it, or to unpin it.
    this.stage.addEventListener("dblclick", (event) => {
      const tile = /** @type {HTMLElement} */ (event.target).closest(".tile");
      if (tile && !(/** @type {HTMLElement} */ (event.target).closest("button"))) this.togglePin(keyOf(tile));
    });
    new ResizeObserver(() => this.update()).observe(this.stage);
  }

  /** Show a grid or the speaker large; remembered. @param {"grid" | "speaker"} mode */
  setMode(mode) {
    this.mode = mode;
    this.page = 0;
    this.remember();
    this.update();
  }

  /** Hide or show our own view; remembered. @param {boolean} hide */
  setHideSelf(hide) {
    this.hideSelf = hide;
    if (hide && this.pinned === SELF) this.pinned = null;
    this.remember();
    this.update();
  }

  /** Pin a tile large (null: unpin). @param {string | null} key */
  pin(key) {
    this.pinned = key;
    this.page = 0;
    this.emit("change", { mode: this.mode, hideSelf: this.hideSelf, pinned: this.pinned });
    this.update();
  }

  /** @param {string} key */
  togglePin(key) {
    this.pin(this.pinned === key ? null : key);
  }

  /** The active speaker changed (null: silence, keep the last). @param {string | null} peerId  "" for ourselves */
  setSpeaker(peerId) {
    if (!peerId || peerId === this.speaker) return;
    this.speaker = peerId;
    if (this.mode === "speaker" && !this.pinned) this.update();
  }

  /** @param {number} step */
  turn(step) {
    this.page += step;
    this.update();
  }

  remember() {
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify({ mode: this.mode, hideSelf: this.hideSelf }));
    } catch {
      // storage may be disabled: the choice lasts this page only
    }
    this.emit("change", { mode: this.mode, hideSelf: this.hideSelf, pinned: this.pinned });
  }

  /** Lay the tiles out again on the next frame (tiles came or went, the stage was resized). */
  update() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.apply();
    });
  }

  apply() {
    const elements = this.tiles.elementsByKey();
    if (this.pinned && !elements.has(this.pinned)) this.pinned = null;
    const people = [...elements.keys()].filter((key) => key !== SELF && !key.startsWith(SCREEN_PREFIX));
    const screens = [...elements.keys()].filter((key) => key.startsWith(SCREEN_PREFIX));
    const sizes = pageSizes(this.stage.clientWidth || window.innerWidth, this.stage.clientHeight || window.innerHeight);
    const plan = planLayout({
      people, screens, mode: this.mode, pinned: this.pinned, speaker: this.speaker, hideSelf: this.hideSelf,
      gridPageSize: sizes.grid, stripPageSize: sizes.strip, page: this.page,
    });
    this.page = plan.page;
    this.plan = plan;
    // Moving an element within one task keeps its video playing.
    const main = plan.main ? elements.get(plan.main) : null;
    if (main && main.parentElement !== this.mainBox) this.mainBox.append(main);
    for (const key of plan.onPage) {
      const element = elements.get(key);
      element.hidden = false;
      element.dataset.main = "false";
      this.grid.append(element);
    }
    for (const key of plan.hidden) {
      const element = elements.get(key);
      element.hidden = true;
      element.dataset.main = "false";
      if (element.parentElement !== this.grid) this.grid.append(element);
    }
    if (main) {
      main.hidden = false;
      main.dataset.main = "true";
    }
    for (const [key, element] of elements) element.dataset.pinned = String(key === this.pinned);
    this.stage.dataset.layout = main ? "focus" : plan.pictureInPicture ? "duo" : "grid";
    this.stage.dataset.mode = this.mode;
    this.mainBox.hidden = !main;
    this.grid.dataset.count = String(plan.onPage.length);
    this.grid.hidden = plan.onPage.length === 0;
    this.pager.hidden = plan.pages < 2;
    this.pageLabel.textContent = interpolate(gettext("Page %(page)s of %(pages)s"), { page: plan.page + 1, pages: plan.pages });
    /** @type {HTMLButtonElement} */ (this.root.querySelector("#page-prev")).disabled = plan.page === 0;
    /** @type {HTMLButtonElement} */ (this.root.querySelector("#page-next")).disabled = plan.page >= plan.pages - 1;
    // The one hook for what follows the tiles on screen (media through the server, the visible-peers event).
    this.tiles.onLayout();
  }

  /** @param {string} type @param {any} detail */
  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/** The layout key of a tile element. @param {HTMLElement} tile */
export function keyOf(tile) {
  if (tile.id === "self-tile") return SELF;
  if (tile.dataset.screenFor !== undefined) return SCREEN_PREFIX + tile.dataset.screenFor;
  return tile.dataset.tileFor || "";
}
