// /staff/bereavements「おくやみ」: the cases with tasks still to do, newest death first: who
// died, when, how many tasks remain in every department and in mine. A case opens with its
// tasks by department (bereavement.js).

import { el } from '../dom.js';
import { getJSON } from '../api.js';
import { t } from '../i18n.js';
import { formatDate, formatNumber } from './words.js';
import { badge, dataTable, emptyLine, loadStaffData } from './ui.js';

export const titleKey = 'bereavements.title';

export async function mount(outlet, ctx) {
  const box = el('div');
  outlet.append(
    el(
      'div',
      { class: 'page' },
      el('h1', { class: 'page__title', 'data-i18n': 'bereavements.title' }),
      el('p', { class: 'page__lead staff-measure', 'data-i18n': 'bereavements.lead' }),
      box,
    ),
  );
  await loadStaffData(
    box,
    ctx,
    () => getJSON('/api/staff/bereavements', { signal: ctx.signal }),
    ({ items, reported = [] }) => [
      reportedList(reported),
      // Under the deaths told, the recorded ones get a heading of their own.
      reported.length
        ? el(
            'h2',
            { class: 'section-title staff-section-gap', id: 'bereavements-cases' },
            t('bereavements.cases'),
          )
        : null,
      casesTable(items),
    ],
  );
}

/**
 * Deaths residents told the app of (their おくやみ life event), not recorded yet: the
 * resident's record opens to record the death once the 死亡届 is accepted.
 */
function reportedList(reported) {
  if (!reported.length) return null;
  const rows = reported.map((report) =>
    el(
      'tr',
      { 'data-reported': report.deceased.registry_id },
      el(
        'th',
        { scope: 'row' },
        el(
          'a',
          {
            class: 'link',
            href: `/staff/residents/${encodeURIComponent(report.deceased.registry_id)}`,
          },
          t('bereavements.reported.open', { name: report.deceased.name }),
        ),
      ),
      el('td', {}, formatDate(report.died_on)),
      el('td', {}, report.reported_by),
      el('td', {}, formatDate(report.reported_at)),
    ),
  );
  return el(
    'section',
    { class: 'stack', 'aria-labelledby': 'bereavements-reported' },
    el(
      'h2',
      { class: 'section-title', id: 'bereavements-reported' },
      t('bereavements.reported.title'),
    ),
    el('p', { class: 'staff-measure' }, t('bereavements.reported.lead')),
    dataTable({
      caption: t('bereavements.reported.title'),
      headers: [
        { text: t('bereavements.column.name') },
        { text: t('bereavements.reported.diedOn') },
        { text: t('bereavements.reported.by') },
        { text: t('bereavements.reported.at') },
      ],
      rows,
    }),
  );
}

function casesTable(items) {
  if (!items.length) return emptyLine(t('bereavements.none'));
  const headers = [
    { text: t('bereavements.column.name') },
    { text: t('bereavements.column.diedOn') },
    { text: t('bereavements.column.remaining'), numeric: true },
    { text: t('bereavements.column.mine'), numeric: true },
  ];
  const rows = items.map((item) =>
    el(
      'tr',
      { 'data-bereavement': item.id },
      el(
        'th',
        { scope: 'row' },
        el(
          'a',
          { class: 'link', href: `/staff/bereavements/${item.id}` },
          t('bereavements.open', { name: item.deceased.name }),
        ),
      ),
      el('td', {}, formatDate(item.died_on)),
      el('td', { class: 'staff-table__numeric' }, formatNumber(item.remaining)),
      el(
        'td',
        { class: 'staff-table__numeric' },
        item.mine ? badge(formatNumber(item.mine), 'warning') : '0',
      ),
    ),
  );
  return dataTable({ caption: t('bereavements.title'), headers, rows });
}
