// /staff/residents/:registryId「住民の記録」: the 360° view of one resident, as much as the
// viewer's role and department need. What the record is opened for comes first (a case,
// consultation or follow-up of one's department, or a written reason; recorded with the
// opening and shown to the resident); then the person, the household, the facts and
// records need-to-know grants, a note of the sections withheld and why, and a form to
// record a consultation; for supervisors of the citizens division, the resident's
// DV・ストーカー等支援措置 (set, changed, lifted); for the citizens division, recording the
// resident's death (おくやみ, bereavement.js).

import { announce, el, icon } from '../dom.js';
import { getJSON, sendJSON } from '../api.js';
import { applyTranslations, has, t } from '../i18n.js';
import { may } from './access.js';
import { formatDate, formatDateTime, formatNumber, todayInJapan } from './words.js';
import { basisForm, basisFromUrl, basisLine, basisQuery } from './basis.js';
import { deathPanel } from './bereavement.js';
import {
  choiceGroup,
  clearErrors,
  errorSummary,
  guardBusy,
  problemItems,
  selectField,
  showErrors,
  textareaField,
  textField,
} from './forms.js';
import {
  backLink,
  badge,
  dataTable,
  emptyLine,
  loadFailed,
  myDepartments,
  sessionEnded,
  statusBadge,
  summaryRow,
} from './ui.js';

export const titleKey = 'resident.title';

export const TOPICS = [
  'money',
  'childcare',
  'care',
  'disability',
  'housing',
  'work',
  'health',
  'other',
];

export async function mount(outlet, ctx) {
  const registryId = ctx.params.registryId;
  const basis = basisFromUrl(ctx.url);
  const page = el('div', { class: 'page staff-resident' });
  outlet.append(page);
  const back = backLink('/staff/residents', t('resident.back'));
  const address = (chosen) => `/staff/residents/${encodeURIComponent(registryId)}?${basisQuery(chosen)}`;

  const askBasis = (problem = null, initial = null) => {
    ctx.setTitle(() => t('resident.openTitle'));
    page.classList.add('staff-narrow');
    page.replaceChildren(
      back,
      el('h1', { class: 'page__title', 'data-i18n': 'resident.openTitle' }),
      el('p', { class: 'page__lead' }, t('resident.openFor', { id: registryId })),
      basisForm({
        id: 'resident-open',
        problem,
        initial,
        signal: ctx.signal,
        onOpen: (chosen) => ctx.navigate(address(chosen), { replace: true }),
      }),
    );
    applyTranslations(page);
  };

  if (!basis) {
    askBasis();
    return;
  }

  let data;
  let departments;
  try {
    [data, departments] = await Promise.all([
      getJSON(`/api/staff/residents/${encodeURIComponent(registryId)}?${basisQuery(basis)}`, {
        signal: ctx.signal,
      }),
      getJSON('/api/staff/departments', { signal: ctx.signal }),
    ]);
  } catch (error) {
    if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
    if (error.status === 422 || error.status === 403 || error.status === 400) {
      askBasis(error, basis); // not a basis this viewer may open on: say why, ask again
      return;
    }
    page.append(
      back,
      el('h1', {
        class: 'page__title',
        'data-i18n': error.status === 404 ? 'resident.notFound' : 'resident.title',
      }),
      loadFailed(error, ctx),
    );
    return;
  }

  const person = data.person;
  const shown = new Set(data.sections);
  ctx.setTitle(() => t('resident.pageTitle', { name: person.name ?? person.registry_id }));
  const consultations = el('div', { class: 'staff-consultations' });
  const showConsultations = () =>
    consultations.replaceChildren(consultationList(data.consultations));
  if (data.consultations) showConsultations();

  const parts = [
    back,
    el(
      'header',
      { class: 'staff-case-head' },
      el(
        'p',
        { class: 'staff-case-head__receipt' },
        el('span', {}, t('resident.registryId')),
        el('span', { class: 'mono' }, person.registry_id),
      ),
      el('h1', { class: 'page__title' }, person.name ?? t('resident.nameWithheld')),
      person.kana ? el('p', { class: 'staff-resident__kana' }, person.kana) : null,
      basisLine(data.basis),
    ),
    sharingNotice(data),
    withheldNotice(data.withheld),
    person.status === 'deceased' && may(ctx.account, 'cases')
      ? el(
          'p',
          { class: 'staff-callout', 'data-deceased': '' },
          t('bereavement.deceasedNote'),
          ' ',
          el('a', { class: 'link', href: '/staff/bereavements' }, t('bereavement.openList')),
        )
      : null,
    el(
      'div',
      { class: 'staff-resident-layout' },
      shown.has('identity') || shown.has('contact')
        ? section('resident-person', t('resident.person.title'), personSummary(person, data))
        : null,
      data.household
        ? section('resident-household', t('resident.household.title'), household(data.household))
        : null,
      data.facts ? section('resident-facts', t('resident.facts.title'), facts(data.facts)) : null,
    ),
    data.applications
      ? section(
          'resident-applications',
          t('resident.applications.title'),
          applications(data.applications, departments, ctx),
        )
      : null,
    data.consultations
      ? section('resident-consultations', t('resident.consultations.title'), consultations)
      : null,
    data.notices
      ? section('resident-notices', t('resident.notices.title'), notices(data.notices))
      : null,
    may(ctx.account, 'design') ? protectionPanel({ registryId: person.registry_id, ctx }) : null,
    recordsDeaths(ctx.account, departments) && person.status === 'resident'
      ? deathPanel({ registryId: person.registry_id, name: person.name ?? person.registry_id, ctx })
      : null,
    consultationForm({
      registryId: person.registry_id,
      departments: myDepartments(departments, ctx.account),
      ctx,
      onRecorded: (consultation) => {
        if (!data.consultations) return; // recorded, but not this viewer's to list
        data.consultations.unshift(consultation);
        showConsultations();
        applyTranslations(consultations);
      },
    }),
  ];
  page.append(...parts.filter(Boolean));
}

