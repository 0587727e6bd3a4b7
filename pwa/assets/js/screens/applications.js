// /applications — 申請と下書き: drafts first, plainly marked as not sent (continue or
// delete each), then the applications filed, with their receipt number and status.

import { getJSON, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { clearLocalDraft } from '../drafts.js';
import { applyTranslations, localize } from '../i18n.js';
import { dropQueuedFiling, queuedFiling } from '../outbox.js';
import { applyHref, reviewHref } from '../procedure-form.js';
import { busy, dateTimeValue, messageArea } from '../ui/feedback.js';
import { loadSignedIn } from '../ui/signed-in-data.js';
import { emptyState } from '../ui/status.js';

export const titleKey = 'applications.title';

export async function mount(outlet, ctx) {
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      el('h1', { class: 'page__title', 'data-i18n': 'applications.title' }),
      el('p', { class: 'page__lead', 'data-i18n': 'applications.lead' }),
      content,
    ),
  );
  applyTranslations(outlet);

  async function load({ message } = {}) {
    let messages = null;
    const found = await loadSignedIn(content, ctx, {
      loadingKey: 'applications.loading',
      signInKey: 'applications.signInNeeded',
      errorKey: 'applications.loadError',
      load: () =>
        Promise.all([
          getJSON('/api/drafts', { signal: ctx.signal }),
          getJSON('/api/applications', { signal: ctx.signal }),
        ]),
      show: ([drafts, applications]) => {
        messages = messageArea();
        return [
          messages.node,
          draftsSection(drafts?.items ?? [], messages),
          applicationsSection(applications?.items ?? []),
        ];
      },
    });
    // Said once the lists are on the page (a retry after a failure says nothing).
    if (found && message) messages.show(message);
  }

  function draftsSection(items, messages) {
    return el(
      'section',
      { class: 'list-section', 'aria-labelledby': 'applications-drafts-title' },
      el(
        'h2',
        { class: 'list-section__title', id: 'applications-drafts-title', tabindex: '-1' },
        el('span', { 'data-i18n': 'applications.drafts.title' }),
      ),
      el('p', { class: 'list-section__hint', 'data-i18n': 'applications.drafts.hint' }),
      items.length === 0
        ? el('p', { class: 'list-section__empty', 'data-i18n': 'applications.drafts.empty' })
        : el(
            'ul',
            { class: 'card-list' },
            items.map((draft) => draftCard(draft, messages)),
          ),
    );
  }

  function draftCard(draft, messages) {
    const titleId = `draft-${draft.id}-title`;
    const remove = el(
      'button',
      {
        type: 'button',
        class: 'button button--danger button--sm',
        'aria-describedby': titleId,
        'aria-expanded': 'false',
      },
      icon('trash', 'button__icon'),
      el('span', { 'data-i18n': 'applications.drafts.delete' }),
    );
    const confirm = el(
      'button',
      { type: 'button', class: 'button button--danger-solid button--sm' },
      icon('trash', 'button__icon'),
      el('span', { 'data-i18n': 'applications.drafts.deleteConfirm' }),
    );
    const cancel = el('button', {
      type: 'button',
      class: 'button button--text button--sm',
      'data-i18n': 'form.cancel',
    });
    const ask = el(
      'div',
      { class: 'stack inline-form', hidden: true },
      el('p', {
        class: 'inline-form__question',
        'data-i18n': 'applications.drafts.deleteQuestion',
      }),
      el('div', { class: 'button-row' }, confirm, cancel),
    );
    remove.addEventListener(
      'click',
      () => {
        ask.hidden = !ask.hidden;
        remove.setAttribute('aria-expanded', String(!ask.hidden));
        if (!ask.hidden) cancel.focus();
      },
      { signal: ctx.signal },
    );
    cancel.addEventListener(
      'click',
      () => {
        ask.hidden = true;
        remove.setAttribute('aria-expanded', 'false');
        remove.focus();
      },
      { signal: ctx.signal },
    );
    confirm.addEventListener(
      'click',
      async () => {
        const done = busy(confirm);
        try {
          await sendJSON(`/api/drafts/${encodeURIComponent(draft.id)}`, {
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
        clearLocalDraft(draft.id);
        dropQueuedFiling(draft.id); // a deleted draft is never sent
        await load({ message: { tone: 'success', key: 'applications.drafts.deleted' } });
        content.querySelector('#applications-drafts-title')?.focus();
      },
      { signal: ctx.signal },
    );
    // Filed while offline and waiting on this device to be sent (outbox.js).
    const waiting = queuedFiling(draft.id) != null;
    return el(
      'li',
      { class: 'record-card record-card--draft' },
      el(
        'p',
        { class: 'record-card__badges' },
        el(
          'span',
          { class: 'chip chip--draft' },
          icon(waiting ? 'send' : 'pencil', 'chip__icon'),
          el('span', {
            'data-i18n': waiting ? 'applications.drafts.queued' : 'applications.drafts.badge',
          }),
        ),
      ),
      localize(el('h3', { class: 'record-card__title', id: titleId }), draft.title),
      draft.on_behalf_of_name
        ? el('p', {
            class: 'record-card__meta',
            'data-i18n': 'applications.onBehalf',
            'data-i18n-params': JSON.stringify({ name: draft.on_behalf_of_name }),
          })
        : null,
      el(
        'dl',
        { class: 'facts facts--compact' },
        el('div', { class: 'facts__row' }, [
          el('dt', { 'data-i18n': 'applications.drafts.saved' }),
          localize(el('dd'), dateTimeValue(draft.updated_at)),
        ]),
        el('div', { class: 'facts__row' }, [
          el('dt', { 'data-i18n': 'applications.drafts.expires' }),
          localize(el('dd'), dateTimeValue(draft.expires_at, { time: false })),
        ]),
      ),
      el(
        'div',
        { class: 'button-row' },
        el(
          'a',
          {
            class: 'button button--solid button--sm',
            href: waiting ? reviewHref(draft.slug, draft.id) : applyHref(draft.slug, draft.id),
            'aria-describedby': titleId,
          },
          el('span', {
            'data-i18n': waiting ? 'applications.drafts.openQueued' : 'applications.drafts.continue',
          }),
          icon('chevronRight', 'button__icon'),
        ),
        remove,
      ),
      ask,
    );
  }

  await load();
}

function applicationsSection(items) {
  return el(
    'section',
    { class: 'list-section', 'aria-labelledby': 'applications-filed-title' },
    el('h2', {
      class: 'list-section__title',
      id: 'applications-filed-title',
      'data-i18n': 'applications.filed.title',
    }),
    items.length === 0
      ? emptyState({
          titleKey: 'applications.filed.emptyTitle',
          bodyKey: 'applications.filed.emptyBody',
          action: el('a', {
            class: 'button button--outline',
            href: '/procedures',
            'data-i18n': 'applications.filed.find',
          }),
        })
      : el(
          'ul',
          { class: 'card-list' },
          [...items]
            .sort((a, b) => Date.parse(b.submitted_at) - Date.parse(a.submitted_at))
            .map(applicationCard),
        ),
  );
}

function applicationCard(item) {
  const link = el('a', {
    class: 'record-card__link',
    href: `/applications/${encodeURIComponent(item.id)}`,
  });
  localize(link, item.title);
  return el(
    'li',
    { class: 'record-card record-card--linked' },
    el('h3', { class: 'record-card__title' }, link),
    icon('chevronRight', 'record-card__chevron'),
    el(
      'p',
      { class: 'record-card__badges' },
      localize(
        el('span', { class: 'chip chip--status', 'data-status': item.status }),
        item.status_label,
      ),
    ),
    el(
      'dl',
      { class: 'facts facts--compact' },
      el('div', { class: 'facts__row' }, [
        el('dt', { 'data-i18n': 'application.receiptNumber' }),
        el('dd', { class: 'facts__mono' }, item.receipt_number),
      ]),
      el('div', { class: 'facts__row' }, [
        el('dt', { 'data-i18n': 'applications.filed.date' }),
        localize(el('dd'), dateTimeValue(item.submitted_at, { time: false })),
      ]),
      item.channel === 'proxy' || item.channel === 'assisted'
        ? el('div', { class: 'facts__row' }, [
            el('dt', { 'data-i18n': 'application.details.applicant' }),
            el('dd', {}, item.applicant_name ?? ''),
          ])
        : null,
    ),
  );
}
