// The pages the links in our emails open, each a button that does what the link is for
// (opening a link never changes anything: mail scanners open links too):
//   /account/email/confirm#token=…       confirm the address (signed in, as the account
//                                        that entered it)
//   /account/email/unsubscribe#token=…   stop notices by email to that address (no sign-in)
// The token comes in the fragment, which no server sees, and leaves the address bar at once.

import { ApiError, getJSON, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations } from '../i18n.js';
import { sessionEnded } from '../session.js';
import { busy, messageArea } from '../ui/feedback.js';
import { loadSignedIn } from '../ui/signed-in-data.js';
import { signInPrompt } from '../ui/signin.js';

export const titleKey = 'emailLink.title';

const TOKEN = /^[A-Za-z0-9_.-]{10,100}$/;

function tokenFromFragment() {
  const value = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
  return TOKEN.test(value) ? value : null;
}

export async function mount(outlet, ctx) {
  const action = ctx.props.action === 'unsubscribe' ? 'unsubscribe' : 'confirm';
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      el('h1', { class: 'page__title', 'data-i18n': `emailLink.${action}.title` }),
      content,
    ),
  );
  applyTranslations(outlet);

  // Kept for this page only: out of the address bar and the history entry.
  const token = tokenFromFragment();
  if (location.hash) history.replaceState(history.state, '', location.pathname);
  if (!token) {
    content.append(notice('warning', 'alert', 'emailLink.badLink'));
    applyTranslations(content);
    return;
  }

  // Confirming needs the account that entered the address; unsubscribing needs none.
  if (action === 'unsubscribe') {
    content.append(actionPanel(null));
    applyTranslations(content);
    return;
  }
  await loadSignedIn(content, ctx, {
    loading: null,
    signInKey: 'emailLink.confirm.signInNeeded',
    errorKey: 'account.error.load',
    // Which address this confirms (the one the account entered last), if it can be said.
    load: () => getJSON('/api/me/email', { signal: ctx.signal }).catch(() => null),
    show: (email) => actionPanel(email?.address),
  });

  /** What the link is for, said once more, and the button that does it. */
  function actionPanel(address) {
    const messages = messageArea();
    const button = el(
      'button',
      { type: 'button', class: 'button button--solid button--block' },
      el('span', { 'data-i18n': `emailLink.${action}.button` }),
    );
    button.addEventListener(
      'click',
      async () => {
        messages.clear();
        const done = busy(button);
        try {
          if (action === 'confirm') {
            await sendJSON('/api/me/email/confirm', { body: { token }, signal: ctx.signal });
          } else {
            await sendJSON(`/api/email/unsubscribe?token=${encodeURIComponent(token)}`, {
              signal: ctx.signal,
            });
          }
        } catch (error) {
          if (ctx.signal.aborted) return;
          done();
          if (error instanceof ApiError && error.status === 401) {
            sessionEnded();
            content.replaceChildren(signInPrompt('account.sessionExpired'));
            applyTranslations(content);
            return;
          }
          if (error instanceof ApiError && (error.status === 404 || error.status === 400)) {
            messages.show({ key: `emailLink.${action}.gone`, focus: true });
            return;
          }
          messages.show({ error, focus: true });
          return;
        }
        if (ctx.signal.aborted) return;
        const success = doneNotice(action);
        content.replaceChildren(success);
        applyTranslations(content);
        success.focus();
      },
      { signal: ctx.signal },
    );
    return el(
      'section',
      { class: 'panel' },
      el('p', { 'data-i18n': `emailLink.${action}.lead` }),
      address ? el('p', { class: 'email-address', lang: 'en', translate: 'no' }, address) : null,
      button,
      messages.node,
    );
  }
}

/** Done: said in a box that takes focus, with the way to the settings. */
function doneNotice(action) {
  return el(
    'div',
    { class: 'notice notice--success', tabindex: '-1' },
    icon('check', 'notice__icon'),
    el('h2', { class: 'notice__title', 'data-i18n': `emailLink.${action}.done` }),
    el('div', { class: 'notice__body' }, el('p', { 'data-i18n': `emailLink.${action}.doneBody` })),
    el(
      'div',
      { class: 'notice__actions' },
      el('a', {
        class: 'button button--outline',
        href: '/settings',
        'data-i18n': 'emailLink.toSettings',
      }),
    ),
  );
}

function notice(tone, iconName, key) {
  return el(
    'div',
    { class: `notice notice--${tone}` },
    icon(iconName, 'notice__icon'),
    el('p', { class: 'notice__body notice__body--inline', 'data-i18n': key }),
  );
}
