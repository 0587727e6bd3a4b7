// /account/consents: the three things the city may do with what it knows about you, each
// a separate switch, saved the moment it changes. Signing in is not consent to any:
//   prefill   fill application forms from the registry
//   matching  look for support you qualify for and tell you
//   sharing   let other departments' staff see your records (the staff's 360° view)

import { ApiError, getJSON, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, localize } from '../i18n.js';
import { sessionEnded } from '../session.js';
import { describeError } from '../ui/feedback.js';
import { switchField } from '../ui/forms.js';
import { loadSignedIn } from '../ui/signed-in-data.js';
import { signInPrompt } from '../ui/signin.js';

export const titleKey = 'consents.title';

// The purposes the API knows, in the order shown.
const PURPOSES = [
  {
    purpose: 'prefill',
    labelKey: 'consents.prefill.label',
    descriptionKey: 'consents.prefill.description',
  },
  {
    purpose: 'matching',
    labelKey: 'consents.matching.label',
    descriptionKey: 'consents.matching.description',
  },
  {
    purpose: 'sharing',
    labelKey: 'consents.sharing.label',
    descriptionKey: 'consents.sharing.description',
  },
];

export async function mount(outlet, ctx) {
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      el(
        'p',
        { class: 'back-link' },
        el(
          'a',
          { class: 'link', href: '/account' },
          icon('chevronLeft', 'back-link__icon'),
          el('span', { 'data-i18n': 'account.title' }),
        ),
      ),
      el('h1', { class: 'page__title', 'data-i18n': 'consents.title' }),
      el('p', { class: 'page__lead', 'data-i18n': 'consents.lead' }),
      content,
    ),
  );
  // Words now, not once the data is in: a heading filled late would shift the screen.
  applyTranslations(outlet);

  function load() {
    return loadSignedIn(content, ctx, {
      loading: null,
      signInKey: 'consents.signInNeeded',
      errorKey: 'consents.loadError',
      load: () => getJSON('/api/me/consents', { signal: ctx.signal }),
      show: (consents, me) => consentParts(me, consents),
    });
  }

  function consentParts(me, consents) {
    const switches = PURPOSES.map(({ purpose, labelKey, descriptionKey }) => {
      const field = switchField({
        id: `consent-${purpose}`,
        labelKey,
        descriptionKey,
        checked: consents?.[purpose] === true,
      });
      field.input.name = purpose;
      field.input.addEventListener('change', () => save(purpose, field), { signal: ctx.signal });
      return field;
    });

    // The frame leaves the null out (a verified account needs no reminder).
    return [
      el(
        'div',
        { class: 'notice notice--info notice--compact' },
        icon('info', 'notice__icon'),
        el('p', { class: 'notice__body notice__body--inline', 'data-i18n': 'consents.notSignIn' }),
      ),
      me.verified
        ? null
        : el(
            'div',
            { class: 'notice notice--warning notice--compact' },
            icon('alert', 'notice__icon'),
            el('p', { class: 'notice__body notice__body--inline' }, [
              el('span', { 'data-i18n': 'consents.unverified' }),
              ' ',
              el('a', {
                class: 'link',
                href: '/account/verify',
                'data-i18n': 'account.identity.verifyLink',
              }),
            ]),
          ),
      el(
        'form',
        { class: 'panel switch-list', action: '#', 'aria-labelledby': 'consents-form-title' },
        el('h2', {
          class: 'panel__title',
          id: 'consents-form-title',
          'data-i18n': 'consents.formTitle',
        }),
        ...switches.map((field) => field.wrapper),
        el('p', { class: 'panel__hint', 'data-i18n': 'consents.changeAnytime' }),
      ),
      // Sending move-in data to another municipality is consented to once per move, on the
      // move's own screen (where it can be withdrawn while unused): said here, linked.
      el(
        'p',
        { class: 'panel__hint' },
        el('span', { 'data-i18n': 'consents.moving' }),
        ' ',
        el('a', { class: 'link', href: '/moving', 'data-i18n': 'consents.movingLink' }),
      ),
    ];
  }

  async function save(purpose, field) {
    const granted = field.input.checked;
    field.input.setAttribute('aria-busy', 'true');
    field.status.removeAttribute('data-tone');
    let answer;
    try {
      answer = await sendJSON('/api/me/consents', {
        body: { purpose, granted },
        signal: ctx.signal,
      });
    } catch (error) {
      if (ctx.signal.aborted) return;
      field.input.removeAttribute('aria-busy');
      if (error instanceof ApiError && error.status === 401) {
        sessionEnded();
        content.replaceChildren(signInPrompt('account.sessionExpired'));
        applyTranslations(content);
        return;
      }
      // Not saved: put the switch back and say so, next to it.
      field.input.checked = !granted;
      field.sync();
      const described = describeError(error);
      field.status.setAttribute('data-tone', 'error');
      field.status.replaceChildren(
        icon('alert', 'switch__status-icon'),
        el('span', { 'data-i18n': 'consents.notSaved' }),
        ' ',
        described?.key
          ? el('span', { 'data-i18n': described.key })
          : localize(el('span'), described?.value ?? ''),
      );
      applyTranslations(field.status);
      return;
    }
    if (ctx.signal.aborted) return;
    field.input.removeAttribute('aria-busy');
    field.input.checked = answer?.[purpose] === true;
    field.sync();
    field.status.setAttribute('data-tone', 'success');
    field.status.replaceChildren(
      icon('check', 'switch__status-icon'),
      el('span', { 'data-i18n': field.input.checked ? 'consents.savedOn' : 'consents.savedOff' }),
    );
    applyTranslations(field.status);
  }

  await load();
}
