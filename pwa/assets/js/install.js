// Installing the app (adding it to the Home Screen): what this browser offers.
//
// Chromium browsers announce that the app can be installed with a `beforeinstallprompt`
// event, often before any screen asks, so app.js starts listening at once and the event is
// kept here for the install hint in 設定 (ui/install-hint.js) to call prompt() on. Safari
// on iPhone and iPad has no such event: there, the Share menu's 「ホーム画面に追加」 is the
// way, and it is also the only way to get notifications (push.js).

let deferredPrompt = null;
const listeners = new Set();

/** Keep the browser's install prompt for later (call once, as early as possible). */
export function captureInstallPrompt() {
  window.addEventListener('beforeinstallprompt', (event) => {
    // No mini-infobar of the browser's own: the hint in 設定 offers it in our words.
    event.preventDefault();
    deferredPrompt = event;
    for (const listener of listeners) listener();
  });
  window.addEventListener('appinstalled', () => {
    deferredPrompt = null;
    for (const listener of listeners) listener();
  });
}

/** Whether the browser's own install prompt can be shown now. */
export function canPromptInstall() {
  return deferredPrompt != null;
}

/** Show the browser's install prompt; resolves "accepted" or "dismissed" ("unavailable"
 * when there is none). A prompt can be used once. */
export async function promptInstall() {
  const event = deferredPrompt;
  if (!event) return 'unavailable';
  deferredPrompt = null;
  await event.prompt();
  const choice = await event.userChoice;
  return choice?.outcome === 'accepted' ? 'accepted' : 'dismissed';
}

/** Call listener whenever the prompt becomes available or goes; returns the unsubscribe. */
export function onInstallPromptChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** iPhone, iPad or iPod (iPadOS asks for the desktop site and says "Macintosh"; only touch
 * gives it away). */
export function isAppleMobile() {
  const agent = navigator.userAgent ?? '';
  const iPadAsMac = /Macintosh/.test(agent) && navigator.maxTouchPoints > 1;
  return /iPhone|iPad|iPod/.test(agent) || iPadAsMac;
}

/** Running as the installed app (opened from the Home Screen), not in a browser tab. */
export function isStandalone() {
  return navigator.standalone === true || matchMedia('(display-mode: standalone)').matches;
}
