// /staff/cases「申請の一覧」: the departments' case queue. Filters live in the address
// (procedure, status, assignee, breached), so a reload or a shared link shows the same
// list. A table at a desk, cards on a phone (both built; CSS shows one). The queue holds
// no personal data: a case is opened, with a purpose, to see whom it is about.

import { announce, el } from '../dom.js';
import { getJSON, sendJSON, withQuery } from '../api.js';
import { t } from '../i18n.js';
import { formatDate, formatNumber, problemText } from './words.js';
import { checkboxField, selectField } from './forms.js';
import {
  breachedBadge,
  dataTable,
  emptyLine,
  loadFailed,
  myDepartments,
  sessionEnded,
  statusBadge,
} from './ui.js';

export const titleKey = 'cases.title';

const STATUSES = [
  'open',
  'all',
  'submitted',
  'in_review',
  'info_requested',
  'approved',
  'rejected',
  'withdrawn',
];
const ASSIGNEES = ['all', 'me', 'none'];

/** The filters in the address, with their defaults (open cases, anyone's). */
export function readFilters(url) {
  const query = url.searchParams;
  const status = query.get('status') ?? 'open';
  const assignee = query.get('assignee') ?? 'all';
  return {
    procedure: query.get('procedure') ?? '',
    status: STATUSES.includes(status) ? status : 'open',
    assignee: ASSIGNEES.includes(assignee) ? assignee : 'all',
    breached: query.get('breached') === 'true',
  };
}

export async function mount(outlet, ctx) {
  const filters = readFilters(ctx.url);
  const page = el(
    'div',
    { class: 'page' },
    el('h1', { class: 'page__title', 'data-i18n': 'cases.title' }),
    el('p', { class: 'page__lead staff-measure', 'data-i18n': 'cases.lead' }),
  );
  outlet.append(page);

  let queue;
  let catalogue;
  let departments;
  try {
    [queue, catalogue, departments] = await Promise.all([
      getJSON(
        withQuery('/api/staff/applications', {
          procedure: filters.procedure,
          status: filters.status === 'all' ? '' : filters.status,
          assignee: filters.assignee === 'all' ? '' : filters.assignee,
          breached: filters.breached ? 'true' : '',
        }),
        { signal: ctx.signal },
      ),
      getJSON('/api/procedures', { signal: ctx.signal }),
      getJSON('/api/staff/departments', { signal: ctx.signal }),
    ]);
  } catch (error) {
    if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
    page.append(loadFailed(error, ctx));
    return;
  }

  const codes = new Set(myDepartments(departments, ctx.account).map((d) => d.code));
  const procedures = catalogue.items.filter((p) => codes.has(p.department.code));
  page.append(filterForm(filters, procedures, ctx), results(queue.items, ctx));
}

function filterForm(filters, procedures, ctx) {
  const form = el(
    'form',
    {
      class: 'staff-filters',
      role: 'search',
      'aria-labelledby': 'cases-filters-title',
      action: '/staff/cases',
      method: 'get',
    },
    el('h2', {
      class: 'visually-hidden',
      id: 'cases-filters-title',
      'data-i18n': 'cases.filters',
    }),
    el(
      'div',
      { class: 'staff-filters__fields' },
      selectField({
        id: 'cases-procedure',
        name: 'procedure',
        labelKey: 'cases.filter.procedure',
        options: [
          { value: '', labelKey: 'cases.filter.allProcedures' },
          ...procedures.map((p) => ({
            value: p.slug,
            label: p.title.ja,
            selected: p.slug === filters.procedure,
          })),
        ],
      }),
      selectField({
        id: 'cases-status',
        name: 'status',
        labelKey: 'cases.filter.status',
        options: STATUSES.map((value) => ({
          value,
          labelKey: `cases.status.${value}`,
          selected: value === filters.status,
        })),
      }),
      selectField({
        id: 'cases-assignee',
        name: 'assignee',
        labelKey: 'cases.filter.assignee',
        options: ASSIGNEES.map((value) => ({
          value,
          labelKey: `cases.assignee.${value}`,
          selected: value === filters.assignee,
        })),
      }),
      checkboxField({
        id: 'cases-breached',
        name: 'breached',
        labelKey: 'cases.filter.breached',
        checked: filters.breached,
      }),
    ),
    el(
      'div',
      { class: 'button-row' },
      el('button', {
        type: 'submit',
        class: 'button button--solid',
        'data-i18n': 'cases.filter.apply',
      }),
      el('a', {
        class: 'button button--text',
        href: '/staff/cases',
        'data-i18n': 'cases.filter.reset',
      }),
    ),
  );
  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      const data = form.elements;
      const href = withQuery('/staff/cases', {
        procedure: data.procedure.value,
        status: data.status.value === 'open' ? '' : data.status.value,
        assignee: data.assignee.value === 'all' ? '' : data.assignee.value,
        breached: data.breached.checked ? 'true' : '',
      });
      ctx.navigate(href);
    },
    { signal: ctx.signal },
  );
  return form;
}

