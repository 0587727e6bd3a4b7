// A resident screen's own data, through the shared frame (frame.js): the loading cards,
// then — for a signed-in resident — what show() builds, or the sign-in prompt when signed
// out (also after a 401), or an error with a retry. The sequence each screen wrote by hand.

import { loadInto } from '../frame.js';
import { loadMe } from '../session.js';
import { signInPrompt } from './signin.js';
import { errorPanel, loadingCards } from './status.js';

/**
 * @param {HTMLElement} box   where the screen's content goes
 * @param {object} ctx        the router's ctx (its signal ends the load when the screen is left)
 * @param {object} options
 * @param {string} [options.loadingKey]  the loading cards' label; without it (and without
 *   options.loading) there are no cards: box keeps what it holds until the data is in
 * @param {string} [options.signInKey]   what the sign-in prompt says this screen is for
 * @param {string} options.errorKey    the title of the error with a retry
 * @param {(me: object) => Promise<any>} [options.load]  the data, for the signed-in account;
 *   without it the data is the account itself (a screen that needs only who is signed in)
 * @param {(data: any, me: object) => Node | Node[]} options.show
 * @param {number} [options.count]     how many loading cards
 * @param {(() => Node | Node[]) | null} [options.loading]  instead of the loading cards;
 *   null: nothing new meanwhile (a form screen that only asks who is signed in)
 * @param {boolean} [options.refresh]  ask the API who is signed in, not the answer known
 * @param {() => Node | Node[]} [options.signedOut]  instead of the plain sign-in prompt
 * @param {() => Node | Node[]} [options.notFound]  instead of the error when the API
 *   answered 404 (no retry: asking again finds nothing either)
 * @param {() => any} [options.offlineCopy]  without a network, the data as this device kept
 *   it (shown as if loaded, me being null if the account could not be asked); null → error
 * @returns {Promise<any>} the data shown, or null (signed out, failed, screen left)
 */
export async function loadSignedIn(box, ctx, options) {
  const { loadingKey, signInKey, errorKey, show, count = 2, refresh = false } = options;
  const { notFound, offlineCopy } = options;
  const load = options.load ?? ((me) => me);
  const signedOut = options.signedOut ?? (() => signInPrompt(signInKey));
  let loading;
  if (options.loading !== undefined) loading = options.loading ?? undefined;
  else if (loadingKey) loading = () => loadingCards({ labelKey: loadingKey, count });
  const found = await loadInto(box, {
    signal: ctx.signal,
    loading,
    load: async () => {
      let me = null;
      try {
        me = await loadMe({ signal: ctx.signal, refresh });
        return me ? { me, data: await load(me) } : null;
      } catch (error) {
        const kept = error?.offline && !ctx.signal.aborted ? offlineCopy?.() : null;
        if (kept) return { me, data: kept };
        throw error;
      }
    },
    show: (loaded) => (loaded ? show(loaded.data, loaded.me) : signedOut()),
    signedOut,
    failed: (error, retry) =>
      error?.status === 404 && notFound
        ? notFound()
        : errorPanel({ titleKey: errorKey, error, onRetry: () => retry() }),
  });
  return found?.data ?? null;
}
