// /account, signed in: the passkeys of the account, each with when it was made and last
// used, whether it is synced (a copy on the person's other devices) or on this device only,
// and a warning when it may have been copied; add one, rename one, remove one (never the
// last: the API refuses and says why).

import { ApiError, getJSON, sendJSON } from '../../api.js';
import { el, icon } from '../../dom.js';
import { loadInto } from '../../frame.js';
import { localize, t } from '../../i18n.js';
import { addPasskey, loadMe } from '../../session.js';
import { busy, dateTimeValue, describeError, messageArea } from '../../ui/feedback.js';
import { textField } from '../../ui/forms.js';
import { deviceName } from '../../webauthn.js';

/** The passkeys panel: their list (loaded here, after the account) and a button to add one. */
export function passkeysSection(screen) {
  const { ctx } = screen;
  const list = el('ul', { class: 'passkey-list', 'aria-labelledby': 'account-passkeys-title' });
  const messages = messageArea();
  const add = el(
    'button',
    { type: 'button', class: 'button button--outline button--block', 'data-add-passkey': true },
    icon('plus', 'button__icon'),
    el('span', { 'data-i18n': 'account.passkeys.add' }),
  );
  const section = el(
    'section',
    { class: 'panel', 'aria-labelledby': 'account-passkeys-title' },
    el('h2', {
      class: 'panel__title',
      id: 'account-passkeys-title',
      tabindex: '-1',
      'data-i18n': 'account.passkeys.title',
    }),
    el('p', { class: 'panel__hint', 'data-i18n': 'account.passkeys.hint' }),
    messages.node,
    list,
    add,
  );

  let current = [];

  // The list, fetched (at first, after adding or removing) or as an answer gave it (a
  // rename). Should it fail, the list stays as it was and the section says why.
  function refresh({ passkeys } = {}) {
    return loadInto(list, {
      signal: ctx.signal,
      load: () => passkeys ?? getJSON('/api/me/passkeys', { signal: ctx.signal }),
      show: (items) => {
        current = items;
        return items.map((passkey) => passkeyItem(screen, passkey, { messages, refresh }));
      },
      signedOut: () => {
        screen.signedOutUnderneath();
      },
      failed: (error) => {
        messages.show({ error, titleKey: 'account.passkeys.loadError' });
        return [...list.children];
      },
    });
  }

  add.addEventListener(
    'click',
    async () => {
      messages.clear();
      const done = busy(add);
      try {
        await addPasskey({
          passkeyName: uniqueName(
            deviceName() || t('account.passkeys.defaultName'),
            current.map((passkey) => passkey.name),
          ),
          signal: ctx.signal,
        });
      } catch (error) {
        if (ctx.signal.aborted) return;
        done();
        if (error instanceof ApiError && error.status === 401) return screen.signedOutUnderneath();
        messages.show({ error });
        return;
      }
      if (ctx.signal.aborted) return;
      done();
      screen.content.querySelector('#account-suggestion')?.remove(); // done what it suggested
      await refresh();
      messages.show({ tone: 'success', key: 'account.passkeys.added' });
    },
    { signal: ctx.signal },
  );

  refresh();
  return section;
}

