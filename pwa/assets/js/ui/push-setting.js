// The notifications section of 設定: what the resident will receive, then the one switch
// 「お知らせを通知で受け取る」. The browser's permission is asked only when the switch is
// turned on. Where the switch cannot work, the section says why and what to do instead:
//   signed out      sign in first (notices belong to an account)
//   install         iPhone/iPad: add the app to the Home Screen and open it from there
//   unsupported     this browser has no push; the inbox still has every notice
//   denied          notifications are blocked for this site: how to allow them again
// Turning on can still fail; the status under the switch then says why and what to try
// (offline, the app not ready, the city's server, the browser's push service refusing).

import { ApiError } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, localize } from '../i18n.js';
import {
  disablePush,
  enablePush,
  pushEnabledFor,
  pushSupport,
  SERVICE_WORKER_NOT_READY,
} from '../push.js';
import { loadMe, sessionEnded } from '../session.js';
import { describeError } from './feedback.js';
import { switchField } from './forms.js';

const TITLE_ID = 'settings-notifications-title';

/** The section, filled once the session is known; signal ends its listeners. */
export function pushSetting({ signal, installShown = false }) {
  const body = el(
    'div',
    { class: 'stack' },
    el('p', { class: 'loading-line', role: 'status', 'data-i18n': 'push.loading' }),
  );
  const section = el(
    'section',
    { class: 'settings-section', 'aria-labelledby': TITLE_ID },
    el('h2', { class: 'settings-section__title', id: TITLE_ID, 'data-i18n': 'push.title' }),
    el('p', { class: 'settings-section__hint', 'data-i18n': 'push.lead' }),
    el(
      'ul',
      { class: 'bullet-list' },
      el('li', { 'data-i18n': 'push.kinds.applications' }),
      el('li', { 'data-i18n': 'push.kinds.support' }),
      el('li', { 'data-i18n': 'push.kinds.security' }),
    ),
    body,
  );

  async function show(message) {
    let me;
    try {
      me = await loadMe({ signal });
    } catch (error) {
      if (signal.aborted) return;
      fill(notice('alert', 'warning', error?.offline ? 'push.offline' : 'push.loadError'));
      return;
    }
    if (signal.aborted) return;
    if (!me) {
      fill(
        el('p', {}, [
          el('span', { 'data-i18n': 'push.signInNeeded' }),
          ' ',
          el('a', { class: 'link', href: '/account', 'data-i18n': 'signIn.goToAccount' }),
        ]),
      );
      return;
    }
    const support = pushSupport();
    if (support === 'install') fill(installHelp(installShown));
    else if (support === 'unsupported') fill(notice('info', 'info', 'push.unsupported'));
    else fill(...switchArea(me, support, message));
  }

  function fill(...nodes) {
    body.replaceChildren(...nodes);
    applyTranslations(body);
  }

  function switchArea(me, support, message) {
    const denied = support === 'denied';
    const field = switchField({
      id: 'push-switch',
      labelKey: 'push.switch.label',
      descriptionKey: denied ? 'push.switch.descriptionDenied' : 'push.switch.description',
      checked: !denied && pushEnabledFor(me),
    });
    field.input.disabled = denied;
    if (message) setStatus(field, message);
    field.input.addEventListener('change', () => change(me, field), { signal });
    return [field.wrapper, denied ? deniedHelp() : null].filter(Boolean);
  }

  async function change(me, field) {
    const on = field.input.checked;
    field.input.setAttribute('aria-busy', 'true');
    field.status.replaceChildren();
    field.status.removeAttribute('data-tone');
    let permission = 'granted';
    try {
      if (on) permission = await enablePush(me);
      else await disablePush();
    } catch (error) {
      // Only turning on can fail, and half on is off: whatever was made is taken back.
      await disablePush();
      if (signal.aborted) return;
      field.input.removeAttribute('aria-busy');
      if (error instanceof ApiError && error.status === 401) {
        sessionEnded();
        show();
        return;
      }
      console.warn('push: not turned on', error);
      const reason = failureReason(error);
      if (reason === 'denied') {
        // The browser refused the subscription itself: blocked, as far as we can do anything.
        show({ tone: 'error', key: 'push.blockedNow' });
        document.getElementById('push-switch')?.focus();
        return;
      }
      field.input.checked = false;
      field.sync();
      setStatus(field, {
        tone: 'error',
        key: 'push.onFailed',
        reasonKey: `push.failed.${reason}`,
        // The server's own words, when it gave some.
        error: reason === 'server' ? error : null,
      });
      return;
    }
    if (signal.aborted) return;
    field.input.removeAttribute('aria-busy');
    if (permission === 'denied') {
      // The browser now blocks us: the section explains how to allow it again.
      show({ tone: 'error', key: 'push.blockedNow' });
      document.getElementById('push-switch')?.focus();
      return;
    }
    if (permission !== 'granted') {
      field.input.checked = false;
      field.sync();
      setStatus(field, { tone: 'info', key: 'push.notAllowed' });
      return;
    }
    setStatus(field, { tone: 'success', key: on ? 'push.savedOn' : 'push.savedOff' });
  }

  show();
  return section;
}

