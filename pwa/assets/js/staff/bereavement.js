// おくやみ (issue 17). deathPanel: in the 360° view, citizens-division staff record that the
// resident died (date, who reported it, the 死亡届's acceptance number); the registry marks
// them deceased and the おくやみ case opens. mount: /staff/bereavements/:id, one case — the
// deceased, who reported it, the surviving parent (now recorded for 児童扶養手当) and every
// task of the household by department; staff mark their own department's tasks done or not
// needed, with a note; the case shows what remains.

import { announce, el } from '../dom.js';
import { getJSON, sendJSON } from '../api.js';
import { applyTranslations, t } from '../i18n.js';
import { formatDate, formatDateTime, formatNumber, todayInJapan } from './words.js';
import {
  clearErrors,
  errorSummary,
  guardBusy,
  problemItems,
  selectField,
  showErrors,
  textField,
} from './forms.js';
import {
  backLink,
  badge,
  confirmDialog,
  loadStaffData,
  sessionEnded,
  summaryRow,
} from './ui.js';

export const titleKey = 'bereavement.title';

export const RELATIONS = [
  'spouse',
  'child',
  'parent',
  'sibling',
  'relative',
  'funeral_company',
  'other',
];
const STATE_TONES = { todo: 'warning', done: 'success', not_needed: 'neutral' };

/** The form that records a resident's death, for the 360° view of a living resident. */
export function deathPanel({ registryId, name, ctx }) {
  const id = 'resident-death';
  const summary = errorSummary('death-errors');
  const status = el('p', { class: 'visually-hidden', role: 'status' });
  const busy = guardBusy(status);
  const form = el(
    'form',
    { class: 'form', novalidate: true, 'aria-labelledby': `${id}-heading` },
    textField({
      id: 'death-died-on',
      name: 'died_on',
      labelKey: 'bereavement.record.diedOn',
      required: true,
      attributes: { type: 'date', class: 'input input--date', max: todayInJapan() },
    }),
    textField({
      id: 'death-reported-by',
      name: 'reported_by',
      labelKey: 'bereavement.record.reportedBy',
      hintKey: 'bereavement.record.reportedByHint',
      required: true,
      attributes: { maxlength: '100', autocomplete: 'off' },
    }),
    selectField({
      id: 'death-relation',
      name: 'reporter_relation',
      labelKey: 'bereavement.record.relation',
      options: RELATIONS.map((code) => ({
        value: code,
        labelKey: `bereavement.relation.${code}`,
        selected: code === 'relative',
      })),
    }),
    textField({
      id: 'death-notice-number',
      name: 'death_notice_number',
      labelKey: 'bereavement.record.noticeNumber',
      hintKey: 'bereavement.record.noticeNumberHint',
      attributes: { maxlength: '32', autocomplete: 'off' },
    }),
    el(
      'div',
      { class: 'button-row' },
      el('button', {
        type: 'submit',
        class: 'button button--solid',
        'data-record-death': '',
        'data-i18n': 'bereavement.record.submit',
      }),
    ),
    status,
  );
  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      busy('common.sending', async () => {
        clearErrors(summary, form);
        const body = {
          died_on: form.elements.died_on.value,
          reported_by: form.elements.reported_by.value,
          reporter_relation: form.elements.reporter_relation.value,
          death_notice_number: form.elements.death_notice_number.value,
        };
        if (!body.died_on || !body.reported_by.trim()) {
          showErrors(summary, form, [
            ...(body.died_on ? [] : [{ field: 'died_on', text: t('bereavement.record.needDate') }]),
            ...(body.reported_by.trim()
              ? []
              : [{ field: 'reported_by', text: t('bereavement.record.needReporter') }]),
          ]);
          return;
        }
        const sure = await confirmDialog({
          title: t('bereavement.record.confirmTitle', { name }),
          body: [t('bereavement.record.confirmBody', { date: formatDate(body.died_on) })],
          confirm: t('bereavement.record.confirm'),
          danger: true,
        });
        if (!sure) return;
        let recorded;
        try {
          recorded = await sendJSON(
            `/api/staff/residents/${encodeURIComponent(registryId)}/death`,
            { body, signal: ctx.signal },
          );
        } catch (error) {
          if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
          showErrors(summary, form, problemItems(error));
          return;
        }
        ctx.navigate(`/staff/bereavements/${recorded.id}`, { flash: 'bereavement.flash.recorded' });
      });
    },
    { signal: ctx.signal },
  );
  return el(
    'section',
    { class: 'staff-section', id, 'aria-labelledby': `${id}-heading` },
    el('h2', { class: 'section-title', id: `${id}-heading`, 'data-i18n': 'bereavement.record.title' }),
    el('p', { class: 'section-lead', 'data-i18n': 'bereavement.record.lead' }),
    summary,
    form,
  );
}

