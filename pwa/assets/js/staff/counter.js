// /staff/counter「窓口での本人確認」: the resident shows the 8-digit counter code from their
// app; staff check an identity document against the registry and bind the account
// (POST /api/staff/counter-verifications). Only support, supervisor and administrator
// roles may; the API refuses the others and its words are shown.

import { el } from '../dom.js';
import { sendJSON } from '../api.js';
import { applyTranslations, t } from '../i18n.js';
import { sessionEnded } from '../session.js';
import {
  choiceGroup,
  clearErrors,
  errorSummary,
  guardBusy,
  normalise,
  notice,
  problemItems,
  showErrors,
  textField,
} from './forms.js';

export const titleKey = 'counter.title';

const DOCUMENTS = ['mynumber', 'license', 'passport', 'residence', 'other'];

export function mount(outlet, ctx) {
  const summary = errorSummary('counter-errors');
  const status = el('p', { class: 'form-status', role: 'status' });
  const busy = guardBusy(status);
  const other = el(
    'div',
    { class: 'choice-group__reveal', id: 'counter-other', hidden: true },
    textField({
      id: 'counter-other-name',
      name: 'other_name',
      labelKey: 'counter.otherName',
      required: true,
      attributes: { autocomplete: 'off', maxlength: '40' },
    }),
  );
  const form = el(
    'form',
    { class: 'form', novalidate: true, 'aria-labelledby': 'counter-title' },
    textField({
      id: 'counter-code',
      name: 'counter_code',
      labelKey: 'counter.counterCode',
      hintKey: 'counter.counterCodeHint',
      required: true,
      attributes: {
        class: 'input input--code input--short',
        autocomplete: 'off',
        inputmode: 'numeric',
        spellcheck: 'false',
        maxlength: '12',
      },
    }),
    textField({
      id: 'counter-registry-id',
      name: 'registry_id',
      labelKey: 'counter.registryId',
      hintKey: 'counter.registryIdHint',
      required: true,
      attributes: {
        class: 'input input--code',
        autocomplete: 'off',
        inputmode: 'numeric',
        spellcheck: 'false',
      },
    }),
    choiceGroup({
      id: 'counter-document',
      name: 'document',
      legendKey: 'counter.document',
      required: true,
      options: DOCUMENTS.map((value) => ({ value, labelKey: `documents.${value}` })),
    }),
    other,
    el(
      'div',
      { class: 'button-row' },
      el('button', {
        type: 'submit',
        class: 'button button--solid',
        'data-i18n': 'counter.submit',
      }),
    ),
    status,
  );
  const result = el('div', { class: 'counter-result' });

  form.addEventListener(
    'change',
    () => {
      other.hidden = form.elements.document.value !== 'other';
    },
    { signal: ctx.signal },
  );

  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      busy(null, async () => {
        const code = normalise(form.elements.counter_code.value).replace(/-/g, '');
        const registryId = normalise(form.elements.registry_id.value);
        const documentCode = form.elements.document.value;
        const otherName = form.elements.other_name.value.trim();
        form.elements.counter_code.value = code;
        form.elements.registry_id.value = registryId;

        const problems = [];
        if (!code) problems.push({ field: 'counter_code', text: t('counter.error.counterCode') });
        else if (!/^[0-9]{8}$/.test(code)) {
          problems.push({ field: 'counter_code', text: t('counter.error.counterCodeFormat') });
        }
        if (!registryId)
          problems.push({ field: 'registry_id', text: t('counter.error.registryId') });
        if (!DOCUMENTS.includes(documentCode)) {
          problems.push({ field: 'document', text: t('counter.error.document') });
        } else if (documentCode === 'other' && !otherName) {
          problems.push({ field: 'other_name', text: t('counter.error.otherName') });
        }
        if (problems.length) {
          showErrors(summary, form, problems);
          return;
        }
        clearErrors(summary, form);
        // The API records the document as words in the audit log: the Japanese name.
        const documentName =
          documentCode === 'other'
            ? t('documents.otherFormat', { name: otherName })
            : t(`documents.${documentCode}`);
        let answer;
        try {
          answer = await sendJSON('/api/staff/counter-verifications', {
            body: { counter_code: code, registry_id: registryId, document: documentName },
            signal: ctx.signal,
          });
        } catch (error) {
          if (ctx.signal.aborted) return;
          if (error.status === 401) {
            sessionEnded();
            ctx.rerender({ flash: 'signin.flash.expired' });
            return;
          }
          // 422: the counter code is wrong or expired; 404: no resident with this id.
          const fieldFor = (e) => ({ 422: 'counter_code', 404: 'registry_id' })[e.status] ?? null;
          showErrors(summary, form, problemItems(error, fieldFor));
          return;
        }
        showResult(answer);
      });
    },
    { signal: ctx.signal },
  );

  function showResult(answer) {
    const next = el('button', {
      type: 'button',
      class: 'button button--outline',
      'data-i18n': 'counter.next',
    });
    next.addEventListener(
      'click',
      () => {
        result.replaceChildren();
        form.hidden = false;
        form.reset();
        other.hidden = true;
        form.elements.counter_code.focus();
      },
      { signal: ctx.signal },
    );
    const recovered = answer?.recovered === true;
    const panel = notice({
      tone: 'success',
      titleKey: recovered ? 'counter.recoveredTitle' : 'counter.verifiedTitle',
      body: [
        el('p', { 'data-i18n': recovered ? 'counter.recoveredBody' : 'counter.verifiedBody' }),
      ],
      actions: [next],
      id: 'counter-verified',
    });
    form.hidden = true;
    result.replaceChildren(panel);
    applyTranslations(result);
    panel.querySelector('.notice__title').focus();
  }

  outlet.append(
    el(
      'div',
      { class: 'page staff-form-page' },
      el('h1', { class: 'page__title', id: 'counter-title', 'data-i18n': 'counter.title' }),
      el('p', { class: 'page__lead staff-measure', 'data-i18n': 'counter.lead' }),
      el(
        'div',
        { class: 'work-layout work-layout--aside' },
        el('div', { class: 'work-layout__main' }, summary, result, form),
        el(
          'aside',
          { class: 'steps', 'aria-labelledby': 'counter-steps-title' },
          el('h2', {
            class: 'section-title section-title--small',
            id: 'counter-steps-title',
            'data-i18n': 'counter.steps.title',
          }),
          el(
            'ol',
            { class: 'steps__list' },
            [1, 2, 3].map((n) => el('li', { 'data-i18n': `counter.steps.${n}` })),
          ),
        ),
      ),
    ),
  );
}
