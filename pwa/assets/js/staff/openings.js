// /staff/openings「理由による閲覧の確認」: residents' records that staff of my departments
// opened on a written reason alone (no case, consultation or follow-up of theirs). A
// supervisor reads each reason and marks it reviewed; nobody reviews their own. Listing them
// is itself recorded (the residents' access logs show it).

import { announce, el } from '../dom.js';
import { getJSON, sendJSON } from '../api.js';
import { t } from '../i18n.js';
import { formatDateTime, formatNumber, problemText } from './words.js';
import { badge, dataTable, emptyLine, loadFailed, sessionEnded } from './ui.js';

export const titleKey = 'openings.title';

export async function mount(outlet, ctx) {
  const reviewed = ctx.url.searchParams.get('reviewed') === 'true';
  const page = el(
    'div',
    { class: 'page' },
    el('h1', { class: 'page__title', 'data-i18n': 'openings.title' }),
    el('p', { class: 'page__lead staff-measure', 'data-i18n': 'openings.lead' }),
    el(
      'p',
      {},
      el(
        'a',
        { class: 'link', href: reviewed ? '/staff/openings' : '/staff/openings?reviewed=true' },
        t(reviewed ? 'openings.showOpen' : 'openings.showReviewed'),
      ),
    ),
  );
  outlet.append(page);
  let items;
  try {
    ({ items } = await getJSON(`/api/staff/reason-openings?reviewed=${reviewed}`, {
      signal: ctx.signal,
    }));
  } catch (error) {
    if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
    page.append(loadFailed(error, ctx));
    return;
  }
  const count = el(
    'p',
    { class: 'staff-results__count', role: 'status' },
    t(reviewed ? 'openings.countReviewed' : 'openings.count', { n: formatNumber(items.length) }),
  );
  if (!items.length) {
    page.append(count, emptyLine(t(reviewed ? 'openings.noneReviewed' : 'openings.none')));
    return;
  }
  page.append(
    count,
    dataTable({
      caption: t('openings.title'),
      headers: [
        { text: t('openings.column.registryId') },
        { text: t('openings.column.openedAt') },
        { text: t('openings.column.staff') },
        { text: t('openings.column.category') },
        { text: t('openings.column.reason') },
        { text: t('openings.column.review') },
      ],
      rows: items.map((item) => row(item, ctx)),
    }),
  );
}

function row(item, ctx) {
  const cell = el('td', {});
  if (item.reviewed_at) {
    cell.append(
      badge(t('openings.reviewed'), 'success'),
      el(
        'span',
        { class: 'staff-table-sub' },
        t('openings.reviewedBy', {
          name: item.reviewed_by_name ?? '',
          date: formatDateTime(item.reviewed_at),
        }),
      ),
    );
  } else if (item.staff_id === ctx.account?.id) {
    cell.append(el('span', { class: 'staff-table-sub' }, t('openings.own')));
  } else {
    const message = el('p', { class: 'staff-inline-error', role: 'alert', hidden: true });
    const button = el(
      'button',
      { type: 'button', class: 'button button--outline button--sm', 'data-review': item.id },
      t('openings.review'),
      el(
        'span',
        { class: 'visually-hidden' },
        t('openings.reviewWhich', { name: item.staff_name, id: item.registry_id }),
      ),
    );
    button.addEventListener(
      'click',
      async () => {
        button.disabled = true;
        try {
          await sendJSON(`/api/staff/reason-openings/${item.id}/reviewed`, { signal: ctx.signal });
          cell.replaceChildren(badge(t('openings.reviewed'), 'success'));
          announce(t('openings.done'));
        } catch (error) {
          if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
          button.disabled = false;
          message.textContent = problemText(error);
          message.hidden = false;
        }
      },
      { signal: ctx.signal },
    );
    cell.append(button, message);
  }
  return el(
    'tr',
    { 'data-opening': item.id },
    el('th', { scope: 'row', class: 'mono' }, item.registry_id),
    el('td', {}, formatDateTime(item.opened_at)),
    el('td', {}, item.staff_name),
    el('td', {}, t(`basis.category.${item.category}`)),
    el('td', { class: 'staff-opening-reason' }, item.reason),
    cell,
  );
}
