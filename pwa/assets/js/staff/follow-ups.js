// /staff/follow-ups「フォローアップ」: the open follow-up tasks of my departments'
// consultations, overdue ones first and marked, each with 「完了」. No names are listed: the
// API keeps whom a consultation concerns inside the (audited) resident view.

import { announce, el } from '../dom.js';
import { getJSON, sendJSON } from '../api.js';
import { t } from '../i18n.js';
import { formatDate, formatNumber, problemText } from './words.js';
import { breachedBadge, emptyLine, loadFailed, sessionEnded } from './ui.js';

export const titleKey = 'followUps.title';

export async function mount(outlet, ctx) {
  const page = el(
    'div',
    { class: 'page' },
    el('h1', { class: 'page__title', 'data-i18n': 'followUps.title' }),
    el('p', { class: 'page__lead staff-measure', 'data-i18n': 'followUps.lead' }),
  );
  outlet.append(page);
  let items;
  let departments;
  try {
    [{ items }, departments] = await Promise.all([
      getJSON('/api/staff/follow-ups', { signal: ctx.signal }),
      getJSON('/api/staff/departments', { signal: ctx.signal }),
    ]);
  } catch (error) {
    if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
    page.append(loadFailed(error, ctx));
    return;
  }
  const names = new Map(departments.map((d) => [d.code, d.name.ja]));
  // Overdue first (the API orders by due date, which already puts them first; kept explicit).
  items.sort((a, b) => Number(b.overdue) - Number(a.overdue));

  const count = el('p', { class: 'staff-results__count', role: 'status' });
  const list = el('ul', { class: 'staff-records follow-ups' });
  const showCount = () => {
    const open = list.children.length;
    const late = list.querySelectorAll('.is-overdue').length;
    count.textContent = late
      ? t('followUps.countOverdue', { n: formatNumber(open), late: formatNumber(late) })
      : t('followUps.count', { n: formatNumber(open) });
  };

  for (const item of items) {
    const message = el('p', { class: 'staff-inline-error', role: 'alert', hidden: true });
    const button = el(
      'button',
      { type: 'button', class: 'button button--outline button--sm', 'data-complete': item.id },
      t('followUps.complete'),
      el('span', { class: 'visually-hidden' }, t('followUps.completeWhich', { task: item.task })),
    );
    const card = el(
      'li',
      {
        class: `staff-record staff-follow-up${item.overdue ? ' is-overdue' : ''}`,
        'data-follow-up': item.id,
      },
      el(
        'div',
        { class: 'staff-follow-up__main' },
        el('h2', { class: 'staff-record__title' }, item.task),
        el(
          'p',
          { class: 'staff-record__meta' },
          el(
            'span',
            { class: 'staff-due' },
            t('followUps.dueOn', { date: formatDate(item.due_on) }),
            item.overdue ? breachedBadge() : null,
          ),
        ),
        el(
          'p',
          { class: 'staff-record__meta', 'data-follow-up-number': item.id },
          t('followUps.number', { id: item.id }),
        ),
        el(
          'p',
          { class: 'staff-record__meta' },
          t('followUps.from', {
            department: names.get(item.department) ?? item.department,
            date: formatDate(item.held_on),
          }),
        ),
      ),
      el('div', { class: 'staff-follow-up__action' }, button, message),
    );
    button.addEventListener(
      'click',
      async () => {
        button.disabled = true;
        try {
          await sendJSON(`/api/staff/follow-ups/${item.id}/done`, { signal: ctx.signal });
        } catch (error) {
          if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
          button.disabled = false;
          message.textContent = problemText(error);
          message.hidden = false;
          return;
        }
        const next = card.nextElementSibling ?? card.previousElementSibling;
        card.remove();
        showCount();
        announce(t('followUps.completed', { task: item.task }));
        if (next) next.querySelector('button')?.focus();
        else {
          list.replaceWith(emptyLine(t('followUps.none')));
          count.focus();
        }
      },
      { signal: ctx.signal },
    );
    list.append(card);
  }
  count.tabIndex = -1;
  showCount();
  page.append(count, items.length ? list : emptyLine(t('followUps.none')));
}
