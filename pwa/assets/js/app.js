// Entry point: preferences → language → first screen, then the header's municipality
// name, the service worker and (where the resident turned them on) push notifications.
// Everything visible comes from i18n or the API. The server writes the municipality (name,
// kind, palette, emblem, contact) into the page it serves at the municipality's origin, so
// the first screen says 町 or 市 rightly without waiting for a request.

import { getJSON } from './api.js';
import {
  DEFAULT_LANGUAGE,
  LANGUAGE_CHANGE_EVENT,
  loadLanguage,
  localize,
  preferredLanguage,
  setMunicipalityWords,
  t,
} from './i18n.js';
import { captureInstallPrompt } from './install.js';
import { applyTextSize } from './preferences.js';
import { createRouter } from './router.js';
import { notFoundRoute, routes } from './routes.js';
import * as errorScreen from './screens/error.js';
import { registerServiceWorker } from './sw-update.js';
import { setUpPageReading, stopReading } from './ui/read-aloud.js';

const MUNICIPALITY_KEY = 'todoke.municipality';
// Set by push.js when the resident turned notifications on here; read without loading it.
const PUSH_KEY = 'todoke.push';
const OUTBOX_KEY = 'todoke.outbox'; // drafts.js's, read here without loading it
const OPEN_NOTICE_MESSAGE = 'todoke:open-notice';

applyTextSize();
// Before anything is awaited: the browser may offer installing the app at any moment.
captureInstallPrompt();

// The page's own description of its municipality; without one (an old cached page), the
// API's, asked now; the header fills in when it answers.
const embedded = readEmbeddedMunicipality();
const municipality = embedded
  ? Promise.resolve(embedded)
  : getJSON('/api/municipality').catch((error) => {
      console.warn('municipality: not loaded', error);
      return null;
    });
showMunicipality(embedded ?? readCachedMunicipality());

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

// A notification opened in a new window arrives as <link>?read=<notice id>: the address
// keeps only the link, and the notice is marked read once the session is known.
const openedNotice = takeReadParameter();

// Read aloud, in the header of every screen: it reads <main>, and stops on a new screen.
setUpPageReading(document.querySelector('[data-read-aloud]'), document.getElementById('main'));

const router = createRouter({
  routes,
  notFound: notFoundRoute,
  errorScreen,
  outlet: document.getElementById('main'),
  onRouteChange: (route, url) => {
    stopReading();
    markCurrentNav(route, url);
  },
});
await router.start();

municipality.then((data) => {
  if (!data?.name) return;
  showMunicipality(data);
  showContact(data.branding?.contact);
  try {
    const { code, name, branding } = data;
    const kept = { code, name, branding: branding && { kind: branding.kind, office: branding.office } };
    localStorage.setItem(MUNICIPALITY_KEY, JSON.stringify(kept));
  } catch {
    // Only a head start for the next visit.
  }
});

registerServiceWorker({
  banner: document.querySelector('[data-update-banner]'),
  button: document.querySelector('[data-update-reload]'),
});

if (openedNotice) markNoticeRead(openedNotice);
refreshPush();
// Filings made offline wait on this device (outbox.js): sent now and when the network is
// back. The module is loaded only when one waits.
if (readStorage(OUTBOX_KEY)?.startsWith('[{')) {
  import('./outbox.js').then((outbox) => outbox.startOutbox());
}
document.addEventListener(LANGUAGE_CHANGE_EVENT, () => refreshPush());

// A notification tapped while the app is open: the service worker asks this window to go
// to the notice's screen (see sw.js, notificationclick).
navigator.serviceWorker?.addEventListener('message', (event) => {
  if (event.data?.type !== OPEN_NOTICE_MESSAGE) return;
  const link = appPath(event.data.link) ?? '/inbox';
  router.navigate(link);
  if (event.data.id != null) markNoticeRead(event.data.id);
});

/** Send this device's push subscription again (it may have changed, and so may the
 * language) when notifications are on here. push.js is loaded only then. */
function refreshPush() {
  if (!readStorage(PUSH_KEY)) return;
  withPushAndAccount((push, me) => push.refreshPush(me)).catch((error) =>
    console.warn('push: subscription not refreshed', error),
  );
}

function markNoticeRead(id) {
  withPushAndAccount((push, me) => push.markNoticeRead(id, me)).catch((error) =>
    console.warn('push: notice not marked read', error),
  );
}

// push.js does not know who is signed in (session.js loads push.js at sign-out, so the
// other way round would be a circle): the account is looked up here and handed to it.
async function withPushAndAccount(work) {
  const [push, session] = await Promise.all([import('./push.js'), import('./session.js')]);
  const me = await session.loadMe().catch(() => null);
  return work(push, me);
}

function takeReadParameter() {
  const url = new URL(location.href);
  const id = url.searchParams.get('read');
  if (id == null) return null;
  url.searchParams.delete('read');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  return /^\d{1,12}$/.test(id) ? id : null;
}

/** Only a path inside this app, never another site. */
function appPath(link) {
  if (typeof link !== 'string' || !link.startsWith('/') || link.startsWith('//')) return null;
  const url = new URL(link, location.origin);
  return url.origin === location.origin ? url.pathname + url.search + url.hash : null;
}

function readStorage(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function showMunicipality(data) {
  if (!data?.name) return;
  setMunicipalityWords({ name: data.name, kind: data.branding?.kind, office: data.branding?.office });
  const node = document.querySelector('[data-municipality-name]');
  if (node) localize(node, data.name);
  // A page the server did not dress (the not-found page): its palette from the API.
  const palette = data.branding?.palette;
  if (palette && !document.documentElement.dataset.palette && /^[a-z-]{1,30}$/.test(palette)) {
    document.documentElement.dataset.palette = palette;
  }
  const emblem = document.querySelector('[data-municipality-emblem]');
  const address = data.branding?.emblem;
  // Only an address on this origin (the API's own): never an image from elsewhere.
  if (emblem && typeof address === 'string' && address.startsWith('/api/')) {
    emblem.decoding = 'async';
    emblem.src = address;
    emblem.hidden = false;
  }
}

/** The municipality's contact details in the footer: only the rows it gave. */
function showContact(contact) {
  const footer = document.querySelector('[data-municipality-contact]');
  if (!footer || !contact) return;
  let shown = 0;
  for (const row of footer.querySelectorAll('[data-contact]')) {
    const field = row.dataset.contact;
    const value = row.querySelector('[data-contact-value]');
    const given = contact[field];
    const words = typeof given === 'object' && given ? given : null;
    const text = words ? (words.ja ?? '') : (given ?? '');
    row.hidden = text === '';
    if (row.hidden) continue;
    shown += 1;
    if (words) localize(value, words);
    else value.textContent = text;
    if (field === 'phone') value.href = `tel:${text.replace(/[^0-9+]/g, '')}`;
    if (field === 'email') value.href = `mailto:${text}`;
    if (field === 'website' && /^https:\/\//.test(text)) value.href = text;
    if (field === 'address') {
      const postal = row.querySelector('[data-contact-postal]');
      postal.textContent = contact.postal_code ? t('contact.postalMark', { code: contact.postal_code }) : '';
    }
  }
  footer.hidden = shown === 0;
}

function readEmbeddedMunicipality() {
  const meta = document.querySelector('meta[name="todoke-municipality"]');
  try {
    return meta ? JSON.parse(meta.content) : null;
  } catch {
    return null;
  }
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
