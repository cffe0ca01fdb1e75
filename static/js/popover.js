// Small menus that open from a button (the tile menu, the layout menu, the reactions): one open at a time,
// placed by their button, closed by Escape, a click elsewhere, or choosing something.

/** @type {{menu: HTMLElement, anchor: HTMLElement, onClose?: () => void} | null} */
let current = null;

/**
 * Open a menu next to its button (above it when the button sits low on the screen, as the control bar does).
 * @param {HTMLElement} menu @param {HTMLElement} anchor @param {() => void} [onClose]
 */
export function openPopover(menu, anchor, onClose) {
  closePopover();
  current = { menu, anchor, onClose };
  menu.hidden = false;
  anchor.setAttribute("aria-expanded", "true");
  const box = anchor.getBoundingClientRect();
  const room = /** @type {HTMLElement} */ (menu.offsetParent || document.body).getBoundingClientRect();
  const width = menu.offsetWidth;
  const left = Math.min(Math.max(8, box.left + box.width / 2 - width / 2 - room.left), room.width - width - 8);
  menu.style.left = `${left}px`;
  if (box.top - room.top > room.height / 2) {
    menu.style.top = "";
    menu.style.bottom = `${room.bottom - box.top + 8}px`;
  } else {
    menu.style.bottom = "";
    menu.style.top = `${box.bottom - room.top + 6}px`;
  }
  const first = /** @type {HTMLElement | null} */ (menu.querySelector("button:not([hidden])"));
  if (first) first.focus();
}

/** Close the open menu, if any; focus goes back to its button. @param {{restoreFocus?: boolean}} [options] */
export function closePopover({ restoreFocus = true } = {}) {
  if (!current) return;
  const { menu, anchor, onClose } = current;
  current = null;
  menu.hidden = true;
  anchor.setAttribute("aria-expanded", "false");
  if (restoreFocus) anchor.focus();
  if (onClose) onClose();
}

/** @param {HTMLElement} menu */
export function isOpen(menu) {
  return !!current && current.menu === menu;
}

if (typeof document !== "undefined") {
  document.addEventListener("keydown", (event) => {
    if (!current) return;
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      closePopover();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp" || event.key === "ArrowRight" || event.key === "ArrowLeft") {
      const items = [...current.menu.querySelectorAll("button:not([hidden])")];
      const at = items.indexOf(/** @type {Element} */ (document.activeElement));
      const step = event.key === "ArrowDown" || event.key === "ArrowRight" ? 1 : -1;
      const next = /** @type {HTMLElement} */ (items[(at + step + items.length) % items.length]);
      if (next) {
        event.preventDefault();
        next.focus();
      }
    }
  }, true);
  document.addEventListener("pointerdown", (event) => {
    if (!current) return;
    const target = /** @type {Node} */ (event.target);
    if (!current.menu.contains(target) && !current.anchor.contains(target)) closePopover({ restoreFocus: false });
  }, true);
}
