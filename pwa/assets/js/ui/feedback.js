// Results of what a person just did: a message box in a fixed place on the screen,
// errors said at once (role="alert"), successes through the page's polite announcer.
// Also: what to tell a person about an error, and dates in the current language.

import { ApiError } from '../api.js';
import { announce, el, icon } from '../dom.js';
import { applyTranslations, localize } from '../i18n.js';

// What the browser's WebAuthn errors mean to a person (i18n keys).
const CEREMONY_ERRORS = {
  NotAllowedError: 'account.error.cancelled',
  InvalidStateError: 'account.error.alreadyOnDevice',
  SecurityError: 'account.error.insecure',
  NotSupportedError: 'account.error.unsupported',
  ConstraintError: 'account.error.unsupported',
};

/**
 * What to say about error, as {key, params} (an i18n message) or {value} (the API's own
 * words in every language, for localize()); null when there is nothing to say (an abort
 * we made ourselves).
 */
export function describeError(error) {
  if (error?.name === 'AbortError') return null;
  if (error instanceof ApiError) {
    if (error.offline) return { key: 'error.offline' };
    if (error.detail || error.detailJa) {
      const ja = error.detailJa || error.detail;
      return { value: { ja, easy: ja, en: error.detail || ja } };
    }
    return { key: 'error.server' };
  }
  const key = CEREMONY_ERRORS[error?.name];
  return { key: key ?? 'account.error.unknown' };
}

/**
 * A place for one message at a time. show() replaces the message; clear() removes it.
 * tone: "error" (said at once), "success" or "info" (said politely).
 */
export function messageArea() {
  const node = el('div', { class: 'message-area' });

  function show({ tone = 'error', key, params, value, error, titleKey, focus = false }) {
    let text = { key, params, value };
    if (error) {
      const described = describeError(error);
      if (!described) {
        clear();
        return;
      }
      text = described;
    }
    const body = el('p', { class: 'notice__text' });
    if (text.key) {
      body.setAttribute('data-i18n', text.key);
      if (text.params) body.setAttribute('data-i18n-params', JSON.stringify(text.params));
    } else if (text.value) {
      localize(body, text.value);
    }
    const iconName = tone === 'error' ? 'alert' : tone === 'success' ? 'check' : 'info';
    const box = el(
      'div',
      {
        class: `notice notice--${tone} notice--compact`,
        role: tone === 'error' ? 'alert' : null,
        tabindex: focus ? '-1' : null,
      },
      icon(iconName, 'notice__icon'),
      titleKey ? el('p', { class: 'notice__title', 'data-i18n': titleKey }) : null,
      el('div', { class: titleKey ? 'notice__body' : 'notice__body notice__body--inline' }, body),
    );
    node.replaceChildren(box);
    applyTranslations(box);
    if (tone !== 'error') announce(box.textContent.trim());
    if (focus) box.focus();
  }

  function clear() {
    node.replaceChildren();
  }

  return { node, show, clear };
}

/**
 * Set a button busy (disabled, aria-busy) while work runs; returns a function to undo it.
 * A disabled button drops focus, so the undo gives focus back if nothing else took it.
 */
export function busy(button) {
  const hadFocus = document.activeElement === button;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  return () => {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    const lost = !document.activeElement || document.activeElement === document.body;
    if (hadFocus && lost && button.isConnected) button.focus();
  };
}

/**
 * A date and time from the API as {ja, easy, en} text, for localize(), in the Gregorian
 * calendar like every other date the app shows (2026年12月6日 15:04).
 */
export function dateTimeValue(iso, { time = true } = {}) {
  const date = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(date.getTime())) return { ja: '', easy: '', en: '' };
  const options = time
    ? { year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' }
    : { year: 'numeric', month: 'long', day: 'numeric' };
  return inJapan(date, options);
}

/** Only the time of day (with the date when it is not today in Japan), as {ja, easy, en}. */
export function timeValue(date) {
  const sameDay = japanDay(date) === japanDay(new Date());
  const options = sameDay
    ? { hour: 'numeric', minute: '2-digit' }
    : { month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' };
  return inJapan(date, options);
}

// Every moment in Japan's time, whatever the device's zone: the municipality's office hours,
// a receipt's time and the staff app's record of the same event then read alike (a resident
// abroad or a phone left on another zone would otherwise see another day).
const JAPAN = 'Asia/Tokyo';

function inJapan(date, options) {
  const ja = new Intl.DateTimeFormat('ja-JP', { ...options, timeZone: JAPAN }).format(date);
  const en = new Intl.DateTimeFormat('en-GB', { ...options, timeZone: JAPAN }).format(date);
  return { ja, easy: ja, en };
}

function japanDay(date) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: JAPAN }).format(date);
}
