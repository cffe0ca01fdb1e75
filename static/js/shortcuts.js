// Keyboard shortcuts for the call: single keys, ignored while typing in a field or with a modifier held.

/** @param {EventTarget | null} target */
function isTyping(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/**
 * Run an action for its key (m, v, s, h, c, p, ?) anywhere on the page.
 * @param {Record<string, () => void>} actions  by key, lower case
 * @param {() => boolean} enabled  shortcuts work only while this says so (in the call)
 */
export function installShortcuts(actions, enabled) {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (isTyping(event.target) || !enabled()) return;
    if (document.querySelector("dialog[open]")) return;
    const action = actions[event.key.length === 1 ? event.key.toLowerCase() : event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
}
