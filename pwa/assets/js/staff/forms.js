// Form pieces of the staff screens, in the GOV.UK / Digital Agency pattern: a label, an
// optional hint, an error message above the control; on a failed submit an error summary
// takes focus and links to each field, and each field gets aria-invalid and an
// aria-describedby that names its error.

import { announce, el, icon } from '../dom.js';
import { t } from '../i18n.js';
import { problemReference, problemText } from './words.js';

/**
 * A labelled text input. Extra attributes (type, inputmode, autocomplete…) go on the input.
 * labelKey/hintKey name dictionary entries; label/hint give text made elsewhere (a field
 * name in the procedure designer).
 */
export function textField({
  id,
  name,
  labelKey,
  label,
  hintKey,
  hint,
  required = false,
  attributes = {},
}) {
  return fieldShell(
    { id, name, labelKey, label, hintKey, hint, required },
    el('input', {
      class: 'input',
      id,
      name,
      type: 'text',
      required,
      'aria-describedby': hintKey || hint ? `${id}-hint` : null,
      ...attributes,
    }),
  );
}

/** A labelled text area (same options as textField). */
export function textareaField({
  id,
  name,
  labelKey,
  label,
  hintKey,
  hint,
  required = false,
  attributes = {},
}) {
  return fieldShell(
    { id, name, labelKey, label, hintKey, hint, required },
    el('textarea', {
      class: 'input input--textarea',
      id,
      name,
      rows: '4',
      required,
      'aria-describedby': hintKey || hint ? `${id}-hint` : null,
      ...attributes,
    }),
  );
}

/**
 * A labelled select. options: [{value, labelKey?, label?, selected?}]; the first is chosen
 * unless another says selected.
 */
export function selectField({
  id,
  name,
  labelKey,
  label,
  hintKey,
  hint,
  required = false,
  options,
  attributes = {},
}) {
  return fieldShell(
    { id, name, labelKey, label, hintKey, hint, required },
    el(
      'select',
      {
        class: 'input staff-select',
        id,
        name,
        required,
        'aria-describedby': hintKey || hint ? `${id}-hint` : null,
        ...attributes,
      },
      options.map((option) =>
        el(
          'option',
          {
            value: option.value,
            selected: option.selected ?? false,
            'data-i18n': option.labelKey ?? null,
          },
          option.label ?? '',
        ),
      ),
    ),
  );
}

/** One checkbox with its label (a yes/no question such as 「必須」). */
export function checkboxField({ id, name, labelKey, label, hintKey, checked = false }) {
  return el(
    'div',
    { class: 'field field--checkbox', 'data-field': name },
    el('p', { class: 'field__error', id: `${id}-error`, hidden: true }),
    el(
      'div',
      { class: 'choice choice--inline' },
      el('input', {
        class: 'choice__input',
        type: 'checkbox',
        id,
        name,
        checked,
        'aria-describedby': hintKey ? `${id}-hint` : null,
      }),
      el(
        'label',
        { class: 'choice__label', for: id },
        el('span', { 'data-i18n': labelKey ?? null }, label ?? ''),
        hintKey
          ? el('span', { class: 'choice__hint', id: `${id}-hint`, 'data-i18n': hintKey })
          : null,
      ),
    ),
  );
}

function fieldShell({ id, name, labelKey, label, hintKey, hint, required }, control) {
  return el(
    'div',
    { class: 'field', 'data-field': name },
    el(
      'label',
      { class: 'field__label', for: id },
      el('span', { 'data-i18n': labelKey ?? null }, label ?? ''),
      required ? el('span', { class: 'field__required', 'data-i18n': 'common.required' }) : null,
    ),
    hintKey || hint
      ? el(
          'p',
          { class: 'field__hint', id: `${id}-hint`, 'data-i18n': hintKey ?? null },
          hint ?? '',
        )
      : null,
    el('p', { class: 'field__error', id: `${id}-error`, hidden: true }),
    control,
  );
}

