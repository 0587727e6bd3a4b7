// /staff/life-events「くらしの出来事」 (issue 17): each life event the municipality publishes
// at its current version — its questions and the items they lead to, each with its mark,
// deadline and procedure — each opening in the designer (life-event-designer.js), which
// publishes new versions (the designer's permission; a started event keeps the version it
// was started with); and a new event.

import { el, icon } from '../dom.js';
import { getJSON } from '../api.js';
import { t } from '../i18n.js';
import { badge, dataTable, emptyLine, loadStaffData } from './ui.js';
import { formatDateTime } from './words.js';

export const titleKey = 'lifeEvents.title';

const MODE_TONES = {
  online: 'success',
  counter_booking: 'warning',
  counter_only: 'key',
  other_organisation: 'neutral',
};

export async function mount(outlet, ctx) {
  const box = el('div');
  outlet.append(
    el(
      'div',
      { class: 'page' },
      el('h1', { class: 'page__title', 'data-i18n': 'lifeEvents.title' }),
      el('p', { class: 'page__lead staff-measure', 'data-i18n': 'lifeEvents.lead' }),
      el(
        'div',
        { class: 'button-row' },
        el(
          'a',
          { class: 'button button--solid', href: '/staff/life-events/new' },
          icon('plus', 'button__icon'),
          el('span', { 'data-i18n': 'lifeEvents.new' }),
        ),
      ),
      box,
    ),
  );
  await loadStaffData(
    box,
    ctx,
    () => getJSON('/api/staff/life-events', { signal: ctx.signal }),
    ({ items }) =>
      items.length ? items.map((event) => eventSection(event)) : emptyLine(t('lifeEvents.none')),
  );
}

function eventSection(event) {
  const id = `life-event-${event.slug}`;
  const headers = [
    { text: t('lifeEvents.column.item') },
    { text: t('lifeEvents.column.mode') },
    { text: t('lifeEvents.column.deadline') },
    { text: t('lifeEvents.column.procedure') },
    { text: t('lifeEvents.column.when') },
  ];
  const rows = event.definition.items.map((item) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row' }, item.title.ja),
      el('td', {}, badge(t(`lifeEvents.mode.${item.mode}`), MODE_TONES[item.mode] ?? 'neutral')),
      el(
        'td',
        {},
        item.deadline_days == null
          ? '—'
          : t(item.deadline_days < 0 ? 'lifeEvents.daysBefore' : 'lifeEvents.daysAfter', {
              days: Math.abs(item.deadline_days),
            }),
      ),
      el('td', {}, item.procedure || item.organisation?.ja || '—'),
      el(
        'td',
        {},
        item.when.length
          ? item.when.map((c) => `${c.field} = ${c.values.join(' / ')}`).join('、')
          : t('lifeEvents.always'),
      ),
    ),
  );
  return el(
    'section',
    { class: 'staff-section', 'aria-labelledby': id },
    el(
      'h2',
      { class: 'section-title', id },
      event.title.ja,
      ' ',
      badge(t('lifeEvents.version', { version: event.version }), 'key'),
    ),
    el(
      'p',
      { class: 'staff-measure' },
      t('lifeEvents.questions', {
        count: event.definition.questions.length,
        at: event.published_at ? formatDateTime(event.published_at) : '—',
      }),
    ),
    dataTable({ caption: event.title.ja, headers, rows }),
    el(
      'p',
      {},
      el(
        'a',
        { class: 'button button--outline button--sm', href: `/staff/life-events/${event.slug}` },
        icon('pencil', 'button__icon'),
        el('span', {}, t('lifeEvents.edit', { title: event.title.ja })),
      ),
    ),
  );
}
