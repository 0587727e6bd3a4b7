// What the resident can do on an application: write to the department, and withdraw it
// (asked once more in a dialog). Each, once done, reloads the screen with its message.

import { sendJSON } from '../../api.js';
import { el, icon } from '../../dom.js';
import { applyTranslations } from '../../i18n.js';
import { busy, messageArea } from '../../ui/feedback.js';

export function messagePanel(application, { signal, reload }) {
  const fieldId = 'application-message';
  const area = el('textarea', {
    id: fieldId,
    class: 'field__input field__textarea',
    rows: '4',
    maxlength: '2000',
    'aria-describedby': `${fieldId}-hint`,
  });
  const error = el('p', { class: 'field__error', id: `${fieldId}-error`, hidden: true });
  const send = el(
    'button',
    { type: 'submit', class: 'button button--solid' },
    icon('send', 'button__icon'),
    el('span', { 'data-i18n': 'application.message.send' }),
  );
  const messages = messageArea();
  const formNode = el(
    'form',
    { class: 'stack', action: '#', novalidate: true },
    el(
      'div',
      { class: 'field' },
      el('label', {
        class: 'field__label',
        for: fieldId,
        'data-i18n': 'application.message.label',
      }),
      el('p', {
        class: 'field__hint',
        id: `${fieldId}-hint`,
        'data-i18n': 'application.message.hint',
      }),
      error,
      area,
    ),
    messages.node,
    el('div', { class: 'button-row' }, send),
  );
  formNode.addEventListener(
    'submit',
    async (event) => {
      event.preventDefault();
      messages.clear();
      const text = area.value.trim();
      if (!text) {
        error.replaceChildren(
          icon('alert', 'field__error-icon'),
          el('span', { 'data-i18n': 'application.message.required' }),
        );
        applyTranslations(error);
        error.hidden = false;
        area.setAttribute('aria-invalid', 'true');
        area.setAttribute('aria-describedby', `${fieldId}-error ${fieldId}-hint`);
        area.focus();
        return;
      }
      error.hidden = true;
      area.removeAttribute('aria-invalid');
      area.setAttribute('aria-describedby', `${fieldId}-hint`);
      const done = busy(send);
      try {
        await sendJSON(`/api/applications/${encodeURIComponent(application.id)}/messages`, {
          body: { text },
          signal: signal,
        });
      } catch (failure) {
        if (signal.aborted) return;
        done();
        messages.show({ error: failure, focus: true });
        return;
      }
      if (signal.aborted) return;
      await reload({ message: { tone: 'success', key: 'application.message.sent', focus: true } });
    },
    { signal: signal },
  );
  return el(
    'section',
    { class: 'panel', 'aria-labelledby': 'application-message-title' },
    el('h2', {
      class: 'panel__title',
      id: 'application-message-title',
      'data-i18n': 'application.message.title',
    }),
    formNode,
  );
}

export function withdrawPanel(application, { signal, reload }) {
  const dialogTitle = 'application-withdraw-title';
  const confirm = el(
    'button',
    { type: 'button', class: 'button button--danger-solid' },
    icon('trash', 'button__icon'),
    el('span', { 'data-i18n': 'application.withdraw.confirm' }),
  );
  const cancel = el('button', {
    type: 'button',
    class: 'button button--text',
    'data-i18n': 'form.cancel',
  });
  const dialogMessages = messageArea();
  const dialog = el(
    'dialog',
    { class: 'dialog', 'aria-labelledby': dialogTitle },
    el(
      'div',
      { class: 'dialog__body stack' },
      el('h2', {
        class: 'dialog__title',
        id: dialogTitle,
        'data-i18n': 'application.withdraw.question',
      }),
      el('p', { 'data-i18n': 'application.withdraw.explain' }),
      dialogMessages.node,
      el('div', { class: 'button-row' }, confirm, cancel),
    ),
  );
  const open = el(
    'button',
    { type: 'button', class: 'button button--danger', 'aria-haspopup': 'dialog' },
    icon('trash', 'button__icon'),
    el('span', { 'data-i18n': 'application.withdraw.button' }),
  );
  open.addEventListener(
    'click',
    () => {
      dialogMessages.clear();
      dialog.showModal();
      cancel.focus();
    },
    { signal: signal },
  );
  cancel.addEventListener('click', () => dialog.close(), { signal: signal });
  dialog.addEventListener('close', () => open.isConnected && open.focus(), {
    signal: signal,
  });
  confirm.addEventListener(
    'click',
    async () => {
      const done = busy(confirm);
      try {
        await sendJSON(`/api/applications/${encodeURIComponent(application.id)}/withdraw`, {
          signal: signal,
        });
      } catch (error) {
        if (signal.aborted) return;
        done();
        dialogMessages.show({ error, focus: true });
        return;
      }
      if (signal.aborted) return;
      dialog.close();
      await reload({ message: { tone: 'success', key: 'application.withdraw.done', focus: true } });
    },
    { signal: signal },
  );
  return el(
    'section',
    { class: 'panel', 'aria-labelledby': 'application-withdraw-section' },
    el('h2', {
      class: 'panel__title',
      id: 'application-withdraw-section',
      'data-i18n': 'application.withdraw.title',
    }),
    el('p', { class: 'panel__hint', 'data-i18n': 'application.withdraw.hint' }),
    el('div', { class: 'button-row' }, open),
    dialog,
  );
}
