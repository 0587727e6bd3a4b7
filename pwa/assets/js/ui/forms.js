// Form pieces in the DS style: a labelled text field with its hint and its error, and a
// switch (a checkbox that says on/off). Labels, hints and errors are i18n keys.

import { el, icon } from '../dom.js';
import { applyTranslations, localize } from '../i18n.js';

/**
 * A text input with a visible label, an optional hint and a place for its error.
 * attributes go on the <input> (type, autocomplete, maxlength…).
 */
export function textField({ id, labelKey, hintKey, optional = false, attributes = {} }) {
  const hintId = hintKey ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const input = el('input', {
    id,
    class: 'field__input',
    type: 'text',
    'aria-describedby': hintId ?? null,
    ...attributes,
  });
  const error = el('p', { class: 'field__error', id: errorId, hidden: true });
  const wrapper = el(
    'div',
    { class: 'field' },
    el(
      'label',
      { class: 'field__label', for: id },
      el('span', { 'data-i18n': labelKey }),
      optional ? el('span', { class: 'field__optional', 'data-i18n': 'form.optional' }) : null,
    ),
    hintKey ? el('p', { class: 'field__hint', id: hintId, 'data-i18n': hintKey }) : null,
    input,
    error,
  );

  /** Show an error ({key, params} or {value}), or clear it with null. */
  function setError(message) {
    if (!message) {
      error.hidden = true;
      error.replaceChildren();
      input.removeAttribute('aria-invalid');
      input.setAttribute('aria-describedby', hintId ?? '');
      if (!hintId) input.removeAttribute('aria-describedby');
      return;
    }
    const text = el('span');
    if (message.key) {
      text.setAttribute('data-i18n', message.key);
      if (message.params) text.setAttribute('data-i18n-params', JSON.stringify(message.params));
    } else {
      localize(text, message.value);
    }
    error.replaceChildren(icon('alert', 'field__error-icon'), text);
    applyTranslations(error);
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', [errorId, hintId].filter(Boolean).join(' '));
  }

  return { wrapper, input, setError };
}

/**
 * A switch: a real checkbox (role="switch") with a label, a description and a state
 * word ("オン"/"オフ") next to it, so the state is never told by colour alone.
 */
export function switchField({ id, labelKey, descriptionKey, checked = false }) {
  const descriptionId = `${id}-description`;
  const input = el('input', {
    id,
    class: 'switch__input',
    type: 'checkbox',
    role: 'switch',
    checked,
    'aria-describedby': descriptionId,
  });
  const state = el('span', { class: 'switch__state', 'aria-hidden': 'true' });
  const status = el('p', { class: 'switch__status', role: 'status' });
  const wrapper = el(
    'div',
    { class: 'switch' },
    el(
      'div',
      { class: 'switch__row' },
      el('label', { class: 'switch__label', for: id, 'data-i18n': labelKey }),
      el('span', { class: 'switch__control' }, input, state),
    ),
    el('p', { class: 'switch__description', id: descriptionId, 'data-i18n': descriptionKey }),
    status,
  );

  function sync() {
    state.setAttribute('data-i18n', input.checked ? 'form.switch.on' : 'form.switch.off');
    applyTranslations(state);
  }
  sync();
  input.addEventListener('change', sync);

  return { wrapper, input, status, sync };
}
