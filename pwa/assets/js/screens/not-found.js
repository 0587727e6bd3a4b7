// Any app path no route claims (the server answers such a page with the app shell and a
// 404, so a mistyped address lands here): the way home and to the list of procedures.

import { el, icon } from '../dom.js';

export const titleKey = 'notFound.title';

export function mount(outlet) {
  outlet.append(
    el(
      'div',
      { class: 'page' },
      el('h1', { class: 'page__title', 'data-i18n': 'notFound.title' }),
      el('p', { class: 'page__lead', 'data-i18n': 'notFound.body' }),
      el(
        'p',
        { class: 'button-row' },
        el(
          'a',
          { class: 'button button--solid', href: '/' },
          icon('home', 'button__icon'),
          el('span', { 'data-i18n': 'notFound.home' }),
        ),
        el(
          'a',
          { class: 'button button--outline', href: '/procedures' },
          icon('search', 'button__icon'),
          el('span', { 'data-i18n': 'notFound.procedures' }),
        ),
      ),
    ),
  );
}
