// /corrections — the corrections the resident asked for ("この情報が違う" on a pre-filled
// value): which registry value, what it says now, what they said is right, the department
// that keeps it, and where the request stands, with the department's reply.

import { getJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, localize } from '../i18n.js';
import { backLink } from '../ui/back-link.js';
import { dateTimeValue } from '../ui/feedback.js';
import { loadSignedIn } from '../ui/signed-in-data.js';
import { emptyState } from '../ui/status.js';

export const titleKey = 'corrections.title';

const STATUS = {
  open: { key: 'corrections.status.open', icon: 'clock' },
  resolved: { key: 'corrections.status.resolved', icon: 'check' },
  rejected: { key: 'corrections.status.rejected', icon: 'info' },
};

export async function mount(outlet, ctx) {
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      backLink('/account', 'account.title'),
      el('h1', { class: 'page__title', 'data-i18n': 'corrections.title' }),
      el('p', { class: 'page__lead', 'data-i18n': 'corrections.lead' }),
      content,
    ),
  );
  applyTranslations(outlet);

  function load() {
    return loadSignedIn(content, ctx, {
      loadingKey: 'corrections.loading',
      signInKey: 'corrections.signInNeeded',
      errorKey: 'corrections.loadError',
      load: () => getJSON('/api/corrections', { signal: ctx.signal }),
      show: (list) => {
        if (!list?.items?.length) {
          return emptyState({
            titleKey: 'corrections.empty.title',
            bodyKey: 'corrections.empty.body',
          });
        }
        const items = [...list.items].sort(
          (a, b) => Date.parse(b.created_at) - Date.parse(a.created_at),
        );
        return el('ul', { class: 'card-list' }, items.map(correctionCard));
      },
    });
  }

  function correctionCard(item) {
    const status = STATUS[item.status] ?? STATUS.open;
    const row = (key, value) =>
      el('div', { class: 'facts__row' }, el('dt', { 'data-i18n': key }), value);
    return el(
      'li',
      { class: 'record-card' },
      el(
        'p',
        { class: 'record-card__badges' },
        el(
          'span',
          { class: 'chip chip--correction', 'data-status': item.status },
          icon(status.icon, 'chip__icon'),
          el('span', { 'data-i18n': status.key }),
        ),
      ),
      localize(el('h2', { class: 'record-card__title' }), item.fact_label),
      el(
        'dl',
        { class: 'facts' },
        row('corrections.current', el('dd', {}, item.current_value ?? '')),
        row('corrections.note', el('dd', { class: 'facts__text' }, item.note ?? '')),
        item.department?.name
          ? row('corrections.department', localize(el('dd'), item.department.name))
          : null,
        row('corrections.requested', localize(el('dd'), dateTimeValue(item.created_at))),
        item.resolved_at
          ? row('corrections.resolvedAt', localize(el('dd'), dateTimeValue(item.resolved_at)))
          : null,
      ),
      item.reply
        ? el(
            'div',
            { class: 'record-card__reply' },
            el('p', { class: 'record-card__reply-label', 'data-i18n': 'corrections.reply' }),
            el('p', { class: 'facts__text' }, item.reply),
          )
        : null,
    );
  }

  await load();
}
