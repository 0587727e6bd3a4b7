// What the form and review screens show when their draft is gone.

import { el, icon } from '../dom.js';
import { procedureHref } from '../procedure-form.js';

/** A draft that is gone (deleted, expired, or never this account's), with the way back. */
export function missingDraft(slug) {
  return el(
    'div',
    { class: 'notice notice--error' },
    icon('alert', 'notice__icon'),
    el('h2', { class: 'notice__title', 'data-i18n': 'apply.missing.title' }),
    el('div', { class: 'notice__body' }, el('p', { 'data-i18n': 'apply.missing.body' })),
    el(
      'div',
      { class: 'notice__actions' },
      el('a', {
        class: 'button button--outline',
        href: procedureHref(slug),
        'data-i18n': 'apply.missing.link',
      }),
    ),
  );
}
