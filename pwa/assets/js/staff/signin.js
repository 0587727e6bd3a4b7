// Staff sign-in with a passkey: POST /api/auth/login/options → navigator.credentials.get
// → POST /api/auth/login. Shown in place of any staff screen while nobody is signed in.

import { el } from '../dom.js';
import { ApiError } from '../api.js';
import { signInWithPasskey } from '../session.js';
import { passkeysSupported } from '../webauthn.js';
import { errorSummary, flashNotice, guardBusy, problemItems, showErrors } from './forms.js';
import { passkeyErrorText } from './words.js';

export const titleKey = 'signin.title';

export function mount(outlet, ctx) {
  const summary = errorSummary('signin-errors');
  const status = el('p', { class: 'form-status', role: 'status' });
  const button = el('button', {
    type: 'button',
    class: 'button button--solid button--lg',
    'data-i18n': 'signin.button',
  });
  const busy = guardBusy(status);

  button.addEventListener(
    'click',
    () =>
      busy('signin.busy', async () => {
        if (!passkeysSupported()) {
          showErrors(summary, null, [{ text: passkeyErrorText({ name: 'NotSupportedError' }) }]);
          return;
        }
        try {
          await signInWithPasskey({ signal: ctx.signal });
        } catch (error) {
          if (ctx.signal.aborted) return;
          const items =
            error instanceof ApiError
              ? problemItems(error)
              : [{ text: passkeyErrorText(error) }];
          showErrors(summary, null, items);
          return;
        }
        ctx.rerender({ flash: 'home.flash.signedIn' });
      }),
    { signal: ctx.signal },
  );

  outlet.append(
    el(
      'div',
      { class: 'page staff-narrow' },
      el('h1', { class: 'page__title', 'data-i18n': 'signin.title' }),
      flashNotice(ctx, 'info'),
      summary,
      el('p', { class: 'page__lead', 'data-i18n': 'signin.lead' }),
      el('div', { class: 'button-row' }, button),
      status,
      el('p', { class: 'page__note', 'data-i18n': 'signin.inviteHint' }),
    ),
  );
}
