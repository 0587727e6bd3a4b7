// /check — 受けられる支援をしらべる: a short questionnaire anyone can answer, signed in or
// not. The questions are the facts the city's active programs' rules use (GET
// /api/support/programs), each asked once; the answers go to POST /api/support/check, which
// evaluates the same rules and stores nothing. This screen keeps nothing either: no
// storage, nothing in the address. A question left at わからない (or empty) is not sent,
// and a program that needs it says so rather than guessing.

import { ApiError, getJSON, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { loadInto } from '../frame.js';
import { applyTranslations, localize } from '../i18n.js';
import { normalizeWidth } from '../jp.js';
import { busy, messageArea } from '../ui/feedback.js';
import { emptyState, errorPanel, loadingCards } from '../ui/status.js';

export const titleKey = 'check.title';

// The unit shown after a number question, by fact (check.unit.<unit>); others have none.
const UNITS = {
  age: 'age',
  years_of_residence: 'years',
  income_yen: 'yen',
  household_size: 'people',
  children_under_18: 'people',
  children_until_march_after_18: 'people',
  children_under_3: 'people',
  children_or_disabled_under_20: 'people',
  dependants: 'people',
  child_rearing_income: 'yen',
};
// Facts that need a word on what to count (check.hint.<fact>); others get the general hint.
const HINTS = new Set([
  'income_yen',
  'dependants',
  'child_rearing_income',
  'children_or_disabled_under_20',
]);
const MAX_NUMBER = 1e12;

export async function mount(outlet, ctx) {
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      el('h1', { class: 'page__title', 'data-i18n': 'check.title' }),
      el('p', { class: 'page__lead', 'data-i18n': 'check.lead' }),
      el(
        'div',
        { class: 'notice notice--info notice--compact' },
        icon('lock', 'notice__icon'),
        el('p', { class: 'notice__body notice__body--inline', 'data-i18n': 'check.nothingStored' }),
      ),
      content,
    ),
  );
  applyTranslations(outlet);

  // Public data: anyone may check, so there is no signed-out state, only loaded or failed.
  await loadInto(content, {
    signal: ctx.signal,
    loading: () => loadingCards({ labelKey: 'check.loading', count: 1 }),
    load: async () => {
      const body = await getJSON('/api/support/programs', { signal: ctx.signal });
      return (Array.isArray(body?.items) ? body.items : []).filter((p) => p?.slug);
    },
    show: (programs) =>
      programs.length === 0
        ? emptyState({ titleKey: 'check.empty.title', bodyKey: 'check.empty.body' })
        : questionnaire(programs, ctx),
    failed: (error, retry) =>
      errorPanel({ titleKey: 'check.loadError', error, onRetry: () => retry() }),
  });
}

/** The form (one question per fact) and the place its results appear. */
function questionnaire(programs, ctx) {
  const questions = uniqueQuestions(programs);
  const labels = new Map(questions.map((q) => [q.fact, q.label]));
  const fields = questions.map(questionField);
  const messages = messageArea();
  const submit = el(
    'button',
    { type: 'submit', class: 'button button--solid button--block' },
    icon('search', 'button__icon'),
    el('span', { 'data-i18n': 'check.submit' }),
  );
  const form = el(
    'form',
    {
      class: 'panel check-form',
      action: '#',
      novalidate: true,
      'aria-labelledby': 'check-form-title',
    },
    el('h2', { class: 'panel__title', id: 'check-form-title', 'data-i18n': 'check.formTitle' }),
    el('p', { class: 'panel__hint', 'data-i18n': 'check.formHint' }),
    el(
      'p',
      { class: 'check-form__programs' },
      el('span', { 'data-i18n': 'check.programsLabel' }),
      ' ',
      programs.flatMap((program, index) => [
        index > 0 ? el('span', { 'data-i18n': 'check.listSeparator' }) : null,
        localize(el('span'), program.title),
      ]),
    ),
    el('div', { class: 'check-form__questions' }, fields.map((field) => field.node)),
    messages.node,
    submit,
  );
  const results = el('section', {
    class: 'check-results',
    'aria-labelledby': 'check-results-title',
    tabindex: '-1',
    hidden: true,
  });

  form.addEventListener(
    'submit',
    async (event) => {
      event.preventDefault();
      messages.clear();
      const answers = {};
      let firstInvalid = null;
      for (const field of fields) {
        const read = field.read();
        if (read.error) {
          firstInvalid ??= field;
          continue;
        }
        if (read.value !== undefined) answers[field.fact] = read.value;
      }
      if (firstInvalid) {
        firstInvalid.focus();
        return;
      }
      const done = busy(submit);
      let answer;
      try {
        answer = await sendJSON('/api/support/check', { body: { answers }, signal: ctx.signal });
      } catch (error) {
        if (ctx.signal.aborted) return;
        done();
        messages.show({ error, focus: true });
        if (!(error instanceof ApiError)) console.warn('check: not sent', error);
        return;
      }
      if (ctx.signal.aborted) return;
      done();
      showResults(results, Array.isArray(answer?.items) ? answer.items : [], labels);
      results.hidden = false;
      results.focus();
    },
    { signal: ctx.signal },
  );

  return [form, results];
}

