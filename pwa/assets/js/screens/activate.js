// /activate?code=XXXX-XXXX-XXXX — what the QR code on an outreach letter (勧奨通知) opens.
// The letter went to someone the city found eligible who has no account yet, so this
// screen takes them from nothing to the application in two steps:
//   1. create a passkey (a new account; someone who has one signs in instead)
//   2. the code, already filled in from the QR, ties the account to their registry record
// and then goes straight where the code leads (`next` from the API: the pre-filled
// application, or the support page). Letting the form be filled from the registry is
// their choice, asked on the way (off until they turn it on).

import { sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, t } from '../i18n.js';
import { loadMe, sessionEnded, signInWithPasskey, signUpWithPasskey } from '../session.js';
import { canonicalCode, codeEntryForm } from '../ui/code-entry.js';
import { busy, messageArea } from '../ui/feedback.js';
import { switchField, textField } from '../ui/forms.js';
import { loadSignedIn } from '../ui/signed-in-data.js';
import { deviceName, passkeysSupported } from '../webauthn.js';

export const titleKey = 'activate.title';

/** Where a redeemed code may send the app: one of its own paths, nothing else. */
export function safeNext(next) {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//')
    ? next
    : '/support';
}

export async function mount(outlet, ctx) {
  // The code travels in the address the QR opens; a typed address may have none.
  const fromLetter = canonicalCode(ctx.query.get('code') ?? '') ?? '';
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      el('h1', { class: 'page__title', 'data-i18n': 'activate.title' }),
      el('p', { class: 'page__lead', 'data-i18n': 'activate.lead' }),
      content,
    ),
  );
  applyTranslations(outlet);

  // Asked afresh each time: a passkey made or used here changes which step is next.
  async function show({ focusStep = false } = {}) {
    await loadSignedIn(content, ctx, {
      loading: null,
      refresh: true,
      errorKey: 'activate.loadError',
      signedOut: () => [passkeyStep(), codeWaiting()],
      show: (me) => (me.verified ? alreadyVerified() : [passkeyDone(), codeStep()]),
    });
    if (!focusStep || ctx.signal.aborted) return;
    // The step to take now (none when verified already, or when the load failed).
    const heading = content.querySelector('[data-current-step] h2');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }

  function stepPanel(number, titleKeyName, ...children) {
    return el(
      'section',
      { class: 'panel activate-step', 'aria-labelledby': `activate-step-${number}` },
      el(
        'h2',
        { class: 'panel__title', id: `activate-step-${number}` },
        el('span', {
          class: 'activate-step__number',
          'data-i18n': 'activate.step',
          'data-i18n-params': JSON.stringify({ number, total: 2 }),
        }),
        ' ',
        el('span', { 'data-i18n': titleKeyName }),
      ),
      ...children,
    );
  }

  // ---- step 1: a passkey -------------------------------------------------------------

  function passkeyStep() {
    const supported = passkeysSupported();
    const messages = messageArea();
    const nickname = textField({
      id: 'activate-nickname',
      labelKey: 'account.signUp.nicknameLabel',
      hintKey: 'account.signUp.nicknameHint',
      optional: true,
      attributes: { name: 'nickname', autocomplete: 'nickname', maxlength: '100' },
    });
    const create = el(
      'button',
      { type: 'submit', class: 'button button--solid button--block', disabled: !supported },
      icon('passkey', 'button__icon'),
      el('span', { 'data-i18n': 'activate.signUp.submit' }),
    );
    const signIn = el(
      'button',
      { type: 'button', class: 'button button--outline button--block', disabled: !supported },
      el('span', { 'data-i18n': 'activate.signIn.button' }),
    );
    const form = el(
      'form',
      { class: 'stack', action: '#', novalidate: true },
      el('p', { 'data-i18n': 'activate.signUp.lead' }),
      nickname.wrapper,
      create,
      messages.node,
    );
    form.addEventListener(
      'submit',
      async (event) => {
        event.preventDefault();
        messages.clear();
        const done = busy(create);
        try {
          await signUpWithPasskey({
            displayName: nickname.input.value.trim(),
            passkeyName: deviceName() || t('account.passkeys.defaultName'),
            signal: ctx.signal,
          });
        } catch (error) {
          if (ctx.signal.aborted) return;
          done();
          messages.show({ error, focus: true });
          return;
        }
        if (!ctx.signal.aborted) show({ focusStep: true });
      },
      { signal: ctx.signal },
    );
    signIn.addEventListener(
      'click',
      async () => {
        messages.clear();
        const done = busy(signIn);
        try {
          await signInWithPasskey({ signal: ctx.signal });
        } catch (error) {
          if (ctx.signal.aborted) return;
          done();
          messages.show({ error, focus: true });
          return;
        }
        if (!ctx.signal.aborted) show({ focusStep: true });
      },
      { signal: ctx.signal },
    );
    const panel = stepPanel(
      1,
      'activate.signUp.title',
      supported
        ? null
        : el(
            'div',
            { class: 'notice notice--warning notice--compact' },
            icon('alert', 'notice__icon'),
            el('p', {
              class: 'notice__body notice__body--inline',
              'data-i18n': 'account.error.noPasskeys',
            }),
          ),
      form,
      el('p', { class: 'panel__hint', 'data-i18n': 'activate.signIn.lead' }),
      signIn,
    );
    panel.setAttribute('data-current-step', '');
    return panel;
  }

  function codeWaiting() {
    return stepPanel(
      2,
      'activate.code.title',
      el('p', {
        'data-i18n': fromLetter ? 'activate.code.waitingFilled' : 'activate.code.waiting',
      }),
    );
  }

  function passkeyDone() {
    return el(
      'div',
      { class: 'notice notice--success notice--compact' },
      icon('check', 'notice__icon'),
      el('p', { class: 'notice__body notice__body--inline', 'data-i18n': 'activate.signedIn' }),
    );
  }

  // ---- step 2: the code ----------------------------------------------------------------

  function codeStep() {
    const prefill = switchField({
      id: 'activate-prefill',
      labelKey: 'activate.prefill.label',
      descriptionKey: 'activate.prefill.description',
    });
    const form = codeEntryForm({
      id: 'activate-code',
      labelKey: 'verify.code.label',
      hintKey: fromLetter ? 'activate.code.filledHint' : 'verify.code.hint',
      submitKey: 'activate.code.submit',
      value: fromLetter,
      extra: [prefill.wrapper],
      onward: true,
      path: '/api/me/verification',
      signal: ctx.signal,
      onSignedOut: () => {
        sessionEnded();
        show({ focusStep: true });
      },
      onDone: async (result) => {
        if (prefill.input.checked) {
          // Asked for on this screen; should it fail, the form says how to turn it on.
          await sendJSON('/api/me/consents', {
            body: { purpose: 'prefill', granted: true },
            signal: ctx.signal,
          }).catch(() => {});
        }
        await loadMe({ refresh: true }).catch(() => {});
        if (ctx.signal.aborted) return;
        ctx.navigate(safeNext(result?.next), { replace: true });
      },
    });
    const panel = stepPanel(
      2,
      'activate.code.title',
      el('p', { 'data-i18n': 'activate.code.lead' }),
      form,
    );
    panel.setAttribute('data-current-step', '');
    return panel;
  }

  function alreadyVerified() {
    return el(
      'div',
      { class: 'notice notice--success' },
      icon('check', 'notice__icon'),
      el('h2', { class: 'notice__title', 'data-i18n': 'activate.already.title' }),
      el('div', { class: 'notice__body' }, el('p', { 'data-i18n': 'activate.already.body' })),
      el(
        'div',
        { class: 'notice__actions' },
        el('a', {
          class: 'button button--solid',
          href: '/support',
          'data-i18n': 'activate.already.link',
        }),
      ),
    );
  }

  await show();
}
