// The link back up to the screen a screen belongs to ("‹ アカウント"), above its h1.

import { el, icon } from '../dom.js';

export function backLink(href, key) {
  return el(
    'p',
    { class: 'back-link' },
    el(
      'a',
      { class: 'link', href },
      icon('chevronLeft', 'back-link__icon'),
      el('span', { 'data-i18n': key }),
    ),
  );
}