export async function mount(outlet, ctx) {
  const box = el('div');
  const page = el(
    'div',
    { class: 'page staff-bereavement' },
    backLink('/staff/bereavements', t('bereavement.back')),
    box,
  );
  outlet.append(page);
  await loadStaffData(
    box,
    ctx,
    () => getJSON(`/api/staff/bereavements/${encodeURIComponent(ctx.params.id)}`, { signal: ctx.signal }),
    (found) => {
      const view = el('div');
      const show = (data) => {
        ctx.setTitle(() => t('bereavement.pageTitle', { name: data.deceased.name }));
        view.replaceChildren(...caseView(data, ctx, show));
        applyTranslations(view);
      };
      show(found);
      return view;
    },
  );
}

function person(p) {
  return el('span', {}, p.name, ' ', el('span', { class: 'mono' }, `（${p.registry_id}）`));
}

function caseView(data, ctx, show) {
  const flash = ctx.flash
    ? el('p', { class: 'flash flash--success', role: 'status' }, t(ctx.flash))
    : null;
  ctx.flash = null;
  const head = el(
    'header',
    { class: 'staff-case-head' },
    el('h1', { class: 'page__title' }, t('bereavement.heading', { name: data.deceased.name })),
    el(
      'p',
      { class: 'staff-results__count', 'data-remaining': data.remaining },
      data.remaining
        ? t('bereavement.remaining', {
            n: formatNumber(data.remaining),
            total: formatNumber(data.tasks.length),
          })
        : t('bereavement.allDone'),
    ),
  );
  const facts = el(
    'dl',
    { class: 'summary-list' },
    summaryRow(t('bereavement.deceased'), person(data.deceased)),
    summaryRow(t('bereavement.diedOn'), formatDate(data.died_on)),
    summaryRow(
      t('bereavement.reportedBy'),
      `${data.reported_by}（${t(`bereavement.relation.${data.reporter_relation}`)}）`,
    ),
    summaryRow(
      t('bereavement.noticeNumber'),
      data.death_notice_number || t('bereavement.noNoticeNumber'),
    ),
    summaryRow(
      t('bereavement.recordedBy'),
      t('bereavement.recordedAt', {
        name: data.created_by ?? '—',
        at: formatDateTime(data.created_at),
      }),
    ),
  );
  const parent = data.surviving_parent
    ? el(
        'div',
        { class: 'staff-callout', 'data-surviving-parent': data.surviving_parent.registry_id },
        el('p', {}, t('bereavement.survivingParent', { name: data.surviving_parent.name })),
      )
    : null;
  // Tasks by department, in the order they were derived (the counter's order).
  const byDepartment = new Map();
  for (const task of data.tasks) {
    const key = task.department.code;
    if (!byDepartment.has(key)) byDepartment.set(key, { department: task.department, tasks: [] });
    byDepartment.get(key).tasks.push(task);
  }
  const sections = [...byDepartment.values()].map(({ department, tasks }) => {
    const open = tasks.filter((task) => task.state === 'todo').length;
    const id = `bereavement-${department.code}`;
    return el(
      'section',
      { class: 'staff-section', id, 'aria-labelledby': `${id}-heading`, 'data-department': department.code },
      el(
        'h2',
        { class: 'section-title', id: `${id}-heading` },
        department.name.ja,
        ' ',
        badge(
          open ? t('bereavement.departmentOpen', { n: formatNumber(open) }) : t('bereavement.departmentDone'),
          open ? 'warning' : 'success',
        ),
      ),
      el(
        'ul',
        { class: 'staff-records' },
        tasks.map((task) => taskCard(data, task, ctx, show)),
      ),
    );
  });
  return [head, flash, facts, parent, ...sections].filter(Boolean);
}

