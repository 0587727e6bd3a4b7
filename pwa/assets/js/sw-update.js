// Registers the service worker and offers a reload when a new version is waiting.
// The new worker waits until the person taps the button (SKIP_WAITING); we reload on
// controllerchange, so the page and its cached files always come from the same build.

import { announce } from './dom.js';
import { t } from './i18n.js';

/**
 * @param {object} ui
 * @param {HTMLElement} ui.banner   shown when an update waits (has the hidden attribute)
 * @param {HTMLButtonElement} ui.button
 */
export async function registerServiceWorker({ banner, button }) {
  if (!('serviceWorker' in navigator)) return;

  let registration;
  try {
    registration = await navigator.serviceWorker.register('/sw.js', {
      scope: '/',
      updateViaCache: 'none',
    });
  } catch (error) {
    console.warn('service worker: registration failed', error);
    return;
  }

  let reloadRequested = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloadRequested) location.reload();
  });

  button.addEventListener('click', () => {
    reloadRequested = true;
    button.disabled = true;
    if (registration.waiting) registration.waiting.postMessage({ type: 'SKIP_WAITING' });
    else location.reload(); // another tab already activated it
  });

  const offer = () => {
    if (!banner.hidden) return;
    banner.hidden = false;
    announce(t('update.available'));
  };

  // A first install has no controller yet: nothing to update from.
  if (registration.waiting && navigator.serviceWorker.controller) offer();
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => {
      if (worker.state === 'installed' && navigator.serviceWorker.controller) offer();
    });
  });

  // Look for a new version whenever the app comes back to the foreground.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') registration.update().catch(() => {});
  });
}