/**
 * A group of radios or checkboxes in a fieldset.
 * options: [{value, labelKey, hintKey?, checked?}]
 */
export function choiceGroup({
  id,
  name,
  type = 'radio',
  legendKey,
  hintKey,
  required = false,
  options,
  layout,
}) {
  return el(
    'fieldset',
    {
      class: 'field choice-group',
      id,
      'data-field': name,
      'aria-describedby': hintKey ? `${id}-hint` : null,
    },
    el(
      'legend',
      { class: 'field__label choice-group__legend' },
      el('span', { 'data-i18n': legendKey }),
      required ? el('span', { class: 'field__required', 'data-i18n': 'common.required' }) : null,
    ),
    hintKey ? el('p', { class: 'field__hint', id: `${id}-hint`, 'data-i18n': hintKey }) : null,
    el('p', { class: 'field__error', id: `${id}-error`, hidden: true }),
    el(
      'div',
      {
        class: `choice-group__options choice-group__options--${layout ?? (options.length > 4 ? 'grid' : 'list')}`,
      },
      options.map((option) => {
        const optionId = `${id}-${option.value}`;
        return el(
          'div',
          { class: 'choice' },
          el('input', {
            class: 'choice__input',
            type,
            id: optionId,
            name,
            value: option.value,
            checked: option.checked ?? false,
            'aria-describedby': option.hintKey ? `${optionId}-hint` : null,
          }),
          el(
            'label',
            { class: 'choice__label', for: optionId },
            el('span', { 'data-i18n': option.labelKey ?? null }, option.label ?? ''),
            option.hintKey
              ? el('span', {
                  class: 'choice__hint',
                  id: `${optionId}-hint`,
                  'data-i18n': option.hintKey,
                })
              : null,
          ),
        );
      }),
    ),
  );
}

/** The error summary: hidden until showErrors() fills it and moves focus to it. */
export function errorSummary(id) {
  return el(
    'div',
    { class: 'error-summary', id, tabindex: '-1', hidden: true },
    el(
      'div',
      { role: 'alert' },
      el(
        'h2',
        { class: 'error-summary__title' },
        icon('alert', 'error-summary__icon'),
        el('span', { 'data-i18n': 'errors.summaryTitle' }),
      ),
      el('ul', { class: 'error-summary__list' }),
    ),
  );
}

/**
 * Show items [{field?: name, text}] in summary; fields of form named by an item are
 * marked invalid with their message. Focus moves to the summary.
 */
export function showErrors(summary, form, items) {
  clearErrors(summary, form);
  const list = summary.querySelector('.error-summary__list');
  for (const { field, text, reference } of items) {
    const container =
      field && form ? form.querySelector(`[data-field="${CSS.escape(field)}"]`) : null;
    const target = container ? firstControl(container) : null;
    if (container && target) {
      markInvalid(container, text);
      const link = el('a', { class: 'error-summary__link', href: `#${target.id}` }, text);
      link.addEventListener('click', (event) => {
        event.preventDefault(); // the URL's fragment may hold an invite token: keep it
        target.focus();
        target.scrollIntoView({ block: 'center' });
      });
      list.append(el('li', {}, link));
    } else {
      list.append(
        el(
          'li',
          {},
          text,
          reference
            ? el(
                'span',
                { class: 'error-summary__reference' },
                t('errors.requestId', { id: reference }),
              )
            : null,
        ),
      );
    }
  }
  summary.hidden = false;
  summary.focus();
  summary.scrollIntoView({ block: 'start' });
}

/** Remove every error from summary and form. */
export function clearErrors(summary, form) {
  summary.hidden = true;
  summary.querySelector('.error-summary__list').replaceChildren();
  if (!form) return;
  for (const container of form.querySelectorAll('.field--error')) {
    container.classList.remove('field--error');
    const message = container.querySelector(':scope > .field__error');
    message.hidden = true;
    message.replaceChildren();
    for (const node of describedNodes(container)) {
      removeToken(node, 'aria-describedby', message.id);
    }
    for (const control of controls(container)) control.removeAttribute('aria-invalid');
  }
}

