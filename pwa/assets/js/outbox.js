// Filings made while the network was gone: kept on this device (localStorage, cleared at
// sign-out) with the Idempotency-Key made for their answers, and sent once the network is
// back — when the page hears "online", when the app starts, and (an answer lost while the
// device thinks it is online) again after 5 s, 10 s, 20 s… up to a minute apart. The same key makes a
// filing that did reach the server before the connection dropped answer again rather than
// file twice. Screens hear "todoke:filing-sent" {draftId, application} and
// "todoke:filing-failed" {draftId, status} on window.
//
//   todoke.outbox   [{draftId, slug, title, body, key, queuedAt, failed?}]

import { ApiError, sendJSON } from './api.js';
import {
  OUTBOX_KEY,
  clearLocalDraft,
  clearServerErrors,
  forgetOfflineCopy,
  forgetSubmissionKey,
  readDeviceJSON,
  writeDeviceJSON,
} from './drafts.js';
import { loadMe } from './session.js';

/** Every filing waiting on this device, oldest first. */
export function queuedFilings() {
  const items = readDeviceJSON(OUTBOX_KEY);
  return Array.isArray(items) ? items.filter((item) => item && item.draftId != null) : [];
}

/** The waiting filing of draftId, or null. */
export function queuedFiling(draftId) {
  return queuedFilings().find((item) => String(item.draftId) === String(draftId)) ?? null;
}

/** Keep a filing to send when the network is back (one per draft: the newest wins). */
export function queueFiling({ draftId, slug, title, body, key }) {
  const items = queuedFilings().filter((item) => String(item.draftId) !== String(draftId));
  items.push({ draftId, slug, title, body, key, queuedAt: new Date().toISOString() });
  writeDeviceJSON(OUTBOX_KEY, items);
}

/** Take a draft's filing off the queue (sent from the review screen, or given up). */
export function dropQueuedFiling(draftId) {
  writeDeviceJSON(
    OUTBOX_KEY,
    queuedFilings().filter((item) => String(item.draftId) !== String(draftId)),
  );
}

function markFailed(draftId, status) {
  writeDeviceJSON(
    OUTBOX_KEY,
    queuedFilings().map((item) =>
      String(item.draftId) === String(draftId) ? { ...item, failed: { status } } : item,
    ),
  );
}

let sending = null;
const FIRST_RETRY_MS = 5000;
const LAST_RETRY_MS = 60000;
let retryDelay = FIRST_RETRY_MS;
let retryTimer = 0;

function retryLater() {
  clearTimeout(retryTimer);
  if (!navigator.onLine) return; // the "online" event sends
  retryTimer = setTimeout(() => sendQueued(), retryDelay);
  retryDelay = Math.min(retryDelay * 2, LAST_RETRY_MS);
}

/**
 * Send every waiting filing that has not failed, one after another; stops at the first
 * that finds no network (the next "online" tries again) or no session (kept until the
 * resident signs in again). A refusal (the form changed, an answer the server rejects) is
 * marked failed and left for the resident to open from the review screen.
 */
export function sendQueued() {
  if (sending) return sending;
  sending = (async () => {
    const waiting = queuedFilings().filter((item) => !item.failed);
    if (waiting.length === 0) return;
    try {
      if (!(await loadMe({ refresh: true }))) return; // kept until signed in again
    } catch {
      retryLater(); // still offline, or the server is away
      return;
    }
    for (const item of waiting) {
      let application;
      try {
        application = await sendJSON('/api/applications', {
          body: item.body,
          headers: { 'Idempotency-Key': item.key },
        });
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return;
        if (!(error instanceof ApiError) || error.offline || error.status >= 500) {
          retryLater();
          return;
        }
        markFailed(item.draftId, error.status);
        window.dispatchEvent(
          new CustomEvent('todoke:filing-failed', {
            detail: { draftId: item.draftId, status: error.status },
          }),
        );
        continue;
      }
      dropQueuedFiling(item.draftId);
      forgetSubmissionKey(item.draftId);
      clearLocalDraft(item.draftId);
      clearServerErrors(item.draftId);
      forgetOfflineCopy(item.draftId);
      window.dispatchEvent(
        new CustomEvent('todoke:filing-sent', { detail: { draftId: item.draftId, application } }),
      );
    }
    retryDelay = FIRST_RETRY_MS;
  })().finally(() => {
    sending = null;
  });
  return sending;
}

let started = false;

/**
 * Send what waits whenever the network comes back (listening once a page): now, or with
 * later: true (a send just failed) after the first retry delay.
 */
export function startOutbox({ later = false } = {}) {
  if (!started) {
    started = true;
    window.addEventListener('online', () => {
      clearTimeout(retryTimer);
      sendQueued();
    });
  }
  if (queuedFilings().length === 0) return;
  if (later) retryLater();
  else if (navigator.onLine) sendQueued();
}