function passkeyItem(screen, passkey, { messages, refresh }) {
  const { ctx } = screen;
  const nameId = `passkey-${passkey.id}-name`;
  const facts = el(
    'dl',
    { class: 'facts facts--compact' },
    el('div', { class: 'facts__row' }, [
      el('dt', { 'data-i18n': 'account.passkeys.created' }),
      localize(el('dd'), dateTimeValue(passkey.created_at)),
    ]),
    el('div', { class: 'facts__row' }, [
      el('dt', { 'data-i18n': 'account.passkeys.lastUsed' }),
      passkey.last_used_at
        ? localize(el('dd'), dateTimeValue(passkey.last_used_at))
        : el('dd', { 'data-i18n': 'account.passkeys.neverUsed' }),
    ]),
  );
  const kind = passkey.synced
    ? el(
        'span',
        { class: 'chip chip--synced' },
        icon('sync', 'chip__icon'),
        el('span', { 'data-i18n': 'account.passkeys.synced' }),
      )
    : el(
        'span',
        { class: 'chip' },
        icon('device', 'chip__icon'),
        el('span', { 'data-i18n': 'account.passkeys.deviceOnly' }),
      );

  const renameButton = el(
    'button',
    {
      type: 'button',
      class: 'button button--outline button--sm',
      'aria-describedby': nameId,
      'aria-expanded': 'false',
    },
    icon('pencil', 'button__icon'),
    el('span', { 'data-i18n': 'account.passkeys.rename' }),
  );
  const removeButton = el(
    'button',
    {
      type: 'button',
      class: 'button button--danger button--sm',
      'aria-describedby': nameId,
      'aria-expanded': 'false',
    },
    icon('trash', 'button__icon'),
    el('span', { 'data-i18n': 'account.passkeys.remove' }),
  );

  // Rename: an inline form
  const nameField = textField({
    id: `passkey-${passkey.id}-rename`,
    labelKey: 'account.passkeys.newName',
    attributes: { maxlength: '64', autocomplete: 'off' },
  });
  nameField.input.value = passkey.name;
  const save = el('button', {
    type: 'submit',
    class: 'button button--solid button--sm',
    'data-i18n': 'account.passkeys.save',
  });
  const cancelRename = el('button', {
    type: 'button',
    class: 'button button--text button--sm',
    'data-i18n': 'form.cancel',
  });
  const renameForm = el(
    'form',
    { class: 'stack inline-form', action: '#', novalidate: true, hidden: true },
    nameField.wrapper,
    el('div', { class: 'button-row' }, save, cancelRename),
  );

  // Remove: ask once more, in place
  const confirmRemove = el(
    'button',
    { type: 'button', class: 'button button--danger-solid button--sm' },
    icon('trash', 'button__icon'),
    el('span', { 'data-i18n': 'account.passkeys.removeConfirm' }),
  );
  const cancelRemove = el('button', {
    type: 'button',
    class: 'button button--text button--sm',
    'data-i18n': 'form.cancel',
  });
  const removeBox = el(
    'div',
    { class: 'stack inline-form', hidden: true },
    el('p', {
      class: 'inline-form__question',
      'data-i18n': 'account.passkeys.removeQuestion',
      'data-i18n-params': JSON.stringify({ name: passkey.name }),
    }),
    el('div', { class: 'button-row' }, confirmRemove, cancelRemove),
  );

  const item = el(
    'li',
    { class: 'passkey' },
    el('div', { class: 'passkey__head' }, [
      icon('passkey', 'passkey__icon'),
      el('h3', { class: 'passkey__name', id: nameId }, passkey.name),
      kind,
    ]),
    facts,
    passkey.clone_suspected
      ? el(
          'div',
          { class: 'notice notice--error notice--compact' },
          icon('alert', 'notice__icon'),
          el('p', {
            class: 'notice__body notice__body--inline',
            'data-i18n': 'account.passkeys.cloneWarning',
          }),
        )
      : null,
    el('div', { class: 'button-row' }, renameButton, removeButton),
    renameForm,
    removeBox,
  );

  function openPanel(which) {
    renameForm.hidden = which !== 'rename';
    removeBox.hidden = which !== 'remove';
    renameButton.setAttribute('aria-expanded', String(which === 'rename'));
    removeButton.setAttribute('aria-expanded', String(which === 'remove'));
    if (which === 'rename') {
      nameField.setError(null);
      nameField.input.focus();
      nameField.input.select();
    } else if (which === 'remove') {
      cancelRemove.focus();
    }
  }

  renameButton.addEventListener('click', () => openPanel(renameForm.hidden ? 'rename' : null), {
    signal: ctx.signal,
  });
  removeButton.addEventListener('click', () => openPanel(removeBox.hidden ? 'remove' : null), {
    signal: ctx.signal,
  });
  cancelRename.addEventListener(
    'click',
    () => {
      openPanel(null);
      renameButton.focus();
    },
    { signal: ctx.signal },
  );
  cancelRemove.addEventListener(
    'click',
    () => {
      openPanel(null);
      removeButton.focus();
    },
    { signal: ctx.signal },
  );

  renameForm.addEventListener(
    'submit',
    async (event) => {
      event.preventDefault();
      const name = nameField.input.value.trim();
      if (!name) {
        nameField.setError({ key: 'account.passkeys.nameRequired' });
        nameField.input.focus();
        return;
      }
      const done = busy(save);
      let passkeys;
      try {
        passkeys = await sendJSON(`/api/me/passkeys/${passkey.id}`, {
          method: 'PATCH',
          body: { name },
          signal: ctx.signal,
        });
      } catch (error) {
        if (ctx.signal.aborted) return;
        done();
        if (error instanceof ApiError && error.status === 401) return screen.signedOutUnderneath();
        nameField.setError(describeError(error));
        nameField.input.focus();
        return;
      }
      await refresh({ passkeys });
      messages.show({ tone: 'success', key: 'account.passkeys.renamed', params: { name } });
      document.getElementById(nameId)?.closest('.passkey')?.querySelector('button')?.focus();
    },
    { signal: ctx.signal },
  );

  confirmRemove.addEventListener(
    'click',
    async () => {
      const done = busy(confirmRemove);
      try {
        await sendJSON(`/api/me/passkeys/${passkey.id}`, {
          method: 'DELETE',
          signal: ctx.signal,
        });
      } catch (error) {
        if (ctx.signal.aborted) return;
        done();
        if (error instanceof ApiError && error.status === 401) return screen.signedOutUnderneath();
        openPanel(null);
        // 409: the last passkey stays; the API says why.
        messages.show({ error, focus: true });
        return;
      }
      loadMe({ refresh: true }).catch(() => {});
      await refresh();
      messages.show({
        tone: 'success',
        key: 'account.passkeys.removed',
        params: { name: passkey.name },
      });
      screen.content.querySelector('#account-passkeys-title')?.focus();
    },
    { signal: ctx.signal },
  );

  return item;
}

/** name, or "name 2", "name 3"… when a passkey is already called that. */
function uniqueName(name, taken) {
  if (!taken.includes(name)) return name;
  let n = 2;
  while (taken.includes(`${name} ${n}`)) n += 1;
  return `${name} ${n}`;
}
