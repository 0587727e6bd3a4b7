// /staff/cases/:id「申請」: one case. The purpose is asked first (nothing is chosen for them), because
// the opening is recorded with it and the resident sees it; the chosen purpose then stays in
// the address (?purpose=) so a reload reopens the same way. Shown: the answers with where
// each pre-filled value came from and a 「住民が変更」 flag, attachments, the timeline with
// the messages, a message to the resident, internal notes, the assignee and the decision.

import { announce, el, icon } from '../dom.js';
import { getJSON, sendJSON } from '../api.js';
import { answerNode } from '../answers.js';
import { applyTranslations, has, lendWords, t } from '../i18n.js';
import { assignsCases } from './access.js';
import { formatDate, formatDateTime, roleLabel } from './words.js';
import {
  choiceGroup,
  clearErrors,
  errorSummary,
  guardBusy,
  problemItems,
  selectField,
  showErrors,
  textField,
  textareaField,
} from './forms.js';
import {
  PURPOSES,
  backLink,
  badge,
  breachedBadge,
  confirmDialog,
  emptyLine,
  loadFailed,
  purposeForm,
  purposeLine,
  sessionEnded,
  staffIcon,
  statusBadge,
} from './ui.js';

export const titleKey = 'case.title';

const FINAL = new Set(['approved', 'rejected', 'withdrawn']);
const NEEDS_MESSAGE = new Set(['info_requested', 'rejected']);

export async function mount(outlet, ctx) {
  const id = ctx.params.id;
  const purpose = ctx.url.searchParams.get('purpose');
  const page = el('div', { class: 'page staff-case' });
  outlet.append(page);

  if (!/^[0-9]{1,12}$/.test(id)) {
    page.append(
      el('h1', { class: 'page__title', 'data-i18n': 'case.notFound' }),
      backLink('/staff/cases', t('case.backToQueue')),
    );
    return;
  }

  if (!PURPOSES.includes(purpose)) {
    ctx.setTitle(() => t('case.openTitle'));
    page.classList.add('staff-narrow');
    page.append(
      backLink('/staff/cases', t('case.backToQueue')),
      el('h1', { class: 'page__title', 'data-i18n': 'case.openTitle' }),
      purposeForm({
        id: 'case-open',
        leadKey: 'purpose.caseLead',
        buttonKey: 'case.open',
        signal: ctx.signal,
        onOpen: (chosen) =>
          ctx.navigate(`/staff/cases/${id}?purpose=${encodeURIComponent(chosen)}`, {
            replace: true,
          }),
      }),
    );
    return;
  }

  let data;
  let colleagues = null;
  try {
    // The residents' words come too: answers are written as the resident's own screens
    // write them (answers.js), one formatter for both apps.
    [data] = await Promise.all([
      getJSON(`/api/staff/applications/${id}?purpose=${encodeURIComponent(purpose)}`, {
        signal: ctx.signal,
      }),
      lendWords('ja'),
    ]);
    // Only administrators can list staff (GET /accounts); supervisors claim and release.
    if (ctx.account.staff_role === 'administrator') {
      const accounts = await getJSON('/api/staff/accounts', { signal: ctx.signal });
      colleagues = accounts.items;
    }
  } catch (error) {
    if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
    page.append(
      backLink('/staff/cases', t('case.backToQueue')),
      el('h1', {
        class: 'page__title',
        'data-i18n': error.status === 404 ? 'case.notFound' : 'case.title',
      }),
      loadFailed(error, ctx),
    );
    return;
  }

  ctx.setTitle(() =>
    t('case.pageTitle', { receipt: data.receipt_number, procedure: data.procedure.title.ja }),
  );
  const view = new CaseView(page, ctx, { data, purpose, colleagues });
  view.render();
}

class CaseView {
  constructor(page, ctx, { data, purpose, colleagues }) {
    this.page = page;
    this.ctx = ctx;
    this.data = data;
    this.purpose = purpose;
    this.colleagues = colleagues;
    this.done = null; // {section, text}: the last action's result, shown in its section
  }

