// Who is signed in, kept in memory for this page: the account (GET /api/auth/session) and its
// CSRF token (handed to api.js). Nothing about the session or the account is written to
// storage but one hint, whether this device was signed in when last asked (home draws its
// variant from it before asking); the session itself is an HttpOnly cookie the page never
// sees. The staff app uses it too.

import { ApiError, getJSON, sendJSON, setCsrfToken } from './api.js';
import { clearDeviceDrafts } from './drafts.js';
import { createPasskey, getPasskey } from './webauthn.js';

const SIGNED_IN_HINT = 'todoke.signedIn'; // procedures.js reads it too
let me = null; // the last GET /api/me answer, or null when signed out or not yet asked
let known = false; // whether me is the answer (signed in or out) rather than "not asked"
let loading = null;
let flash = null; // one message for the next screen (e.g. "verified" after /account/verify)

/**
 * The signed-in account, asking the API unless it was asked already (refresh asks again).
 * Resolves with null when signed out; throws ApiError when the API could not answer.
 */
export async function loadMe({ signal, refresh = false } = {}) {
  if (known && !refresh) return me;
  if (!loading || refresh) {
    // GET /api/auth/session answers 200 either way: a signed-out visit logs no error.
    const request = getJSON('/api/auth/session').then(
      (body) => {
        const account = body?.signed_in ? body.account : null;
        remember(account);
        return account;
      },
      (error) => {
        if (error instanceof ApiError && error.status === 401) {
          remember(null);
          return null;
        }
        throw error;
      },
    );
    loading = request;
    request
      .finally(() => {
        if (loading === request) loading = null;
      })
      .catch(() => {});
  }
  const request = loading;
  if (!signal) return request;
  // The request goes on for other screens; this caller stops waiting when it leaves.
  return Promise.race([
    request,
    new Promise((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    }),
  ]);
}

/** The account already known, without asking (null when signed out or not loaded). */
export function currentMe() {
  return me;
}

/** An API call answered 401: the session ended on the server (expired, signed out elsewhere). */
export function sessionEnded() {
  remember(null);
}

/** Ask the API again next time (a session begun outside this module: a staff invite). */
export function forgetMe() {
  known = false;
}

/** Sign in with a passkey: options, the browser's ceremony, then the API's check. */
export async function signInWithPasskey({ signal, mediation } = {}) {
  const options = await sendJSON('/api/auth/login/options', { signal });
  const credential = await getPasskey(options, { signal, mediation });
  const answer = await sendJSON('/api/auth/login', { body: { credential }, signal });
  setCsrfToken(answer.csrf_token);
  await loadMe({ refresh: true });
  return answer;
}

/** Create an account with a new passkey (signs in). */
export async function signUpWithPasskey({ displayName, passkeyName, signal }) {
  const options = await sendJSON('/api/auth/registration/options', {
    body: { display_name: displayName, invite: '' },
    signal,
  });
  const credential = await createPasskey(options, { signal });
  const answer = await sendJSON('/api/auth/registration', {
    body: { credential, name: passkeyName },
    signal,
  });
  setCsrfToken(answer.csrf_token);
  await loadMe({ refresh: true });
  return answer;
}

/** Add another passkey to the signed-in account; resolves with the new passkey. */
export async function addPasskey({ passkeyName, signal }) {
  const options = await sendJSON('/api/me/passkeys/options', { signal });
  const credential = await createPasskey(options, { signal });
  const passkey = await sendJSON('/api/me/passkeys', {
    body: { credential, name: passkeyName },
    signal,
  });
  await loadMe({ refresh: true }).catch(() => {});
  return passkey;
}

/**
 * End this session, or (everywhere) every session of the account. device: false leaves
 * this device's drafts and notifications alone (the staff app: they are a resident's).
 */
export async function signOut({ everywhere = false, device = true } = {}) {
  // Notifications stop on this device first, while the session can still say which
  // subscription to drop (the server also drops it when the session ends).
  if (device && pushMayBeOn()) {
    await import('./push.js')
      .then(({ forgetPushOnThisDevice }) => forgetPushOnThisDevice())
      .catch((error) => console.warn('push: not removed at sign-out', error));
  }
  try {
    await sendJSON(everywhere ? '/api/auth/logout-everywhere' : '/api/auth/logout');
  } catch (error) {
    // Already signed out on the server: the result the person wanted.
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
  // The device may be shared: drafts kept on it go with the session.
  if (device) clearDeviceDrafts();
  remember(null);
}

// A subscription can only exist where the Push API does and the person allowed notifications.
function pushMayBeOn() {
  return (
    'serviceWorker' in navigator &&
    typeof Notification !== 'undefined' &&
    Notification.permission === 'granted'
  );
}

/** Leave a message for the next screen to show once. */
export function setFlash(message) {
  flash = message;
}

/** The message left for this screen, once. */
export function takeFlash() {
  const message = flash;
  flash = null;
  return message;
}

function remember(account) {
  me = account;
  known = true;
  setCsrfToken(account?.csrf_token ?? '');
  // Only whether this device was signed in last time (nothing about who): home draws the
  // right variant before the session is asked, so nothing moves when the answer comes.
  try {
    localStorage.setItem(SIGNED_IN_HINT, account ? '1' : '0');
  } catch {
    // Storage off: home waits for the answer instead.
  }
}
