// Buttons with data-copy="<text>" copy it to the clipboard and say so for a moment. The script tag carries the
// translated words: data-copied ("Copied") and data-prompt ("Copy this link:").
const words = document.currentScript ? document.currentScript.dataset : {};

document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
  if (!button) return;
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(button.dataset.copy);
    button.textContent = words.copied || "Copied";
  } catch (error) {
    window.prompt(words.prompt || "Copy this link:", button.dataset.copy);
  }
  setTimeout(() => { button.textContent = label; }, 1600);
});
