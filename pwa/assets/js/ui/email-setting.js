// The email section of 設定: one address per account, to be told by email that a notice is
// waiting (never what it says). What the section shows follows the address's state:
//   signed out      sign in first (the address belongs to an account)
//   no address      what the emails say, and the address field
//   awaiting        "we sent a link to …": open it to confirm; send it again; change it
//   confirmed       the switch 「お知らせをメールでも受け取る」; change or remove the address
//   bounced         the mail server refused it: check it and enter it again
// Entering an address sends a confirmation email in the app's current language.

import { ApiError, getJSON, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, currentLanguage, localize } from '../i18n.js';
import { loadMe, sessionEnded } from '../session.js';
import { busy, describeError, messageArea } from './feedback.js';
import { switchField, textField } from './forms.js';

const TITLE_ID = 'settings-email-title';
const MAX_LENGTH = 254;

/** The section, filled once the session and the address are known; signal ends it. */
export function emailSetting({ signal }) {
  const body = el(
    'div',
    { class: 'stack' },
    el('p', { class: 'loading-line', role: 'status', 'data-i18n': 'email.loading' }),
  );
  const section = el(
    'section',
    { class: 'settings-section', 'aria-labelledby': TITLE_ID },
    el('h2', { class: 'settings-section__title', id: TITLE_ID, 'data-i18n': 'email.title' }),
    el('p', { class: 'settings-section__hint', 'data-i18n': 'email.lead' }),
    body,
  );

  function fill(...nodes) {
    body.replaceChildren(...nodes.filter(Boolean));
    applyTranslations(body);
  }

  function signedOut(reasonKey = 'email.signInNeeded') {
    fill(
      el('p', {}, [
        el('span', { 'data-i18n': reasonKey }),
        ' ',
        el('a', { class: 'link', href: '/account', 'data-i18n': 'signIn.goToAccount' }),
      ]),
    );
  }

  async function show(message) {
    let me;
    let status;
    try {
      me = await loadMe({ signal });
      status = me ? await getJSON('/api/me/email', { signal }) : null;
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && error.status === 401) {
        sessionEnded();
        signedOut();
        return;
      }
      if (error instanceof ApiError && error.status === 403) {
        fill(notice('info', 'info', 'email.residentsOnly'));
        return;
      }
      fill(notice('alert', 'warning', error?.offline ? 'email.offline' : 'email.loadError'));
      return;
    }
    if (signal.aborted) return;
    if (!me) {
      signedOut();
      return;
    }
    render(status, message);
  }

  function render(status, message) {
    const messages = messageArea();
    const parts = [];
    if (status.address) parts.push(current(status));
    if (status.address && status.confirmed && !status.bounced) parts.push(notifySwitch(status));
    parts.push(addressForm(status, messages));
    if (status.address) parts.push(removeButton(messages));
    parts.push(messages.node);
    fill(...parts);
    if (message) messages.show(message);
  }

  /** The address and what state it is in. */
  function current(status) {
    let tone = 'success';
    let iconName = 'check';
    let key = 'email.state.confirmed';
    if (status.bounced) {
      [tone, iconName, key] = ['warning', 'alert', 'email.state.bounced'];
    } else if (!status.confirmed) {
      [tone, iconName, key] = status.awaiting_confirmation
        ? ['info', 'info', 'email.state.awaiting']
        : ['warning', 'alert', 'email.state.expired'];
    }
    return el(
      'div',
      { class: `notice notice--${tone} notice--compact` },
      icon(iconName, 'notice__icon'),
      el(
        'div',
        { class: 'notice__body' },
        el('p', { class: 'notice__title', 'data-i18n': 'email.current' }),
        // The address as entered: text, never markup.
        el('p', { class: 'email-address', lang: 'en', translate: 'no' }, status.address),
        el('p', { 'data-i18n': key }),
      ),
    );
  }

  function notifySwitch(status) {
    const field = switchField({
      id: 'email-notify',
      labelKey: 'email.notify.label',
      descriptionKey: 'email.notify.description',
      checked: status.notify,
    });
    field.input.addEventListener(
      'change',
      async () => {
        const on = field.input.checked;
        field.input.setAttribute('aria-busy', 'true');
        field.status.removeAttribute('data-tone');
        try {
          const answer = await sendJSON('/api/me/email', {
            method: 'PATCH',
            body: { notify: on },
            signal,
          });
          if (signal.aborted) return;
          field.input.checked = answer.notify;
          field.sync();
          setStatus(field, 'success', on ? 'email.notify.savedOn' : 'email.notify.savedOff');
        } catch (error) {
          if (signal.aborted) return;
          if (error instanceof ApiError && error.status === 401) {
            sessionEnded();
            signedOut('account.sessionExpired');
            return;
          }
          field.input.checked = !on;
          field.sync();
          setStatus(field, 'error', 'email.notify.notSaved', error);
        } finally {
          field.input.removeAttribute('aria-busy');
        }
      },
      { signal },
    );
    return field.wrapper;
  }

  function addressForm(status, messages) {
    const field = textField({
      id: 'email-address',
      labelKey:
        status.confirmed && !status.bounced ? 'email.address.changeLabel' : 'email.address.label',
      hintKey: 'email.address.hint',
      attributes: {
        type: 'email',
        name: 'email',
        autocomplete: 'email',
        inputmode: 'email',
        spellcheck: 'false',
        autocapitalize: 'off',
        maxlength: String(MAX_LENGTH),
        value: status.bounced || !status.confirmed ? (status.address ?? '') : '',
      },
    });
    const submit = el(
      'button',
      { type: 'submit', class: 'button button--solid' },
      el(
        'span',
        {
          'data-i18n':
            status.address && !status.confirmed && !status.bounced
              ? 'email.address.resend'
              : 'email.address.submit',
        },
      ),
    );
    const form = el(
      'form',
      { class: 'stack', action: '#', novalidate: true },
      field.wrapper,
      el('div', { class: 'button-row' }, submit),
    );
    form.addEventListener(
      'submit',
      async (event) => {
        event.preventDefault();
        messages.clear();
        // Full-width ＠ and letters are fine: the server folds them.
        const address = field.input.value.trim();
        if (!address) {
          field.setError({ key: 'email.address.empty' });
          field.input.focus();
          return;
        }
        field.setError(null);
        const done = busy(submit);
        let answer;
        try {
          answer = await sendJSON('/api/me/email', {
            method: 'PUT',
            body: { address, language: currentLanguage() },
            signal,
          });
        } catch (error) {
          if (signal.aborted) return;
          done();
          if (error instanceof ApiError && error.status === 401) {
            sessionEnded();
            signedOut('account.sessionExpired');
            return;
          }
          if (error instanceof ApiError && (error.status === 422 || error.status === 400)) {
            field.setError(describeError(error));
            field.input.focus();
            return;
          }
          messages.show({ error, focus: true });
          return;
        }
        if (signal.aborted) return;
        render(
          answer,
          answer.confirmed
            ? { tone: 'success', key: 'email.saved' }
            : { tone: 'success', key: 'email.sent', params: { address: answer.address } },
        );
      },
      { signal },
    );
    return form;
  }

  function removeButton(messages) {
    const button = el(
      'button',
      { type: 'button', class: 'button button--danger button--sm' },
      el('span', { 'data-i18n': 'email.remove' }),
    );
    button.addEventListener(
      'click',
      async () => {
        messages.clear();
        const done = busy(button);
        try {
          await sendJSON('/api/me/email', { method: 'DELETE', signal });
        } catch (error) {
          if (signal.aborted) return;
          done();
          if (error instanceof ApiError && error.status === 401) {
            sessionEnded();
            signedOut('account.sessionExpired');
            return;
          }
          if (!(error instanceof ApiError && error.status === 404)) {
            messages.show({ error, focus: true });
            return;
          }
        }
        if (signal.aborted) return;
        show({ tone: 'success', key: 'email.removed' });
      },
      { signal },
    );
    return el('div', { class: 'button-row' }, button);
  }

  show();
  return section;
}

function setStatus(field, tone, key, error) {
  const described = error ? describeError(error) : null;
  field.status.setAttribute('data-tone', tone);
  field.status.replaceChildren(
    icon(tone === 'success' ? 'check' : 'alert', 'switch__status-icon'),
    el('span', {}, [
      el('span', { 'data-i18n': key }),
      described ? ' ' : null,
      described?.key ? el('span', { 'data-i18n': described.key }) : null,
      described?.value ? localize(el('span'), described.value) : null,
    ]),
  );
  applyTranslations(field.status);
}

function notice(iconName, tone, key) {
  return el(
    'div',
    { class: `notice notice--${tone} notice--compact` },
    icon(iconName, 'notice__icon'),
    el('p', { class: 'notice__body notice__body--inline', 'data-i18n': key }),
  );
}