  /** Build the whole case from this.data; focus the last action's result, if any. */
  render() {
    const { data } = this;
    const aside = el(
      'div',
      { class: 'staff-case-layout__aside' },
      this.decisionSection(),
      this.assigneeSection(),
      this.residentSection(),
      this.notesSection(),
    );
    const main = el(
      'div',
      { class: 'staff-case-layout__main' },
      this.trackerSection(),
      this.answersSection(),
      this.attachmentsSection(),
      this.timelineSection(),
    );
    this.page.replaceChildren(
      backLink('/staff/cases', t('case.backToQueue')),
      this.header(),
      el('div', { class: 'staff-case-layout' }, main, aside),
    );
    applyTranslations(this.page);
    if (this.done) {
      const flash = this.page.querySelector('[data-done]');
      flash?.focus();
      announce(this.done.text);
      this.done = null;
    }
    return data;
  }

  header() {
    const { data } = this;
    const breached = !FINAL.has(data.status) && data.due_by < todayIso();
    return el(
      'header',
      { class: 'staff-case-head' },
      el(
        'p',
        { class: 'staff-case-head__receipt' },
        el('span', {}, t('case.receipt')),
        el('span', { class: 'mono', 'data-receipt': '' }, data.receipt_number),
      ),
      el('h1', { class: 'page__title staff-case-head__title' }, data.procedure.title.ja),
      el(
        'dl',
        { class: 'staff-case-head__facts' },
        fact(t('case.status'), statusBadge(data.status, data.status_label), {
          'data-case-status': '',
        }),
        fact(t('case.received'), formatDateTime(data.submitted_at)),
        fact(
          t('case.due'),
          el(
            'span',
            { class: 'staff-due' },
            formatDate(data.due_by),
            breached ? breachedBadge() : null,
          ),
        ),
        fact(t('case.applicant'), data.applicant_name),
        // Who typed it in matters when it was not the applicant: a proxy, or staff at a counter.
        data.channel !== 'self' && data.filed_by_name
          ? fact(t('case.filedBy'), data.filed_by_name)
          : null,
        fact(t('case.channel'), t(`channel.${data.channel}`)),
        fact(t('case.department'), data.procedure.department.name.ja),
      ),
      purposeLine(this.purpose),
    );
  }

  doneNotice(section) {
    if (this.done?.section !== section) return null;
    return el(
      'div',
      { class: 'flash flash--success', tabindex: '-1', 'data-done': '' },
      icon('online', 'flash__icon'),
      el('p', {}, this.done.text),
    );
  }

  /** After an approval: the departments a change reached (a move reaches several). */
  trackerSection() {
    const { tracker } = this.data;
    if (this.data.status !== 'approved' || !tracker?.length) return null;
    return section(
      'case-tracker',
      t('case.tracker.title'),
      el('p', { class: 'section-lead' }, t('case.tracker.lead')),
      el(
        'ul',
        { class: 'staff-tracker' },
        tracker.map((row) =>
          el(
            'li',
            { class: 'staff-tracker__item' },
            icon('online', 'staff-tracker__icon'),
            el('span', { class: 'staff-tracker__name' }, row.department.name.ja),
            el('span', { class: 'staff-tracker__date' }, formatDateTime(row.reached_at)),
          ),
        ),
      ),
    );
  }

  answersSection() {
    const { answers } = this.data;
    const changed = answers.filter((a) => a.changed).length;
    const files = new Map((this.data.attachments ?? []).map((file) => [file.id, file]));
    const read = (answer) =>
      answerNode({ type: answer.type, options: answer.options ?? [] }, answer.value, {
        household: this.data.household ?? [],
        files: (id) => files.get(id) ?? null,
      });
    return section(
      'case-answers',
      t('case.answers.title'),
      changed
        ? el(
            'p',
            { class: 'staff-callout staff-callout--warning', 'data-changed-count': '' },
            icon('alert', 'staff-callout__icon'),
            el('span', {}, t('case.answers.changedLead', { n: changed })),
          )
        : null,
      answers.length
        ? el(
            'dl',
            { class: 'summary-list staff-answers' },
            answers.map((answer) =>
              el(
                'div',
                {
                  class: `summary-list__row staff-answers__row${answer.changed ? ' is-changed' : ''}`,
                  'data-answer': answer.name,
                },
                el('dt', {}, answer.label.ja),
                el(
                  'dd',
                  {},
                  el('span', { class: 'staff-answers__value' }, read(answer)),
                  answer.prefilled ? provenance(answer) : null,
                ),
              ),
            ),
          )
        : emptyLine(t('case.answers.none')),
    );
  }