function personSummary(person, data) {
  const rows = [];
  const row = (key, field, value) => {
    if (field in person) rows.push(summaryRow(t(key), value));
  };
  row('resident.person.birthDate', 'birth_date', formatDate(person.birth_date));
  row('resident.person.sex', 'sex', label('sex', person.sex));
  row(
    'resident.person.postalCode',
    'postal_code',
    person.postal_code ? `〒${person.postal_code}` : '',
  );
  row('resident.person.address', 'address', person.address);
  row('resident.person.relation', 'relation', label('relation', person.relation));
  row('resident.person.since', 'resident_since', formatDate(person.resident_since));
  row('resident.person.status', 'status', label('personStatus', person.status));
  rows.push(
    summaryRow(
      t('resident.person.account'),
      t(data.has_account ? 'resident.person.hasAccount' : 'resident.person.noAccount'),
    ),
  );
  return el('dl', { class: 'summary-list' }, rows);
}

/** The sections left out of this view, grouped by why: not this job, no consent, or opened
 * on a reason alone. */
function withheldNotice(withheld) {
  if (!withheld.length) return null;
  const reasons = ['need_to_know', 'basis', 'consent', 'protection'];
  return el(
    'div',
    { class: 'staff-callout', 'data-withheld': withheld.map((w) => w.section).join(' ') },
    icon('shield', 'staff-callout__icon'),
    el(
      'div',
      {},
      el('p', { class: 'staff-callout__title' }, t('resident.withheld.title')),
      el(
        'ul',
        { class: 'staff-withheld' },
        reasons
          .map((reason) => {
            const sections = withheld.filter((w) => w.reason === reason);
            if (!sections.length) return null;
            return el(
              'li',
              { 'data-withheld-reason': reason },
              t(`resident.withheld.${reason}`, {
                sections: sections.map((w) => t(`section.${w.section}`)).join('、'),
              }),
            );
          })
          .filter(Boolean),
      ),
    ),
  );
}

