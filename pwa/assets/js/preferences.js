// Display preferences kept on this device: text size (language lives in i18n.js).

export const TEXT_SIZES = ['standard', 'large'];
const STORAGE_KEY = 'todoke.textSize';

/** The saved text size, "standard" unless "large" was chosen. */
export function textSize() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    return TEXT_SIZES.includes(saved) ? saved : 'standard';
  } catch {
    return 'standard';
  }
}

/** Apply a text size at once (html[data-text-size] scales the type tokens) and save it. */
export function setTextSize(size) {
  const value = TEXT_SIZES.includes(size) ? size : 'standard';
  applyTextSize(value);
  try {
    localStorage.setItem(STORAGE_KEY, value);
  } catch {
    // Storage off: the size still applies until the page closes.
  }
}

export function applyTextSize(size = textSize()) {
  const root = document.documentElement;
  if (size === 'large') root.dataset.textSize = 'large';
  else delete root.dataset.textSize;
}