/** Every fact the programs ask about, once, in the order they first appear. */
function uniqueQuestions(programs) {
  const seen = new Map();
  for (const program of programs) {
    for (const question of Array.isArray(program.questions) ? program.questions : []) {
      if (question?.fact && !seen.has(question.fact)) seen.set(question.fact, question);
    }
  }
  return [...seen.values()];
}

function questionField(question) {
  if (question.type === 'boolean') return booleanField(question);
  return inputField(question);
}

/** はい / いいえ / わからない, わからない chosen at first (not sent). */
function booleanField({ fact, label }) {
  const name = `check-${fact}`;
  const options = [
    { value: 'yes', key: 'check.answer.yes' },
    { value: 'no', key: 'check.answer.no' },
    { value: 'unknown', key: 'check.answer.unknown' },
  ];
  const inputs = [];
  const node = el(
    'fieldset',
    { class: 'choice-group check-question' },
    el('legend', {
      class: 'choice-group__legend check-question__legend',
      'data-i18n': 'check.booleanQuestion',
      'data-i18n-params': JSON.stringify({ label }),
    }),
    el(
      'div',
      { class: 'choice-group__options choice-group__options--row' },
      options.map(({ value, key }) => {
        const id = `${name}-${value}`;
        const input = el('input', {
          class: 'choice__input',
          type: 'radio',
          id,
          name,
          value,
          checked: value === 'unknown',
        });
        inputs.push(input);
        return el(
          'div',
          { class: 'choice' },
          input,
          el('label', { class: 'choice__label', for: id, 'data-i18n': key }),
        );
      }),
    ),
  );
  return {
    fact,
    node,
    read() {
      const chosen = inputs.find((input) => input.checked)?.value;
      if (chosen === 'yes') return { value: true };
      if (chosen === 'no') return { value: false };
      return { value: undefined };
    },
    focus() {
      inputs[0].focus();
    },
  };
}

/** A number (digits, full width too, commas allowed), a date, or a short text. */
function inputField({ fact, type, label }) {
  const id = `check-${fact}`;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const unit = type === 'number' ? UNITS[fact] : null;
  const input = el('input', {
    id,
    name: fact,
    class: `field__input ${type === 'string' ? 'field__input--medium' : 'field__input--short'}`,
    type: type === 'date' ? 'date' : 'text',
    inputmode: type === 'number' ? 'numeric' : null,
    autocomplete: 'off',
    maxlength: type === 'string' ? '99' : null,
    'aria-describedby': hintId,
  });
  const error = el('p', { class: 'field__error', id: errorId, hidden: true });
  const node = el(
    'div',
    { class: 'field check-question' },
    localize(el('label', { class: 'field__label', for: id }), label),
    el('p', {
      class: 'field__hint',
      id: hintId,
      'data-i18n': HINTS.has(fact)
        ? `check.hint.${fact}`
        : type === 'number'
          ? 'check.numberHint'
          : 'check.textHint',
    }),
    el(
      'div',
      { class: 'field__row' },
      input,
      unit ? el('span', { class: 'field__suffix', 'data-i18n': `check.unit.${unit}` }) : null,
    ),
    error,
  );

  function setError(key) {
    if (!key) {
      error.hidden = true;
      error.replaceChildren();
      input.removeAttribute('aria-invalid');
      input.setAttribute('aria-describedby', hintId);
      return;
    }
    error.replaceChildren(icon('alert', 'field__error-icon'), el('span', { 'data-i18n': key }));
    applyTranslations(error);
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', `${errorId} ${hintId}`);
  }

  return {
    fact,
    node,
    read() {
      const raw = normalizeWidth(input.value).trim();
      setError(null);
      if (raw === '') return { value: undefined };
      if (type === 'number') {
        const digits = raw.replace(/[,，\s]/g, '');
        const number = Number(digits);
        if (!/^\d+$/.test(digits) || number > MAX_NUMBER) {
          setError('check.numberInvalid');
          return { error: true };
        }
        return { value: number };
      }
      return { value: raw };
    },
    focus() {
      input.focus();
    },
  };
}

