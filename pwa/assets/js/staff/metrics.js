// /staff/metrics「処理実績」(supervisors, administrators): per procedure, what was received,
// what is open, processing times, service-level breaches and the online / counter shares;
// the same figures as CSV.

import { el } from '../dom.js';
import { getJSON } from '../api.js';
import { t } from '../i18n.js';
import { formatDateTime, formatNumber, formatPercent } from './words.js';
import { dataTable, emptyLine, loadStaffData, staffIcon } from './ui.js';

export const titleKey = 'metrics.title';

export async function mount(outlet, ctx) {
  const page = el(
    'div',
    { class: 'page' },
    el('h1', { class: 'page__title', 'data-i18n': 'metrics.title' }),
    el('p', { class: 'page__lead staff-measure', 'data-i18n': 'metrics.lead' }),
  );
  outlet.append(page);
  const box = el('div', { class: 'stack' });
  page.append(box);
  await loadStaffData(
    box,
    ctx,
    () => getJSON('/api/staff/metrics', { signal: ctx.signal }),
    metricsView,
  );
}

/** The figures as of when they were counted, with the CSV link, per procedure. */
function metricsView(figures) {
  const days = (value) => (value == null ? t('metrics.none') : t('metrics.days', { n: value }));
  return [
    el(
      'div',
      { class: 'staff-metrics__bar' },
      el(
        'p',
        { class: 'staff-metrics__as-of' },
        t('metrics.asOf', { date: formatDateTime(figures.as_of) }),
      ),
      el(
        'a',
        {
          class: 'button button--outline button--sm',
          href: '/api/staff/metrics.csv',
          download: 'todoke-metrics.csv',
          'data-csv': '',
        },
        staffIcon('download', 'button__icon'),
        el('span', {}, t('metrics.csv')),
      ),
    ),
    figures.procedures.length
      ? dataTable({
          caption: t('metrics.caption'),
          captionVisible: true,
          className: 'metrics-table',
          headers: [
            { text: t('metrics.column.procedure') },
            { text: t('metrics.column.received'), numeric: true },
            { text: t('metrics.column.open'), numeric: true },
            { text: t('metrics.column.median'), numeric: true },
            { text: t('metrics.column.p90'), numeric: true },
            { text: t('metrics.column.breaches'), numeric: true },
            { text: t('metrics.column.online'), numeric: true },
            { text: t('metrics.column.assisted'), numeric: true },
          ],
          rows: figures.procedures.map((row) =>
            el(
              'tr',
              { 'data-procedure': row.slug },
              el('th', { scope: 'row' }, row.title?.ja ?? row.slug),
              el('td', { class: 'staff-table__numeric' }, formatNumber(row.received)),
              el('td', { class: 'staff-table__numeric' }, formatNumber(row.open)),
              el('td', { class: 'staff-table__numeric' }, days(row.median_days)),
              el('td', { class: 'staff-table__numeric' }, days(row.p90_days)),
              el(
                'td',
                { class: `staff-table__numeric${row.breaches ? ' is-alert' : ''}` },
                formatNumber(row.breaches),
              ),
              el('td', { class: 'staff-table__numeric' }, formatPercent(row.online_share)),
              el('td', { class: 'staff-table__numeric' }, formatPercent(row.assisted_share)),
            ),
          ),
        })
      : emptyLine(t('metrics.empty')),
    el('p', { class: 'field__hint staff-measure' }, t('metrics.note')),
  ];
}
