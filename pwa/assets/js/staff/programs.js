// /staff/programs「支援制度」(all staff): the proactive support programs, each with its
// status, how it reaches residents and its figures; a new one for the roles that draft.

import { el, icon } from '../dom.js';
import { getJSON } from '../api.js';
import { t } from '../i18n.js';
import { draftsPrograms } from './access.js';
import { formatNumber, formatPercent } from './words.js';
import { flashNotice } from './forms.js';
import { dataTable, emptyLine, loadStaffData } from './ui.js';
import { deliveryLabel, programStatusBadge } from './program-parts.js';

export const titleKey = 'programs.title';

export async function mount(outlet, ctx) {
  const page = el(
    'div',
    { class: 'page' },
    el('h1', { class: 'page__title', 'data-i18n': 'programs.title' }),
    flashNotice(ctx),
    el('p', { class: 'page__lead staff-measure', 'data-i18n': 'programs.lead' }),
    draftsPrograms(ctx.account)
      ? el(
          'div',
          { class: 'button-row' },
          el(
            'a',
            { class: 'button button--solid', href: '/staff/programs/new' },
            icon('plus', 'button__icon'),
            el('span', { 'data-i18n': 'programs.new' }),
          ),
        )
      : null,
  );
  outlet.append(page);

  const box = el('div', { class: 'stack' });
  page.append(box);
  await loadStaffData(
    box,
    ctx,
    () => getJSON('/api/staff/programs', { signal: ctx.signal }),
    programList,
  );
}

/** The programmes in a table, or a line saying there are none. */
function programList(list) {
  if (!list.items.length) return emptyLine(t('programs.none'));
  const count = (n) => el('td', { class: 'staff-table__numeric' }, formatNumber(n));
  return [
    dataTable({
      caption: t('programs.caption'),
      captionVisible: true,
      className: 'staff-programs-table',
      headers: [
        { text: t('programs.column.title') },
        { text: t('programs.column.status') },
        { text: t('programs.column.delivery') },
        { text: t('programs.column.matched'), numeric: true },
        { text: t('programs.column.notified'), numeric: true },
        { text: t('programs.column.opened'), numeric: true },
        { text: t('programs.column.applied'), numeric: true },
        { text: t('programs.column.rate'), numeric: true },
      ],
      rows: list.items.map((program) => {
        const figures = program.figures ?? {};
        return el(
          'tr',
          { 'data-program': program.slug },
          el(
            'th',
            { scope: 'row' },
            el(
              'a',
              { class: 'link', href: `/staff/programs/${encodeURIComponent(program.slug)}` },
              program.title?.ja || program.slug,
            ),
          ),
          el('td', {}, programStatusBadge(program.status)),
          el('td', {}, deliveryLabel(program.delivery)),
          count(figures.matched),
          count(figures.notified),
          count(figures.opened),
          count(figures.applied),
          el(
            'td',
            { class: 'staff-table__numeric' },
            figures.delivery_rate == null
              ? t('programs.noFigure')
              : formatPercent(figures.delivery_rate),
          ),
        );
      }),
    }),
  ];
}
