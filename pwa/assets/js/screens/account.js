// /account: signing in and out with passkeys, and the signed-in resident's account.
//   signed out  what a passkey is; "sign in with a passkey" (also offered in the autofill
//               of a username field where the browser can, said to need no typing);
//               "first time: create a passkey"; what to do when the passkey is lost
//               (a recovery letter, or the counter)
//   signed in   who you are (the registry name once verified, else the nickname and a
//               call to verify), your passkeys (add, rename, remove), sign out (here, or
//               on every device)

import { ApiError, getJSON, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, localize, t } from '../i18n.js';
import {
  addPasskey,
  currentMe,
  loadMe,
  sessionEnded,
  signInWithPasskey,
  signOut,
  signUpWithPasskey,
  takeFlash,
} from '../session.js';
import { busy, dateTimeValue, describeError, messageArea } from '../ui/feedback.js';
import { textField } from '../ui/forms.js';
import { errorPanel } from '../ui/status.js';
import { conditionalMediationAvailable, deviceName, passkeysSupported } from '../webauthn.js';

export const titleKey = 'account.title';

export async function mount(outlet, ctx) {
  const content = el('div', { class: 'page__content' });
  const page = el(
    'div',
    { class: 'page' },
    el('h1', { class: 'page__title', 'data-i18n': 'account.title' }),
    content,
  );
  outlet.append(page);
  // Words now, not once the data is in: a heading filled late would shift the screen.
  applyTranslations(outlet);

  // The autofill (conditional) sign-in waiting in the background, if any.
  let conditional = null;
  ctx.signal.addEventListener('abort', () => stopConditional());

  function stopConditional() {
    const running = conditional;
    conditional = null;
    running?.controller.abort(new DOMException('Left the sign-in', 'AbortError'));
    return running?.done ?? Promise.resolve();
  }

  /** Draw the screen for the current session; message is shown at the top once. */
  async function show({ refresh = false, message = null, focusHeading = false } = {}) {
    content.replaceChildren(loadingLine());
    applyTranslations(content);
    let me;
    try {
      me = await loadMe({ signal: ctx.signal, refresh });
    } catch (error) {
      if (ctx.signal.aborted) return;
      content.replaceChildren(
        errorPanel({
          titleKey: 'account.error.load',
          error,
          onRetry: () => show({ refresh: true }),
        }),
      );
      applyTranslations(content);
      return;
    }
    // Known before drawing, so the autofill field does not push the page down later.
    const autofill = me ? false : await conditionalMediationAvailable();
    if (ctx.signal.aborted) return;
    const flash = message ?? takeFlash();
    if (me) renderSignedIn(me, flash);
    else renderSignedOut(flash, { autofill });
    applyTranslations(content);
    if (focusHeading) {
      const heading = page.querySelector('h1');
      heading.tabIndex = -1;
      heading.focus();
    }
  }

  /** An API call said 401: the session is gone; show the signed-out screen and say why. */
  function onSignedOutUnderneath() {
    sessionEnded();
    show({ message: { tone: 'info', key: 'account.sessionExpired' }, focusHeading: true });
  }

  // ---- signed out -------------------------------------------------------------------

  function renderSignedOut(flash, { autofill: autofillAvailable }) {
    stopConditional();
    const top = messageArea();
    const supported = passkeysSupported();

    // Sign in
    const signInMessages = messageArea();
    const signInButton = el(
      'button',
      { type: 'button', class: 'button button--solid button--block', disabled: !supported },
      icon('passkey', 'button__icon'),
      el('span', { 'data-i18n': 'account.signIn.button' }),
    );
    const autofill = textField({
      id: 'account-autofill',
      labelKey: 'account.signIn.autofillLabel',
      hintKey: 'account.signIn.autofillHint',
      attributes: {
        name: 'username',
        autocomplete: 'username webauthn',
        autocapitalize: 'off',
        spellcheck: 'false',
      },
    });
    // The browser offers saved passkeys in this field's autofill (conditional UI): it must
    // be a real, labelled input, and says that nothing needs typing in it.
    const autofillForm = el(
      'form',
      { class: 'autofill stack', action: '#', novalidate: true, hidden: !autofillAvailable },
      el('p', { class: 'autofill__or', 'aria-hidden': 'true', 'data-i18n': 'account.signIn.or' }),
      autofill.wrapper,
    );
    // Down to 「パスキーをなくしたとき」: moved to here, not through the address (a new
    // #fragment is a history entry, which the router answers by drawing the screen again).
    const lostLink = el(
      'a',
      { class: 'button button--text account-lost-link', href: '#account-lost' },
      icon('info', 'button__icon'),
      el('span', { 'data-i18n': 'account.lost.title' }),
    );
    lostLink.addEventListener(
      'click',
      (event) => {
        event.preventDefault();
        const heading = document.getElementById('account-lost-title');
        if (!heading) return;
        heading.tabIndex = -1;
        heading.focus({ preventScroll: true });
        heading.scrollIntoView({ block: 'start' });
      },
      { signal: ctx.signal },
    );
    const signInSection = el(
      'section',
      { class: 'panel', 'aria-labelledby': 'account-signin-title' },
      el('h2', {
        class: 'panel__title',
        id: 'account-signin-title',
        'data-i18n': 'account.signIn.title',
      }),
      el('p', { 'data-i18n': 'account.passkeyExplained' }),
      supported
        ? null
        : el(
            'div',
            { class: 'notice notice--warning notice--compact' },
            icon('alert', 'notice__icon'),
            el('p', {
              class: 'notice__body notice__body--inline',
              'data-i18n': 'account.error.noPasskeys',
            }),
          ),
      signInButton,
      autofillForm,
      signInMessages.node,
      lostLink,
    );

    // Sign up
    const signUpMessages = messageArea();
    const nickname = textField({
      id: 'account-nickname',
      labelKey: 'account.signUp.nicknameLabel',
      hintKey: 'account.signUp.nicknameHint',
      optional: true,
      attributes: { name: 'nickname', autocomplete: 'nickname', maxlength: '100' },
    });
    const createButton = el(
      'button',
      { type: 'submit', class: 'button button--solid button--block', disabled: !supported },
      icon('passkey', 'button__icon'),
      el('span', { 'data-i18n': 'account.signUp.submit' }),
    );
    const signUpForm = el(
      'form',
      { class: 'stack', id: 'account-signup', action: '#', novalidate: true, hidden: true },
      el('p', { 'data-i18n': 'account.signUp.lead' }),
      nickname.wrapper,
      createButton,
      signUpMessages.node,
    );
    const toggle = el(
      'button',
      {
        type: 'button',
        class: 'button button--outline button--block',
        'aria-expanded': 'false',
        'aria-controls': 'account-signup',
        disabled: !supported,
      },
      icon('plus', 'button__icon'),
      el('span', { 'data-i18n': 'account.signUp.toggle' }),
      icon('chevronRight', 'button__icon disclosure__chevron'),
    );
    const signUpSection = el(
      'section',
      { class: 'panel', 'aria-labelledby': 'account-signup-title' },
      el('h2', {
        class: 'panel__title',
        id: 'account-signup-title',
        'data-i18n': 'account.signUp.title',
      }),
      el('p', { 'data-i18n': 'account.signUp.intro' }),
      toggle,
      signUpForm,
    );

    content.replaceChildren(top.node, signInSection, signUpSection, lostPasskeySection());
    if (flash) top.show(flash);

    signInButton.addEventListener(
      'click',
      async () => {
        signInMessages.clear();
        const done = busy(signInButton);
        await stopConditional();
        try {
          await signInWithPasskey({ signal: ctx.signal });
        } catch (error) {
          if (ctx.signal.aborted) return;
          done();
          signInMessages.show({ error });
          startConditional();
          return;
        }
        if (ctx.signal.aborted) return;
        show({ message: { tone: 'success', key: 'account.signIn.done' }, focusHeading: true });
      },
      { signal: ctx.signal },
    );

    toggle.addEventListener(
      'click',
      () => {
        const open = toggle.getAttribute('aria-expanded') !== 'true';
        toggle.setAttribute('aria-expanded', String(open));
        signUpForm.hidden = !open;
        if (open) nickname.input.focus();
      },
      { signal: ctx.signal },
    );

    signUpForm.addEventListener(
      'submit',
      async (event) => {
        event.preventDefault();
        signUpMessages.clear();
        const done = busy(createButton);
        // The autofill sign-in holds the same ceremony slot: end it first.
        await stopConditional();
        try {
          await signUpWithPasskey({
            displayName: nickname.input.value.trim(),
            passkeyName: deviceName() || t('account.passkeys.defaultName'),
            signal: ctx.signal,
          });
        } catch (error) {
          if (ctx.signal.aborted) return;
          done();
          signUpMessages.show({ error });
          startConditional();
          return;
        }
        if (ctx.signal.aborted) return;
        show({ message: { tone: 'success', key: 'account.signUp.done' }, focusHeading: true });
      },
      { signal: ctx.signal },
    );

    // Enter in the autofill field starts the same sign-in as the button.
    autofillForm.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        signInButton.click();
      },
      { signal: ctx.signal },
    );

    async function startConditional() {
      if (!autofillAvailable || ctx.signal.aborted || !autofillForm.isConnected) return;
      await stopConditional();
      const controller = new AbortController();
      const signal = AbortSignal.any
        ? AbortSignal.any([ctx.signal, controller.signal])
        : controller.signal;
      const running = { controller, done: null };
      conditional = running;
      running.done = (async () => {
        try {
          await signInWithPasskey({ signal, mediation: 'conditional' });
        } catch (error) {
          if (signal.aborted || ctx.signal.aborted) return;
          if (conditional === running) conditional = null;
          // A passkey was picked but the API refused it: say so. A dismissed list is no error.
          if (error instanceof ApiError) signInMessages.show({ error });
          return;
        }
        if (conditional === running) conditional = null;
        if (ctx.signal.aborted) return;
        show({ message: { tone: 'success', key: 'account.signIn.done' }, focusHeading: true });
      })();
    }

    if (supported) startConditional();
  }

  /** Lost every passkey: a synced passkey may still work; else a recovery letter (README,
   * "Signing in": a new passkey, then the letter's code on 本人確認) or the counter. */
  function lostPasskeySection() {
    return el(
      'section',
      { class: 'panel', id: 'account-lost', 'aria-labelledby': 'account-lost-title' },
      el('h2', { class: 'panel__title', id: 'account-lost-title', 'data-i18n': 'account.lost.title' }),
      el('p', { 'data-i18n': 'account.lost.lead' }),
      el('p', { 'data-i18n': 'account.lost.synced' }),
      el('h3', { class: 'panel__subtitle', 'data-i18n': 'account.lost.letterTitle' }),
      el(
        'ol',
        { class: 'steps-list' },
        el('li', { 'data-i18n': 'account.lost.letter1' }),
        el('li', { 'data-i18n': 'account.lost.letter2' }),
        el('li', { 'data-i18n': 'account.lost.letter3' }),
      ),
      el('h3', { class: 'panel__subtitle', 'data-i18n': 'account.lost.counterTitle' }),
      el('p', { 'data-i18n': 'account.lost.counter' }),
    );
  }

  // ---- signed in --------------------------------------------------------------------

  function renderSignedIn(me, flash) {
    const top = messageArea();
    const parts = [
      top.node,
      identitySection(me),
      me.recovery_pending ? pendingRecovery() : null,
      me.suggest_second_passkey ? secondPasskeySuggestion() : null,
      passkeysSection(me),
      linksSection(),
      signOutSection(),
    ];
    content.replaceChildren(...parts.filter(Boolean));
    if (flash) top.show(flash);
  }

  function identitySection(me) {
    const section = el(
      'section',
      { class: 'panel', 'aria-labelledby': 'account-identity-title' },
      el('h2', {
        class: 'panel__title',
        id: 'account-identity-title',
        'data-i18n': 'account.identity.title',
      }),
    );
    if (me.verified && me.name) {
      const { family_name: family, given_name: given } = me.name;
      const kana = [me.name.family_name_kana, me.name.given_name_kana].filter(Boolean).join(' ');
      section.append(
        el(
          'dl',
          { class: 'facts' },
          el('div', { class: 'facts__row' }, [
            el('dt', { 'data-i18n': 'account.identity.name' }),
            el(
              'dd',
              { class: 'facts__name', lang: 'ja' },
              [family, given].filter(Boolean).join(' '),
            ),
          ]),
          el('div', { class: 'facts__row' }, [
            el('dt', { 'data-i18n': 'account.identity.kana' }),
            el('dd', { lang: 'ja' }, kana),
          ]),
        ),
        el(
          'p',
          { class: 'status-line' },
          el(
            'span',
            { class: 'chip chip--success' },
            icon('shield', 'chip__icon'),
            el('span', { 'data-i18n': 'account.identity.verified' }),
          ),
          el('span', {
            class: 'status-line__hint',
            'data-i18n':
              me.verified_by === 'counter'
                ? 'account.identity.byCounter'
                : 'account.identity.byLetter',
          }),
        ),
      );
    } else {
      section.append(
        el(
          'dl',
          { class: 'facts' },
          el('div', { class: 'facts__row' }, [
            el('dt', { 'data-i18n': 'account.identity.nickname' }),
            el('dd', {}, me.display_name || '—'),
          ]),
        ),
        el(
          'div',
          { class: 'notice notice--warning' },
          icon('alert', 'notice__icon'),
          el('h3', { class: 'notice__title', 'data-i18n': 'account.identity.unverifiedTitle' }),
          el(
            'div',
            { class: 'notice__body' },
            el('p', { 'data-i18n': 'account.identity.unverifiedBody' }),
          ),
          el(
            'div',
            { class: 'notice__actions' },
            el(
              'a',
              { class: 'button button--solid', href: '/account/verify' },
              icon('shield', 'button__icon'),
              el('span', { 'data-i18n': 'account.identity.verifyLink' }),
            ),
          ),
        ),
      );
    }
    return section;
  }

  /** Suggested once: the API forgets the suggestion as soon as it has been shown. */
  // A recovery letter is on its way: whoever holds it could replace this account's passkeys
  // once its hold is over. Someone who still signs in here did not lose them: cancel it.
  function pendingRecovery() {
    const cancel = el('button', {
      type: 'button',
      class: 'button button--solid',
      'data-cancel-recovery': '',
      'data-i18n': 'account.recovery.cancel',
    });
    const messages = messageArea();
    const box = el(
      'section',
      {
        class: 'notice notice--warning',
        id: 'account-recovery',
        'aria-labelledby': 'account-recovery-title',
      },
      icon('alert', 'notice__icon'),
      el('h2', {
        class: 'notice__title',
        id: 'account-recovery-title',
        'data-i18n': 'account.recovery.title',
      }),
      el('div', { class: 'notice__body' }, el('p', { 'data-i18n': 'account.recovery.body' })),
      messages.node,
      el('div', { class: 'notice__actions button-row' }, cancel),
    );
    cancel.addEventListener(
      'click',
      async () => {
        const done = busy(cancel);
        try {
          await sendJSON('/api/me/recovery-codes', { method: 'DELETE', signal: ctx.signal });
        } catch (error) {
          if (ctx.signal.aborted) return;
          done();
          if (error instanceof ApiError && error.status === 401) return onSignedOutUnderneath();
          messages.show({ error, focus: true });
          return;
        }
        await show({
          refresh: true,
          message: { tone: 'success', key: 'account.recovery.cancelled' },
          focusHeading: true,
        });
      },
      { signal: ctx.signal },
    );
    return box;
  }

  function secondPasskeySuggestion() {
    const add = el(
      'button',
      { type: 'button', class: 'button button--solid' },
      icon('plus', 'button__icon'),
      el('span', { 'data-i18n': 'account.passkeys.add' }),
    );
    const dismiss = el('button', {
      type: 'button',
      class: 'button button--text',
      'data-i18n': 'account.suggestion.dismiss',
    });
    const box = el(
      'section',
      {
        class: 'notice notice--info',
        id: 'account-suggestion',
        'aria-labelledby': 'account-suggestion-title',
      },
      icon('info', 'notice__icon'),
      el('h2', {
        class: 'notice__title',
        id: 'account-suggestion-title',
        'data-i18n': 'account.suggestion.title',
      }),
      el('div', { class: 'notice__body' }, el('p', { 'data-i18n': 'account.suggestion.body' })),
      el('div', { class: 'notice__actions button-row' }, add, dismiss),
    );
    sendJSON('/api/me/second-passkey-suggested').catch(() => {
      // Not recorded: it may be suggested once more, which is harmless.
    });
    dismiss.addEventListener(
      'click',
      () => {
        box.remove();
        content.querySelector('#account-passkeys-title')?.focus();
      },
      { signal: ctx.signal },
    );
    add.addEventListener(
      'click',
      () => {
        box.remove();
        content.querySelector('[data-add-passkey]')?.click();
      },
      { signal: ctx.signal },
    );
    return box;
  }

  function passkeysSection() {
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

    async function refresh({ passkeys } = {}) {
      let items = passkeys;
      if (!items) {
        list.setAttribute('aria-busy', 'true');
        try {
          items = await getJSON('/api/me/passkeys', { signal: ctx.signal });
        } catch (error) {
          if (ctx.signal.aborted) return;
          list.removeAttribute('aria-busy');
          if (error instanceof ApiError && error.status === 401) return onSignedOutUnderneath();
          messages.show({ error, titleKey: 'account.passkeys.loadError' });
          return;
        }
      }
      if (ctx.signal.aborted) return;
      current = items;
      list.removeAttribute('aria-busy');
      list.replaceChildren(...items.map((passkey) => passkeyItem(passkey, { messages, refresh })));
      applyTranslations(list);
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
          if (error instanceof ApiError && error.status === 401) return onSignedOutUnderneath();
          messages.show({ error });
          return;
        }
        if (ctx.signal.aborted) return;
        done();
        content.querySelector('#account-suggestion')?.remove(); // done what it suggested
        await refresh();
        messages.show({ tone: 'success', key: 'account.passkeys.added' });
      },
      { signal: ctx.signal },
    );

    refresh();
    return section;
  }

  function passkeyItem(passkey, { messages, refresh }) {
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
          if (error instanceof ApiError && error.status === 401) return onSignedOutUnderneath();
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
          if (error instanceof ApiError && error.status === 401) return onSignedOutUnderneath();
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
        content.querySelector('#account-passkeys-title')?.focus();
      },
      { signal: ctx.signal },
    );

    return item;
  }

  function linksSection() {
    const link = (href, iconName, key, hintKey) =>
      el(
        'li',
        { class: 'link-list__item' },
        el(
          'a',
          { class: 'link-list__link', href },
          icon(iconName, 'link-list__icon'),
          el('span', { class: 'link-list__text' }, [
            el('span', { class: 'link-list__label', 'data-i18n': key }),
            el('span', { class: 'link-list__hint', 'data-i18n': hintKey }),
          ]),
          icon('chevronRight', 'link-list__chevron'),
        ),
      );
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'account-more-title' },
      el('h2', {
        class: 'panel__title',
        id: 'account-more-title',
        'data-i18n': 'account.more.title',
      }),
      el(
        'ul',
        { class: 'link-list' },
        link('/support', 'gift', 'support.title', 'account.more.supportHint'),
        link('/account/consents', 'shield', 'consents.title', 'account.more.consentsHint'),
        link('/account/delegations', 'people', 'delegations.title', 'account.more.delegationsHint'),
        link('/corrections', 'pencil', 'corrections.title', 'account.more.correctionsHint'),
        link('/account/access-log', 'eye', 'accessLog.title', 'account.more.accessLogHint'),
        link('/inbox', 'bell', 'inbox.title', 'account.more.inboxHint'),
      ),
    );
  }

  function signOutSection() {
    const messages = messageArea();
    const here = el(
      'button',
      { type: 'button', class: 'button button--outline button--block' },
      icon('signOut', 'button__icon'),
      el('span', { 'data-i18n': 'account.signOut.button' }),
    );
    const everywhere = el(
      'button',
      {
        type: 'button',
        class: 'button button--outline button--block',
        'aria-describedby': 'account-signout-everywhere-hint',
      },
      icon('signOut', 'button__icon'),
      el('span', { 'data-i18n': 'account.signOut.everywhere' }),
    );
    const run = (button, all) => async () => {
      messages.clear();
      const done = busy(button);
      try {
        await signOut({ everywhere: all });
      } catch (error) {
        if (ctx.signal.aborted) return;
        done();
        messages.show({ error });
        return;
      }
      if (ctx.signal.aborted) return;
      show({
        message: {
          tone: 'success',
          key: all ? 'account.signOut.everywhereDone' : 'account.signOut.done',
        },
        focusHeading: true,
      });
    };
    here.addEventListener('click', run(here, false), { signal: ctx.signal });
    everywhere.addEventListener('click', run(everywhere, true), { signal: ctx.signal });
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'account-signout-title' },
      el('h2', {
        class: 'panel__title',
        id: 'account-signout-title',
        'data-i18n': 'account.signOut.title',
      }),
      here,
      el('p', {
        class: 'panel__hint',
        id: 'account-signout-everywhere-hint',
        'data-i18n': 'account.signOut.everywhereHint',
      }),
      everywhere,
      messages.node,
    );
  }

  // Signed in: ask again, so the screen shows what changed elsewhere (a counter check,
  // a passkey added on another device). Known signed out: no need to ask.
  await show({ refresh: currentMe() != null });
}

/** name, or "name 2", "name 3"… when a passkey is already called that. */
function uniqueName(name, taken) {
  if (!taken.includes(name)) return name;
  let n = 2;
  while (taken.includes(`${name} ${n}`)) n += 1;
  return `${name} ${n}`;
}

function loadingLine() {
  return el('p', { class: 'loading-line', role: 'status', 'data-i18n': 'account.loading' });
}
