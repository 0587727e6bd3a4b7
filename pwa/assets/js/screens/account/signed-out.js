// /account, signed out: what a passkey is; "sign in with a passkey" (also offered in the
// autofill of a username field where the browser can, said to need no typing); "first
// time: create a passkey"; what to do when the passkey is lost (a recovery letter, or the
// counter).

import { ApiError } from '../../api.js';
import { el, icon } from '../../dom.js';
import { t } from '../../i18n.js';
import { signInWithPasskey, signUpWithPasskey } from '../../session.js';
import { busy, messageArea } from '../../ui/feedback.js';
import { textField } from '../../ui/forms.js';
import { deviceName, passkeysSupported } from '../../webauthn.js';

/**
 * The signed-out sections, top to bottom; flash (a message) is shown at the top. autofill:
 * whether the browser offers passkeys in a field's autofill (then screen.autofill.start()
 * once the sections are on the screen).
 * @param {object} screen  what the sections share (see account.js)
 * @param {object | null} flash
 * @param {{autofill: boolean}} options
 */
export function signedOutSections(screen, flash, { autofill }) {
  const top = messageArea();
  if (flash) top.show(flash);
  const supported = passkeysSupported();
  return [
    top.node,
    signInSection(screen, { supported, autofill }),
    signUpSection(screen, { supported }),
    lostPasskeySection(),
  ];
}

function signInSection(screen, { supported, autofill: autofillAvailable }) {
  const { ctx } = screen;
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
  const section = el(
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
  // Only one autofill field waits at a time: the one on the screen now, when there is one.
  screen.autofill.use(autofillAvailable ? { form: autofillForm, messages: signInMessages } : null);

  signInButton.addEventListener(
    'click',
    async () => {
      signInMessages.clear();
      const done = busy(signInButton);
      await screen.autofill.stop();
      try {
        await signInWithPasskey({ signal: ctx.signal });
      } catch (error) {
        if (ctx.signal.aborted) return;
        done();
        signInMessages.show({ error });
        screen.autofill.start();
        return;
      }
      if (ctx.signal.aborted) return;
      screen.show({ message: { tone: 'success', key: 'account.signIn.done' }, focusHeading: true });
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

  return section;
}

function signUpSection(screen, { supported }) {
  const { ctx } = screen;
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
  const section = el(
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
      await screen.autofill.stop();
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
        screen.autofill.start();
        return;
      }
      if (ctx.signal.aborted) return;
      screen.show({ message: { tone: 'success', key: 'account.signUp.done' }, focusHeading: true });
    },
    { signal: ctx.signal },
  );

  return section;
}

/** Lost every passkey: a synced passkey may still work; else a recovery letter (README,
 * "Signing in": a new passkey, then the letter's code on 本人確認) or the counter. */
function lostPasskeySection() {
  return el(
    'section',
    { class: 'panel', id: 'account-lost', 'aria-labelledby': 'account-lost-title' },
    el('h2', {
      class: 'panel__title',
      id: 'account-lost-title',
      'data-i18n': 'account.lost.title',
    }),
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

/**
 * The sign-in waiting in the background on the autofill of the signed-out screen's field
 * (conditional mediation), for as long as the screen is open: one at a time, ended before
 * any other passkey ceremony (they share the browser's one slot) and when the screen is
 * left. use() names the field the signed-out sections drew (null: none, signed in or no
 * autofill in this browser); start() waits on it, stop() ends the wait.
 */
export function autofillSignIn(screen) {
  const { ctx } = screen;
  let field = null;
  let conditional = null;
  ctx.signal.addEventListener('abort', () => stop());

  function use(next) {
    stop();
    field = next;
  }

  function stop() {
    const running = conditional;
    conditional = null;
    running?.controller.abort(new DOMException('Left the sign-in', 'AbortError'));
    return running?.done ?? Promise.resolve();
  }

  async function start() {
    const current = field;
    if (!current || ctx.signal.aborted || !current.form.isConnected) return;
    await stop();
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
        if (error instanceof ApiError) current.messages.show({ error });
        return;
      }
      if (conditional === running) conditional = null;
      if (ctx.signal.aborted) return;
      screen.show({ message: { tone: 'success', key: 'account.signIn.done' }, focusHeading: true });
    })();
  }

  return { use, start, stop };
}
