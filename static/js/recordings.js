// The hosts' recordings page: while a recording runs or is being put together, follow it through the REST API
// (the session cookie signs the requests) and move its progress bar; reload the page when one changes state.

const list = document.getElementById("recordings");

/** @param {{id: number, status: string, composition: {status: string, progress: number} | null}} recording */
function update(recording) {
  const item = document.getElementById(`recording-${recording.id}`);
  if (!item) return true;
  const composition = recording.composition;
  if (item.dataset.status !== recording.status || item.dataset.composition !== (composition?.status ?? "")) {
    return true;
  }
  const bar = item.querySelector("progress");
  if (bar && composition) {
    bar.value = composition.progress;
    bar.textContent = `${Math.round(composition.progress)}%`;
    const label = item.querySelector("[data-progress]");
    if (label) label.textContent = `${Math.round(composition.progress)}%`;
  }
  return false;
}

async function follow() {
  try {
    const response = await fetch(list.dataset.api, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (response.ok) {
      const recordings = await response.json();
      if (recordings.map(update).some(Boolean)) {
        window.location.reload();
        return;
      }
    }
  } catch {
    // A dropped connection: try again at the next turn.
  }
  window.setTimeout(follow, 2000);
}

if (list && list.hasAttribute("data-watch")) window.setTimeout(follow, 2000);