function results(items, ctx) {
  const section = el('section', {
    class: 'staff-results',
    'aria-labelledby': 'cases-results-title',
  });
  const heading = el(
    'h2',
    { class: 'section-title', id: 'cases-results-title' },
    t('cases.results'),
  );
  const count = el(
    'p',
    { class: 'staff-results__count', role: 'status', 'data-results-count': '' },
    t('cases.count', { n: formatNumber(items.length) }),
  );
  section.append(heading, count);
  if (!items.length) {
    section.append(emptyLine(t('cases.empty')));
    return section;
  }

  const rows = new Map(); // case id → {row, card, messages}
  const claim = async (item, button) => {
    button.disabled = true;
    try {
      await sendJSON(`/api/staff/applications/${item.id}/assignee`, {
        body: { assignee: ctx.account.id },
        method: 'PUT',
        signal: ctx.signal,
      });
    } catch (error) {
      if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
      button.disabled = false;
      announce(problemText(error));
      for (const message of rows.get(item.id).messages) {
        message.textContent = problemText(error);
        message.hidden = false;
      }
      return;
    }
    item.assignee_id = ctx.account.id;
    item.assignee_name = ctx.account.display_name;
    const old = rows.get(item.id);
    const fresh = build(item);
    old.row.replaceWith(fresh.row);
    old.card.replaceWith(fresh.card);
    const visible = fresh.row.offsetParent ? fresh.row : fresh.card;
    visible.querySelector('a')?.focus();
    announce(t('cases.claimed', { receipt: item.receipt_number }));
  };

  const assigneeText = (item) => {
    if (item.assignee_id == null) return t('cases.unassigned');
    if (item.assignee_id === ctx.account.id) return t('cases.assignedToMe');
    return item.assignee_name ?? '';
  };

  // Only an unassigned case offers 「担当する」; a colleague's case is reassigned in the case.
  const action = (item, messages) => {
    const message = el('p', { class: 'staff-inline-error', role: 'alert', hidden: true });
    messages.push(message);
    if (item.assignee_id != null) return [];
    const button = el(
      'button',
      { type: 'button', class: 'button button--outline button--sm', 'data-claim': item.id },
      t('cases.claim'),
      el('span', { class: 'visually-hidden' }, ` ${item.receipt_number}`),
    );
    button.addEventListener('click', () => claim(item, button), { signal: ctx.signal });
    return [button, message];
  };

  const receiptLink = (item) =>
    el('a', { class: 'link mono', href: `/staff/cases/${item.id}` }, item.receipt_number);

  const due = (item) =>
    el(
      'span',
      { class: 'staff-due' },
      el('span', {}, formatDate(item.due_by)),
      item.breached ? breachedBadge() : null,
    );

  function build(item) {
    const messages = [];
    const row = el(
      'tr',
      { 'data-case': item.id, class: item.breached ? 'is-breached' : null },
      el('th', { scope: 'row' }, receiptLink(item)),
      el('td', {}, item.title.ja),
      el('td', {}, statusBadge(item.status, item.status_label)),
      el('td', {}, formatDate(item.submitted_at)),
      el('td', { class: 'staff-table__numeric' }, t('common.days', { n: item.age_days })),
      el('td', {}, due(item)),
      el('td', { 'data-assignee': '' }, assigneeText(item)),
      el('td', {}, action(item, messages)),
    );
    const field = (labelKey, value) =>
      el('div', { class: 'staff-case-card__row' }, el('dt', {}, t(labelKey)), el('dd', {}, value));
    const actions = action(item, messages);
    const card = el(
      'li',
      { class: `staff-case-card${item.breached ? ' is-breached' : ''}`, 'data-case': item.id },
      el(
        'h3',
        { class: 'staff-case-card__title' },
        receiptLink(item),
        el('span', { class: 'staff-case-card__procedure' }, item.title.ja),
      ),
      el(
        'dl',
        { class: 'staff-case-card__facts' },
        field('cases.column.status', statusBadge(item.status, item.status_label)),
        field('cases.column.received', formatDate(item.submitted_at)),
        field('cases.column.age', t('common.days', { n: item.age_days })),
        field('cases.column.due', due(item)),
        field('cases.column.assignee', el('span', { 'data-assignee': '' }, assigneeText(item))),
      ),
      actions.length ? el('div', { class: 'staff-case-card__actions' }, actions) : null,
    );
    const built = { row, card, messages };
    rows.set(item.id, built);
    return built;
  }

  const built = items.map(build);
  const tableRows = built.map((b) => b.row);
  const cards = built.map((b) => b.card);
  section.append(
    el(
      'div',
      { class: 'staff-only-wide' },
      dataTable({
        caption: t('cases.results'),
        className: 'staff-case-table',
        headers: [
          { text: t('cases.column.receipt') },
          { text: t('cases.column.procedure') },
          { text: t('cases.column.status') },
          { text: t('cases.column.received') },
          { text: t('cases.column.age'), numeric: true },
          { text: t('cases.column.due') },
          { text: t('cases.column.assignee') },
          { text: t('cases.column.action') },
        ],
        rows: tableRows,
      }),
    ),
    el(
      'ul',
      { class: 'staff-case-cards staff-only-narrow', 'aria-label': t('cases.results') },
      cards,
    ),
  );
  return section;
}