  attachmentsSection() {
    const files = this.data.attachments;
    return section(
      'case-attachments',
      t('case.attachments.title'),
      files.length
        ? el(
            'ul',
            { class: 'staff-files' },
            files.map((file) =>
              el(
                'li',
                { class: 'staff-files__item' },
                staffIcon('document', 'staff-files__icon'),
                el(
                  'a',
                  {
                    class: 'link',
                    href: `/api/attachments/${encodeURIComponent(file.id)}`,
                    download: file.filename,
                  },
                  file.filename,
                ),
                el(
                  'span',
                  { class: 'staff-files__meta' },
                  t('case.attachments.meta', {
                    type: file.content_type,
                    size: kilobytes(file.size),
                  }),
                ),
              ),
            ),
          )
        : emptyLine(t('case.attachments.none')),
    );
  }

  timelineSection() {
    const { data, ctx } = this;
    const labels = new Map(data.steps.map((step) => [step.id, step.label.ja]));
    const summary = errorSummary('case-message-errors');
    const status = el('p', { class: 'form-status', role: 'status' });
    const busy = guardBusy(status);
    const form = el(
      'form',
      { class: 'form form--compact', novalidate: true, 'aria-labelledby': 'case-message-title' },
      el('h3', {
        class: 'section-title section-title--small',
        id: 'case-message-title',
        'data-i18n': 'case.message.title',
      }),
      textareaField({
        id: 'case-message',
        name: 'text',
        labelKey: 'case.message.label',
        hintKey: 'case.message.hint',
        required: true,
        attributes: { maxlength: '2000', rows: '3' },
      }),
      el(
        'div',
        { class: 'button-row' },
        el('button', {
          type: 'submit',
          class: 'button button--outline',
          'data-i18n': 'case.message.send',
        }),
      ),
      status,
    );
    form.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        busy('common.sending', async () => {
          const text = form.elements.text.value.trim();
          if (!text) {
            showErrors(summary, form, [{ field: 'text', text: t('case.message.error') }]);
            return;
          }
          clearErrors(summary, form);
          try {
            const answer = await sendJSON(`/api/staff/applications/${data.id}/messages`, {
              body: { text },
              signal: ctx.signal,
            });
            Object.assign(data, answer);
          } catch (error) {
            if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
            showErrors(summary, form, problemItems(error));
            return;
          }
          this.done = { section: 'messages', text: t('case.message.sent') };
          this.render();
        });
      },
      { signal: ctx.signal },
    );

    return section(
      'case-timeline',
      t('case.timeline.title'),
      el(
        'ol',
        { class: 'staff-timeline' },
        data.timeline.map((event) =>
          el(
            'li',
            {
              class: `staff-timeline__item staff-timeline__item--${event.kind}`,
              'data-event': event.kind,
            },
            el(
              'p',
              { class: 'staff-timeline__head' },
              el('span', { class: 'staff-timeline__what' }, eventLabel(event, labels)),
              el(
                'span',
                { class: 'staff-timeline__who' },
                t('case.timeline.by', {
                  actor: has(`actor.${event.actor}`) ? t(`actor.${event.actor}`) : event.actor,
                  name: event.actor_name,
                }),
              ),
              el(
                'time',
                { class: 'staff-timeline__when', datetime: event.created_at },
                formatDateTime(event.created_at),
              ),
            ),
            event.text ? el('p', { class: 'staff-timeline__text' }, event.text) : null,
          ),
        ),
      ),
      this.doneNotice('messages'),
      summary,
      form,
    );
  }

  decisionSection() {
    const { data, ctx } = this;
    if (FINAL.has(data.status)) {
      return section(
        'case-decision',
        t('case.decision.title'),
        this.doneNotice('decision'),
        el(
          'p',
          { class: 'staff-callout', 'data-final': '' },
          icon('info', 'staff-callout__icon'),
          el('span', {}, t('case.decision.final', { status: data.status_label.ja })),
        ),
      );
    }
    const choices = data.steps
      .filter((step) => step.id !== 'submitted' && step.id !== data.status)
      .map((step) => ({
        value: step.id,
        label: has(`case.decision.${step.id}`)
          ? t(`case.decision.${step.id}`)
          : t('case.decision.step', { label: step.label.ja }),
        hintKey: has(`case.decision.${step.id}Hint`) ? `case.decision.${step.id}Hint` : null,
      }));
    const summary = errorSummary('case-decision-errors');
    const status = el('p', { class: 'form-status', role: 'status' });
    const busy = guardBusy(status);
    const documentField = textField({
      id: 'case-decision-document',
      name: 'document',
      labelKey: 'case.decision.document',
      hintKey: 'case.decision.documentHint',
      attributes: { maxlength: '100', list: 'case-decision-documents' },
    });
    // The files this procedure's form asks for, offered as names to pick from.
    documentField.append(
      el(
        'datalist',
        { id: 'case-decision-documents' },
        (data.answers ?? [])
          .filter((answer) => answer.type === 'file')
          .map((answer) => el('option', { value: answer.label?.ja ?? '' })),
      ),
    );
    const form = el(
      'form',
      { class: 'form form--compact', novalidate: true, 'aria-labelledby': 'case-decision-title' },
      choiceGroup({
        id: 'case-decision-status',
        name: 'status',
        legendKey: 'case.decision.legend',
        required: true,
        layout: 'list',
        options: choices,
      }),
      textareaField({
        id: 'case-decision-message',
        name: 'message',
        labelKey: 'case.decision.message',
        hintKey: 'case.decision.messageHint',
        attributes: { maxlength: '2000', rows: '4' },
      }),
      documentField,
      el(
        'div',
        { class: 'button-row' },
        el('button', {
          type: 'submit',
          class: 'button button--solid',
          'data-i18n': 'case.decision.submit',
        }),
      ),
      status,
    );
    // The document a request names: asked for only with 追加の情報を依頼.
    const showDocument = () => {
      documentField.hidden = form.elements.status.value !== 'info_requested';
    };
    form.addEventListener('change', showDocument, { signal: ctx.signal });
    showDocument();
    form.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        busy('common.sending', async () => {
          const next = form.elements.status.value;
          const message = form.elements.message.value.trim();
          const documentName =
            next === 'info_requested' ? form.elements.document.value.trim() : '';
          const problems = [];
          if (!next) problems.push({ field: 'status', text: t('case.decision.errorStatus') });
          else if (NEEDS_MESSAGE.has(next) && !message) {
            problems.push({ field: 'message', text: t(`case.decision.errorMessage.${next}`) });
          }
          if (problems.length) {
            showErrors(summary, form, problems);
            return;
          }
          clearErrors(summary, form);
          if (next === 'approved' || next === 'rejected') {
            const sure = await confirmDialog({
              title: t(`case.confirm.${next}.title`),
              body: [
                t(`case.confirm.${next}.body`, { receipt: data.receipt_number }),
                t('case.confirm.final'),
              ],
              confirm: t(`case.confirm.${next}.button`),
              danger: next === 'rejected',
            });
            if (!sure) return;
          }
          try {
            const answer = await sendJSON(`/api/staff/applications/${data.id}/status`, {
              body: { status: next, message, document: documentName },
              signal: ctx.signal,
            });
            Object.assign(data, answer);
          } catch (error) {
            if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
            showErrors(summary, form, problemItems(error));
            return;
          }
          this.done = {
            section: 'decision',
            text: t('case.decision.done', { status: data.status_label.ja }),
          };
          this.render();
        });
      },
      { signal: ctx.signal },
    );
    return section(
      'case-decision',
      t('case.decision.title'),
      this.doneNotice('decision'),
      summary,
      form,
    );
  }

  assigneeSection() {
    const { data, ctx } = this;
    const me = ctx.account.id;
    const status = el('p', { class: 'form-status', role: 'status' });
    const busy = guardBusy(status);
    const summary = errorSummary('case-assignee-errors');
    const assign = (assignee, text) =>
      busy('common.sending', async () => {
        clearErrors(summary, null);
        try {
          const answer = await sendJSON(`/api/staff/applications/${data.id}/assignee`, {
            body: { assignee },
            method: 'PUT',
            signal: ctx.signal,
          });
          Object.assign(data, answer);
        } catch (error) {
          if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
          showErrors(summary, null, problemItems(error));
          return;
        }
        this.done = { section: 'assignee', text: text() };
        this.render();
      });

    const actions = [];
    if (data.assignee_id !== me) {
      const claim = el('button', {
        type: 'button',
        class: 'button button--solid button--sm',
        'data-i18n': 'case.assignee.claim',
      });
      claim.addEventListener('click', () => assign(me, () => t('case.assignee.claimed')), {
        signal: ctx.signal,
      });
      actions.push(claim);
    }
    if (data.assignee_id != null && (data.assignee_id === me || assignsCases(ctx.account))) {
      const release = el('button', {
        type: 'button',
        class: 'button button--outline button--sm',
        'data-i18n': 'case.assignee.release',
      });
      release.addEventListener('click', () => assign(null, () => t('case.assignee.released')), {
        signal: ctx.signal,
      });
      actions.push(release);
    }

    // Administrators choose anyone active of the case's department (GET /accounts).
    let chooser = null;
    if (this.colleagues) {
      const code = data.procedure.department.code;
      const eligible = this.colleagues.filter(
        (a) =>
          a.active &&
          a.id !== data.assignee_id &&
          (a.role === 'administrator' || a.departments.includes(code)),
      );
      if (eligible.length) {
        chooser = el(
          'form',
          { class: 'inline-form staff-assign-form', novalidate: true },
          selectField({
            id: 'case-assignee-choose',
            name: 'assignee',
            labelKey: 'case.assignee.choose',
            options: eligible.map((a) => ({
              value: String(a.id),
              label: t('header.accountName', { name: a.display_name, role: roleLabel(a.role) }),
            })),
          }),
          el('button', {
            type: 'submit',
            class: 'button button--outline button--sm',
            'data-i18n': 'case.assignee.assign',
          }),
        );
        chooser.addEventListener(
          'submit',
          (event) => {
            event.preventDefault();
            const chosen = eligible.find((a) => String(a.id) === chooser.elements.assignee.value);
            if (chosen) {
              assign(chosen.id, () => t('case.assignee.assigned', { name: chosen.display_name }));
            }
          },
          { signal: ctx.signal },
        );
      }
    }

    let who;
    if (data.assignee_id == null) who = t('cases.unassigned');
    else if (data.assignee_id === me) who = t('case.assignee.me', { name: data.assignee_name });
    else who = data.assignee_name;
    return section(
      'case-assignee',
      t('case.assignee.title'),
      this.doneNotice('assignee'),
      summary,
      el('p', { class: 'staff-assignee', 'data-assignee': '' }, who),
      actions.length ? el('div', { class: 'button-row' }, actions) : null,
      chooser,
      status,
    );
  }

  residentSection() {
    const registryId = this.data.person_registry_id;
    if (!registryId) return null;
    return section(
      'case-resident',
      t('case.resident.title'),
      el('p', {}, t('case.resident.lead')),
      el(
        'a',
        {
          class: 'button button--outline button--sm',
          // Opened for this case: the resident's access log names it.
          href: `/staff/residents/${encodeURIComponent(registryId)}?case=${this.data.id}`,
          'data-resident-link': '',
        },
        t('case.resident.open'),
      ),
    );
  }

  notesSection() {
    const { data, ctx } = this;
    const summary = errorSummary('case-note-errors');
    const status = el('p', { class: 'form-status', role: 'status' });
    const busy = guardBusy(status);
    const form = el(
      'form',
      { class: 'form form--compact', novalidate: true, 'aria-label': t('case.notes.add') },
      textareaField({
        id: 'case-note',
        name: 'text',
        labelKey: 'case.notes.label',
        hintKey: 'case.notes.hint',
        required: true,
        attributes: { maxlength: '4000', rows: '3' },
      }),
      el(
        'div',
        { class: 'button-row' },
        el('button', {
          type: 'submit',
          class: 'button button--outline button--sm',
          'data-i18n': 'case.notes.save',
        }),
      ),
      status,
    );
    form.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        busy('common.sending', async () => {
          const text = form.elements.text.value.trim();
          if (!text) {
            showErrors(summary, form, [{ field: 'text', text: t('case.notes.error') }]);
            return;
          }
          clearErrors(summary, form);
          try {
            const answer = await sendJSON(`/api/staff/applications/${data.id}/notes`, {
              body: { text },
              signal: ctx.signal,
            });
            Object.assign(data, answer);
          } catch (error) {
            if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
            showErrors(summary, form, problemItems(error));
            return;
          }
          this.done = { section: 'notes', text: t('case.notes.saved') };
          this.render();
        });
      },
      { signal: ctx.signal },
    );
    return section(
      'case-notes',
      t('case.notes.title'),
      el(
        'p',
        { class: 'staff-callout staff-callout--internal' },
        icon('info', 'staff-callout__icon'),
        el('span', {}, t('case.notes.internal')),
      ),
      data.notes.length
        ? el(
            'ul',
            { class: 'staff-notes' },
            data.notes.map((note) =>
              el(
                'li',
                { class: 'staff-notes__item', 'data-note': note.id },
                el('p', { class: 'staff-notes__text' }, note.text),
                el(
                  'p',
                  { class: 'staff-notes__meta' },
                  t('case.notes.meta', {
                    name: note.author_name,
                    date: formatDateTime(note.created_at),
                  }),
                ),
              ),
            ),
          )
        : emptyLine(t('case.notes.none')),
      this.doneNotice('notes'),
      summary,
      form,
    );
  }
}

