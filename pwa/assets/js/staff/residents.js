// /staff/residents「住民の記録」: find a resident by registry code (住民コード). What the
// record is opened for (a case, consultation, follow-up or a reason) is asked next, on the
// record's own address: the opening is recorded with it and shown to the resident.

import { el, icon } from '../dom.js';
import { t } from '../i18n.js';
import { clearErrors, errorSummary, normalise, showErrors, textField } from './forms.js';

export const titleKey = 'residents.title';

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
      ctx.navigate(`/staff/residents/${encodeURIComponent(registryId)}`);
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
        el('span', { 'data-i18n': 'basis.notice' }),
      ),
      summary,
      form,
    ),
  );
}
