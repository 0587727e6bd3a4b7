// A code typed from a letter or another screen (XXXX-XXXX-XXXX: any case, with or without
// dashes, full-width too), sent to the server, and what its answer means: the activation
// and verification screens' letter code and the 引越しコード at the new municipality.

import { ApiError, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { pick } from '../i18n.js';
import { busy, describeError, messageArea, timeValue } from './feedback.js';
import { textField } from './forms.js';

const CODE_LENGTH = 12;

/** "abcd efgh-jklm" → "ABCD-EFGH-JKLM"; null when it cannot be a code. */
export function canonicalCode(value) {
  const cleaned = String(value)
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, '');
  if (cleaned.length !== CODE_LENGTH) return null;
  return cleaned.match(/.{4}/g).join('-');
}

/**
 * The code field and its submit button, as a form that sends ``{ code }`` to ``path``.
 * A code that cannot be one, or one the server refuses (422), is the field's error; too many
 * tries (429) say until when; a session that ended underneath (401) goes to ``onSignedOut``.
 * On success ``onDone(result)`` takes over (the button stays busy: the screen moves on).
 *
 * @param {object} options
 * @param {string} options.id           the field's id
 * @param {string} options.labelKey
 * @param {string} options.hintKey
 * @param {string} options.submitKey
 * @param {string} options.path         where the code is sent
 * @param {AbortSignal} options.signal
 * @param {(result: any) => void | Promise<void>} options.onDone
 * @param {() => void} options.onSignedOut
 * @param {string} [options.value]      a code already known (from the letter's link)
 * @param {Node[]} [options.extra]      more of the form, between the field and the button
 * @param {boolean} [options.onward]    the button carries an arrow (a step of several)
 * @param {{title: string, until: string}} [options.lockedKeys]  what "too many tries" says
 * @returns {HTMLFormElement}
 */
export function codeEntryForm({
  id,
  labelKey,
  hintKey,
  submitKey,
  path,
  signal,
  onDone,
  onSignedOut,
  value = '',
  extra = [],
  onward = false,
  lockedKeys = { title: 'verify.locked.title', until: 'verify.locked.until' },
}) {
  const messages = messageArea();
  const code = textField({
    id,
    labelKey,
    hintKey,
    attributes: {
      name: 'code',
      autocomplete: 'one-time-code',
      autocapitalize: 'characters',
      spellcheck: 'false',
      maxlength: '24',
      class: 'field__input field__input--code',
      value,
    },
  });
  const submit = el(
    'button',
    { type: 'submit', class: 'button button--solid button--block' },
    el('span', { 'data-i18n': submitKey }),
    onward ? icon('chevronRight', 'button__icon') : null,
  );
  const form = el(
    'form',
    { class: 'stack', action: '#', novalidate: true },
    code.wrapper,
    ...extra,
    submit,
    messages.node,
  );

  function showLocked(error) {
    if (!error.retryAfter) {
      messages.show({ titleKey: lockedKeys.title, error, focus: true });
      return;
    }
    const until = new Date(Date.now() + error.retryAfter * 1000);
    messages.show({
      titleKey: lockedKeys.title,
      key: lockedKeys.until,
      params: { time: pick(timeValue(until)).text },
      focus: true,
    });
  }

  form.addEventListener(
    'submit',
    async (event) => {
      event.preventDefault();
      messages.clear();
      const canonical = canonicalCode(code.input.value);
      if (!canonical) {
        code.setError({ key: 'verify.code.invalidFormat' });
        code.input.focus();
        return;
      }
      code.setError(null);
      code.input.value = canonical;
      const done = busy(submit);
      let result;
      try {
        result = await sendJSON(path, { body: { code: canonical }, signal });
      } catch (error) {
        if (signal.aborted) return;
        done();
        if (error instanceof ApiError && error.status === 401) {
          onSignedOut();
        } else if (error instanceof ApiError && error.status === 429) {
          showLocked(error);
        } else if (error instanceof ApiError && error.status === 422) {
          code.setError(describeError(error));
          code.input.focus();
        } else {
          messages.show({ error, focus: true });
        }
        return;
      }
      await onDone(result);
    },
    { signal },
  );
  return form;
}
