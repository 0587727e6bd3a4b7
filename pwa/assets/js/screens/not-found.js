// Any app path no route claims.

import { el } from '../dom.js';

export const titleKey = 'notFound.title';

export function mount(outlet) {
  outlet.append(
    el(
      'div',
      { class: 'page' },
      el('h1', { class: 'page__title', 'data-i18n': 'notFound.title' }),
      el('p', { class: 'page__lead', 'data-i18n': 'notFound.body' }),
      el('p', {}, el('a', { class: 'link', href: '/', 'data-i18n': 'notFound.home' })),
    ),
  );
}
