// Device choice: fill the camera, microphone and speaker lists, and remember the choice for next time.

import { gettext, interpolate } from "./i18n.js";

const STORAGE_KEY = "confer.devices";

/** @typedef {{audioinput?: string, videoinput?: string, audiooutput?: string}} DeviceChoice */

/** @returns {DeviceChoice} */
export function savedDevices() {
  try {
    return JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "{}") || {};
  } catch {
    return {};
  }
}

/** @param {DeviceChoice} choice */
export function saveDevices(choice) {
  try {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...savedDevices(), ...choice }));
  } catch {
    // storage may be disabled
  }
}

/** Return the device id a stream's track of one kind uses. @param {MediaStream | null} stream @param {"audio" | "video"} kind */
export function deviceOf(stream, kind) {
  const track = stream ? stream.getTracks().find((t) => t.kind === kind) : null;
  return (track && track.getSettings().deviceId) || "";
}

/**
 * Fill every select[data-device-kind] under a root with the devices of its kind, the current one chosen.
 * @param {ParentNode} root @param {import("./media.js").DeviceLists} lists @param {DeviceChoice} current
 */
export function fillDeviceSelects(root, lists, current) {
  for (const select of /** @type {NodeListOf<HTMLSelectElement>} */ (root.querySelectorAll("select[data-device-kind]"))) {
    const kind = /** @type {keyof import("./media.js").DeviceLists} */ (select.dataset.deviceKind);
    const devices = lists[kind] || [];
    select.replaceChildren(
      ...devices.map((device, index) => {
        const option = document.createElement("option");
        option.value = device.deviceId;
        option.textContent = device.label || interpolate(gettext("Device %(number)s"), { number: index + 1 });
        return option;
      })
    );
    if (!devices.length) {
      const option = document.createElement("option");
      option.value = "";
      option.textContent = gettext("None found");
      select.append(option);
    }
    select.disabled = devices.length < 2;
    const chosen = current[kind];
    if (chosen && devices.some((d) => d.deviceId === chosen)) select.value = chosen;
    if (kind === "audiooutput") {
      const field = select.closest("[data-speaker-field]");
      if (field) /** @type {HTMLElement} */ (field).hidden = !devices.length;
    }
  }
}