function section(id, title, ...children) {
  return el(
    'section',
    { class: 'staff-section', id, 'aria-labelledby': `${id}-heading` },
    el('h2', { class: 'section-title', id: `${id}-heading` }, title),
    children,
  );
}

function fact(label, value, attributes = {}) {
  return el(
    'div',
    { class: 'staff-case-head__fact', ...attributes },
    el('dt', {}, label),
    el('dd', {}, value),
  );
}

/** Where a pre-filled value came from, and whether the resident changed it. */
function provenance(answer) {
  const source = answer.source
    ? t('case.answers.source', { source: answer.source, date: formatDate(answer.as_of) })
    : t('case.answers.prefilled');
  return el(
    'span',
    { class: 'staff-provenance' },
    el(
      'span',
      { class: 'staff-provenance__source' },
      staffIcon('document', 'staff-provenance__icon'),
      source,
    ),
    answer.changed ? badge(t('case.answers.changed'), 'warning', { 'data-changed': '' }) : null,
  );
}

function eventLabel(event, labels) {
  const label =
    labels.get(event.status) ??
    (has(`status.${event.status}`) ? t(`status.${event.status}`) : event.status);
  if (event.kind === 'status') return t('case.timeline.status', { status: label });
  return has(`case.timeline.${event.kind}`) ? t(`case.timeline.${event.kind}`) : event.kind;
}

function kilobytes(size) {
  return Math.max(1, Math.round(size / 1024)).toLocaleString('ja-JP');
}

function todayIso() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(new Date());
}
