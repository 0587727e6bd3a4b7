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
 * @param {string} [options.loadingKey]  the loading cards' label; without it there are no
 *   cards: box keeps what it holds until the data is in (a screen reloaded after an action)
 * @param {string} options.signInKey   what the sign-in prompt says this screen is for
 * @param {string} options.errorKey    the title of the error with a retry
 * @param {(me: object) => Promise<any>} options.load  the data, for the signed-in account
 * @param {(data: any, me: object) => Node | Node[]} options.show
 * @param {number} [options.count]     how many loading cards
 * @param {() => Node | Node[]} [options.signedOut]  instead of the plain sign-in prompt
 * @param {() => Node | Node[]} [options.notFound]  instead of the error when the API
 *   answered 404 (no retry: asking again finds nothing either)
 * @param {() => any} [options.offlineCopy]  without a network, the data as this device kept
 *   it (shown as if loaded, me being null if the account could not be asked); null → error
 * @returns {Promise<any>} the data shown, or null (signed out, failed, screen left)
 */
export async function loadSignedIn(box, ctx, options) {
  const { loadingKey, signInKey, errorKey, load, show, count = 2 } = options;
  const { notFound, offlineCopy } = options;
  const signedOut = options.signedOut ?? (() => signInPrompt(signInKey));
  const found = await loadInto(box, {
    signal: ctx.signal,
    loading: loadingKey ? () => loadingCards({ labelKey: loadingKey, count }) : null,
    load: async () => {
      let me = null;
      try {
        me = await loadMe({ signal: ctx.signal });
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
