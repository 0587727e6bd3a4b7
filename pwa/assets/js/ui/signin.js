// What a screen that needs an account shows to someone signed out: why, and the way in.

import { el, icon } from '../dom.js';

/** A notice saying sign-in is needed (reasonKey says for what) with a link to /account. */
export function signInPrompt(reasonKey) {
  return el(
    'div',
    { class: 'notice notice--info' },
    icon('person', 'notice__icon'),
    el('h2', { class: 'notice__title', 'data-i18n': 'signIn.needed' }),
    el('div', { class: 'notice__body' }, el('p', { 'data-i18n': reasonKey })),
    el(
      'div',
      { class: 'notice__actions' },
      el(
        'a',
        { class: 'button button--solid', href: '/account' },
        icon('passkey', 'button__icon'),
        el('span', { 'data-i18n': 'signIn.goToAccount' }),
      ),
    ),
  );
}
