// Language and text size, which apply the moment a choice is made and are remembered on
// this device, whether notices arrive as notifications on it (ui/push-setting.js), and the
// account's email address for being told a notice is waiting (ui/email-setting.js), and,
// in a browser tab, how to add the app to the Home Screen (ui/install-hint.js).

import { announce, el } from '../dom.js';
import { currentLanguage, htmlLang, LANGUAGES, loadLanguage, t } from '../i18n.js';
import { setTextSize, TEXT_SIZES, textSize } from '../preferences.js';
import { emailSetting } from '../ui/email-setting.js';
import { installHint } from '../ui/install-hint.js';
import { pushSetting } from '../ui/push-setting.js';

export const titleKey = 'settings.title';

export function mount(outlet, ctx) {
  const language = choiceGroup({
    name: 'language',
    legendKey: 'settings.language.legend',
    hintKey: 'settings.language.hint',
    selected: currentLanguage(),
    // Each language is named in itself, so a reader finds their own.
    options: LANGUAGES.map((code) => ({ value: code, labelKey: `lang.${code}`, lang: htmlLang(code) })),
  });
  language.fieldset.addEventListener(
    'change',
    async (event) => {
      await loadLanguage(event.target.value);
      announce(t('settings.saved'));
    },
    { signal: ctx.signal },
  );

  const size = choiceGroup({
    name: 'text-size',
    legendKey: 'settings.textSize.legend',
    selected: textSize(),
    options: TEXT_SIZES.map((value) => ({ value, labelKey: `settings.textSize.${value}` })),
  });
  size.fieldset.append(el('p', { class: 'settings__sample', 'data-i18n': 'settings.textSize.sample' }));
  size.fieldset.addEventListener(
    'change',
    (event) => {
      setTextSize(event.target.value);
      announce(t('settings.saved'));
    },
    { signal: ctx.signal },
  );

  // On an iPhone the install section's steps are also what notices need: said once.
  const install = installHint({ signal: ctx.signal });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      el('h1', { class: 'page__title', 'data-i18n': 'settings.title' }),
      el('p', { class: 'page__lead', 'data-i18n': 'settings.lead' }),
      el('form', { class: 'settings', action: '#' }, language.fieldset, size.fieldset),
      install,
      pushSetting({ signal: ctx.signal, installShown: Boolean(install) }),
      emailSetting({ signal: ctx.signal }),
      el('p', {
        class: 'settings__version',
        'data-i18n': 'settings.version',
        'data-i18n-params': JSON.stringify({ build: buildId() }),
      }),
    ),
  );
}

function choiceGroup({ name, legendKey, hintKey, selected, options }) {
  const hintId = hintKey ? `${name}-hint` : null;
  const fieldset = el(
    'fieldset',
    { class: 'choice-group', 'aria-describedby': hintId },
    el('legend', { class: 'choice-group__legend', 'data-i18n': legendKey }),
    hintKey ? el('p', { class: 'choice-group__hint', id: hintId, 'data-i18n': hintKey }) : null,
    el(
      'div',
      { class: 'choice-group__options' },
      options.map(({ value, labelKey, lang }) => {
        const id = `${name}-${value}`;
        return el(
          'div',
          { class: 'choice' },
          el('input', {
            class: 'choice__input',
            type: 'radio',
            id,
            name,
            value,
            checked: value === selected,
          }),
          el('label', { class: 'choice__label', for: id, lang, 'data-i18n': labelKey }),
        );
      }),
    ),
  );
  return { fieldset };
}

/** The build id the backend put in our asset URLs (/assets/<build>/js/...). */
function buildId() {
  const match = /\/assets\/([^/]+)\//.exec(new URL(import.meta.url).pathname);
  return match ? match[1].slice(0, 12) : '-';
}
