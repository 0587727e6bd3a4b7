// /moving/:id: one move told to this municipality.
//   the move       where to, when, how the 転出 is done (the counter booking, or the note that
//                  it was filed through マイナポータル, with a link to it)
//   consent        "send my move-in data to <B>?": every field that would cross, with the
//                  values, and a box to tick — not ticked at first: nothing crosses without it
//   the code       once sent, the 引越しコード to enter at <B> after creating a passkey there
//                  (shown once), until when it works; withdrawing the consent while <B> has
//                  not used the data

import { getJSON, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, localize } from '../i18n.js';
import { backLink } from '../ui/back-link.js';
import { busy, dateTimeValue, messageArea } from '../ui/feedback.js';
import { loadSignedIn } from '../ui/signed-in-data.js';

export const titleKey = 'moveOut.title';

export async function mount(outlet, ctx) {
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      backLink('/moving', 'moving.title'),
      el('h1', { class: 'page__title', 'data-i18n': 'moveOut.title' }),
      content,
    ),
  );
  applyTranslations(outlet);
  const id = Number(ctx.params.id);

  async function draw(shown = null) {
    await loadSignedIn(content, ctx, {
      loadingKey: 'moving.loading',
      signInKey: 'moving.signIn',
      errorKey: 'moving.error.load',
      load: async () => shown ?? getJSON(`/api/moves/out/${id}`, { signal: ctx.signal }),
      show: (move) => [summary(move), consentOrCode(move)],
    });
  }

  function consentOrCode(move) {
    if (!move.can_send) return offPlatform();
    if (move.withdrawn_at) return withdrawnNotice(move);
    if (move.transfer_code) return codeShown(move);
    if (move.consented_at) return sentState(move);
    return consentForm(move);
  }

  function consentForm(move) {
    const messages = messageArea();
    const box = el('input', { id: 'move-consent', class: 'choice__input', type: 'checkbox' });
    const send = el(
      'button',
      { type: 'submit', class: 'button button--solid button--block' },
      icon('send', 'button__icon'),
      el('span', { 'data-i18n': 'moveOut.consent.send' }),
    );
    const form = el(
      'form',
      { class: 'stack', action: '#', novalidate: true },
      el(
        'div',
        { class: 'choice choice--consent' },
        box,
        el('label', {
          class: 'choice__label',
          for: 'move-consent',
          'data-i18n': 'moveOut.consent.agree',
          'data-i18n-params': JSON.stringify({ place: move.destination.name }),
        }),
      ),
      send,
      messages.node,
    );
    form.addEventListener(
      'submit',
      async (event) => {
        event.preventDefault();
        messages.clear();
        if (!box.checked) {
          messages.show({ key: 'moveOut.consent.tick', focus: true });
          return;
        }
        const done = busy(send);
        let sent;
        try {
          sent = await sendJSON(`/api/moves/out/${move.id}/consent`, {
            body: { granted: true },
            signal: ctx.signal,
          });
        } catch (error) {
          if (ctx.signal.aborted) return;
          done();
          messages.show({ error, focus: true });
          return;
        }
        await draw(sent);
        content.querySelector('.counter-code')?.focus();
      },
      { signal: ctx.signal },
    );
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'move-consent-title' },
      el('h2', {
        class: 'panel__title',
        id: 'move-consent-title',
        'data-i18n': 'moveOut.consent.title',
        'data-i18n-params': JSON.stringify({ place: move.destination.name }),
      }),
      el('p', {
        'data-i18n': 'moveOut.consent.lead',
        'data-i18n-params': JSON.stringify({ place: move.destination.name }),
      }),
      crossing(move.crossing),
      el('p', {
        class: 'field__hint',
        'data-i18n': 'moveOut.consent.notGiven',
        'data-i18n-params': JSON.stringify({ place: move.destination.name }),
      }),
      form,
    );
  }

  function codeShown(move) {
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'move-code-title' },
      el('h2', { class: 'panel__title', id: 'move-code-title', 'data-i18n': 'moveOut.code.title' }),
      el('p', {
        'data-i18n': 'moveOut.code.lead',
        'data-i18n-params': JSON.stringify({ place: move.destination.name }),
      }),
      el(
        'div',
        { class: 'counter-code', tabindex: '-1' },
        el('p', { class: 'counter-code__label', 'data-i18n': 'moveOut.code.label' }),
        el('p', { class: 'counter-code__digits', translate: 'no' }, move.transfer_code),
        expiry(move),
      ),
      el(
        'ol',
        { class: 'bullet-list' },
        el('li', {
          'data-i18n': 'moveOut.code.step1',
          'data-i18n-params': JSON.stringify({ place: move.destination.name }),
        }),
        el('li', { 'data-i18n': 'moveOut.code.step2' }),
        el('li', { 'data-i18n': 'moveOut.code.step3' }),
      ),
      el('p', { class: 'field__hint', 'data-i18n': 'moveOut.code.once' }),
    );
  }

  function expiry(move) {
    if (!move.code_expires_at) return null;
    return el('p', {
      class: 'counter-code__expiry',
      'data-i18n': 'moveOut.code.expires',
      'data-i18n-params': JSON.stringify({ date: dateTimeValue(move.code_expires_at) }),
    });
  }

  function sentState(move) {
    const messages = messageArea();
    const parts = [
      el('p', {
        'data-i18n': 'moveOut.sent.when',
        'data-i18n-params': JSON.stringify({
          place: move.destination.name,
          date: dateTimeValue(move.consented_at),
        }),
      }),
      el('p', {
        'data-i18n': move.used_at_destination ? 'moveOut.sent.used' : 'moveOut.sent.notUsed',
        'data-i18n-params': JSON.stringify({ place: move.destination.name }),
      }),
      move.used_at_destination ? null : expiry(move),
      crossing(move.crossing),
    ];
    if (!move.used_at_destination) {
      const withdraw = el(
        'button',
        { type: 'button', class: 'button button--outline button--block' },
        el('span', { 'data-i18n': 'moveOut.withdraw.button' }),
      );
      withdraw.addEventListener(
        'click',
        async () => {
          messages.clear();
          const done = busy(withdraw);
          try {
            const after = await sendJSON(`/api/moves/out/${move.id}/withdraw`, {
              signal: ctx.signal,
            });
            await draw(after);
          } catch (error) {
            if (ctx.signal.aborted) return;
            done();
            messages.show({ error, focus: true });
          }
        },
        { signal: ctx.signal },
      );
      parts.push(
        el('p', {
          class: 'field__hint',
          'data-i18n': 'moveOut.withdraw.hint',
          'data-i18n-params': JSON.stringify({ place: move.destination.name }),
        }),
        withdraw,
      );
    }
    parts.push(messages.node);
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'move-sent-title' },
      el('h2', {
        class: 'panel__title',
        id: 'move-sent-title',
        'data-i18n': 'moveOut.sent.title',
        'data-i18n-params': JSON.stringify({ place: move.destination.name }),
      }),
      parts,
    );
  }

  function withdrawnNotice(move) {
    return el(
      'div',
      { class: 'notice notice--info' },
      icon('info', 'notice__icon'),
      el('h2', { class: 'notice__title', 'data-i18n': 'moveOut.withdrawn.title' }),
      el(
        'div',
        { class: 'notice__body' },
        el('p', {
          'data-i18n': 'moveOut.withdrawn.body',
          'data-i18n-params': JSON.stringify({
            place: move.destination.name,
            date: dateTimeValue(move.withdrawn_at),
          }),
        }),
      ),
    );
  }

  function offPlatform() {
    return el(
      'div',
      { class: 'notice notice--info' },
      icon('info', 'notice__icon'),
      el('h2', { class: 'notice__title', 'data-i18n': 'moveOut.offPlatform.title' }),
      el('div', { class: 'notice__body' }, el('p', { 'data-i18n': 'moveOut.offPlatform.body' })),
    );
  }

  await draw();
}

