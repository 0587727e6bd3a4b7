// /staff/letters「本人確認コードの郵送」: issue a single-use activation code for a resident
// (POST /api/staff/activation-codes), show it, and print the letter for the post.

import { el } from '../dom.js';
import { sendJSON } from '../api.js';
import { applyTranslations, t } from '../i18n.js';
import { sessionEnded } from '../session.js';
import { formatDateTime } from './words.js';
import {
  choiceGroup,
  clearErrors,
  errorSummary,
  guardBusy,
  normalise,
  problemItems,
  showErrors,
  textField,
} from './forms.js';
import { letterFrame, printLetter } from './letter-frame.js';

export const titleKey = 'letters.title';

const PURPOSES = ['verify', 'recovery'];

export function mount(outlet, ctx) {
  const summary = errorSummary('letters-errors');
  const status = el('p', { class: 'form-status', role: 'status' });
  const busy = guardBusy(status);
  const form = el(
    'form',
    { class: 'form', novalidate: true, 'aria-labelledby': 'letters-form-title' },
    el('h2', { class: 'section-title', id: 'letters-form-title', 'data-i18n': 'letters.form' }),
    textField({
      id: 'letters-registry-id',
      name: 'registry_id',
      labelKey: 'letters.registryId',
      hintKey: 'letters.registryIdHint',
      required: true,
      attributes: {
        class: 'input input--code',
        autocomplete: 'off',
        spellcheck: 'false',
        inputmode: 'numeric',
      },
    }),
    choiceGroup({
      id: 'letters-purpose',
      name: 'purpose',
      legendKey: 'letters.purpose',
      required: true,
      options: PURPOSES.map((value, i) => ({
        value,
        labelKey: `letters.purpose.${value}`,
        hintKey: `letters.purpose.${value}Hint`,
        checked: i === 0,
      })),
    }),
    el(
      'div',
      { class: 'button-row' },
      el('button', {
        type: 'submit',
        class: 'button button--solid',
        'data-i18n': 'letters.submit',
      }),
    ),
    status,
  );
  const result = el('section', {
    class: 'work-layout__result',
    'aria-labelledby': 'letters-result-title',
  });
  showPlaceholder(result);

  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      busy(null, async () => {
        const registryId = normalise(form.elements.registry_id.value);
        form.elements.registry_id.value = registryId;
        const purpose = form.elements.purpose.value;
        const problems = [];
        if (!registryId)
          problems.push({ field: 'registry_id', text: t('letters.error.registryId') });
        if (!PURPOSES.includes(purpose))
          problems.push({ field: 'purpose', text: t('letters.error.purpose') });
        if (problems.length) {
          showErrors(summary, form, problems);
          return;
        }
        clearErrors(summary, form);
        let issued;
        try {
          issued = await sendJSON('/api/staff/activation-codes', {
            body: { registry_id: registryId, purpose },
            signal: ctx.signal,
          });
        } catch (error) {
          if (ctx.signal.aborted) return;
          if (error.status === 401) {
            sessionEnded();
            ctx.rerender({ flash: 'signin.flash.expired' });
            return;
          }
          // 404: no resident with this registry id.
          showErrors(
            summary,
            form,
            problemItems(error, (e) => (e.status === 404 ? 'registry_id' : null)),
          );
          return;
        }
        showResult(result, issued, { registryId, purpose, ctx, form });
      });
    },
    { signal: ctx.signal },
  );

  outlet.append(
    el(
      'div',
      { class: 'page' },
      el('h1', { class: 'page__title', 'data-i18n': 'letters.title' }),
      el('p', { class: 'page__lead staff-measure', 'data-i18n': 'letters.lead' }),
      summary,
      el('div', { class: 'work-layout' }, el('div', { class: 'work-layout__form' }, form), result),
    ),
  );
}

function showPlaceholder(result) {
  result.classList.add('work-layout__result--empty');
  result.replaceChildren(
    el('h2', {
      class: 'visually-hidden',
      id: 'letters-result-title',
      'data-i18n': 'letters.resultTitle',
    }),
    el('p', { class: 'placeholder', 'data-i18n': 'letters.placeholder' }),
  );
  applyTranslations(result);
}

function showResult(result, issued, { registryId, purpose, ctx, form }) {
  const frame = letterFrame(issued.letter_html, {
    title: t('letters.letterFrame'),
    signal: ctx.signal,
  });
  const print = el('button', {
    type: 'button',
    class: 'button button--solid',
    'data-print-letter': '',
    'data-i18n': 'letters.print',
  });
  const again = el('button', {
    type: 'button',
    class: 'button button--outline',
    'data-i18n': 'letters.again',
  });
  print.addEventListener('click', () => printLetter(frame), { signal: ctx.signal });
  again.addEventListener(
    'click',
    () => {
      form.reset();
      showPlaceholder(result);
      form.elements.registry_id.focus();
    },
    { signal: ctx.signal },
  );

  const heading = el('h2', {
    class: 'result__title',
    id: 'letters-result-title',
    tabindex: '-1',
    'data-i18n': 'letters.resultTitle',
  });
  result.classList.remove('work-layout__result--empty');
  result.replaceChildren(
    heading,
    el(
      'dl',
      { class: 'summary-list' },
      row(
        'letters.code',
        el('span', { class: 'code-display', 'data-activation-code': '' }, issued.code),
      ),
      row('letters.registryId', el('span', { class: 'mono' }, registryId)),
      row('letters.purpose', el('span', { 'data-i18n': `letters.purpose.${purpose}` })),
      row(
        'common.expiresLabel',
        el('span', { 'data-expires': '' }, formatDateTime(issued.expires_at)),
      ),
    ),
    el('div', { class: 'button-row' }, print, again),
    el('h3', { class: 'section-title section-title--small', 'data-i18n': 'letters.letter' }),
    el('div', { class: 'letter-preview' }, frame),
  );
  applyTranslations(result);
  heading.focus();
}

function row(labelKey, value) {
  return el(
    'div',
    { class: 'summary-list__row' },
    el('dt', { 'data-i18n': labelKey }),
    el('dd', {}, value),
  );
}
