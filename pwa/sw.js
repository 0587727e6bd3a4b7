// Todoke service worker. The backend replaces __BUILD__ with the build id, so each build
// gets its own cache and its own versioned asset URLs.
//
//   pages (navigations)  network first; offline → the cached app shell "/", then /offline.html
//   /assets/<build>/…     cache first (the files under a build id never change)
//   /api/…                never cached (answers can hold personal data): straight to network
//   anything else         the browser's default

const BUILD = '__BUILD__';
const CACHE_PREFIX = 'todoke-shell-';
const CACHE_NAME = `${CACHE_PREFIX}${BUILD}`;
const ASSETS = `/assets/${BUILD}/`;
const GATEWAY_ERRORS = new Set([502, 503, 504]);

// The app shell: everything the first screen needs, every language, the other screens
// so they open offline, and the icons. Add new files under pwa/assets/ here.
const PRECACHE = [
  '/',
  '/offline.html',
  '/manifest.webmanifest',
  ...[
    'css/tokens.css',
    'css/app.css',
    'js/answers.js',
    'js/app.js',
    'js/api.js',
    'js/dom.js',
    'js/drafts.js',
    'js/i18n.js',
    'js/jp.js',
    'js/offline.js',
    'js/preferences.js',
    'js/procedure-form.js',
    'js/router.js',
    'js/routes.js',
    'js/session.js',
    'js/sw-update.js',
    'js/webauthn.js',
    'js/ui/back-link.js',
    'js/ui/blockers.js',
    'js/ui/error-summary.js',
    'js/ui/feedback.js',
    'js/ui/form-fields.js',
    'js/ui/forms.js',
    'js/ui/missing-draft.js',
    'js/ui/signin.js',
    'js/ui/status.js',
    'js/screens/account.js',
    'js/screens/amend.js',
    'js/screens/application.js',
    'js/screens/applications.js',
    'js/screens/apply.js',
    'js/screens/confirm.js',
    'js/screens/consents.js',
    'js/screens/corrections.js',
    'js/screens/delegations.js',
    'js/screens/error.js',
    'js/screens/inbox.js',
    'js/screens/not-found.js',
    'js/screens/procedure.js',
    'js/screens/procedures.js',
    'js/screens/review.js',
    'js/screens/settings.js',
    'js/screens/verify.js',
    'i18n/ja.json',
    'i18n/easy.json',
    'i18n/en.json',
    'icons/favicon.svg',
    'icons/apple-touch-icon.png',
    'icons/icon-192.png',
    'icons/icon-512.png',
    'icons/icon-maskable-512.png',
    'icons/badge-72.png',
  ].map((path) => ASSETS + path),
];

self.addEventListener('install', (event) => {
  // The three unversioned pages bypass the HTTP cache so they are this build's; versioned
  // assets may come from it (the page has just loaded most of them).
  const requests = PRECACHE.map((url) =>
    url.startsWith(ASSETS) ? new Request(url) : new Request(url, { cache: 'reload' }),
  );
  event.waitUntil(caches.open(CACHE_NAME).then((cache) => cache.addAll(requests)));
  // No skipWaiting() here: a new version waits until the page asks (see SKIP_WAITING).
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME)
          .map((name) => caches.delete(name)),
      );
      if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'SKIP_WAITING') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/')) return; // personal data: never cached, not even touched

  if (request.mode === 'navigate') {
    event.respondWith(networkFirstPage(event));
  } else if (url.pathname.startsWith('/assets/')) {
    event.respondWith(cacheFirstAsset(request));
  }
});

async function networkFirstPage(event) {
  try {
    const response = (await event.preloadResponse) ?? (await fetch(event.request));
    // A proxy's "backend unavailable" page helps nobody: the shell can retry on its own.
    if (GATEWAY_ERRORS.has(response.status)) throw new Error(`gateway ${response.status}`);
    return response;
  } catch {
    const cache = await caches.open(CACHE_NAME);
    return (
      (await cache.match('/')) ??
      (await cache.match('/offline.html')) ??
      new Response('Offline', { status: 503, headers: { 'Content-Type': 'text/plain' } })
    );
  }
}

async function cacheFirstAsset(request) {
  const cache = await caches.open(CACHE_NAME);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  // Only this build's files join this build's cache; a file under another build id is
  // served but not kept.
  if (response.ok && new URL(request.url).pathname.startsWith(ASSETS)) {
    cache.put(request, response.clone());
  }
  return response;
}

// ---------------------------------------------------------------------------------------
// Push notifications
// The "push" (show the notice) and "notificationclick" (open its screen) handlers go in
// this section when push delivery is built. Nothing is registered for them yet.
// ---------------------------------------------------------------------------------------
