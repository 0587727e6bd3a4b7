// The application's number, first: right after filing the receipt panel (受付番号, the
// target date, 受付票を印刷, what happens next); later a line with the number under the title.

import { el, icon } from '../../dom.js';
import { localize } from '../../i18n.js';
import { dateValue } from '../../jp.js';

const NEXT_KEYS = {
  full: 'application.next.full',
  booking: 'application.next.booking',
  partial: 'application.next.partial',
};

export function receiptPanel(application, h1) {
  h1.setAttribute('data-i18n', 'application.received.title');
  h1.removeAttribute('data-i18n-value');
  h1.classList.add('receipt__title');
  return el(
    'section',
    { class: 'receipt', 'aria-labelledby': 'application-receipt-number' },
    el('div', { class: 'receipt__head' }, icon('check', 'receipt__icon'), h1),
    localize(el('p', { class: 'receipt__procedure' }), application.procedure?.title),
    el(
      'div',
      { class: 'receipt__number-box' },
      el('p', {
        class: 'receipt__number-label',
        id: 'application-receipt-number',
        'data-i18n': 'application.receiptNumber',
      }),
      el('p', { class: 'receipt__number' }, application.receipt_number),
    ),
    application.due_by
      ? el('p', {
          class: 'receipt__due',
          'data-i18n': 'application.received.due',
          'data-i18n-params': JSON.stringify({ date: dateValue(application.due_by) }),
        })
      : null,
    el('p', { 'data-i18n': 'application.received.keepNumber' }),
    el(
      'p',
      { class: 'receipt__actions' },
      el(
        'a',
        {
          class: 'button button--outline',
          href: `/api/applications/${encodeURIComponent(application.id)}/receipt`,
          target: '_blank',
          rel: 'noopener',
        },
        icon('printer', 'button__icon'),
        el('span', { 'data-i18n': 'application.received.print' }),
        el('span', { class: 'visually-hidden', 'data-i18n': 'application.newTab' }),
      ),
    ),
    el(
      'div',
      { class: 'receipt__next' },
      el('h2', { class: 'receipt__next-title', 'data-i18n': 'application.next.title' }),
      el('p', {
        'data-i18n': NEXT_KEYS[application.procedure?.online] ?? 'application.next.full',
      }),
      el('p', { 'data-i18n': 'application.next.track' }),
    ),
  );
}

export function receiptLine(application) {
  return el(
    'p',
    { class: 'receipt-line' },
    el('span', { class: 'receipt-line__label', 'data-i18n': 'application.receiptNumber' }),
    el('span', { class: 'receipt-line__number' }, application.receipt_number),
  );
}
