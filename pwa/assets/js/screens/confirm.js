// /confirm?code=XXXX — a filing made with support staff at a counter waits for the
// resident's own confirmation: signed in, they enter (or open a link with) the code the
// staff showed them, read the filing as staff filled it in, and make it their own with a
// fresh assertion of their own passkey for that filing (step-up: a signed-in phone in
// someone else's hand cannot confirm it).

import { ApiError, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations } from '../i18n.js';
import { sessionEnded } from '../session.js';
import { busy, describeError, messageArea } from '../ui/feedback.js';
import { textField } from '../ui/forms.js';
import { loadSignedIn } from '../ui/signed-in-data.js';
import { getPasskey } from '../webauthn.js';
import { answersPanel } from './application/record.js';

export const titleKey = 'confirm.title';

export async function mount(outlet, ctx) {
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      el('h1', { class: 'page__title', 'data-i18n': 'confirm.title' }),
      el('p', { class: 'page__lead', 'data-i18n': 'confirm.lead' }),
      content,
    ),
  );
  applyTranslations(outlet);

  await loadSignedIn(content, ctx, {
    loading: null,
    signInKey: 'confirm.signInNeeded',
    errorKey: 'account.error.load',
    show: () => codeForm(),
  });

  /** The code the staff showed (filled in when the link carried it): it opens the filing. */
  function codeForm() {
    const messages = messageArea();
    const code = textField({
      id: 'confirm-code',
      labelKey: 'confirm.code.label',
      hintKey: 'confirm.code.hint',
      attributes: {
        name: 'code',
        autocomplete: 'one-time-code',
        autocapitalize: 'characters',
        spellcheck: 'false',
        maxlength: '32',
        class: 'field__input field__input--code',
      },
    });
    code.input.value = ctx.query.get('code') ?? '';
    const submit = el(
      'button',
      { type: 'submit', class: 'button button--solid button--block' },
      icon('document', 'button__icon'),
      el('span', { 'data-i18n': 'confirm.next' }),
    );
    const form = el(
      'form',
      { class: 'panel', action: '#', novalidate: true, 'aria-labelledby': 'confirm-form-title' },
      el('h2', {
        class: 'panel__title',
        id: 'confirm-form-title',
        'data-i18n': 'confirm.formTitle',
      }),
      el('p', { 'data-i18n': 'confirm.explain' }),
      code.wrapper,
      messages.node,
      submit,
    );
    form.addEventListener(
      'submit',
      async (event) => {
        event.preventDefault();
        messages.clear();
        const value = code.input.value.normalize('NFKC').trim();
        if (!value) {
          code.setError({ key: 'confirm.code.required' });
          code.input.focus();
          return;
        }
        code.setError(null);
        const done = busy(submit);
        let review;
        try {
          review = await fetchReview(value);
        } catch (error) {
          if (ctx.signal.aborted) return;
          done();
          if (error instanceof ApiError && (error.status === 404 || error.status === 422)) {
            code.setError(describeError(error));
            code.input.focus();
          } else {
            messages.show({ error, focus: true });
          }
          return;
        }
        if (ctx.signal.aborted) return;
        const panel = reviewPanel(value, review);
        form.replaceWith(panel);
        applyTranslations(panel);
        panel.querySelector('h2')?.focus();
      },
      { signal: ctx.signal },
    );
    return form;
  }

  async function fetchReview(code) {
    try {
      return await sendJSON('/api/applications/confirm/review', {
        body: { code },
        signal: ctx.signal,
      });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) sessionEnded();
      throw error;
    }
  }

  /** The filing as staff filled it in, then the resident's own passkey for it. */
  function reviewPanel(code, review) {
    let options = review.options;
    const messages = messageArea();
    const submit = el(
      'button',
      { type: 'button', class: 'button button--solid button--block' },
      icon('passkey', 'button__icon'),
      el('span', { 'data-i18n': 'confirm.submit' }),
    );
    submit.addEventListener(
      'click',
      async () => {
        messages.clear();
        const done = busy(submit);
        let answer;
        try {
          const credential = await getPasskey(options, { signal: ctx.signal });
          answer = await sendJSON('/api/applications/confirm', {
            body: { code, credential },
            signal: ctx.signal,
          });
        } catch (error) {
          if (ctx.signal.aborted) return;
          if (error instanceof ApiError && error.status === 401) sessionEnded();
          messages.show({ error, focus: true });
          // Each confirmation is asked once: a refused or cancelled one needs new options.
          try {
            options = (await fetchReview(code)).options;
          } catch (again) {
            if (!ctx.signal.aborted) messages.show({ error: again, focus: true });
          }
          done();
          return;
        }
        if (ctx.signal.aborted) return;
        const id = answer?.id ?? answer?.application_id;
        ctx.navigate(`/applications/${encodeURIComponent(id)}?new=1`, { replace: true });
      },
      { signal: ctx.signal },
    );
    return el(
      'section',
      { class: 'stack', 'aria-labelledby': 'confirm-review-title' },
      el('h2', {
        class: 'panel__title',
        id: 'confirm-review-title',
        tabindex: '-1',
        'data-i18n': 'confirm.review.title',
      }),
      el('p', { 'data-i18n': 'confirm.review.lead' }),
      answersPanel(review.application, { heading: false }),
      el(
        'div',
        { class: 'panel stack' },
        el('p', { class: 'field__hint', 'data-i18n': 'confirm.passkeyHint' }),
        messages.node,
        submit,
      ),
    );
  }
}
