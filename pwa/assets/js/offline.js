// The page the service worker shows when there is no network and no cached app shell.
// Reloading retries the address the person asked for.

import { DEFAULT_LANGUAGE, loadLanguage, localize, preferredLanguage } from './i18n.js';
import { applyTextSize } from './preferences.js';

applyTextSize();
try {
  await loadLanguage(preferredLanguage());
} catch {
  await loadLanguage(DEFAULT_LANGUAGE, { remember: false }).catch(() => {});
}

// The municipality's name as the app last saw it (app.js keeps it in localStorage).
try {
  const saved = JSON.parse(localStorage.getItem('todoke.municipality') ?? 'null');
  const node = document.querySelector('[data-municipality-name]');
  if (saved?.name && node) localize(node, saved.name);
} catch {
  // Nothing saved: the header shows the app name alone.
}

document.querySelector('[data-retry]')?.addEventListener('click', () => location.reload());
window.addEventListener('online', () => location.reload());