function setStatus(field, { tone, key, reasonKey, error }) {
  const described = error ? describeError(error) : null;
  field.status.setAttribute('data-tone', tone === 'info' ? 'info' : tone);
  field.status.replaceChildren(
    icon(tone === 'success' ? 'check' : tone === 'error' ? 'alert' : 'info', 'switch__status-icon'),
    el('span', {}, [
      el('span', { 'data-i18n': key }),
      described ? ' ' : null,
      described?.key ? el('span', { 'data-i18n': described.key }) : null,
      described?.value ? localize(el('span'), described.value) : null,
      reasonKey ? ' ' : null,
      reasonKey ? el('span', { class: 'switch__status-reason', 'data-i18n': reasonKey }) : null,
    ]),
  );
  applyTranslations(field.status);
}

/**
 * Why turning notifications on failed, as the end of a push.failed.* key (or "denied"):
 *   offline   no answer from our server (or the browser is offline)
 *   server    our server answered with an error
 *   worker    the service worker never became ready
 *   denied    the browser refused the subscription for want of permission
 *   service   anything else from PushManager.subscribe: the browser's push service
 *             (AbortError "push service error", private windows, no push service at all)
 */
export function failureReason(error) {
  if (error instanceof ApiError) return error.offline ? 'offline' : 'server';
  if (error?.name === 'NotAllowedError') return 'denied';
  if (error?.name === SERVICE_WORKER_NOT_READY) return 'worker';
  if (navigator.onLine === false || error instanceof TypeError) return 'offline';
  return 'service';
}

function notice(iconName, tone, key) {
  return el(
    'div',
    { class: `notice notice--${tone} notice--compact` },
    icon(iconName, 'notice__icon'),
    el('p', { class: 'notice__body notice__body--inline', 'data-i18n': key }),
  );
}

/**
 * iPhone and iPad: push works only in the app added to the Home Screen. With
 * 「ホーム画面に追加する」 on the same screen (installShown) the steps stand there, once; here
 * only why they matter for notices, and a link to them.
 */
function installHelp(installShown) {
  const body = installShown
    ? [
        el('p', { 'data-i18n': 'push.install.pointer' }),
        el('a', { href: '#settings-install-title', 'data-i18n': 'push.install.pointerLink' }),
      ]
    : [
        el('p', { 'data-i18n': 'push.install.body' }),
        el(
          'ol',
          { class: 'steps-list' },
          el('li', { 'data-i18n': 'push.install.step1' }),
          el('li', { 'data-i18n': 'push.install.step2' }),
          el('li', { 'data-i18n': 'push.install.step3' }),
        ),
      ];
  return el(
    'div',
    { class: 'notice notice--info' },
    icon('device', 'notice__icon'),
    el('h3', { class: 'notice__title', 'data-i18n': 'push.install.title' }),
    el('div', { class: 'notice__body' }, ...body),
  );
}

/** Blocked in the browser: only the person can allow it again, in the browser's settings. */
function deniedHelp() {
  return el(
    'div',
    { class: 'notice notice--warning' },
    icon('alert', 'notice__icon'),
    el('h3', { class: 'notice__title', 'data-i18n': 'push.denied.title' }),
    el(
      'div',
      { class: 'notice__body' },
      el(
        'ol',
        { class: 'steps-list' },
        el('li', { 'data-i18n': 'push.denied.step1' }),
        el('li', { 'data-i18n': 'push.denied.step2' }),
        el('li', { 'data-i18n': 'push.denied.step3' }),
      ),
      el('p', { 'data-i18n': 'push.denied.phone' }),
    ),
  );
}