// Results in the order a person acts on them: may qualify, needs an answer, not eligible.
const ORDER = { yes: 0, unknown: 1, no: 2 };

function showResults(section, results, labels) {
  const items = [...results].sort((a, b) => ORDER[outcome(a)] - ORDER[outcome(b)]);
  const counts = { yes: 0, no: 0, unknown: 0 };
  for (const item of items) counts[outcome(item)] += 1;
  section.replaceChildren(
    el('h2', {
      class: 'check-results__title',
      id: 'check-results-title',
      'data-i18n': 'check.results.title',
    }),
    el('p', {
      class: 'results-count',
      'data-i18n': 'check.results.summary',
      'data-i18n-params': JSON.stringify(counts),
    }),
    el(
      'ul',
      { class: 'support-list' },
      items.map((item) => el('li', {}, resultCard(item, labels))),
    ),
    el(
      'div',
      { class: 'notice notice--info notice--compact' },
      icon('info', 'notice__icon'),
      el('p', { class: 'notice__body notice__body--inline' }, [
        el('span', { 'data-i18n': 'check.results.note' }),
        ' ',
        el('a', { class: 'link', href: '/support', 'data-i18n': 'check.results.supportLink' }),
      ]),
    ),
  );
  applyTranslations(section);
}

function outcome(item) {
  if (item.eligible === true) return 'yes';
  if (item.eligible === false) return 'no';
  return 'unknown';
}

const OUTCOMES = {
  yes: { icon: 'check', key: 'check.results.eligible' },
  no: { icon: 'info', key: 'check.results.notEligible' },
  unknown: { icon: 'alert', key: 'check.results.unknown' },
};

function resultCard(item, labels) {
  const result = outcome(item);
  const titleId = `check-result-${item.slug}`;
  const missing = Array.isArray(item.missing) ? item.missing : [];
  const why = Array.isArray(item.why) ? item.why.filter((w) => w?.sentence) : [];
  return el(
    'article',
    { class: 'support-card', 'data-outcome': result, 'aria-labelledby': titleId },
    localize(el('h3', { class: 'support-card__title', id: titleId }), item.title),
    el(
      'p',
      { class: 'support-card__kind' },
      el(
        'span',
        { class: 'chip', 'data-outcome': result },
        icon(OUTCOMES[result].icon, 'chip__icon'),
        el('span', { 'data-i18n': OUTCOMES[result].key }),
      ),
    ),
    result === 'unknown' && missing.length > 0
      ? el(
          'div',
          { class: 'support-card__missing' },
          el('p', { 'data-i18n': 'check.results.missing' }),
          el(
            'ul',
            { class: 'bullet-list' },
            missing.map((fact) =>
              labels.has(fact) ? localize(el('li'), labels.get(fact)) : el('li', {}, fact),
            ),
          ),
        )
      : null,
    why.length > 0
      ? el(
          'ul',
          { class: 'why-list', 'data-i18n-aria-label': 'check.results.reasons' },
          why.map((reason) =>
            el(
              'li',
              { class: 'why-list__item', 'data-held': reason.held ? 'true' : 'false' },
              icon(reason.held ? 'check' : 'info', 'why-list__icon'),
              localize(el('span'), reason.sentence),
              reason.held
                ? null
                : el('span', { class: 'why-list__note', 'data-i18n': 'check.results.notMet' }),
            ),
          ),
        )
      : null,
    result === 'yes' && item.procedure_slug
      ? el(
          'p',
          {},
          el('a', {
            class: 'link',
            href: `/procedures/${encodeURIComponent(item.procedure_slug)}`,
            'aria-describedby': titleId,
            'data-i18n': 'check.results.procedureLink',
          }),
        )
      : null,
  );
}
