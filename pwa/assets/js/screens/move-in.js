// /moving/in: at the municipality moved to. A new account here (a passkey of this site)
// enters the 引越しコード the former municipality showed; the account is then bound to the
// incoming move. Then: what was received, from whom and when (the consent the resident gave
// there), and the procedures it pre-fills here — the 転入届 counter booking first, then
// 児童手当, nursery, dog registration where they apply.

import { getJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, localize } from '../i18n.js';
import { backLink } from '../ui/back-link.js';
import { codeEntryForm } from '../ui/code-entry.js';
import { dateTimeValue } from '../ui/feedback.js';
import { loadSignedIn } from '../ui/signed-in-data.js';
import { crossing } from './move-out.js';

export const titleKey = 'moveIn.title';

export async function mount(outlet, ctx) {
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      backLink('/account', 'account.title'),
      el('h1', { class: 'page__title', 'data-i18n': 'moveIn.title' }),
      content,
    ),
  );
  applyTranslations(outlet);

  async function draw(shown = null) {
    await loadSignedIn(content, ctx, {
      loadingKey: 'moving.loading',
      signInKey: 'moveIn.signIn',
      errorKey: 'moving.error.load',
      load: async () =>
        shown ?? (await getJSON('/api/moves/in', { signal: ctx.signal })).move,
      show: (incoming) => (incoming ? received(incoming) : codeForm()),
    });
  }

  function codeForm() {
    const form = codeEntryForm({
      id: 'move-in-code',
      labelKey: 'moveIn.code.label',
      hintKey: 'moveIn.code.hint',
      submitKey: 'moveIn.code.submit',
      path: '/api/moves/in',
      signal: ctx.signal,
      lockedKeys: { title: 'moveIn.locked.title', until: 'moveIn.locked.until' },
      onSignedOut: () => draw(),
      onDone: async (incoming) => {
        await draw(incoming);
        content.querySelector('h2')?.focus();
      },
    });
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'move-in-code-title' },
      el('h2', { class: 'panel__title', id: 'move-in-code-title', 'data-i18n': 'moveIn.code.title' }),
      el('p', { 'data-i18n': 'moveIn.code.lead' }),
      form,
    );
  }

  function received(incoming) {
    const from = incoming.origin.name;
    return [
      el(
        'div',
        { class: 'notice notice--success' },
        icon('check', 'notice__icon'),
        el('h2', {
          class: 'notice__title',
          tabindex: '-1',
          'data-i18n': 'moveIn.received.title',
          'data-i18n-params': JSON.stringify({ place: from }),
        }),
        el(
          'div',
          { class: 'notice__body' },
          el('p', { 'data-i18n': 'moveIn.received.lead' }),
        ),
      ),
      el(
        'section',
        { class: 'panel', 'aria-labelledby': 'move-in-todo-title' },
        el('h2', { class: 'panel__title', id: 'move-in-todo-title', 'data-i18n': 'moveIn.todo.title' }),
        el(
          'ul',
          { class: 'link-list' },
          incoming.procedures.map((procedure) => {
            const filed = procedure.application != null;
            return el(
              'li',
              { class: 'link-list__item' },
              el(
                'a',
                {
                  class: 'link-list__link',
                  href: filed
                    ? `/applications/${procedure.application}`
                    : `/procedures/${procedure.slug}/apply`,
                },
                icon(filed ? 'check' : procedure.slug === 'move-in' ? 'booking' : 'document', 'link-list__icon'),
                el(
                  'span',
                  { class: 'link-list__text' },
                  localize(el('span', { class: 'link-list__label' }), procedure.title),
                  el('span', {
                    class: 'link-list__hint',
                    'data-i18n': filed ? 'moveIn.todo.filed' : `moveIn.todo.why.${procedure.reason}`,
                  }),
                ),
                icon('chevronRight', 'link-list__chevron'),
              ),
            );
          }),
        ),
      ),
      el(
        'section',
        { class: 'panel', 'aria-labelledby': 'move-in-consent-title' },
        el('h2', {
          class: 'panel__title',
          id: 'move-in-consent-title',
          'data-i18n': 'moveIn.consent.title',
        }),
        el('p', {
          'data-i18n': 'moveIn.consent.body',
          'data-i18n-params': JSON.stringify({
            place: from,
            consented: dateTimeValue(incoming.consented_at),
            received: dateTimeValue(incoming.received_at),
          }),
        }),
        crossing(incoming.data),
      ),
    ];
  }

  await draw();
}
