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
// so they open offline, and the icons. The server writes the list of the resident app's
// files under pwa/assets/ in place of the empty one below (web/pwa.py), so a new file is
// precached without anyone listing it here.
const ASSET_FILES = /* __PRECACHE__ */ [];
const PRECACHE = [
  '/',
  '/offline.html',
  '/manifest.webmanifest',
  ...ASSET_FILES.map((path) => ASSETS + path),
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
// The server sends {id, title, body, link, thread} (RFC 8291-encrypted; the browser
// decrypts it), already in the language the app had on this device. One notification per
// thread (an application, a programme; an opaque digest): a newer notice of the thread
// replaces the older one on screen, as its Topic did at the push service. The same notice
// again (a retried delivery) is not shown, and does not buzz, a second time.
// ---------------------------------------------------------------------------------------

const ICON = `${ASSETS}icons/icon-192.png`;
const BADGE = `${ASSETS}icons/badge-72.png`; // monochrome: Android draws it in the status bar
// Shown for a push the app cannot read. The worker has no dictionaries, and this should
// never happen with our server, so one fixed text in both of the app's scripts.
const FALLBACK_TITLE = '新しいお知らせがあります';
const FALLBACK_BODY = 'You have a new notice.';
const OPEN_NOTICE_MESSAGE = 'todoke:open-notice';

self.addEventListener('push', (event) => {
  event.waitUntil(showNotice(readPush(event.data)));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(openNotice(event.notification.data));
});

/** The notice in a push message, or null when it is not one of ours. */
function readPush(data) {
  let notice = null;
  try {
    notice = data ? data.json() : null;
  } catch {
    return null;
  }
  if (!notice || typeof notice.title !== 'string' || notice.title === '') return null;
  const id = Number.isInteger(notice.id) && notice.id > 0 ? notice.id : null;
  const thread =
    typeof notice.thread === 'string' && /^[A-Za-z0-9_-]{1,32}$/.test(notice.thread)
      ? notice.thread
      : null;
  return {
    id,
    title: notice.title,
    body: typeof notice.body === 'string' ? notice.body : '',
    link: appLink(notice.link),
    thread,
  };
}

async function showNotice(notice) {
  let tag = 'notice';
  if (notice?.thread) tag = `thread-${notice.thread}`;
  else if (notice?.id) tag = `notice-${notice.id}`;
  let replacing = false;
  if (notice?.id) {
    const showing = await self.registration.getNotifications({ tag });
    if (showing.some((shown) => shown.data?.id === notice.id)) return; // already on screen
    replacing = showing.length > 0;
  }
  await self.registration.showNotification(notice?.title ?? FALLBACK_TITLE, {
    body: notice ? notice.body : FALLBACK_BODY,
    icon: ICON,
    badge: BADGE,
    tag,
    renotify: replacing, // a newer notice of the thread alerts, though it takes the old place
    data: { id: notice?.id ?? null, link: notice?.link ?? '/inbox' },
  });
}

/**
 * A tapped notification: an open window of the app comes forward and is asked to show the
 * notice's screen and mark it read (app.js, via postMessage: the page holds the session's
 * CSRF token, the worker does not); with no window open, a new one opens at
 * <link>?read=<id>, which app.js reads the same way.
 */
async function openNotice(data) {
  const link = appLink(data?.link);
  const id = Number.isInteger(data?.id) ? data.id : null;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const app = windows
    .filter((client) => isResidentApp(client.url))
    .sort((a, b) => Number(b.focused) - Number(a.focused))[0];
  if (app) {
    try {
      await app.focus();
    } catch {
      // Focusing needs the tap's activation; the page still follows the message.
    }
    app.postMessage({ type: OPEN_NOTICE_MESSAGE, id, link });
    return app;
  }
  const url = new URL(link, self.location.origin);
  if (id) url.searchParams.set('read', String(id));
  return self.clients.openWindow(url.pathname + url.search + url.hash);
}

/** Only a path of this app (the server sends one); anything else opens the inbox. */
function appLink(link) {
  if (typeof link !== 'string' || !link.startsWith('/') || link.startsWith('//')) return '/inbox';
  try {
    const url = new URL(link, self.location.origin);
    if (url.origin !== self.location.origin) return '/inbox';
    return url.pathname + url.search + url.hash;
  } catch {
    return '/inbox';
  }
}

function isResidentApp(href) {
  const url = new URL(href);
  return url.origin === self.location.origin && !/^\/staff(\/|$)/.test(url.pathname);
}
