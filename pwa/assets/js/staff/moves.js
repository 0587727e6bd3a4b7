// /staff/moves「転出・転入」: the citizens division's list of moves out of and into this
// municipality (issue 16). Out: who told us, where to, when, how the 転出 is done (the
// counter booking links to its case), whether they agreed to send their data ahead. In:
// data another municipality sent with the resident's consent, whether the resident has
// bound it with their transfer code here, and their 転入 booking's case.

import { el } from '../dom.js';
import { getJSON } from '../api.js';
import { t } from '../i18n.js';
import { formatDate, formatDateTime } from './words.js';
import { badge, dataTable, emptyLine, loadStaffData } from './ui.js';

export const titleKey = 'moves.title';

export async function mount(outlet, ctx) {
  const box = el('div');
  outlet.append(
    el(
      'div',
      { class: 'page' },
      el('h1', { class: 'page__title', 'data-i18n': 'moves.title' }),
      el('p', { class: 'page__lead staff-measure', 'data-i18n': 'moves.lead' }),
      box,
    ),
  );
  await loadStaffData(
    box,
    ctx,
    () => getJSON('/api/staff/moves', { signal: ctx.signal }),
    ({ items }) => [
      section('out', items.filter((m) => m.direction === 'out')),
      section('in', items.filter((m) => m.direction === 'in')),
    ],
  );
}

function section(direction, moves) {
  const title = t(`moves.${direction}.title`);
  const headers = [
    { text: t('moves.column.name') },
    { text: t(`moves.${direction}.other`) },
    { text: t('moves.column.date') },
    { text: t('moves.column.state') },
    { text: t('moves.column.booking') },
  ];
  const rows = moves.map((move) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row' }, move.name || t('moves.withdrawnName')),
      el('td', {}, move.other?.name?.ja ?? move.other_name),
      el('td', {}, move.move_date ? formatDate(move.move_date) : '—'),
      el('td', {}, state(move)),
      el(
        'td',
        {},
        move.application
          ? el('a', { class: 'link', href: `/staff/cases/${move.application}` }, t('moves.open'))
          : '—',
      ),
    ),
  );
  return el(
    'section',
    { class: 'staff-section', 'aria-labelledby': `moves-${direction}` },
    el('h2', { class: 'section-title', id: `moves-${direction}` }, title),
    moves.length
      ? dataTable({ caption: title, headers, rows })
      : emptyLine(t(`moves.${direction}.none`)),
  );
}

function state(move) {
  if (move.withdrawn_at) return badge(t('moves.state.withdrawn'), 'warning');
  if (move.direction === 'out') {
    const how = t(`moves.method.${move.method}`);
    const sent = move.consented_at
      ? t('moves.state.sent', { at: formatDateTime(move.consented_at) })
      : t('moves.state.notSent');
    return el('span', {}, how, el('br'), sent);
  }
  // The badge stays short (a phone's card is narrow); when, on a line of its own.
  return move.bound_at
    ? el('span', {}, badge(t('moves.state.bound'), 'success'), el('br'), formatDateTime(move.bound_at))
    : badge(t('moves.state.waiting'), 'neutral');
}