/** The summary items for a failed API call: the API's field errors, else its detail_ja. */
export function problemItems(error, fieldFor = () => null) {
  const items = [];
  for (const entry of error?.errors ?? []) {
    const text = entry?.message?.ja;
    if (typeof text === 'string' && text) items.push({ field: entry.field, text });
  }
  if (items.length === 0) {
    items.push({
      field: fieldFor(error),
      text: problemText(error),
      reference: problemReference(error),
    });
  }
  return items;
}

function markInvalid(container, text) {
  container.classList.add('field--error');
  const message = container.querySelector(':scope > .field__error');
  message.replaceChildren(el('span', { class: 'visually-hidden' }, t('errors.prefix')), text);
  message.hidden = false;
  for (const node of describedNodes(container)) addToken(node, 'aria-describedby', message.id);
  for (const control of controls(container)) control.setAttribute('aria-invalid', 'true');
}

// A fieldset is described as a whole (its legend and error read when entering the group);
// a single field's input carries the description itself.
function describedNodes(container) {
  return container.tagName === 'FIELDSET' ? [container] : controls(container);
}

function controls(container) {
  return [...container.querySelectorAll('input, select, textarea')];
}

function firstControl(container) {
  const all = controls(container);
  return all.find((c) => c.checked) ?? all[0] ?? null;
}

function addToken(node, attribute, token) {
  const tokens = (node.getAttribute(attribute) ?? '').split(/\s+/).filter(Boolean);
  if (!tokens.includes(token)) tokens.push(token);
  node.setAttribute(attribute, tokens.join(' '));
}

function removeToken(node, attribute, token) {
  const tokens = (node.getAttribute(attribute) ?? '').split(/\s+/).filter((x) => x && x !== token);
  if (tokens.length) node.setAttribute(attribute, tokens.join(' '));
  else node.removeAttribute(attribute);
}

/** Full-width digits and letters to half-width, spaces removed (IME input at a desk). */
export function normalise(value) {
  return String(value ?? '')
    .normalize('NFKC')
    .replace(/\s+/g, '');
}

/** A DS notification banner: tone success | error | info, a title and body nodes. */
export function notice({ tone = 'info', titleKey, title, body = [], actions = [], id }) {
  const iconName = { success: 'online', error: 'alert', info: 'info' }[tone] ?? 'info';
  return el(
    'div',
    { class: `notice notice--${tone}`, id },
    icon(iconName, 'notice__icon'),
    el(
      'h2',
      { class: 'notice__title', tabindex: '-1', 'data-i18n': titleKey ?? null },
      title ?? '',
    ),
    body.length ? el('div', { class: 'notice__body' }, body) : null,
    actions.length ? el('div', { class: 'notice__actions' }, actions) : null,
  );
}

/**
 * Run task once at a time for a form: clicks or Enter while it runs are ignored, and a
 * polite status line says what is happening.
 */
export function guardBusy(status) {
  let busy = false;
  return async (messageKey, task) => {
    if (busy) return undefined;
    busy = true;
    status.textContent = messageKey ? t(messageKey) : '';
    try {
      return await task();
    } finally {
      busy = false;
      status.textContent = '';
    }
  };
}

/** The one-time message a navigation carried (ctx.flash), shown and said once. */
export function flashNotice(ctx, tone = 'success') {
  if (!ctx.flash) return null;
  announce(t(ctx.flash));
  return el(
    'div',
    { class: `flash flash--${tone}` },
    icon(tone === 'success' ? 'online' : 'info', 'flash__icon'),
    el('p', { 'data-i18n': ctx.flash }),
  );
}