function section(id, title, ...children) {
  return el(
    'section',
    { class: 'staff-section', id, 'aria-labelledby': `${id}-heading` },
    el('h2', { class: 'section-title', id: `${id}-heading` }, title),
    children,
  );
}

function label(kind, value) {
  if (value == null || value === '') return t('resident.unknown');
  return has(`${kind}.${value}`) ? t(`${kind}.${value}`) : String(value);
}

/** Why other departments' records are shown or left out. */
function sharingNotice(data) {
  const shared = data.sharing_consent;
  let body;
  if (shared) body = t('resident.sharing.yesBody');
  else if (data.has_account) body = t('resident.sharing.noBody');
  else body = t('resident.sharing.noAccountBody');
  return el(
    'div',
    {
      class: `staff-callout ${shared ? 'staff-callout--success' : 'staff-callout--warning'}`,
      'data-sharing': String(shared),
    },
    icon(shared ? 'online' : 'shield', 'staff-callout__icon'),
    el(
      'div',
      {},
      el(
        'p',
        { class: 'staff-callout__title' },
        t(shared ? 'resident.sharing.yes' : 'resident.sharing.no'),
      ),
      el('p', {}, body),
    ),
  );
}

function household(members) {
  if (!members.length) return emptyLine(t('resident.household.none'));
  return dataTable({
    caption: t('resident.household.title'),
    headers: [
      { text: t('resident.household.name') },
      { text: t('resident.household.relation') },
      { text: t('resident.household.birthDate') },
      { text: t('resident.household.registryId') },
    ],
    rows: members.map((member) =>
      el(
        'tr',
        { class: member.is_self ? 'is-self' : null },
        el(
          'th',
          { scope: 'row' },
          el('span', {}, member.name),
          el('span', { class: 'staff-table-sub' }, member.kana),
          member.is_self ? badge(t('resident.household.self'), 'key') : null,
        ),
        el('td', {}, label('relation', member.relation)),
        el('td', {}, formatDate(member.birth_date)),
        el('td', { class: 'mono' }, member.id),
      ),
    ),
  });
}

function facts(values) {
  const yesNo = (value) =>
    value == null ? t('resident.unknown') : t(value ? 'common.yes' : 'common.no');
  const rows = [
    [
      'income_yen',
      'resident.facts.income',
      (v) => (v == null ? t('resident.unknown') : t('common.yen', { n: formatNumber(v) })),
    ],
    ['tax_exempt', 'resident.facts.taxExempt', yesNo],
    ['single_parent', 'resident.facts.singleParent', yesNo],
    ['livelihood_aid', 'resident.facts.livelihoodAid', yesNo],
    ['disability_certificate', 'resident.facts.disability', certificate],
    ['care_level', 'resident.facts.careLevel', careLevel],
    [
      'pregnancy_due_date',
      'resident.facts.pregnancy',
      (v) => (v ? formatDate(v) : t('resident.none')),
    ],
  ];
  return el(
    'dl',
    { class: 'summary-list' },
    rows
      .filter(([field]) => field in values)
      .map(([field, key, show]) => summaryRow(t(key), show(values[field]))),
  );
}

/** physical_3 → 身体障害者手帳 3級, intellectual_b → 療育手帳 B. */
function certificate(code) {
  if (!code) return t('resident.none');
  const [kind, grade] = String(code).split('_');
  return has(`certificate.${kind}`)
    ? t(`certificate.${kind}`, { grade: (grade ?? '').toUpperCase() })
    : String(code);
}

/** support_1 → 要支援1, care_3 → 要介護3. */
function careLevel(code) {
  if (!code) return t('resident.none');
  const [kind, level] = String(code).split('_');
  return has(`careLevel.${kind}`) ? t(`careLevel.${kind}`, { n: level ?? '' }) : String(code);
}

