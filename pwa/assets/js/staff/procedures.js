// /staff/procedures「手続きの設計」(supervisors, administrators): the published procedures
// with their current version, each opening in the designer; and a new one.

import { el, icon } from '../dom.js';
import { getJSON } from '../api.js';
import { t } from '../i18n.js';
import { flashNotice } from './forms.js';
import { badge, dataTable, emptyLine, loadStaffData } from './ui.js';

export const titleKey = 'procedures.title';

export async function mount(outlet, ctx) {
  const page = el(
    'div',
    { class: 'page' },
    el('h1', { class: 'page__title', 'data-i18n': 'procedures.title' }),
    flashNotice(ctx),
    el('p', { class: 'page__lead staff-measure', 'data-i18n': 'procedures.lead' }),
    el(
      'div',
      { class: 'button-row' },
      el(
        'a',
        { class: 'button button--solid', href: '/staff/procedures/new' },
        icon('plus', 'button__icon'),
        el('span', { 'data-i18n': 'procedures.new' }),
      ),
    ),
  );
  outlet.append(page);

  const box = el('div', { class: 'stack' });
  page.append(box);
  await loadStaffData(
    box,
    ctx,
    () =>
      Promise.all([
        getJSON('/api/staff/procedures', { signal: ctx.signal }),
        getJSON('/api/procedures', { signal: ctx.signal }),
        getJSON('/api/staff/departments', { signal: ctx.signal }),
      ]),
    procedureList,
  );
}

/** The published procedures in a table, or a line saying there are none. */
function procedureList([list, catalogue, departments]) {
  // The designer's list names no titles; the public catalogue has them.
  const titles = new Map(catalogue.items.map((p) => [p.slug, p.title.ja]));
  const names = new Map(departments.map((d) => [d.code, d.name.ja]));
  if (!list.items.length) return emptyLine(t('procedures.none'));
  return dataTable({
    caption: t('procedures.caption'),
    captionVisible: true,
    headers: [
      { text: t('procedures.column.title') },
      { text: t('procedures.column.slug') },
      { text: t('procedures.column.department') },
      { text: t('procedures.column.version'), numeric: true },
      { text: t('procedures.column.edit') },
    ],
    rows: list.items.map((item) =>
      el(
        'tr',
        { 'data-procedure': item.slug },
        el('th', { scope: 'row' }, titles.get(item.slug) ?? item.slug),
        el('td', { class: 'mono' }, item.slug),
        el('td', {}, names.get(item.department) ?? item.department),
        el(
          'td',
          { class: 'staff-table__numeric' },
          t('procedures.versionNumber', { n: item.version }),
        ),
        el(
          'td',
          {},
          item.editable
            ? el(
                'a',
                { class: 'link', href: `/staff/procedures/${encodeURIComponent(item.slug)}` },
                t('procedures.edit'),
                el(
                  'span',
                  { class: 'visually-hidden' },
                  t('procedures.editWhich', {
                    title: titles.get(item.slug) ?? item.slug,
                  }),
                ),
              )
            : badge(t('procedures.readOnly'), 'neutral'),
        ),
      ),
    ),
  });
}
