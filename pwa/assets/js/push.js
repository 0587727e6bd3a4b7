// Notices as push notifications on this device.
//
// The resident turns them on with the switch in 設定; only then is the browser asked for
// permission. The choice is kept on this device as the id of the account that made it
// (localStorage "todoke.push"), so someone else signing in on a shared phone never gets
// the first person's notifications. Browsers rarely tell a page that a subscription
// changed, so each app start sends it again (with the app's language, which the server
// writes the notifications in), and so does every language switch. Signing out removes
// it from the server and from the browser (see session.js).
//
// Loaded on demand: nothing here is on the first screen's path.

import { ApiError, getJSON, sendJSON } from './api.js';
import { currentLanguage } from './i18n.js';
import { isAppleMobile, isStandalone } from './install.js';
import { fromBase64url } from './webauthn.js';

const STORAGE_KEY = 'todoke.push';
const READY_TIMEOUT_MS = 10000;
/** The name of the error thrown when the service worker is missing or never gets ready. */
export const SERVICE_WORKER_NOT_READY = 'ServiceWorkerNotReady';

/**
 * What this browser allows:
 *   "install"      iPhone/iPad Safari outside the Home Screen app: push only works once the
 *                  app is added to the Home Screen and opened from there
 *   "unsupported"  no service worker, Push API or notifications
 *   "denied"       the person blocked notifications for this site in the browser
 *   "available"    the switch can ask (or already has permission)
 */
export function pushSupport() {
  if (isAppleMobile() && !isStandalone()) return 'install';
  const apis = 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
  if (!apis) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  return 'available';
}

/** Whether notifications are on on this device for account (the switch's state). */
export function pushEnabledFor(account) {
  return (
    account != null &&
    readChoice() === String(account.id) &&
    pushSupport() === 'available' &&
    Notification.permission === 'granted'
  );
}

/**
 * Turn notifications on for account: ask the browser's permission (call this straight from
 * the person's tap: browsers refuse a request without one), then subscribe and tell the
 * server. Resolves with the permission: "granted" when on, "denied" or "default" when the
 * person said no or closed the question. Throws when subscribing or saving failed.
 */
export async function enablePush(account) {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return permission;
  await sendSubscription();
  writeChoice(String(account.id));
  return permission;
}

/** Turn notifications off on this device: the choice, the server's copy and the browser's
 * subscription go. Never throws: once the browser has unsubscribed, nothing can arrive
 * here, and a copy the server could not be told about is dropped when the push service
 * answers "gone" at the next notice. */
export function disablePush() {
  return forgetPushOnThisDevice();
}

/**
 * At app start (and after a language switch): when this device's choice is on for me (the
 * signed-in account, or null) and permitted, get or create the subscription and send it
 * again. Never asks for permission. Resolves true when the server has it.
 */
export async function refreshPush(me) {
  const choice = readChoice();
  if (!choice || pushSupport() !== 'available' || Notification.permission !== 'granted') {
    return false;
  }
  if (!me || String(me.id) !== choice) return false;
  await sendSubscription();
  return true;
}

/** Before signing out: the subscription leaves the server (while the session still allows
 * it) and the browser, and the choice is forgotten. Never throws. */
export async function forgetPushOnThisDevice() {
  writeChoice(null);
  let subscription = null;
  try {
    subscription = await currentSubscription();
    if (!subscription) return;
    await sendJSON('/api/push/subscription', {
      method: 'DELETE',
      body: { endpoint: subscription.endpoint },
    });
  } catch (error) {
    // The server also forgets this device's subscription when the session ends.
    if (!(error instanceof ApiError)) console.warn('push: subscription not removed', error);
  } finally {
    await subscription?.unsubscribe().catch(() => false);
  }
}

/** A notice opened from a notification: mark it read for me (the signed-in resident; nothing
 * when signed out). */
export async function markNoticeRead(id, me) {
  const noticeId = Number(id);
  if (!Number.isInteger(noticeId) || noticeId <= 0) return false;
  if (!me) return false;
  try {
    await sendJSON(`/api/me/inbox/${noticeId}/read`);
    return true;
  } catch (error) {
    console.warn('push: could not mark the notice read', error);
    return false;
  }
}

async function sendSubscription() {
  const registration = await serviceWorkerReady();
  const { public_key: publicKey } = await getJSON('/api/push/public-key');
  const applicationServerKey = new Uint8Array(fromBase64url(publicKey));
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && !sameKey(subscription.options?.applicationServerKey, applicationServerKey)) {
    // The server's key changed: a subscription made with the old one can no longer be used.
    await subscription.unsubscribe().catch(() => false);
    subscription = null;
  }
  subscription ??= await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey,
  });
  await sendJSON('/api/push/subscription', {
    method: 'PUT',
    body: { ...subscription.toJSON(), language: currentLanguage() },
  });
}

async function currentSubscription() {
  if (!('serviceWorker' in navigator)) return null;
  const registration = await navigator.serviceWorker.getRegistration();
  return (await registration?.pushManager?.getSubscription()) ?? null;
}

function serviceWorkerReady() {
  if (!('serviceWorker' in navigator)) return Promise.reject(notReady('no service worker'));
  return Promise.race([
    navigator.serviceWorker.ready,
    new Promise((_, reject) => {
      setTimeout(() => reject(notReady('service worker not ready')), READY_TIMEOUT_MS);
    }),
  ]);
}

function notReady(message) {
  const error = new Error(message);
  error.name = SERVICE_WORKER_NOT_READY;
  return error;
}

function sameKey(known, wanted) {
  if (!known) return true; // the browser does not say: keep the subscription
  const bytes = new Uint8Array(known);
  return bytes.length === wanted.length && bytes.every((byte, i) => byte === wanted[i]);
}

function readChoice() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function writeChoice(value) {
  try {
    if (value == null) localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, value);
  } catch {
    // Storage off: the switch then lasts for this page only.
  }
}

