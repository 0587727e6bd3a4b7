// The error summary (GOV.UK / DS pattern): a box at the top of a form listing each
// problem as a link to its field. It takes focus when shown, and says itself (role=alert).
// Also: field errors from an API problem, in the words of the current language.

import { el, icon } from '../dom.js';
import { applyTranslations, localize } from '../i18n.js';

/**
 * A hidden summary; show(items) fills it and moves focus to it. An item is
 *   { label: {ja, easy, en} | null, message: {key, params} | {value}, onSelect?: () => void }
 * onSelect (usually: focus the field) makes the item a link.
 */
export function errorSummary({ id, titleKey = 'errorSummary.title' }) {
  const list = el('ul', { class: 'error-summary__list' });
  const node = el(
    'div',
    {
      class: 'error-summary',
      id,
      tabindex: '-1',
      role: 'alert',
      'aria-labelledby': `${id}-title`,
      hidden: true,
    },
    el(
      'h2',
      { class: 'error-summary__title', id: `${id}-title` },
      icon('alert', 'error-summary__icon'),
      el('span', { 'data-i18n': titleKey }),
    ),
    list,
  );

  function show(items) {
    list.replaceChildren(
      ...items.map((item) => {
        const parts = [
          item.label ? localize(el('span'), item.label) : null,
          item.label ? el('span', { 'data-i18n': 'errorSummary.separator' }) : null,
          messageNode(item.message),
        ];
        if (!item.onSelect) return el('li', {}, parts);
        const link = el('a', { class: 'error-summary__link', href: item.href ?? '#' }, parts);
        link.addEventListener('click', (event) => {
          event.preventDefault();
          item.onSelect();
        });
        return el('li', {}, link);
      }),
    );
    applyTranslations(node);
    node.hidden = false;
    node.focus();
    node.scrollIntoView?.({ block: 'start' });
  }

  function clear() {
    node.hidden = true;
    list.replaceChildren();
  }

  return { node, show, clear };
}

/** A message {key, params} (i18n) or {value} ({ja, easy, en}) as a span. */
export function messageNode(message) {
  const node = el('span');
  if (message?.key) {
    node.setAttribute('data-i18n', message.key);
    if (message.params) node.setAttribute('data-i18n-params', JSON.stringify(message.params));
  } else if (message?.value) {
    localize(node, message.value);
  }
  return node;
}

/**
 * The field errors of an API problem (422) as [{field, label, message}], each in both
 * languages: the API speaks ja and en, and ja serves やさしい日本語 too.
 */
export function problemFieldErrors(error) {
  const errors = error?.extra?.errors ?? error?.errors ?? [];
  return (Array.isArray(errors) ? errors : [])
    .filter((item) => item && typeof item.field === 'string')
    .map((item) => ({
      field: item.field,
      label: both(item.label),
      message: { value: both(item.message) },
    }));
}

function both(text) {
  const ja = text?.ja || text?.en || '';
  return { ja, easy: ja, en: text?.en || ja };
}
