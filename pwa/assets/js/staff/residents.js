// /staff/residents「住民の記録」: find a resident by registry code (住民コード). The purpose
// is asked here too: opening the record is recorded with it and shown to the resident.

import { el, icon } from '../dom.js';
import {
  clearErrors,
  errorSummary,
  normalise,
  selectField,
  showErrors,
  textField,
} from './forms.js';
import { t } from './i18n.js';
import { PURPOSES } from './ui.js';

export const titleKey = 'residents.title';

/** The purpose a role most often opens a resident for. */
export function usualPurpose(account) {
  return account?.staff_role === 'support' ? 'counter_support' : 'consultation';
}

export function mount(outlet, ctx) {
  const summary = errorSummary('residents-errors');
  const form = el(
    'form',
    { class: 'form', novalidate: true, role: 'search', 'aria-labelledby': 'residents-form-title' },
    el('h2', { class: 'visually-hidden', id: 'residents-form-title' }, t('residents.form')),
    textField({
      id: 'residents-registry-id',
      name: 'registry_id',
      labelKey: 'residents.registryId',
      hintKey: 'residents.registryIdHint',
      required: true,
      attributes: {
        class: 'input input--code',
        autocomplete: 'off',
        spellcheck: 'false',
        inputmode: 'numeric',
        maxlength: '32',
      },
    }),
    selectField({
      id: 'residents-purpose',
      name: 'purpose',
      labelKey: 'purpose.label',
      hintKey: 'purpose.residentLead',
      required: true,
      options: PURPOSES.map((value) => ({
        value,
        labelKey: `purpose.${value}`,
        selected: value === usualPurpose(ctx.account),
      })),
    }),
    el(
      'div',
      { class: 'button-row' },
      el('button', {
        type: 'submit',
        class: 'button button--solid',
        'data-i18n': 'residents.open',
      }),
    ),
  );
  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      const registryId = normalise(form.elements.registry_id.value);
      form.elements.registry_id.value = registryId;
      if (!/^[0-9A-Za-z-]{1,32}$/.test(registryId)) {
        showErrors(summary, form, [
          {
            field: 'registry_id',
            text: t(registryId ? 'residents.error.format' : 'residents.error.registryId'),
          },
        ]);
        return;
      }
      clearErrors(summary, form);
      const purpose = form.elements.purpose.value;
      ctx.navigate(
        `/staff/residents/${encodeURIComponent(registryId)}?purpose=${encodeURIComponent(purpose)}`,
      );
    },
    { signal: ctx.signal },
  );

  outlet.append(
    el(
      'div',
      { class: 'page staff-form-page' },
      el('h1', { class: 'page__title', 'data-i18n': 'residents.title' }),
      el('p', { class: 'page__lead staff-measure', 'data-i18n': 'residents.lead' }),
      el(
        'p',
        { class: 'staff-callout staff-measure' },
        icon('info', 'staff-callout__icon'),
        el('span', { 'data-i18n': 'purpose.residentNotice' }),
      ),
      summary,
      form,
    ),
  );
}