function applications(items, departments, ctx) {
  if (!items.length) return emptyLine(t('resident.applications.none'));
  // A case of one's own departments opens in the case screen; others are listed only.
  const mine = new Set(myDepartments(departments, ctx.account).map((d) => d.code));
  const opens = may(ctx.account, 'cases');
  return dataTable({
    caption: t('resident.applications.title'),
    headers: [
      { text: t('cases.column.receipt') },
      { text: t('cases.column.procedure') },
      { text: t('resident.applications.department') },
      { text: t('cases.column.status') },
      { text: t('case.channel') },
      { text: t('cases.column.received') },
    ],
    rows: items.map((item) =>
      el(
        'tr',
        {},
        el(
          'th',
          { scope: 'row' },
          opens && mine.has(item.department.code)
            ? el('a', { class: 'link mono', href: `/staff/cases/${item.id}` }, item.receipt_number)
            : el('span', { class: 'mono' }, item.receipt_number),
        ),
        el('td', {}, item.title.ja),
        el('td', {}, item.department.name.ja),
        el('td', {}, statusBadge(item.status)),
        el('td', {}, t(`channel.${item.channel}`)),
        el('td', {}, formatDate(item.submitted_at)),
      ),
    ),
  });
}

function consultationList(items) {
  if (!items.length) return emptyLine(t('resident.consultations.none'));
  return el(
    'ul',
    { class: 'staff-records' },
    items.map((item) =>
      el(
        'li',
        { class: 'staff-record', 'data-consultation': item.id ?? '' },
        el(
          'h3',
          { class: 'staff-record__title' },
          t('resident.consultations.heading', {
            date: formatDate(item.held_on),
            department: item.department.name.ja,
          }),
        ),
        el(
          'p',
          { class: 'staff-record__meta' },
          t('resident.consultations.number', { id: item.id }),
        ),
        el(
          'p',
          { class: 'staff-record__meta' },
          t('resident.consultations.meta', {
            name: item.staff_name,
            topics: item.topics.map((topic) => label('topic', topic)).join('、'),
          }),
        ),
        el('p', { class: 'staff-record__text' }, item.summary),
        item.follow_ups.length
          ? el(
              'div',
              { class: 'staff-record__follow-ups' },
              el('h4', { class: 'staff-record__subtitle' }, t('resident.consultations.followUps')),
              el(
                'ul',
                { class: 'staff-follow-up-list' },
                item.follow_ups.map((task) =>
                  el(
                    'li',
                    { class: `staff-follow-up-list__item${task.done ? ' is-done' : ''}` },
                    badge(
                      t(task.done ? 'followUps.done' : 'followUps.open'),
                      task.done ? 'success' : 'key',
                    ),
                    el('span', {}, task.task),
                    el(
                      'span',
                      { class: 'staff-follow-up-list__due' },
                      t('followUps.dueOn', { date: formatDate(task.due_on) }),
                    ),
                  ),
                ),
              ),
            )
          : null,
      ),
    ),
  );
}

function notices(items) {
  if (!items.length) return emptyLine(t('resident.notices.none'));
  return el(
    'ul',
    { class: 'staff-records staff-records--compact' },
    items.map((notice) =>
      el(
        'li',
        { class: 'staff-record' },
        el('p', { class: 'staff-record__title' }, notice.title?.ja ?? ''),
        el(
          'p',
          { class: 'staff-record__meta' },
          formatDateTime(notice.created_at),
          ' ',
          badge(
            t(notice.read ? 'resident.notices.read' : 'resident.notices.unread'),
            notice.read ? 'neutral' : 'key',
          ),
        ),
      ),
    ),
  );
}

