// The states every data screen shows besides its content: loading, empty, and failed.

import { el, icon } from '../dom.js';

/**
 * A problem box (DS notification banner, error style) with a retry button.
 * The message says what a person can do: offline → check the connection, else wait.
 * @param {object} options
 * @param {string} options.titleKey   i18n key of the heading
 * @param {Error} options.error       usually an ApiError
 * @param {() => void} options.onRetry
 * @param {string} [options.headingLevel]  'h2' by default
 */
export function errorPanel({ titleKey, error, onRetry, headingLevel = 'h2' }) {
  const status = Number.isInteger(error?.status) ? error.status : 0;
  const offline = error?.offline ?? status === 0;
  const button = el(
    'button',
    { type: 'button', class: 'button button--solid' },
    icon('refresh', 'button__icon'),
    el('span', { 'data-i18n': 'error.retry' }),
  );
  button.addEventListener('click', onRetry);
  return el(
    'div',
    { class: 'notice notice--error', role: 'alert' },
    icon('alert', 'notice__icon'),
    el(headingLevel, { class: 'notice__title', 'data-i18n': titleKey }),
    el(
      'div',
      { class: 'notice__body' },
      el('p', { 'data-i18n': offline ? 'error.offline' : 'error.server' }),
      status
        ? el('p', {
            class: 'notice__code',
            'data-i18n': 'error.code',
            'data-i18n-params': JSON.stringify({ status }),
          })
        : null,
    ),
    el('div', { class: 'notice__actions' }, button),
  );
}

/** A calm "nothing here" message with an optional action. */
export function emptyState({ titleKey, bodyKey, params, action }) {
  const paramsAttribute = params ? JSON.stringify(params) : null;
  return el(
    'div',
    { class: 'empty-state' },
    icon('emptyBox', 'empty-state__icon'),
    el('h2', {
      class: 'empty-state__title',
      'data-i18n': titleKey,
      'data-i18n-params': paramsAttribute,
    }),
    bodyKey ? el('p', { class: 'empty-state__body', 'data-i18n': bodyKey }) : null,
    action ?? null,
  );
}

/** Placeholder cards while a list loads; the words are for screen readers only. */
export function loadingCards({ labelKey, count = 3 }) {
  const cards = Array.from({ length: count }, () =>
    el(
      'li',
      { class: 'skeleton-card' },
      el('span', { class: 'skeleton skeleton--title' }),
      el('span', { class: 'skeleton skeleton--chip' }),
      el('span', { class: 'skeleton skeleton--line' }),
      el('span', { class: 'skeleton skeleton--line skeleton--short' }),
    ),
  );
  return el(
    'div',
    { class: 'loading' },
    el('p', { class: 'visually-hidden', role: 'status', 'data-i18n': labelKey }),
    el('ul', { class: 'card-list', 'aria-hidden': 'true' }, cards),
  );
}
