// /staff/invite#<token>: a colleague opens the invite an administrator sent and creates
// the passkey of their staff account. The token stays in the fragment, so it never
// reaches a server log or a Referer.

import { el } from '../dom.js';
import { ApiError, sendJSON } from '../api.js';
import { t } from '../i18n.js';
import { forgetMe } from '../session.js';
import { createPasskey, passkeysSupported } from '../webauthn.js';
import { passkeyErrorText, problemText } from './words.js';
import { errorSummary, guardBusy, notice, problemItems, showErrors } from './forms.js';

export const titleKey = 'invite.title';

// The server keeps a ceremony for 5 minutes; older options are fetched again.
const OPTIONS_MAX_AGE_MS = 4 * 60 * 1000;

export async function mount(outlet, ctx) {
  const token = location.hash.slice(1);
  const body = el('div', { class: 'invite__body' });
  outlet.append(
    el(
      'div',
      { class: 'page staff-narrow' },
      el('h1', { class: 'page__title', 'data-i18n': 'invite.title' }),
      body,
    ),
  );

  if (!/^[A-Za-z0-9_-]{16,200}$/.test(token)) {
    body.append(
      notice({
        tone: 'error',
        titleKey: 'invite.refusedTitle',
        body: [el('p', { 'data-i18n': 'invite.missing' })],
      }),
    );
    return;
  }

  const loading = el('p', { class: 'form-status', role: 'status', 'data-i18n': 'invite.loading' });
  body.append(loading);

  const fetchOptions = async () => {
    const options = await sendJSON('/api/auth/registration/options', {
      body: { display_name: '', invite: token },
      signal: ctx.signal,
    });
    return { options, at: Date.now() };
  };

  let current;
  try {
    current = await fetchOptions();
  } catch (error) {
    if (ctx.signal.aborted) return;
    body.replaceChildren(refused(error));
    return;
  }

  const summary = errorSummary('invite-errors');
  const status = el('p', { class: 'form-status', role: 'status' });
  const button = el('button', {
    type: 'button',
    class: 'button button--solid button--lg',
    'data-i18n': 'invite.button',
  });
  const busy = guardBusy(status);

  button.addEventListener(
    'click',
    () =>
      busy('invite.busy', async () => {
        if (!passkeysSupported()) {
          showErrors(summary, null, [{ text: t('passkey.unsupported') }]);
          return;
        }
        try {
          if (!current || Date.now() - current.at > OPTIONS_MAX_AGE_MS)
            current = await fetchOptions();
          const credential = await createPasskey(current.options, { signal: ctx.signal });
          current = null; // the server uses the ceremony up, whatever it answers
          await sendJSON('/api/auth/registration', {
            body: { credential, name: t('invite.passkeyName') },
            signal: ctx.signal,
          });
        } catch (error) {
          if (ctx.signal.aborted) return;
          const items =
            error instanceof ApiError
              ? problemItems(error)
              : [{ text: passkeyErrorText(error) }];
          showErrors(summary, null, items);
          return;
        }
        forgetMe();
        ctx.navigate('/staff', { replace: true, flash: 'home.flash.registered' });
      }),
    { signal: ctx.signal },
  );

  body.replaceChildren(
    summary,
    el(
      'dl',
      { class: 'summary-list summary-list--single' },
      el(
        'div',
        { class: 'summary-list__row' },
        el('dt', { 'data-i18n': 'invite.for' }),
        el(
          'dd',
          { class: 'invite__name', 'data-invitee': '' },
          current.options.user?.displayName ?? '',
        ),
      ),
    ),
    el('p', { class: 'page__lead', 'data-i18n': 'invite.lead' }),
    el('div', { class: 'button-row' }, button),
    status,
    el('p', { class: 'page__note', 'data-i18n': 'invite.notYou' }),
  );
}

function refused(error) {
  return notice({
    tone: 'error',
    titleKey: 'invite.refusedTitle',
    body: [el('p', { 'data-invite-refusal': '' }, problemText(error))],
    actions: [el('a', { class: 'link', href: '/staff', 'data-i18n': 'invite.toSignIn' })],
  });
}