/** 「相談を記録する」: department, topics, summary, date, follow-up tasks (add/remove rows). */
function consultationForm({ registryId, departments, ctx, onRecorded }) {
  const summary = errorSummary('consultation-errors');
  const status = el('p', { class: 'form-status', role: 'status' });
  const busy = guardBusy(status);
  const done = el('div', { class: 'staff-consultation-done' });
  const today = todayInJapan();

  const rows = el('ol', { class: 'staff-follow-up-rows' });
  let counter = 0;
  const renumber = () => {
    [...rows.children].forEach((row, i) => {
      row.querySelector('[data-task-label]').textContent = t('consultation.task', { n: i + 1 });
      row.querySelector('[data-due-label]').textContent = t('consultation.due', { n: i + 1 });
      row.querySelector('[data-remove]').lastChild.textContent = t('consultation.removeTask', {
        n: i + 1,
      });
    });
  };
  const addRow = () => {
    const n = ++counter;
    const row = el(
      'li',
      { class: 'staff-follow-up-row' },
      el(
        'div',
        { class: 'field', 'data-field': `follow_up_task_${n}` },
        el('label', {
          class: 'field__label',
          for: `consultation-task-${n}`,
          'data-task-label': '',
        }),
        el('p', { class: 'field__error', id: `consultation-task-${n}-error`, hidden: true }),
        el('input', {
          class: 'input',
          id: `consultation-task-${n}`,
          name: 'task',
          type: 'text',
          maxlength: '500',
          autocomplete: 'off',
        }),
      ),
      el(
        'div',
        { class: 'field', 'data-field': `follow_up_due_${n}` },
        el('label', { class: 'field__label', for: `consultation-due-${n}`, 'data-due-label': '' }),
        el('p', { class: 'field__error', id: `consultation-due-${n}-error`, hidden: true }),
        el('input', {
          class: 'input input--date',
          id: `consultation-due-${n}`,
          name: 'due_on',
          type: 'date',
          min: today,
        }),
      ),
      el(
        'button',
        { type: 'button', class: 'button button--text button--sm', 'data-remove': '' },
        icon('trash', 'button__icon'),
        el('span', {}),
      ),
    );
    row.querySelector('[data-remove]').addEventListener(
      'click',
      () => {
        const next = row.nextElementSibling ?? row.previousElementSibling;
        row.remove();
        renumber();
        (next?.querySelector('input') ?? add).focus();
      },
      { signal: ctx.signal },
    );
    rows.append(row);
    renumber();
    return row;
  };
  const add = el(
    'button',
    { type: 'button', class: 'button button--outline button--sm' },
    icon('plus', 'button__icon'),
    el('span', {}, t('consultation.addTask')),
  );
  add.addEventListener('click', () => addRow().querySelector('input').focus(), {
    signal: ctx.signal,
  });

  const form = el(
    'form',
    { class: 'form', novalidate: true, 'aria-labelledby': 'consultation-heading' },
    departments.length
      ? selectField({
          id: 'consultation-department',
          name: 'department',
          labelKey: 'consultation.department',
          required: true,
          options: departments.map((d) => ({ value: d.code, label: d.name.ja })),
        })
      : el('p', { class: 'staff-callout staff-callout--warning' }, t('consultation.noDepartment')),
    choiceGroup({
      id: 'consultation-topics',
      name: 'topics',
      type: 'checkbox',
      legendKey: 'consultation.topics',
      hintKey: 'consultation.topicsHint',
      required: true,
      options: TOPICS.map((value) => ({ value, labelKey: `topic.${value}` })),
    }),
    textareaField({
      id: 'consultation-summary',
      name: 'summary',
      labelKey: 'consultation.summary',
      hintKey: 'consultation.summaryHint',
      required: true,
      attributes: { maxlength: '8000', rows: '5' },
    }),
    textField({
      id: 'consultation-held-on',
      name: 'held_on',
      labelKey: 'consultation.heldOn',
      required: true,
      attributes: { type: 'date', class: 'input input--date', value: today, max: today },
    }),
    el(
      'fieldset',
      {
        class: 'field staff-follow-ups-fieldset',
        'data-field': 'follow_ups',
        id: 'consultation-follow-ups',
      },
      el('legend', { class: 'field__label' }, t('consultation.followUps')),
      el('p', { class: 'field__hint' }, t('consultation.followUpsHint')),
      el('p', { class: 'field__error', id: 'consultation-follow-ups-error', hidden: true }),
      rows,
      el('div', { class: 'button-row' }, add),
    ),
    el(
      'div',
      { class: 'button-row' },
      el('button', {
        type: 'submit',
        class: 'button button--solid',
        disabled: !departments.length,
        'data-i18n': 'consultation.submit',
      }),
    ),
    status,
  );

  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      busy('common.sending', async () => {
        const department = form.elements.department?.value ?? '';
        const topics = [...form.querySelectorAll('input[name="topics"]:checked')].map(
          (i) => i.value,
        );
        const text = form.elements.summary.value.trim();
        const heldOn = form.elements.held_on.value;
        const problems = [];
        if (!department)
          problems.push({ field: 'department', text: t('consultation.error.department') });
        if (!topics.length)
          problems.push({ field: 'topics', text: t('consultation.error.topics') });
        if (!text) problems.push({ field: 'summary', text: t('consultation.error.summary') });
        if (!heldOn) problems.push({ field: 'held_on', text: t('consultation.error.heldOn') });
        else if (heldOn > today)
          problems.push({ field: 'held_on', text: t('consultation.error.future') });
        const followUps = [];
        [...rows.children].forEach((row, i) => {
          const task = row.querySelector('input[name="task"]');
          const due = row.querySelector('input[name="due_on"]');
          const n = task.id.split('-').pop();
          if (!task.value.trim()) {
            problems.push({
              field: `follow_up_task_${n}`,
              text: t('consultation.error.task', { n: i + 1 }),
            });
          }
          if (!due.value) {
            problems.push({
              field: `follow_up_due_${n}`,
              text: t('consultation.error.due', { n: i + 1 }),
            });
          }
          followUps.push({ task: task.value.trim(), due_on: due.value });
        });
        if (problems.length) {
          showErrors(summary, form, problems);
          return;
        }
        clearErrors(summary, form);
        let created;
        try {
          created = await sendJSON(
            `/api/staff/residents/${encodeURIComponent(registryId)}/consultations`,
            {
              body: { department, topics, summary: text, held_on: heldOn, follow_ups: followUps },
              signal: ctx.signal,
            },
          );
        } catch (error) {
          if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
          showErrors(summary, form, problemItems(error));
          return;
        }
        const chosen = departments.find((d) => d.code === department);
        onRecorded({
          id: created.id,
          topics,
          summary: text,
          held_on: heldOn,
          department: { code: department, name: chosen.name },
          staff_name: ctx.account.display_name,
          follow_ups: followUps.map((f) => ({ ...f, done: false })),
        });
        form.reset();
        form.elements.held_on.value = today;
        rows.replaceChildren();
        const flash = el(
          'div',
          { class: 'flash flash--success', tabindex: '-1', 'data-recorded': '' },
          icon('online', 'flash__icon'),
          el('p', {}, t('consultation.recorded')),
        );
        done.replaceChildren(flash);
        flash.focus();
        announce(t('consultation.recorded'));
      });
    },
    { signal: ctx.signal },
  );

  return section(
    'consultation',
    t('consultation.title'),
    el('p', { class: 'section-lead' }, t('consultation.lead')),
    done,
    summary,
    form,
  );
}

