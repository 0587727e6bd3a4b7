// /account/delegations — letting a trusted person act for you, and acting for others.
//   invite   a code (shown large, with its expiry) to give to the person you trust
//   accept   enter a code someone gave you, to apply on their behalf
//   list     who may act for you and for whom you may act; revoke either

import { ApiError, getJSON, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, localize } from '../i18n.js';
import { sessionEnded } from '../session.js';
import { backLink } from '../ui/back-link.js';
import { busy, dateTimeValue, describeError, messageArea } from '../ui/feedback.js';
import { textField } from '../ui/forms.js';
import { loadSignedIn } from '../ui/signed-in-data.js';
import { signInPrompt } from '../ui/signin.js';
import { errorPanel } from '../ui/status.js';

export const titleKey = 'delegations.title';

const INVITE_DAYS = 90;

const STATUS_KEYS = {
  pending: 'delegations.status.pending',
  active: 'delegations.status.active',
  expired: 'delegations.status.expired',
  revoked: 'delegations.status.revoked',
};

export async function mount(outlet, ctx) {
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      backLink('/account', 'account.title'),
      el('h1', { class: 'page__title', 'data-i18n': 'delegations.title' }),
      el('p', { class: 'page__lead', 'data-i18n': 'delegations.lead' }),
      content,
    ),
  );
  applyTranslations(outlet);

  // Procedure names, for delegations limited to some procedures (the list is public).
  let procedureTitles = new Map();
  const titlesLoaded = getJSON('/api/procedures', { signal: ctx.signal })
    .then((body) => {
      procedureTitles = new Map((body?.items ?? []).map((item) => [item.slug, item.title]));
    })
    .catch(() => {});
  const top = messageArea();
  const given = el('div', { class: 'stack' });
  const received = el('div', { class: 'stack' });

  // The list, once the procedure names are in (a card names what it is limited to).
  async function fetchList() {
    const [list] = await Promise.all([
      getJSON('/api/me/delegations', { signal: ctx.signal }),
      titlesLoaded,
    ]);
    return list;
  }

  function load() {
    return loadSignedIn(content, ctx, {
      loading: null,
      signInKey: 'delegations.signInNeeded',
      errorKey: 'delegations.loadError',
      load: fetchList,
      show: (list) => {
        const parts = [top.node, givenSection(), receivedSection()];
        showLists(list);
        return parts;
      },
    });
  }

  // Again after a change (an invitation, an accepted code, a revocation).
  async function refresh() {
    let list;
    try {
      list = await fetchList();
    } catch (error) {
      if (ctx.signal.aborted) return;
      if (error instanceof ApiError && error.status === 401) {
        sessionEnded();
        content.replaceChildren(signInPrompt('delegations.signInNeeded'));
        applyTranslations(content);
        return;
      }
      given.replaceChildren(
        errorPanel({ titleKey: 'delegations.loadError', error, onRetry: () => refresh() }),
      );
      applyTranslations(given);
      return;
    }
    if (ctx.signal.aborted) return;
    showLists(list);
  }

  function showLists(list) {
    const items = list?.items ?? [];
    showList(
      given,
      items.filter((item) => item.direction === 'given'),
      'delegations.given.empty',
    );
    showList(
      received,
      items.filter((item) => item.direction === 'received'),
      'delegations.received.empty',
    );
  }

  function showList(container, items, emptyKey) {
    container.replaceChildren(
      items.length === 0
        ? el('p', { class: 'list-section__empty', 'data-i18n': emptyKey })
        : el('ul', { class: 'card-list' }, items.map(delegationCard)),
    );
    applyTranslations(container);
  }

  // --- I let someone act for me ------------------------------------------------------------

  function givenSection() {
    const invite = el(
      'button',
      { type: 'button', class: 'button button--solid button--block' },
      icon('plus', 'button__icon'),
      el('span', { 'data-i18n': 'delegations.invite.button' }),
    );
    const offer = el('div', { class: 'stack' });
    const messages = messageArea();
    invite.addEventListener(
      'click',
      async () => {
        messages.clear();
        const done = busy(invite);
        let answer;
        try {
          answer = await sendJSON('/api/me/delegations', {
            body: { scope: [], days: INVITE_DAYS },
            signal: ctx.signal,
          });
        } catch (error) {
          if (ctx.signal.aborted) return;
          done();
          messages.show({ error, focus: true });
          return;
        }
        if (ctx.signal.aborted) return;
        done();
        offer.replaceChildren(offerBox(answer));
        applyTranslations(offer);
        offer.querySelector('.counter-code')?.focus();
        refresh();
      },
      { signal: ctx.signal },
    );
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'delegations-given-title' },
      el('h2', {
        class: 'panel__title',
        id: 'delegations-given-title',
        'data-i18n': 'delegations.given.title',
      }),
      el('p', { class: 'panel__hint', 'data-i18n': 'delegations.given.hint' }),
      invite,
      messages.node,
      offer,
      given,
    );
  }

  function offerBox(answer) {
    return el(
      'div',
      {
        class: 'counter-code delegation-offer',
        tabindex: '-1',
        role: 'group',
        'aria-labelledby': 'delegation-code-label',
      },
      el('p', {
        class: 'counter-code__label',
        id: 'delegation-code-label',
        'data-i18n': 'delegations.invite.codeLabel',
      }),
      el('p', { class: 'counter-code__digits delegation-offer__code' }, answer.code),
      el('p', {
        class: 'counter-code__expiry',
        'data-i18n': 'delegations.invite.expires',
        'data-i18n-params': JSON.stringify({ time: dateTimeValue(answer.expires_at) }),
      }),
      el('p', { class: 'delegation-offer__how', 'data-i18n': 'delegations.invite.instructions' }),
      el('p', { class: 'delegation-offer__how', 'data-i18n': 'delegations.invite.trust' }),
    );
  }

  // --- I act for someone --------------------------------------------------------------------

  function receivedSection() {
    const messages = messageArea();
    const code = textField({
      id: 'delegation-accept-code',
      labelKey: 'delegations.accept.label',
      hintKey: 'delegations.accept.hint',
      attributes: {
        name: 'code',
        autocomplete: 'off',
        autocapitalize: 'characters',
        spellcheck: 'false',
        maxlength: '32',
        class: 'field__input field__input--code',
      },
    });
    const submit = el(
      'button',
      { type: 'submit', class: 'button button--outline button--block' },
      el('span', { 'data-i18n': 'delegations.accept.submit' }),
    );
    const form = el(
      'form',
      {
        class: 'stack',
        action: '#',
        novalidate: true,
        'aria-labelledby': 'delegations-accept-title',
      },
      el('h3', {
        class: 'panel__subtitle',
        id: 'delegations-accept-title',
        'data-i18n': 'delegations.accept.title',
      }),
      code.wrapper,
      messages.node,
      submit,
    );
    form.addEventListener(
      'submit',
      async (event) => {
        event.preventDefault();
        messages.clear();
        const value = code.input.value.normalize('NFKC').trim();
        if (!value) {
          code.setError({ key: 'delegations.accept.required' });
          code.input.focus();
          return;
        }
        code.setError(null);
        const done = busy(submit);
        let accepted;
        try {
          accepted = await sendJSON('/api/me/delegations/accept', {
            body: { code: value },
            signal: ctx.signal,
          });
        } catch (error) {
          if (ctx.signal.aborted) return;
          done();
          if (error instanceof ApiError && [400, 404, 409, 422].includes(error.status)) {
            code.setError(describeError(error));
            code.input.focus();
          } else {
            messages.show({ error, focus: true });
          }
          return;
        }
        if (ctx.signal.aborted) return;
        done();
        code.input.value = '';
        messages.show({
          tone: 'success',
          key: 'delegations.accept.done',
          params: { name: accepted?.principal_name ?? '' },
        });
        refresh();
      },
      { signal: ctx.signal },
    );
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'delegations-received-title' },
      el('h2', {
        class: 'panel__title',
        id: 'delegations-received-title',
        'data-i18n': 'delegations.received.title',
      }),
      el('p', { class: 'panel__hint', 'data-i18n': 'delegations.received.hint' }),
      received,
      form,
    );
  }

  // --- one delegation -----------------------------------------------------------------------

  function delegationCard(item) {
    const mine = item.direction === 'given';
    const name = mine ? item.agent_name : item.principal_name;
    const titleId = `delegation-${item.id}-name`;
    const revocable = item.status === 'pending' || item.status === 'active';
    const revoke = el(
      'button',
      {
        type: 'button',
        class: 'button button--danger button--sm',
        'aria-describedby': titleId,
        'aria-expanded': 'false',
      },
      icon('trash', 'button__icon'),
      el('span', { 'data-i18n': mine ? 'delegations.revoke' : 'delegations.leave' }),
    );
    const confirm = el(
      'button',
      { type: 'button', class: 'button button--danger-solid button--sm' },
      el('span', { 'data-i18n': mine ? 'delegations.revokeConfirm' : 'delegations.leaveConfirm' }),
    );
    const cancel = el('button', {
      type: 'button',
      class: 'button button--text button--sm',
      'data-i18n': 'form.cancel',
    });
    const messages = messageArea();
    const ask = el(
      'div',
      { class: 'stack inline-form', hidden: true },
      el('p', {
        class: 'inline-form__question',
        'data-i18n': mine ? 'delegations.revokeQuestion' : 'delegations.leaveQuestion',
        'data-i18n-params': JSON.stringify({ name: name || '' }),
      }),
      el('div', { class: 'button-row' }, confirm, cancel),
    );
    revoke.addEventListener(
      'click',
      () => {
        ask.hidden = !ask.hidden;
        revoke.setAttribute('aria-expanded', String(!ask.hidden));
        if (!ask.hidden) cancel.focus();
      },
      { signal: ctx.signal },
    );
    cancel.addEventListener(
      'click',
      () => {
        ask.hidden = true;
        revoke.setAttribute('aria-expanded', 'false');
        revoke.focus();
      },
      { signal: ctx.signal },
    );
    confirm.addEventListener(
      'click',
      async () => {
        const done = busy(confirm);
        try {
          await sendJSON(`/api/me/delegations/${encodeURIComponent(item.id)}`, {
            method: 'DELETE',
            signal: ctx.signal,
          });
        } catch (error) {
          if (ctx.signal.aborted) return;
          done();
          messages.show({ error, focus: true });
          return;
        }
        if (ctx.signal.aborted) return;
        top.show({ tone: 'success', key: 'delegations.revoked', params: { name: name || '' } });
        await refresh();
        content
          .querySelector(mine ? '#delegations-given-title' : '#delegations-received-title')
          ?.focus();
      },
      { signal: ctx.signal },
    );
    const scope = item.scope?.length
      ? el(
          'dd',
          { class: 'delegation__scope' },
          item.scope.map((slug) =>
            procedureTitles.has(slug)
              ? localize(el('span'), procedureTitles.get(slug))
              : el('span', {}, slug),
          ),
        )
      : el('dd', { 'data-i18n': 'delegations.scopeAll' });
    return el(
      'li',
      { class: 'record-card' },
      el(
        'div',
        { class: 'record-card__head' },
        icon('people', 'record-card__icon'),
        name
          ? el('h3', { class: 'record-card__title', id: titleId }, name)
          : el('h3', {
              class: 'record-card__title',
              id: titleId,
              'data-i18n': 'delegations.pendingName',
            }),
        el('span', {
          class: 'chip chip--delegation',
          'data-status': item.status,
          'data-i18n': STATUS_KEYS[item.status] ?? 'delegations.status.pending',
        }),
      ),
      el(
        'dl',
        { class: 'facts facts--compact' },
        el('div', { class: 'facts__row' }, [el('dt', { 'data-i18n': 'delegations.scope' }), scope]),
        el('div', { class: 'facts__row' }, [
          el('dt', { 'data-i18n': 'delegations.expires' }),
          localize(el('dd'), dateTimeValue(item.expires_at, { time: false })),
        ]),
      ),
      messages.node,
      revocable ? el('div', { class: 'button-row' }, revoke) : null,
      ask,
    );
  }

  await load();
}
