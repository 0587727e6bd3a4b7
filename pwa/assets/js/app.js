// Entry point: preferences → language → first screen, then the header's municipality
// name and the service worker. Everything visible comes from i18n or the API.

import { getJSON } from './api.js';
import { localize, loadLanguage, preferredLanguage, DEFAULT_LANGUAGE } from './i18n.js';
import { applyTextSize } from './preferences.js';
import { createRouter } from './router.js';
import { notFoundRoute, routes } from './routes.js';
import * as errorScreen from './screens/error.js';
import { registerServiceWorker } from './sw-update.js';

const MUNICIPALITY_KEY = 'todoke.municipality';

applyTextSize();

// Start the request now; the header fills in when it answers.
const municipality = getJSON('/api/municipality').catch((error) => {
  console.warn('municipality: not loaded', error);
  return null;
});
showMunicipality(readCachedMunicipality());

try {
  await loadLanguage(preferredLanguage());
} catch (error) {
  console.error('i18n: could not load the preferred language', error);
  await loadLanguage(DEFAULT_LANGUAGE, { remember: false }).catch(() => {
    // No dictionary at all: show the chrome anyway (keys instead of words beat nothing).
    document.documentElement.dataset.lang = DEFAULT_LANGUAGE;
  });
}

// Move focus, not just the scroll position, so the next Tab starts in the content.
document.querySelector('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  document.getElementById('main')?.focus();
});

const router = createRouter({
  routes,
  notFound: notFoundRoute,
  errorScreen,
  outlet: document.getElementById('main'),
  onRouteChange: markCurrentNav,
});
await router.start();

municipality.then((data) => {
  if (!data?.name) return;
  showMunicipality(data);
  try {
    localStorage.setItem(MUNICIPALITY_KEY, JSON.stringify({ code: data.code, name: data.name }));
  } catch {
    // Only a head start for the next visit.
  }
});

registerServiceWorker({
  banner: document.querySelector('[data-update-banner]'),
  button: document.querySelector('[data-update-reload]'),
});

function showMunicipality(data) {
  const node = document.querySelector('[data-municipality-name]');
  if (node && data?.name) localize(node, data.name);
}

function readCachedMunicipality() {
  try {
    return JSON.parse(localStorage.getItem(MUNICIPALITY_KEY) ?? 'null');
  } catch {
    return null;
  }
}

/** aria-current on the navigation: "page" on the screen's own link, "true" on its section. */
function markCurrentNav(route, url) {
  for (const link of document.querySelectorAll('[data-nav]')) {
    const inSection = route.nav != null && link.dataset.nav === route.nav;
    const samePage = new URL(link.href).pathname === url.pathname;
    if (inSection) link.setAttribute('aria-current', samePage ? 'page' : 'true');
    else link.removeAttribute('aria-current');
  }
}