/** 支援措置（DV・ストーカー等）: shown to those the API lets read it (supervisors of the
 * citizens division, administrators); anyone else's 403 leaves no section behind. */
/** Caseworkers and supervisors of the citizens division (and administrators) record deaths. */
function recordsDeaths(account, departments) {
  return (
    may(account, 'cases') &&
    myDepartments(departments, account).some((department) => department.code === 'citizens')
  );
}

function protectionPanel({ registryId, ctx }) {
  const url = `/api/staff/residents/${encodeURIComponent(registryId)}/protection`;
  const state = el('div', { 'data-protection-state': '' });
  const summary = errorSummary('protection-errors');
  const status = el('p', { class: 'visually-hidden', role: 'status' });
  const busy = guardBusy(status);
  const lines = (text) =>
    text
      .split(/[\n、,]/)
      .map((line) => line.trim())
      .filter(Boolean);
  const form = el(
    'form',
    { class: 'form', novalidate: true, 'aria-labelledby': 'resident-protection-heading' },
    textareaField({
      id: 'protection-named-persons',
      name: 'named_persons',
      labelKey: 'protection.namedPersons',
      hintKey: 'protection.namedPersonsHint',
      attributes: { rows: '2', maxlength: '700' },
    }),
    textareaField({
      id: 'protection-named-outside',
      name: 'named_outside',
      labelKey: 'protection.namedOutside',
      hintKey: 'protection.namedOutsideHint',
      attributes: { rows: '2', maxlength: '2100' },
    }),
    textField({
      id: 'protection-from',
      name: 'valid_from',
      labelKey: 'protection.from',
      attributes: { type: 'date', class: 'input input--date' },
    }),
    textField({
      id: 'protection-until',
      name: 'valid_until',
      labelKey: 'protection.until',
      hintKey: 'protection.untilHint',
      attributes: { type: 'date', class: 'input input--date' },
    }),
    el(
      'div',
      { class: 'button-row' },
      el('button', {
        type: 'submit',
        class: 'button button--solid',
        'data-i18n': 'protection.save',
      }),
      el('button', {
        type: 'button',
        class: 'button button--outline',
        'data-lift': '',
        hidden: true,
        'data-i18n': 'protection.lift',
      }),
    ),
    status,
  );
  const lift = form.querySelector('[data-lift]');
  const panel = section(
    'resident-protection',
    t('protection.title'),
    el('p', { class: 'section-lead' }, t('protection.lead')),
    state,
    summary,
    form,
  );

  const show = (found) => {
    lift.hidden = !found.protected;
    state.replaceChildren(
      el(
        'p',
        { class: found.protected ? 'staff-callout staff-callout--warning' : 'section-lead' },
        found.protected
          ? t(found.in_force ? 'protection.inForce' : 'protection.notInForce', {
              from: formatDate(found.valid_from),
              until: found.valid_until ? formatDate(found.valid_until) : t('protection.noEnd'),
            })
          : t('protection.none'),
      ),
    );
    form.elements.named_persons.value = (found.named_persons ?? []).join('\n');
    form.elements.named_outside.value = (found.named_outside ?? []).join('\n');
    form.elements.valid_from.value = found.valid_from ?? '';
    form.elements.valid_until.value = found.valid_until ?? '';
  };
  // "named_persons[2]" is the field named_persons.
  const fieldOf = (items) =>
    items.map((item) => ({ ...item, field: item.field?.replace(/\[\d+\]$/, '') }));

  getJSON(url, { signal: ctx.signal })
    .then(show)
    .catch((error) => {
      if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
      panel.remove(); // not this supervisor's division: nothing to show
    });

  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      busy('common.sending', async () => {
        const body = {
          named_persons: lines(form.elements.named_persons.value),
          named_outside: lines(form.elements.named_outside.value),
          valid_from: form.elements.valid_from.value || null,
          valid_until: form.elements.valid_until.value || null,
        };
        clearErrors(summary, form);
        try {
          show(await sendJSON(url, { method: 'PUT', body, signal: ctx.signal }));
        } catch (error) {
          if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
          showErrors(summary, form, fieldOf(problemItems(error)));
          return;
        }
        announce(t('protection.saved'));
      });
    },
    { signal: ctx.signal },
  );
  lift.addEventListener(
    'click',
    () => {
      busy('common.sending', async () => {
        clearErrors(summary, form);
        try {
          await sendJSON(url, { method: 'DELETE', signal: ctx.signal });
        } catch (error) {
          if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
          showErrors(summary, form, problemItems(error));
          return;
        }
        show({ protected: false });
        announce(t('protection.lifted'));
      });
    },
    { signal: ctx.signal },
  );
  return panel;
}
