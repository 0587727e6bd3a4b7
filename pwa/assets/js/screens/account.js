// /account: signing in and out with passkeys, and the signed-in resident's account.
//   signed out  what a passkey is; "sign in with a passkey" (also offered in the autofill
//               of a username field where the browser can, said to need no typing);
//               "first time: create a passkey"; what to do when the passkey is lost
//               (a recovery letter, or the counter)              → account/signed-out.js
//   signed in   who you are (the registry name once verified, else the nickname and a
//               call to verify), your passkeys (add, rename, remove), sign out (here, or
//               on every device)                → account/signed-in.js, account/passkeys.js

import { el } from '../dom.js';
import { loadInto } from '../frame.js';
import { applyTranslations } from '../i18n.js';
import { currentMe, loadMe, sessionEnded, takeFlash } from '../session.js';
import { errorPanel } from '../ui/status.js';
import { conditionalMediationAvailable } from '../webauthn.js';
import { signedInSections } from './account/signed-in.js';
import { autofillSignIn, signedOutSections } from './account/signed-out.js';

export const titleKey = 'account.title';

export async function mount(outlet, ctx) {
  const content = el('div', { class: 'page__content' });
  const page = el(
    'div',
    { class: 'page' },
    el('h1', { class: 'page__title', 'data-i18n': 'account.title' }),
    content,
  );
  outlet.append(page);
  // Words now, not once the data is in: a heading filled late would shift the screen.
  applyTranslations(outlet);

  // What the section builders share: where they draw, how to draw the screen again (after
  // a sign-in, a sign-out, a cancelled recovery) and what to do when the session is gone.
  const screen = { ctx, content, show, signedOutUnderneath };
  screen.autofill = autofillSignIn(screen);

  /** Draw the screen for the current session; message is shown at the top once. */
  async function show({ refresh = false, message = null, focusHeading = false } = {}) {
    const shown = await loadInto(content, {
      signal: ctx.signal,
      loading: loadingLine,
      load: async () => {
        const me = await loadMe({ signal: ctx.signal, refresh });
        // Known before drawing, so the autofill field does not push the page down later.
        const autofill = me ? false : await conditionalMediationAvailable();
        return { me, autofill };
      },
      show: ({ me, autofill }) => {
        const flash = message ?? takeFlash();
        return me
          ? signedInSections(screen, me, flash)
          : signedOutSections(screen, flash, { autofill });
      },
      failed: (error) =>
        errorPanel({
          titleKey: 'account.error.load',
          error,
          onRetry: () => show({ refresh: true }),
        }),
    });
    if (!shown) return;
    screen.autofill.start();
    if (focusHeading) {
      const heading = page.querySelector('h1');
      heading.tabIndex = -1;
      heading.focus();
    }
  }

  /** An API call said 401: the session is gone; show the signed-out screen and say why. */
  function signedOutUnderneath() {
    sessionEnded();
    show({ message: { tone: 'info', key: 'account.sessionExpired' }, focusHeading: true });
  }

  // Signed in: ask again, so the screen shows what changed elsewhere (a counter check,
  // a passkey added on another device). Known signed out: no need to ask.
  await show({ refresh: currentMe() != null });
}

function loadingLine() {
  return el('p', { class: 'loading-line', role: 'status', 'data-i18n': 'account.loading' });
}
