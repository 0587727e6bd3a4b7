// 書かない窓口: a life event started at the desk for the resident in front of it (issue 17).
// Staff pick the event (引越し, 出生, おくやみ…), the questions come already answered from what
// the registry holds for that person — each such answer marked 「登録情報」 — and the answers
// give the plan as a checklist: an item with a procedure opens the desk's own form for it,
// filled from the registry and the event's answers, and filed for the resident's passkey as
// any counter filing; the other items are to-dos with their deadline. The list says which
// items were filed in this visit (the visit's filings) and how many remain.
//
// The questions are drawn by the residents' own renderer (screens/life-events.js), with the
// residents' words lent for it, as desk.js does for the procedure forms.

import { el } from '../dom.js';
import { getJSON, sendJSON } from '../api.js';
import { applyTranslations, lendWords, t } from '../i18n.js';
import { questionField, shownAnswers } from '../screens/life-events.js';
import { clearErrors, problemItems, selectField, showErrors } from './forms.js';
import { badge, sessionEnded } from './ui.js';
import { formatDate, todayInJapan } from './words.js';

const STATE_TONES = { waiting: 'warning', expired: 'error', confirmed: 'success', todo: 'neutral' };

/**
 * The desk's life-event work. deps: ctx, busy (the desk's guard), summary (its error
 * summary), show(nodes) (puts nodes under the resident's card), registryId(), openProcedure
 * (slug, answers, back) (the desk's procedure form, with the event's answers over the
 * registry's; back() returns here), showStart() (the desk's start).
 */
