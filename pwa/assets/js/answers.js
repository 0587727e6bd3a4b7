// A procedure's answers as data: which fields a form has and which are shown (show_if),
// what is sent (only the shown, answered fields), light checks that mirror the server's,
// and how an answer reads back (the review screen, the amend form).
//
// The server is the authority on every rule; these checks only save a round trip.

import { el } from './dom.js';
import { localize } from './i18n.js';
import {
  answerDateValue,
  dateValue,
  digitsOnly,
  formatNumber,
  fullWidthKana,
  isKana,
  normalizeWidth,
  parseIsoDate,
  phoneValue,
} from './jp.js';

/** Every field of a FormRead's schema, each with the id of its section. */
export function allFields(form) {
  return (form?.form?.sections ?? []).flatMap((section) =>
    (section.fields ?? []).map((spec) => ({ ...spec, section: section.id })),
  );
}

export function isEmpty(value) {
  if (value == null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.values(value).every((part) => isEmpty(part));
  return typeof value === 'string' && value.trim() === '';
}

/** Whether spec is shown for these answers (its show_if names another field's answer). */
export function isVisible(spec, answers) {
  const condition = spec.show_if;
  if (!condition) return true;
  const answer = answers[condition.field];
  const values = condition.values ?? [];
  if (Array.isArray(answer)) return answer.some((item) => values.includes(item));
  return values.includes(answer);
}

/**
 * The starting answers: what was saved, then pre-filled values for fields not answered
 * yet; a locked pre-filled value always wins (the resident may not change it).
 */
export function initialAnswers(form, saved = {}) {
  const answers = {};
  const prefill = form?.prefill ?? {};
  for (const spec of allFields(form)) {
    const filled = prefill[spec.name];
    if (filled && (filled.locked || spec.locked)) answers[spec.name] = filled.value;
    else if (Object.hasOwn(saved, spec.name)) answers[spec.name] = saved[spec.name];
    else if (filled) answers[spec.name] = filled.value;
  }
  return answers;
}

/** The answers to send: fields of this form that are shown and answered, nothing else. */
export function answersToSend(form, answers) {
  const sent = {};
  for (const spec of allFields(form)) {
    if (!isVisible(spec, answers)) continue;
    const value = answers[spec.name];
    if (spec.type === 'consent') {
      if (value === true || value === false) sent[spec.name] = value;
      continue;
    }
    if (isEmpty(value)) continue;
    sent[spec.name] = value;
  }
  return sent;
}

/** Whether two answers are the same (lists compared as sets, objects part by part). */
export function sameAnswer(a, b) {
  return canonical(a) === canonical(b);
}

function canonical(value) {
  if (Array.isArray(value)) return JSON.stringify(value.map(String).sort());
  if (value && typeof value === 'object') {
    return JSON.stringify(
      Object.keys(value)
        .sort()
        .map((key) => [key, String(value[key] ?? '')]),
    );
  }
  if (value == null) return '';
  return JSON.stringify(typeof value === 'number' ? String(value) : normalizeWidth(value).trim());
}

/** Whether the resident changed a pre-filled value (staff are told). */
export function changedFromPrefill(form, name, value) {
  const filled = form?.prefill?.[name];
  return Boolean(filled) && !sameAnswer(filled.value, value);
}

// --- checks -------------------------------------------------------------------------------

const EMAIL = /^[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$/;

/**
 * What is wrong with value for spec, as an i18n message {key, params}, or null.
 * Only shown fields are checked; the caller skips hidden ones.
 */
export function checkAnswer(spec, value) {
  if (spec.type === 'consent') {
    return spec.required && value !== true ? { key: 'field.error.consent' } : null;
  }
  if (isEmpty(value)) {
    if (!spec.required) return null;
    if (['choice', 'choices', 'household_member', 'household_members'].includes(spec.type)) {
      return { key: 'field.error.choose' };
    }
    if (spec.type === 'file') return { key: 'field.error.file' };
    return { key: 'field.error.required' };
  }
  const text = typeof value === 'string' ? normalizeWidth(value).trim() : value;
  switch (spec.type) {
    case 'text':
    case 'textarea': {
      const max = spec.max_length ?? 200;
      return String(text).length > max ? { key: 'field.error.maxLength', params: { max } } : null;
    }
    case 'kana':
      return isKana(text) ? null : { key: 'field.error.kana' };
    case 'postal_code':
      return /^\d{3}-?\d{4}$/.test(text) ? null : { key: 'field.error.postalCode' };
    case 'phone': {
      const digits = digitsOnly(text);
      return /^[\d\s()+-]+$/.test(text) && digits.length >= 10 && digits.length <= 11
        ? null
        : { key: 'field.error.phone' };
    }
    case 'email':
      return EMAIL.test(text) ? null : { key: 'field.error.email' };
    case 'number':
    case 'yen':
      return checkNumber(spec, text);
    case 'date':
      return checkDate(spec, text);
    case 'bank_account':
      return checkBankAccount(value);
    case 'file': {
      const max = spec.max_files ?? 3;
      return Array.isArray(value) && value.length > max
        ? { key: 'field.error.tooManyFiles', params: { max } }
        : null;
    }
    default:
      return null;
  }
}

/** The number a number/yen answer stands for, or the text when it is not a whole number. */
export function parseWhole(text) {
  const cleaned = normalizeWidth(text).replace(/[,\s円¥]/g, '');
  return /^-?\d{1,15}$/.test(cleaned) ? Number(cleaned) : text;
}

function checkNumber(spec, text) {
  const number = typeof text === 'number' ? text : parseWhole(text);
  if (typeof number !== 'number') return { key: 'field.error.whole' };
  const min = spec.min ?? (spec.type === 'yen' ? 0 : null);
  if (min != null && number < min) return { key: 'field.error.min', params: { min } };
  if (spec.max != null && number > spec.max)
    return { key: 'field.error.max', params: { max: spec.max } };
  return null;
}

function checkDate(spec, text) {
  const date = parseIsoDate(text);
  if (!date) return { key: 'field.error.date' };
  if (spec.min != null && date.year < spec.min) {
    return { key: 'field.error.yearMin', params: { year: spec.min } };
  }
  if (spec.max != null && date.year > spec.max) {
    return { key: 'field.error.yearMax', params: { year: spec.max } };
  }
  return null;
}

function checkBankAccount(value) {
  const part = (name) => normalizeWidth(value?.[name] ?? '').trim();
  if (!/^\d{4}$/.test(part('bank_code'))) return { key: 'field.error.bankCode' };
  if (!/^\d{3}$/.test(part('branch_code'))) return { key: 'field.error.branchCode' };
  if (!ACCOUNT_TYPES.some((item) => [item.value, item.alias].includes(part('type')))) {
    return { key: 'field.error.accountType' };
  }
  if (!/^\d{1,7}$/.test(part('number'))) return { key: 'field.error.accountNumber' };
  if (!isKana(part('holder'))) return { key: 'field.error.holder' };
  return null;
}

// --- reading answers back -----------------------------------------------------------------

// The account types the server takes, with their i18n keys.
export const ACCOUNT_TYPES = [
  { value: '普通', alias: 'ordinary', key: 'field.bank.type.ordinary' },
  { value: '当座', alias: 'current', key: 'field.bank.type.current' },
  { value: '貯蓄', alias: 'savings', key: 'field.bank.type.savings' },
];

/**
 * An answer as the resident reads it back: option labels, household names, yen amounts,
 * dates with their era, file names. household: FormRead.household; files(id) → meta.
 */
export function answerNode(spec, value, { household = [], files = () => null } = {}) {
  const node = el('span', { class: 'answer' });
  if (spec.type === 'consent') {
    node.setAttribute('data-i18n', value === true ? 'field.consent.yes' : 'field.consent.no');
    return node;
  }
  if (isEmpty(value)) {
    node.classList.add('answer--empty');
    node.setAttribute('data-i18n', 'field.notAnswered');
    return node;
  }
  const options = new Map((spec.options ?? []).map((option) => [option.value, option.label]));
  const members = new Map(household.map((member) => [member.id, member]));
  const list = (items) =>
    el(
      'span',
      { class: 'answer__list' },
      items.map((item) => el('span', { class: 'answer__item' }, item)),
    );

  switch (spec.type) {
    case 'choice':
      return options.has(value) ? localize(node, options.get(value)) : text(node, value);
    case 'choices':
      return list(
        (Array.isArray(value) ? value : [value]).map((item) =>
          options.has(item) ? localize(el('span'), options.get(item)) : String(item),
        ),
      );
    case 'household_member':
      return text(node, memberName(members, value));
    case 'household_members':
      return list((Array.isArray(value) ? value : [value]).map((id) => memberName(members, id)));
    case 'yen':
      node.append(
        el('span', {}, formatNumber(parseWhole(value))),
        el('span', { 'data-i18n': 'field.yen.suffix' }),
      );
      return node;
    case 'number':
      return text(node, formatNumber(parseWhole(value)));
    case 'date':
      return localize(node, answerDateValue(value));
    case 'phone':
      return text(node, phoneValue(value));
    case 'kana':
      return text(node, fullWidthKana(value));
    case 'bank_account': {
      const type = ACCOUNT_TYPES.find(
        (item) => item.value === value?.type || item.alias === value?.type,
      );
      return el(
        'span',
        { class: 'answer__list' },
        el('span', {
          class: 'answer__item',
          'data-i18n': 'field.bank.codes',
          'data-i18n-params': JSON.stringify({
            bank: value?.bank_code ?? '',
            branch: value?.branch_code ?? '',
          }),
        }),
        el(
          'span',
          { class: 'answer__item' },
          type ? el('span', { 'data-i18n': type.key }) : String(value?.type ?? ''),
          ` ${value?.number ?? ''}`,
        ),
        el('span', { class: 'answer__item' }, String(value?.holder ?? '')),
      );
    }
    case 'file':
      return list(
        (Array.isArray(value) ? value : [value]).map((id) => files(id)?.filename ?? String(id)),
      );
    default:
      return text(node, String(value));
  }
}

function text(node, value) {
  node.textContent = String(value);
  return node;
}

function memberName(members, id) {
  return members.get(id)?.name ?? String(id);
}

/**
 * The provenance of a pre-filled value, "住民基本台帳（2026年4月1日時点）", as a node that
 * follows the language.
 */
export function provenanceNode(prefilled, attributes = {}) {
  const source = String(prefilled?.source ?? '');
  const key = prefilled?.as_of ? 'field.prefill.provenance' : 'field.prefill.sourceOnly';
  return el('span', {
    ...attributes,
    'data-i18n': key,
    'data-i18n-params': JSON.stringify({ source, date: dateValue(prefilled?.as_of) }),
  });
}