function taskCard(data, task, ctx, show) {
  const message = el('p', { class: 'staff-inline-error', role: 'alert', hidden: true });
  const noteId = `task-note-${task.id}`;
  const note = el('input', {
    class: 'input',
    id: noteId,
    name: 'note',
    type: 'text',
    maxlength: '500',
    value: task.note,
    autocomplete: 'off',
  });
  const title = t(`bereavement.item.${task.item}`);
  const send = async (state, button) => {
    button.disabled = true;
    message.hidden = true;
    try {
      const updated = await sendJSON(`/api/staff/bereavements/${data.id}/tasks/${task.id}`, {
        method: 'PUT',
        body: { state, note: note.value },
        signal: ctx.signal,
      });
      show(updated);
      announce(t(`bereavement.marked.${state}`, { task: title }));
      document.querySelector(`[data-task="${task.id}"] button`)?.focus();
    } catch (error) {
      if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
      button.disabled = false;
      message.textContent = problemItems(error).map((item) => item.text).join(' ');
      message.hidden = false;
    }
  };
  const button = (state, words) => {
    const node = el(
      'button',
      { type: 'button', class: 'button button--outline button--sm', 'data-mark': state },
      words,
      el('span', { class: 'visually-hidden' }, t('bereavement.which', { task: title })),
    );
    node.addEventListener('click', () => send(state, node), { signal: ctx.signal });
    return node;
  };
  const actions = task.mine
    ? el(
        'div',
        { class: 'staff-follow-up__action' },
        el(
          'div',
          { class: 'field' },
          el('label', { class: 'field__label', for: noteId }, t('bereavement.note')),
          note,
        ),
        el(
          'div',
          { class: 'button-row' },
          task.state === 'todo'
            ? [button('done', t('bereavement.markDone')), button('not_needed', t('bereavement.markNotNeeded'))]
            : button('todo', t('bereavement.markTodo')),
        ),
        message,
      )
    : el('p', { class: 'staff-record__meta' }, t('bereavement.notMine'));
  return el(
    'li',
    { class: 'staff-record staff-follow-up', 'data-task': task.id, 'data-item': task.item, 'data-state': task.state },
    el(
      'div',
      { class: 'staff-follow-up__main' },
      el('h3', { class: 'staff-record__title' }, title),
      el(
        'p',
        { class: 'staff-record__meta' },
        badge(t(`bereavement.state.${task.state}`), STATE_TONES[task.state] ?? 'neutral'),
        ' ',
        badge(kindText(task), 'key'),
      ),
      task.subject
        ? el('p', { class: 'staff-record__meta' }, t('bereavement.subject', { name: task.subject.name }))
        : null,
      task.kind === 'online' && task.procedure
        ? el(
            'p',
            { class: 'staff-record__meta' },
            el(
              'a',
              { class: 'link', href: `/procedures/${encodeURIComponent(task.procedure)}` },
              t('bereavement.openProcedure', { task: title }),
            ),
          )
        : null,
      task.note && !task.mine ? el('p', { class: 'staff-record__meta' }, task.note) : null,
      task.updated_at
        ? el(
            'p',
            { class: 'staff-record__meta' },
            t('bereavement.markedBy', { name: task.updated_by ?? '—', at: formatDateTime(task.updated_at) }),
          )
        : null,
    ),
    actions,
  );
}

function kindText(task) {
  if (task.kind === 'other_organisation') {
    return t('bereavement.kind.other_organisation', {
      organisation: t(`bereavement.organisation.${task.organisation}`),
    });
  }
  return t(`bereavement.kind.${task.kind}`);
}
