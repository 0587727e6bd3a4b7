// The sequence every data screen repeats, for both apps: busy while the data comes, then
// the content, or for a 401 the signed-out state, or for any other failure an error with a
// retry. The frame holds no words: each app hands in its own views (the resident app's
// ui/status.js, the staff app's ui.js).

import { applyTranslations } from './i18n.js';

/**
 * Fill box from load(): meanwhile box is aria-busy and holds loading() (without a loading
 * view it keeps what it holds: a reload in place); then show(data), or, when the API
 * answered 401, signedOut() once session.js has forgotten the account, or failed(error,
 * retry) for any other failure (a 401 too when there is no signedOut view: public data).
 * Each view returns a node, an array of nodes or nothing (it may act instead, e.g. go to
 * the sign-in screen): box holds that. Once signal is aborted (the screen was left)
 * nothing is shown. Resolves with the data, or null.
 * @param {HTMLElement} box
 * @param {object} views
 * @param {AbortSignal} views.signal
 * @param {() => Promise<any>} views.load
 * @param {(data: any) => Node | Node[] | void} views.show
 * @param {() => Node | void} [views.loading]
 * @param {() => Node | void} [views.signedOut]
 * @param {(error: Error, retry: () => Promise<any>) => Node | void} views.failed
 */
export async function loadInto(box, views) {
  const { signal, load, show, loading, signedOut, failed } = views;
  const fill = (nodes) => {
    box.replaceChildren(...[nodes ?? []].flat().filter((node) => node instanceof Node));
    applyTranslations(box);
  };
  box.setAttribute('aria-busy', 'true');
  if (loading) fill(loading());
  let data;
  try {
    data = await load();
  } catch (error) {
    if (signal.aborted) return null;
    if (error?.status === 401) {
      // Asked for only now: the first screen (procedures.js) loads through here, and
      // session.js is kept off its path until after the first paint.
      const { sessionEnded } = await import('./session.js');
      sessionEnded();
      if (signal.aborted) return null;
    }
    box.removeAttribute('aria-busy');
    if (error?.status === 401 && signedOut) {
      fill(signedOut());
    } else {
      fill(failed(error, () => loadInto(box, views)));
    }
    return null;
  }
  if (signal.aborted) return null;
  box.removeAttribute('aria-busy');
  fill(show(data));
  return data;
}