function summary(move) {
  const where = el('dd');
  if (move.destination) localize(where, move.destination.name);
  else where.textContent = move.destination_name;
  const row = (key, value) =>
    el('div', { class: 'facts__row' }, el('dt', { 'data-i18n': key }), value);
  const booking = move.application
    ? el('a', {
        class: 'link',
        href: `/applications/${move.application}`,
        'data-i18n': 'moveOut.how.booking',
      })
    : null;
  const portal = el('a', {
    class: 'link',
    href: move.myna_portal_url,
    rel: 'noopener',
    target: '_blank',
    'data-i18n': 'moving.mynaPortal.link',
  });
  const how =
    move.method === 'counter'
      ? el('dd', {}, el('span', { 'data-i18n': 'moveOut.how.counter' }), booking ? [' ', booking] : null)
      : el('dd', {}, el('span', { 'data-i18n': 'moveOut.how.mynaPortal' }), ' ', portal);
  return el(
    'section',
    { class: 'panel', 'aria-labelledby': 'move-summary-title' },
    el('h2', {
      class: 'panel__title',
      id: 'move-summary-title',
      'data-i18n': 'moveOut.summary.title',
    }),
    el(
      'dl',
      { class: 'facts facts--compact' },
      row('moveOut.summary.to', where),
      row('moveOut.summary.date', localize(el('dd'), day(move.move_date))),
      row('moveOut.summary.how', how),
    ),
  );
}

function day(iso) {
  return dateTimeValue(`${iso}T12:00:00+09:00`, { time: false });
}

/** Every field that crosses, with its values, in the order the API lists them. */
export function crossing(data) {
  const people = data.members;
  const children = people.filter((m) => m.child);
  const joined = (items, make) => items.flatMap((m, i) => (i ? ['、', make(m)] : [make(m)]));
  const words = (items, make) => el('dd', {}, joined(items, make));
  const rows = {
    names: words(people, (m) => `${m.family_name} ${m.given_name}`),
    kana: words(people, (m) => `${m.family_name_kana} ${m.given_name_kana}`),
    birth_dates: words(people, (m) => (m.birth_date ? localize(el('span'), day(m.birth_date)) : '')),
    sex: words(people, (m) => el('span', { 'data-i18n': `moving.sex.${m.sex}` })),
    relation: words(people, (m) =>
      el('span', { 'data-i18n': `moving.relation.${m.is_self ? 'self' : m.relation}` }),
    ),
    previous_address: el('dd', {}, `〒${data.previous_postal_code} ${data.previous_address}`),
    new_address: el('dd', {}, `〒${data.new_postal_code} ${data.new_address}`),
    move_date: localize(el('dd'), day(data.move_date)),
    children: children.length
      ? words(children, (m) => `${m.family_name} ${m.given_name}`)
      : el('dd', {}, el('span', { 'data-i18n': 'moving.children.none' })),
    dog: el('dd', {}, el('span', { 'data-i18n': data.dog ? 'moving.dog.yes' : 'moving.dog.no' })),
  };
  return el(
    'dl',
    { class: 'facts facts--compact move-crossing' },
    Object.entries(rows).map(([key, node]) =>
      el('div', { class: 'facts__row' }, el('dt', { 'data-i18n': `moving.field.${key}` }), node),
    ),
  );
}
