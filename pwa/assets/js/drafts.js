// Drafts as the resident types: saved to the server a moment after typing stops, kept on
// this device when the network is gone and sent once it is back. A draft is never a
// filing: nothing here submits anything.
//
// On this device (localStorage, cleared at sign-out):
//   todoke.draft.<id>      answers not yet on the server {version, answers, savedAt}
//   todoke.attachments     names and sizes of uploaded files, by attachment id
//   todoke.offline.<id>    the draft and its form as last loaded, to open them offline
//   todoke.outbox          filings made offline, waiting to be sent (outbox.js)
// For this tab only (sessionStorage):
//   todoke.submit.<id>     the idempotency key of a submission, with what it sent
//   todoke.errors.<id>     the server's field errors from the last submission

import { ApiError, sendJSON } from './api.js';

const SAVE_DELAY_MS = 800;
const DRAFT_PREFIX = 'todoke.draft.';
const FILES_KEY = 'todoke.attachments';
const SUBMIT_PREFIX = 'todoke.submit.';
const ERRORS_PREFIX = 'todoke.errors.';
const OFFLINE_PREFIX = 'todoke.offline.';
export const OUTBOX_KEY = 'todoke.outbox';

/** The copy of draft id kept on this device because the server did not have it yet. */
export function readLocalDraft(id) {
  const saved = readJSON('localStorage', DRAFT_PREFIX + id);
  return saved && typeof saved.answers === 'object' ? saved : null;
}

function writeLocalDraft(id, payload) {
  writeJSON('localStorage', DRAFT_PREFIX + id, { ...payload, savedAt: new Date().toISOString() });
}

export function clearLocalDraft(id) {
  remove('localStorage', DRAFT_PREFIX + id);
}

/** Forget every draft and file name kept on this device (at sign-out: it may be shared). */
export function clearDeviceDrafts() {
  try {
    for (const key of Object.keys(localStorage)) {
      if (
        key.startsWith(DRAFT_PREFIX) ||
        key.startsWith(OFFLINE_PREFIX) ||
        key === FILES_KEY ||
        key === OUTBOX_KEY
      ) {
        localStorage.removeItem(key);
      }
    }
  } catch {
    // Storage off: nothing was kept.
  }
}

/**
 * Keep draft id and its form (FormRead) on this device, as last loaded, so the form and its
 * review open after an offline reload. The form holds pre-filled values, as the draft's
 * answers do: both are cleared at sign-out.
 */
export function keepForOffline(id, draft, form) {
  writeJSON('localStorage', OFFLINE_PREFIX + id, { draft, form, keptAt: new Date().toISOString() });
}

/** {draft, form} kept for draft id, or null. */
export function offlineCopy(id) {
  const kept = readJSON('localStorage', OFFLINE_PREFIX + id);
  return kept && typeof kept.draft === 'object' && typeof kept.form === 'object' ? kept : null;
}

/** The server's newer copy of a draft replaces the one kept for offline (its form stays). */
function refreshOfflineDraft(id, draft) {
  const kept = offlineCopy(id);
  if (kept && draft && typeof draft === 'object') keepForOffline(id, draft, kept.form);
}

export function forgetOfflineCopy(id) {
  remove('localStorage', OFFLINE_PREFIX + id);
}

/** Read and write a JSON value in localStorage (for outbox.js); null when absent or off. */
export function readDeviceJSON(key) {
  return readJSON('localStorage', key);
}

export function writeDeviceJSON(key, value) {
  writeJSON('localStorage', key, value);
}

/** Remember the names and sizes of uploaded files (AttachmentRead list) to show them later. */
export function rememberFiles(attachments) {
  const known = readJSON('localStorage', FILES_KEY) ?? {};
  for (const item of attachments ?? []) {
    if (item?.id) known[item.id] = { filename: item.filename, size: item.size };
  }
  writeJSON('localStorage', FILES_KEY, known);
}

/** {filename, size} of an uploaded file, when this device knows it. */
export function fileMeta(id) {
  return (readJSON('localStorage', FILES_KEY) ?? {})[id] ?? null;
}

/**
 * Save a draft as it changes. getPayload() → {version, answers}; onState(state, detail)
 * hears "saving", "saved" (detail: the DraftRead), "offline" (kept on this device),
 * "error" (detail: the ApiError; also kept on this device) and "signedOut".
 */
export function createDraftSaver({ id, getPayload, onState, signal }) {
  let timer = 0;
  let dirty = false;
  let running = null;

  function schedule() {
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(() => flush(), SAVE_DELAY_MS);
  }

  /** Save now if anything changed; resolves when the server (or this device) has it. */
  async function flush() {
    clearTimeout(timer);
    while (running) await running;
    if (!dirty) return;
    dirty = false;
    const payload = getPayload();
    onState('saving');
    // No abort signal: leaving the screen must not lose the last keystrokes.
    running = sendJSON(`/api/drafts/${encodeURIComponent(id)}`, { method: 'PUT', body: payload })
      .then(
        (draft) => {
          clearLocalDraft(id);
          refreshOfflineDraft(id, draft);
          onState('saved', draft);
        },
        (error) => {
          writeLocalDraft(id, payload);
          if (error instanceof ApiError && error.offline) onState('offline');
          else if (error instanceof ApiError && error.status === 401) onState('signedOut', error);
          else onState('error', error);
        },
      )
      .finally(() => {
        running = null;
      });
    await running;
  }

  /** Send the copy kept on this device, if there is one. */
  function syncLocal() {
    if (readLocalDraft(id)) {
      dirty = true;
      flush();
    }
  }

  window.addEventListener('online', syncLocal, { signal });
  signal?.addEventListener('abort', () => {
    if (dirty) flush();
  });

  return {
    schedule,
    flush,
    syncLocal,
    get pending() {
      return dirty || running != null;
    },
  };
}

/**
 * The Idempotency-Key for submitting draft id with body: the one kept for this very body
 * (a retry after a network error, or after a reload), else a new one.
 */
export function submissionKey(id, body) {
  const fingerprint = JSON.stringify(body);
  const saved = readJSON('sessionStorage', SUBMIT_PREFIX + id);
  if (saved?.key && saved.fingerprint === fingerprint) return saved.key;
  const key = uuid();
  writeJSON('sessionStorage', SUBMIT_PREFIX + id, { key, fingerprint });
  return key;
}

export function forgetSubmissionKey(id) {
  remove('sessionStorage', SUBMIT_PREFIX + id);
}

/** Keep the server's field errors of a failed submission for the form screen to show. */
export function storeServerErrors(id, errors) {
  writeJSON('sessionStorage', ERRORS_PREFIX + id, errors ?? []);
}

/** The field errors kept for draft id (empty when none). */
export function serverErrors(id) {
  const errors = readJSON('sessionStorage', ERRORS_PREFIX + id);
  return Array.isArray(errors) ? errors : [];
}

export function clearServerErrors(id) {
  remove('sessionStorage', ERRORS_PREFIX + id);
}

/** A random UUID (v4), also where crypto.randomUUID is missing (not a secure context). */
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Storage may be switched off (private mode, policy): even touching it can throw.
function readJSON(storage, key) {
  try {
    return JSON.parse(window[storage].getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

function writeJSON(storage, key, value) {
  try {
    window[storage].setItem(key, JSON.stringify(value));
  } catch {
    // Storage off or full: the server copy is all there is.
  }
}

function remove(storage, key) {
  try {
    window[storage].removeItem(key);
  } catch {
    // Nothing to remove.
  }
}
