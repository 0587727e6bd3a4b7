// The section of 設定 that offers adding the app to the Home Screen. What it shows follows
// the browser:
//   install prompt   Chromium announced it can install the app (beforeinstallprompt):
//                    one button opens the browser's own prompt
//   iPhone / iPad    Safari has no prompt: the Share menu's 「ホーム画面に追加」, step by step
//   otherwise        the browser's menu 「ホーム画面に追加」/「アプリをインストール」
// Not shown in the installed app (display-mode: standalone), nor once closed with its
// 「閉じる」 (remembered on this device).

import { el, icon } from '../dom.js';
import { applyTranslations } from '../i18n.js';
import {
  canPromptInstall,
  isAppleMobile,
  isStandalone,
  onInstallPromptChange,
  promptInstall,
} from '../install.js';

const TITLE_ID = 'settings-install-title';
const DISMISSED_KEY = 'todoke.installHint';

/** The section, or null where it has nothing to offer; signal ends its listeners. */
export function installHint({ signal }) {
  if (isStandalone() || readDismissed()) return null;
  const body = el('div', { class: 'stack' });
  const status = el('p', { class: 'install-hint__status', role: 'status' });
  const close = el(
    'button',
    { type: 'button', class: 'button button--text' },
    el('span', { 'data-i18n': 'install.dismiss' }),
  );
  const section = el(
    'section',
    { class: 'settings-section install-hint', 'aria-labelledby': TITLE_ID },
    el('h2', { class: 'settings-section__title', id: TITLE_ID, 'data-i18n': 'install.title' }),
    el('p', { class: 'settings-section__hint', 'data-i18n': 'install.lead' }),
    body,
    status,
    el('div', { class: 'button-row' }, close),
  );
  let installed = false;

  function render() {
    if (installed) {
      body.replaceChildren();
    } else if (canPromptInstall()) {
      const button = el(
        'button',
        { type: 'button', class: 'button button--solid' },
        icon('plus', 'button__icon'),
        el('span', { 'data-i18n': 'install.button' }),
      );
      button.addEventListener('click', install, { signal });
      body.replaceChildren(button);
    } else {
      const kind = isAppleMobile() ? 'ios' : 'menu';
      body.replaceChildren(
        el(
          'ol',
          { class: 'steps-list', 'data-install-steps': kind },
          el('li', { 'data-i18n': `install.${kind}.step1` }),
          el('li', { 'data-i18n': `install.${kind}.step2` }),
        ),
      );
    }
    applyTranslations(body);
  }

  async function install() {
    let outcome = 'unavailable';
    try {
      outcome = await promptInstall();
    } catch (error) {
      console.warn('install: prompt failed', error);
    }
    if (signal.aborted) return;
    if (outcome === 'accepted') {
      installed = true;
      status.setAttribute('data-i18n', 'install.done');
      applyTranslations(status);
    }
    // Dismissed (the prompt is spent): the menu's way is still there.
    render();
  }

  close.addEventListener(
    'click',
    () => {
      writeDismissed();
      const heading = document.querySelector('#main h1');
      section.remove();
      if (heading) {
        heading.tabIndex = -1;
        heading.focus();
      }
    },
    { signal },
  );
  const stop = onInstallPromptChange(() => {
    if (!signal.aborted) render();
  });
  signal.addEventListener('abort', stop);
  render();
  return section;
}

function readDismissed() {
  try {
    return localStorage.getItem(DISMISSED_KEY) === 'dismissed';
  } catch {
    return false;
  }
}

function writeDismissed() {
  try {
    localStorage.setItem(DISMISSED_KEY, 'dismissed');
  } catch {
    // Storage off: closed for this visit only.
  }
}
