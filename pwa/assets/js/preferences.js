// Display preferences kept on this device: text size (language lives in i18n.js).

// Percent of the standard size, up to 200% (WCAG 1.4.4: text resizes to 200% without
// loss of content or function, and the app's own setting goes as far).
export const TEXT_SIZES = ['100', '125', '150', '175', '200'];
const STANDARD = '100';
const STORAGE_KEY = 'todoke.textSize';
// What earlier versions saved: "large" was 125%.
const EARLIER_NAMES = new Map([
  ['standard', '100'],
  ['large', '125'],
]);

function known(size) {
  const value = EARLIER_NAMES.get(size) ?? size;
  return TEXT_SIZES.includes(value) ? value : STANDARD;
}

/** The saved text size ("100" … "200"), "100" unless another was chosen. */
export function textSize() {
  try {
    return known(localStorage.getItem(STORAGE_KEY));
  } catch {
    return STANDARD;
  }
}

/** Apply a text size at once (html[data-text-size] scales the type tokens) and save it. */
export function setTextSize(size) {
  const value = known(size);
  applyTextSize(value);
  try {
    localStorage.setItem(STORAGE_KEY, value);
  } catch {
    // Storage off: the size still applies until the page closes.
  }
}

export function applyTextSize(size = textSize()) {
  const root = document.documentElement;
  const value = known(size);
  if (value === STANDARD) delete root.dataset.textSize;
  else root.dataset.textSize = value;
}
