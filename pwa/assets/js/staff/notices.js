// Small whole-page states of the staff app: a resident signed in, a role that may not
// see a screen, an unknown address, a screen that could not load.

import { el } from '../dom.js';
import { t } from '../i18n.js';
import { signOut } from '../session.js';
import { problemText } from './words.js';

function page(titleKey, bodyKey, ...actions) {
  return el(
    'div',
    { class: 'page staff-narrow' },
    el('h1', { class: 'page__title', 'data-i18n': titleKey }),
    el('p', { class: 'page__lead', 'data-i18n': bodyKey }),
    actions.length ? el('div', { class: 'button-row' }, actions) : null,
  );
}

function homeLink() {
  return el('a', {
    class: 'button button--outline',
    href: '/staff',
    'data-i18n': 'common.backHome',
  });
}

export const residentOnly = {
  titleKey: 'residentOnly.title',
  mount(outlet, ctx) {
    const status = el('p', { class: 'form-status', role: 'status' });
    const button = el('button', {
      type: 'button',
      class: 'button button--solid',
      'data-i18n': 'residentOnly.signOut',
    });
    button.addEventListener(
      'click',
      async () => {
        try {
          await signOut({ device: false });
          ctx.rerender({ flash: 'signin.flash.signedOut' });
        } catch (error) {
          status.textContent = problemText(error);
        }
      },
      { signal: ctx.signal },
    );
    outlet.append(
      page(
        'residentOnly.title',
        'residentOnly.body',
        button,
        el('a', { class: 'button button--outline', href: '/', 'data-i18n': 'residentOnly.toApp' }),
      ),
      status,
    );
  },
};

export const adminOnly = {
  titleKey: 'adminOnly.title',
  mount(outlet) {
    outlet.append(page('adminOnly.title', 'adminOnly.body', homeLink()));
  },
};

/** A screen the signed-in role may not use (the caseworker at the designer, …). */
export const roleOnly = {
  titleKey: 'roleOnly.title',
  mount(outlet) {
    outlet.append(page('roleOnly.title', 'roleOnly.body', homeLink()));
  },
};

export const notFound = {
  titleKey: 'notFound.title',
  mount(outlet) {
    outlet.append(page('notFound.title', 'notFound.body', homeLink()));
  },
};

export const errorScreen = {
  titleKey: 'errors.loadFailed',
  mount(outlet, ctx) {
    const retry = el('button', {
      type: 'button',
      class: 'button button--solid',
      'data-i18n': 'errors.retry',
    });
    retry.addEventListener('click', () => ctx.rerender(), { signal: ctx.signal });
    outlet.append(
      el(
        'div',
        { class: 'page staff-narrow' },
        el('h1', { class: 'page__title', 'data-i18n': 'errors.loadFailed' }),
        el(
          'p',
          { class: 'page__lead' },
          navigator.onLine ? t('errors.unexpected') : t('errors.offline'),
        ),
        el('div', { class: 'button-row' }, retry),
      ),
    );
  },
};
