// What opening a resident's record belongs to: a case (application) of one's department, a
// consultation, a follow-up, or — when none applies — a written reason with its category,
// which supervisors review. Asked before the record is opened (nothing is pre-selected),
// kept in the address so a reload reopens the same way, recorded in the audit trail, and
// shown to the resident (the kind and category, never the staff member's words).

import { el, icon } from '../dom.js';
import { t } from '../i18n.js';
import {
  choiceGroup,
  clearErrors,
  errorSummary,
  problemItems,
  selectField,
  showErrors,
  textareaField,
  textField,
} from './forms.js';
import { formatDate } from './words.js';

export const BASIS_KINDS = ['case', 'consultation', 'follow_up', 'reason'];
export const REASON_CATEGORIES = [
  'counter_support',
  'resident_inquiry',
  'new_consultation',
  'agency_inquiry',
  'other',
];
export const REASON_MIN = 10;
export const REASON_MAX = 500;

const ID_PATTERN = /^[1-9][0-9]{0,9}$/;

/** The basis the address names, or null when it names none (or a broken one). */
export function basisFromUrl(url) {
  const params = url.searchParams;
  for (const kind of ['case', 'consultation', 'follow_up']) {
    const ref = params.get(kind);
    if (ref != null) return ID_PATTERN.test(ref) ? { kind, ref } : null;
  }
  const reason = params.get('reason');
  const category = params.get('reason_category');
  if (reason != null && REASON_CATEGORIES.includes(category)) {
    return { kind: 'reason', reason, category };
  }
  return null;
}

/** The query string (without ?) that names a basis to the API and in the address. */
export function basisQuery(basis) {
  const params = new URLSearchParams();
  if (basis.kind === 'reason') {
    params.set('reason_category', basis.category);
    params.set('reason', basis.reason);
  } else {
    params.set(basis.kind, basis.ref);
  }
  return params.toString();
}

/**
 * The question asked before a resident's record is opened. onOpen(basis) runs on a valid
 * submit. After a refused opening, initial is the basis that was refused (filled in again)
 * and problem the API's answer, shown in the error summary.
 */
export function basisForm({ id, initial = null, problem = null, onOpen, signal }) {
  const summary = errorSummary(`${id}-errors`);
  const refField = textField({
    id: `${id}-ref`,
    name: 'ref',
    labelKey: 'basis.ref',
    hintKey: 'basis.refHint',
    attributes: { class: 'input input--code', inputmode: 'numeric', autocomplete: 'off' },
  });
  const reasonFields = el(
    'div',
    { class: 'staff-basis-reason', hidden: true },
    selectField({
      id: `${id}-category`,
      name: 'reason_category',
      labelKey: 'basis.category',
      options: [
        { value: '', labelKey: 'basis.categoryChoose', selected: true },
        ...REASON_CATEGORIES.map((value) => ({ value, labelKey: `basis.category.${value}` })),
      ],
    }),
    textareaField({
      id: `${id}-reason`,
      name: 'reason',
      labelKey: 'basis.reason',
      hintKey: 'basis.reasonHint',
      attributes: { rows: '3', maxlength: String(REASON_MAX) },
    }),
  );
  refField.hidden = true;
  const form = el(
    'form',
    { class: 'form staff-purpose-form', novalidate: true, 'aria-labelledby': `${id}-title` },
    el('h2', { class: 'section-title', id: `${id}-title`, 'data-i18n': 'basis.title' }),
    el(
      'div',
      { class: 'staff-purpose-form__notice' },
      icon('info', 'staff-purpose-form__icon'),
      el('p', { 'data-i18n': 'basis.notice' }),
    ),
    summary,
    choiceGroup({
      id: `${id}-kind`,
      name: 'kind',
      legendKey: 'basis.kind',
      hintKey: 'basis.kindHint',
      required: true,
      layout: 'list',
      options: BASIS_KINDS.map((value) => ({
        value,
        labelKey: `basis.kind.${value}`,
        hintKey: `basis.kind.${value}Hint`,
      })),
    }),
    refField,
    reasonFields,
    el(
      'div',
      { class: 'button-row' },
      el('button', { type: 'submit', class: 'button button--solid', 'data-i18n': 'resident.open' }),
    ),
  );
  const reveal = (kind) => {
    refField.hidden = kind === 'reason';
    reasonFields.hidden = kind !== 'reason';
  };
  form.addEventListener(
    'change',
    (event) => {
      if (event.target.name === 'kind') reveal(event.target.value);
    },
    { signal },
  );
  if (initial && BASIS_KINDS.includes(initial.kind)) {
    form.querySelector(`#${id}-kind-${initial.kind}`).checked = true;
    reveal(initial.kind);
    if (initial.kind === 'reason') {
      form.elements.reason_category.value = initial.category;
      form.elements.reason.value = initial.reason;
    } else {
      form.elements.ref.value = initial.ref;
    }
  }
  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      const kind = form.elements.kind.value;
      const errors = [];
      if (!BASIS_KINDS.includes(kind)) {
        errors.push({ field: 'kind', text: t('basis.error.kind') });
      } else if (kind === 'reason') {
        const category = form.elements.reason_category.value;
        const reason = form.elements.reason.value.trim().replace(/\s+/g, ' ');
        if (!REASON_CATEGORIES.includes(category)) {
          errors.push({ field: 'reason_category', text: t('basis.error.category') });
        }
        if (reason.length < REASON_MIN || reason.length > REASON_MAX) {
          errors.push({
            field: 'reason',
            text: t('basis.error.reason', { min: REASON_MIN, max: REASON_MAX }),
          });
        }
        if (!errors.length) {
          onOpen({ kind, category, reason });
          return;
        }
      } else {
        const ref = form.elements.ref.value.normalize('NFKC').trim();
        if (!ID_PATTERN.test(ref)) errors.push({ field: 'ref', text: t('basis.error.ref') });
        else {
          onOpen({ kind, ref });
          return;
        }
      }
      showErrors(summary, form, errors);
    },
    { signal },
  );
  if (problem) {
    // A refused opening (not your department's case, no reason openings for this role…).
    queueMicrotask(() => {
      clearErrors(summary, form);
      showErrors(
        summary,
        form,
        problemItems(problem).map((item) => ({ ...item, field: fieldOf(item.field) })),
      );
    });
  }
  return form;
}

function fieldOf(field) {
  if (['case', 'consultation', 'follow_up'].includes(field)) return 'ref';
  if (field === 'basis') return 'kind';
  return field ?? null;
}

/** What the opening was recorded as, said at the top of the record. */
export function basisLine(basis) {
  let what;
  if (basis.kind === 'case') what = t('basis.line.case', { receipt: basis.receipt_number });
  else if (basis.kind === 'reason') {
    what = t('basis.line.reason', { category: t(`basis.category.${basis.category}`) });
  } else {
    what = t(`basis.line.${basis.kind}`, { date: formatDate(basis.held_on) });
  }
  return el(
    'p',
    { class: 'staff-purpose-line', 'data-basis': basis.kind },
    icon('info', 'staff-purpose-line__icon'),
    el('span', {}, t('basis.recorded', { what })),
  );
}
