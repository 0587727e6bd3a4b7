// Who is signed in: GET /api/auth/session, kept until a sign-in or sign-out changes it.
// The account's CSRF token goes to api.js, which sends it with every unsafe request.

import { getJSON, sendJSON, setCsrfToken } from '../api.js';

let pending = null;

/** The signed-in account ({kind, display_name, staff_role, csrf_token, …}) or null. */
export function currentAccount({ refresh = false } = {}) {
  if (refresh || !pending) {
    pending = getJSON('/api/auth/session')
      .then((body) => {
        const account = body?.signed_in ? body.account : null;
        setCsrfToken(account?.csrf_token ?? '');
        return account;
      })
      .catch((error) => {
        pending = null;
        if (error.status === 401) {
          setCsrfToken('');
          return null;
        }
        throw error;
      });
  }
  return pending;
}

/** Forget the cached account (after a sign-in, or when the session turned out to be gone). */
export function forgetAccount() {
  pending = null;
}

/** POST /api/auth/logout with the session's CSRF token. */
export async function signOut() {
  const account = await currentAccount();
  try {
    if (account) await sendJSON('/api/auth/logout');
  } catch (error) {
    // An expired session is signed out already.
    if (error.status !== 401) throw error;
  } finally {
    forgetAccount();
    setCsrfToken('');
  }
}