export function lifeEventDesk({ ctx, busy, summary, show, registryId, openProcedure, showStart }) {
  let current = null; // {event, answers, plan}
  let filings = [];

  const base = () => `/api/staff/counter/residents/${encodeURIComponent(registryId())}/life-events`;

  /** The events the desk may start, for the desk's start screen (null without any). */
  async function loadEvents() {
    try {
      return (await getJSON(base(), { signal: ctx.signal })).items;
    } catch (error) {
      if (ctx.signal.aborted || sessionEnded(error, ctx)) return null;
      return null; // the procedures can still be started one by one
    }
  }

  /** Beside 「手続きを選ぶ」: the choice of a life event. */
  function chooser(events) {
    if (!events?.length) return null;
    const form = el(
      'form',
      {
        class: 'form desk-start desk-life-start',
        novalidate: true,
        'aria-labelledby': 'desk-life-title',
      },
      el('h2', { class: 'section-title', id: 'desk-life-title' }, t('desk.life.title')),
      el('p', { class: 'form-hint' }, t('desk.life.lead')),
      selectField({
        id: 'desk-life-event',
        name: 'event',
        labelKey: 'desk.life.event',
        options: events.map((item) => ({ value: item.slug, label: item.title.ja })),
      }),
      el(
        'div',
        { class: 'button-row' },
        el('button', { type: 'submit', class: 'button button--solid' }, t('desk.life.submit')),
      ),
    );
    form.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        const slug = form.elements.event.value;
        if (slug) busy('common.loading', () => start(slug));
      },
      { signal: ctx.signal },
    );
    return form;
  }

  async function start(slug) {
    let read;
    try {
      [read] = await Promise.all([
        getJSON(`${base()}/${encodeURIComponent(slug)}`, { signal: ctx.signal }),
        lendWords('ja'), // the residents' question renderer speaks the residents' words
      ]);
    } catch (error) {
      if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
      showErrors(summary, null, problemItems(error));
      return;
    }
    current = { event: read.event, answers: null, plan: null };
    questions();
  }

  // --- the questions --------------------------------------------------------------------------

  function questions() {
    const { event, answers } = current;
    const known = new Map(event.known.map((k) => [k.question, k]));
    const fields = event.questions.map((question) => {
      const field = questionField(question, event.members, known.get(question.id), answers);
      field.node.setAttribute('data-field', question.id); // the error summary links to it
      return field;
    });
    const shown = () => shownAnswers(fields);
    const back = el(
      'button',
      { type: 'button', class: 'button button--outline' },
      t('desk.form.back'),
    );
    back.addEventListener('click', () => showStart(), { signal: ctx.signal });
    const form = el(
      'form',
      {
        class: 'form desk-life-questions',
        novalidate: true,
        'aria-labelledby': 'desk-life-q-title',
      },
      el('h2', { class: 'section-title', id: 'desk-life-q-title', tabindex: '-1' }, event.title.ja),
      el('p', { class: 'form-hint' }, event.summary.ja),
      event.known.length ? el('p', { class: 'desk-life-known' }, t('desk.life.known')) : null,
      el(
        'div',
        { class: 'stack desk-life-fields' },
        fields.map((f) => f.node),
      ),
      el(
        'div',
        { class: 'button-row' },
        el('button', { type: 'submit', class: 'button button--solid' }, t('desk.life.next')),
        back,
      ),
    );
    form.addEventListener('change', shown, { signal: ctx.signal });
    shown();
    form.addEventListener(
      'submit',
      (submitted) => {
        submitted.preventDefault();
        const given = shown();
        for (const [key, value] of Object.entries(given)) {
          if (value === null || value === '' || (Array.isArray(value) && !value.length)) {
            delete given[key];
          }
        }
        busy('desk.life.planning', () => planFor(form, given));
      },
      { signal: ctx.signal },
    );
    show([form]);
    applyTranslations(form);
    form.querySelector('h2').focus();
  }

  async function planFor(form, given) {
    clearErrors(summary, form);
    let plan;
    try {
      plan = await sendJSON(`${base()}/${encodeURIComponent(current.event.slug)}/plan`, {
        body: { version: current.event.version, answers: given },
        signal: ctx.signal,
      });
    } catch (error) {
      if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
      showErrors(summary, form, questionProblems(error));
      return;
    }
    current.answers = given;
    current.plan = plan;
    checklist({ focus: true });
  }

  /** The API's problems, each named by its question's label (the summary lists them). */
  function questionProblems(error) {
    const labels = new Map(current.event.questions.map((q) => [q.id, q.label.ja]));
    return problemItems(error).map((item) =>
      labels.has(item.field) ? { ...item, text: `${labels.get(item.field)}：${item.text}` } : item,
    );
  }

  // --- the plan, as a checklist ---------------------------------------------------------------

  /** The newest of this visit's filings of the item's procedure (filings come newest first). */
  function filingOf(item) {
    return item.procedure ? filings.find((f) => f.slug === item.procedure) : undefined;
  }

  function stateOf(item) {
    if (!item.procedure) return null;
    return filingOf(item)?.state ?? 'todo';
  }

  function checklist({ focus = false } = {}) {
    const { event, plan } = current;
    const states = plan.items.map(stateOf);
    current.shown = states.join();
    const filed = states.filter((s) => s === 'waiting' || s === 'confirmed').length;
    const rows = plan.items.map((item, index) => itemRow(item, states[index]));
    const edit = el(
      'button',
      { type: 'button', class: 'button button--outline' },
      t('desk.life.edit'),
    );
    edit.addEventListener('click', () => questions(), { signal: ctx.signal });
    const other = el(
      'button',
      { type: 'button', class: 'button button--outline' },
      t('desk.life.other'),
    );
    other.addEventListener('click', () => showStart(), { signal: ctx.signal });
    const section = el(
      'section',
      { class: 'desk-life-plan', 'aria-labelledby': 'desk-life-plan-title' },
      el(
        'h2',
        { class: 'section-title', id: 'desk-life-plan-title', tabindex: '-1' },
        t('desk.life.planTitle', { title: event.title.ja }),
      ),
      el(
        'p',
        { class: 'form-hint' },
        t('desk.life.planLead', { date: formatDate(plan.event_date) }),
      ),
      el(
        'p',
        {
          class: 'desk-life-remaining',
          'data-filed': filed,
          'data-left': plan.items.length - filed,
        },
        t('desk.life.remaining', {
          total: plan.items.length,
          filed,
          left: plan.items.length - filed,
        }),
      ),
      el('ol', { class: 'desk-life-items' }, rows),
      el('div', { class: 'button-row' }, edit, other),
    );
    show([section]);
    applyTranslations(section);
    if (focus) section.querySelector('h2').focus();
    return section;
  }

  function itemRow(item, state) {
    const title = item.procedure_title?.ja ?? item.title.ja;
    const facts = [
      badge(t(`lifeEvents.mode.${item.mode}`), 'key'),
      state
        ? badge(t(`desk.life.state.${state}`), STATE_TONES[state], { 'data-state': state })
        : badge(t(`desk.life.state.${item.mode}`), 'neutral', { 'data-state': 'elsewhere' }),
      item.deadline
        ? el(
            'span',
            { class: 'desk-life-item__deadline' },
            t('desk.life.deadline', { date: formatDate(item.deadline) }),
          )
        : null,
      // A deadline already past (a move told late): said, so the desk deals with it first.
      item.deadline &&
      item.deadline < todayInJapan() &&
      state !== 'waiting' &&
      state !== 'confirmed'
        ? badge(t('desk.life.overdue'), 'error')
        : null,
    ];
    const filing = filingOf(item);
    let action = null;
    if (state === 'todo' || state === 'expired') {
      action = el(
        'button',
        { type: 'button', class: 'button button--solid button--small', 'data-open-item': item.id },
        t(state === 'expired' ? 'desk.life.openAgain' : 'desk.life.open', { title }),
      );
      action.addEventListener(
        'click',
        () =>
          busy('common.loading', () =>
            openProcedure(item.procedure, item.answers ?? {}, () => checklist({ focus: true })),
          ),
        { signal: ctx.signal },
      );
    }
    return el(
      'li',
      { class: 'desk-life-item', 'data-item': item.id, 'data-state': state ?? 'elsewhere' },
      el('span', { class: 'desk-life-item__title' }, item.title.ja),
      el('div', { class: 'desk-life-item__facts' }, facts),
      item.organisation
        ? el(
            'span',
            { class: 'desk-life-item__note' },
            t('desk.life.where', { where: item.organisation.ja }),
          )
        : null,
      item.note ? el('span', { class: 'desk-life-item__note' }, item.note.ja) : null,
      filing && state !== 'expired'
        ? el(
            'span',
            { class: 'desk-life-item__note' },
            t('desk.visit.receipt', { n: filing.receipt_number }),
          )
        : null,
      action,
    );
  }

  return {
    loadEvents,
    chooser,
    /** The visit's filings changed: the checklist on screen follows, when an item's state did. */
    updateFilings(latest) {
      filings = latest ?? [];
      const onScreen = document.querySelector('.desk-life-plan');
      if (!current?.plan || !onScreen?.isConnected) return;
      if (current.plan.items.map(stateOf).join() === current.shown) return;
      checklist({ focus: onScreen.contains(document.activeElement) });
    },
    reset() {
      current = null;
      filings = [];
    },
  };
}
