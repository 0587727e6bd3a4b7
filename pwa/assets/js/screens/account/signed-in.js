// /account, signed in: who you are (the registry name once verified, else the nickname
// and a call to verify), a recovery letter on its way (cancel it), a second passkey
// suggested once, the passkeys (passkeys.js), the other account screens, and signing out
// here or on every device.

import { ApiError, sendJSON } from '../../api.js';
import { el, icon } from '../../dom.js';
import { signOut } from '../../session.js';
import { busy, messageArea } from '../../ui/feedback.js';
import { passkeysSection } from './passkeys.js';

/**
 * The signed-in account's sections, top to bottom; flash (a message) is shown at the top.
 * @param {object} screen  what the sections share (see account.js)
 * @param {object} me      the account (GET /api/auth/session)
 * @param {object | null} flash
 */
export function signedInSections(screen, me, flash) {
  const top = messageArea();
  if (flash) top.show(flash);
  return [
    top.node,
    identitySection(me),
    me.recovery_pending ? pendingRecovery(screen) : null,
    me.suggest_second_passkey ? secondPasskeySuggestion(screen) : null,
    passkeysSection(screen),
    linksSection(),
    signOutSection(screen),
  ];
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

// A recovery letter is on its way: whoever holds it could replace this account's passkeys
// once its hold is over. Someone who still signs in here did not lose them: cancel it.
function pendingRecovery(screen) {
  const { ctx } = screen;
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
        if (error instanceof ApiError && error.status === 401) return screen.signedOutUnderneath();
        messages.show({ error, focus: true });
        return;
      }
      await screen.show({
        refresh: true,
        message: { tone: 'success', key: 'account.recovery.cancelled' },
        focusHeading: true,
      });
    },
    { signal: ctx.signal },
  );
  return box;
}

/** Suggested once: the API forgets the suggestion as soon as it has been shown. */
function secondPasskeySuggestion(screen) {
  const { ctx, content } = screen;
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
      link('/moving', 'send', 'moving.title', 'account.more.movingHint'),
      link('/moving/in', 'home', 'moveIn.title', 'account.more.moveInHint'),
      link('/account/access-log', 'eye', 'accessLog.title', 'account.more.accessLogHint'),
      link('/inbox', 'bell', 'inbox.title', 'account.more.inboxHint'),
    ),
  );
}

function signOutSection(screen) {
  const { ctx } = screen;
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
    screen.show({
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
