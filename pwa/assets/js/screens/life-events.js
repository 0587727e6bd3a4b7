// くらしの出来事 (issue 17): life events as data, filed in one go. Three views share this module:
//   list   (/life-events)            the events the municipality publishes, and the ones this
//                                    resident started, each with how far it has come
//   event  (/life-events/:slug)      the questions (what the registry knows already answered,
//                                    and marked so), then one review listing every item with
//                                    its mark (online / counter booking / counter only / another
//                                    organisation) and deadline, and one 「まとめて申請する」 button:
//                                    the online items filed, the counter items booked as one visit
//   case   (/life-events/cases/:id)  the progress: each item filed, booked, to do (with its
//                                    link) or done; a to-do item can be ticked done

import { getJSON, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, localize } from '../i18n.js';
import { dateValue } from '../jp.js';
import { backLink } from '../ui/back-link.js';
import { busy, messageArea } from '../ui/feedback.js';
import { loadSignedIn } from '../ui/signed-in-data.js';
import { emptyState } from '../ui/status.js';
import { itemFormPanel, loadItemForms } from './life-event-forms.js';

export const titleKey = 'lifeEvents.title';

// Each item's mark: its icon and its words (lifeEvents.mode.<mode>).
const MODE_ICONS = {
  online: 'online',
  counter_booking: 'booking',
  counter_only: 'store',
  other_organisation: 'send',
};
const STATE_ICONS = { filed: 'check', booked: 'booking', todo: 'checklist', done: 'check' };
// Questions with more options than this are a select, not radios.
const RADIO_MAX = 4;

export async function mount(outlet, ctx) {
  const view = ctx.props.view;
  const content = el('div', { class: 'page__content' });
  const title = el('h1', { class: 'page__title', 'data-i18n': 'lifeEvents.title' });
  const back =
    view === 'list' ? backLink('/', 'home.title') : backLink('/life-events', 'lifeEvents.title');
  outlet.append(el('div', { class: 'page' }, back, title, content));
  applyTranslations(outlet);
  if (view === 'list') await listView(content, ctx);
  else if (view === 'case') await caseView(content, ctx, title);
  else await eventView(content, ctx, title);
}

// --- list ------------------------------------------------------------------------------------

async function listView(content, ctx) {
  content.before(el('p', { class: 'page__lead', 'data-i18n': 'lifeEvents.lead' }));
  applyTranslations(content.parentElement);
  const events = await getJSON('/api/life-events', { signal: ctx.signal }).catch(() => null);
  const list = el(
    'ul',
    { class: 'link-list life-events' },
    (events?.items ?? []).map((event) =>
      el(
        'li',
        { class: 'link-list__item' },
        el(
          'a',
          { class: 'link-list__link', href: `/life-events/${event.slug}` },
          icon('checklist', 'link-list__icon'),
          el('span', { class: 'link-list__text' }, [
            localize(el('span', { class: 'link-list__label' }), event.title),
            localize(el('span', { class: 'link-list__hint' }), event.summary),
          ]),
          icon('chevronRight', 'link-list__chevron'),
        ),
      ),
    ),
  );
  const started = el('div');
  content.append(list, started);
  await loadSignedIn(started, ctx, {
    errorKey: 'lifeEvents.error.load',
    loading: null,
    signedOut: () => [],
    load: async () => (await getJSON('/api/me/life-events', { signal: ctx.signal })).items,
    show: (cases) => (cases.length ? startedList(cases) : []),
  });
}

function startedList(cases) {
  return el(
    'section',
    { class: 'panel', 'aria-labelledby': 'life-started-title' },
    el('h2', {
      class: 'panel__title',
      id: 'life-started-title',
      'data-i18n': 'lifeEvents.started.title',
    }),
    el(
      'ul',
      { class: 'link-list' },
      cases.map((found) =>
        el(
          'li',
          { class: 'link-list__item' },
          el(
            'a',
            { class: 'link-list__link', href: `/life-events/cases/${found.id}` },
            icon('clock', 'link-list__icon'),
            el('span', { class: 'link-list__text' }, [
              localize(el('span', { class: 'link-list__label' }), found.title),
              el('span', {
                class: 'link-list__hint',
                'data-i18n': 'lifeEvents.progress.count',
                'data-i18n-params': JSON.stringify({ done: found.done, total: found.total }),
              }),
            ]),
            icon('chevronRight', 'link-list__chevron'),
          ),
        ),
      ),
    ),
  );
}

// --- the questions, then the review (questionField and itemRow also draw the staff designer's
// preview, so staff see the questions and items as residents will) ----------------------

async function eventView(content, ctx, title) {
  const slug = ctx.params.slug;
  await loadSignedIn(content, ctx, {
    loadingKey: 'lifeEvents.loading',
    signInKey: 'lifeEvents.signIn',
    errorKey: 'lifeEvents.error.load',
    notFound: () =>
      emptyState({ titleKey: 'lifeEvents.notFound.title', bodyKey: 'lifeEvents.notFound.body' }),
    load: async () => getJSON(`/api/life-events/${encodeURIComponent(slug)}`, ctx),
    show: (event) => {
      localize(title, event.title);
      return questionsForm(ctx, event, content);
    },
  });
}

function questionsForm(ctx, event, content, answered = null) {
  const known = new Map(event.known.map((k) => [k.question, k]));
  const messages = messageArea();
  const fields = event.questions.map((question) =>
    questionField(question, event.members, known.get(question.id), answered),
  );
  const byId = new Map(fields.map((f) => [f.question.id, f]));
  const syncShown = () => shownAnswers(fields);
  const next = el(
    'button',
    { type: 'submit', class: 'button button--solid button--block' },
    el('span', { 'data-i18n': 'lifeEvents.next' }),
  );
  const form = el(
    'form',
    { class: 'stack life-questions', action: '#', novalidate: true },
    el('p', { class: 'page__lead' }, localize(el('span'), event.summary)),
    event.known.length
      ? el(
          'div',
          { class: 'notice notice--info notice--compact' },
          icon('info', 'notice__icon'),
          el(
            'div',
            { class: 'notice__body notice__body--inline' },
            el('p', { class: 'notice__text', 'data-i18n': 'lifeEvents.known.lead' }),
          ),
        )
      : null,
    fields.map((f) => f.node),
    messages.node,
    next,
  );
  form.addEventListener('change', syncShown, { signal: ctx.signal });
  syncShown();
  form.addEventListener(
    'submit',
    async (submitted) => {
      submitted.preventDefault();
      messages.clear();
      for (const field of fields) field.setError(null);
      const answers = syncShown();
      for (const [key, value] of Object.entries(answers)) {
        if (value === null || value === '' || (Array.isArray(value) && !value.length)) {
          delete answers[key];
        }
      }
      const done = busy(next);
      let plan;
      try {
        plan = await sendJSON(`/api/life-events/${encodeURIComponent(event.slug)}/plan`, {
          body: { version: event.version, answers },
          signal: ctx.signal,
        });
      } catch (error) {
        if (ctx.signal.aborted) return;
        done();
        showFieldErrors(error, byId, messages);
        return;
      }
      let forms;
      try {
        forms = await loadItemForms(plan, ctx.signal);
      } catch (error) {
        if (ctx.signal.aborted) return;
        done();
        messages.show({ error, focus: true });
        return;
      }
      content.replaceChildren(review(ctx, event, answers, plan, forms, content));
      applyTranslations(content);
      content.querySelector('h2')?.focus();
    },
    { signal: ctx.signal },
  );
  applyTranslations(form);
  return form;
}

function isShown(condition, values) {
  return condition.values.includes(String(values[condition.field] ?? ''));
}

/**
 * The answers of the questions their conditions show, in order; the others are hidden
 * (each field's node, or what boxOf gives for it). The residents' screen, the desk and the
 * designer's preview all ask this way.
 */
export function shownAnswers(fields, boxOf = (field) => field.node) {
  const values = {};
  for (const field of fields) {
    const shown = !field.question.show_if || isShown(field.question.show_if, values);
    boxOf(field).hidden = !shown;
    if (shown) values[field.question.id] = field.value();
  }
  return values;
}

function showFieldErrors(error, byId, messages) {
  let first = null;
  for (const problem of error?.errors ?? []) {
    const field = byId.get(problem.field);
    if (field && !field.node.hidden) {
      field.setError(problem.message);
      first ??= field;
    }
  }
  messages.show({ error, focus: !first });
  first?.focus();
}

export function questionField(question, members, known, answered) {
  const id = `life-q-${question.id}`;
  const error = el('p', { class: 'field__error', id: `${id}-error`, hidden: true });
  const label = localize(el('span'), question.label);
  const knownChip = known
    ? el(
        'span',
        { class: 'chip chip--known' },
        icon('check', 'chip__icon'),
        el('span', {
          'data-i18n': 'lifeEvents.known.chip',
          'data-i18n-params': JSON.stringify({ source: known.source }),
        }),
      )
    : null;
  const initial = answered?.[question.id] ?? known?.value ?? null;
  const hint = question.help ? localize(el('p', { class: 'field__hint' }), question.help) : null;
  let node;
  let value;
  let focusTarget;
  if (
    question.kind === 'yes_no' ||
    (question.kind === 'choice' && question.options.length <= RADIO_MAX)
  ) {
    const options =
      question.kind === 'yes_no'
        ? [
            { value: 'yes', key: 'lifeEvents.yes' },
            { value: 'no', key: 'lifeEvents.no' },
          ]
        : question.options.map((o) => ({ value: o.value, label: o.label }));
    const inputs = options.map((option, index) => {
      const input = el('input', {
        id: `${id}-${index}`,
        class: 'choice__input',
        type: 'radio',
        name: id,
        value: option.value,
      });
      input.checked = initial === option.value;
      const text = option.key
        ? el('label', { class: 'choice__label', for: input.id, 'data-i18n': option.key })
        : localize(el('label', { class: 'choice__label', for: input.id }), option.label);
      return { input, node: el('div', { class: 'choice' }, input, text) };
    });
    node = el(
      'fieldset',
      { class: 'field choice-group', id },
      el('legend', { class: 'field__label field__legend' }, label, knownChip),
      hint,
      el(
        'div',
        { class: 'choice-group__options choice-group__options--inline' },
        inputs.map((i) => i.node),
      ),
      error,
    );
    value = () => inputs.find((i) => i.input.checked)?.input.value ?? null;
    focusTarget = inputs[0]?.input;
  } else if (question.kind === 'choice') {
    const select = el(
      'select',
      { id, class: 'field__input field__select', 'aria-describedby': `${id}-error` },
      el('option', { value: '', 'data-i18n': 'field.select.placeholder' }),
      question.options.map((o) => localize(el('option', { value: o.value }), o.label)),
    );
    select.value = initial ?? '';
    node = el(
      'div',
      { class: 'field' },
      el('label', { class: 'field__label', for: id }, label, knownChip),
      hint,
      select,
      error,
    );
    value = () => select.value || null;
    focusTarget = select;
  } else if (question.kind === 'members') {
    const chosen = new Set(Array.isArray(initial) ? initial : []);
    const boxes = members.map((member, index) => {
      const input = el('input', {
        id: `${id}-${index}`,
        class: 'choice__input',
        type: 'checkbox',
        value: member.id,
      });
      input.checked = chosen.has(member.id);
      return {
        input,
        node: el(
          'div',
          { class: 'choice' },
          input,
          el(
            'label',
            { class: 'choice__label', for: input.id },
            el('span', { class: 'choice__name' }, member.name),
            member.is_self
              ? el('span', { class: 'choice__meta', 'data-i18n': 'lifeEvents.you' })
              : null,
          ),
        ),
      };
    });
    node = el(
      'fieldset',
      { class: 'field choice-group', id },
      el('legend', { class: 'field__label field__legend' }, label, knownChip),
      hint,
      el(
        'div',
        { class: 'choice-group__options' },
        boxes.map((b) => b.node),
      ),
      error,
    );
    value = () => boxes.filter((b) => b.input.checked).map((b) => b.input.value);
    focusTarget = boxes[0]?.input;
  } else {
    const attributes = {
      date: { type: 'date', class: 'field__input field__input--medium' },
      phone: { type: 'tel', autocomplete: 'tel', maxlength: '20' },
      postal_code: {
        inputmode: 'numeric',
        autocomplete: 'postal-code',
        maxlength: '8',
        class: 'field__input field__input--short',
      },
      text: { maxlength: '200' },
    }[question.kind] ?? { maxlength: '200' };
    const input = el('input', {
      id,
      class: 'field__input',
      type: 'text',
      'aria-describedby': `${id}-error`,
      ...attributes,
    });
    input.value = initial ?? '';
    node = el(
      'div',
      { class: 'field' },
      el('label', { class: 'field__label', for: id }, label, knownChip),
      hint,
      input,
      error,
    );
    value = () => input.value.trim();
    focusTarget = input;
  }
  return {
    question,
    node,
    value,
    focus: () => focusTarget?.focus(),
    setError(message) {
      if (!message) {
        error.hidden = true;
        error.replaceChildren();
        return;
      }
      error.replaceChildren(icon('alert', 'field__error-icon'), localize(el('span'), message));
      error.hidden = false;
    },
  };
}

function review(ctx, event, answers, plan, forms, content) {
  const messages = messageArea();
  const boxes = [];
  const panels = new Map(); // item id → its form in the review
  const rows = plan.items.map((item) => {
    const form = item.mode === 'online' && item.filed_here ? forms.get(item.id) : null;
    let box = null;
    let panel = null;
    if (form) {
      box = el('input', {
        id: `life-item-${item.id}`,
        class: 'choice__input',
        type: 'checkbox',
        value: item.id,
      });
      box.checked = true;
      boxes.push(box);
      // Once every kept form is complete, an earlier "still needs answers" has done its job.
      panel = itemFormPanel(item, form, ctx.signal, () => {
        if (boxes.every((b) => !b.checked || panels.get(b.value).missing() === 0)) {
          messages.clear();
        }
      });
      panels.set(item.id, panel);
      box.addEventListener('change', () => panel.setEnabled(box.checked), { signal: ctx.signal });
    }
    const row = itemRow(item, { box, plan: true });
    if (panel) row.append(panel.node);
    return row;
  });
  // Nothing filed or booked here (a move into the city before the 転入届): the list is kept
  // as a checklist of links.
  const anyHere = plan.items.some((item) => item.filed_here);
  const submit = el(
    'button',
    { type: 'submit', class: 'button button--solid button--block' },
    icon(anyHere ? 'send' : 'checklist', 'button__icon'),
    el('span', { 'data-i18n': anyHere ? 'lifeEvents.review.file' : 'lifeEvents.review.keep' }),
  );
  const edit = el(
    'button',
    { type: 'button', class: 'button button--outline button--block' },
    el('span', { 'data-i18n': 'lifeEvents.review.edit' }),
  );
  edit.addEventListener(
    'click',
    () => {
      content.replaceChildren(questionsForm(ctx, event, content, answers));
      applyTranslations(content);
    },
    { signal: ctx.signal },
  );
  // One key for this review: a retried tap files nothing twice.
  const key = `life-${crypto.randomUUID()}`;
  const form = el(
    'form',
    { class: 'stack life-review', action: '#', novalidate: true },
    el('h2', {
      class: 'panel__title',
      tabindex: '-1',
      'data-i18n': 'lifeEvents.review.title',
    }),
    el('p', {
      'data-i18n': 'lifeEvents.review.lead',
      'data-i18n-params': JSON.stringify({ date: dateValue(plan.event_date) }),
    }),
    plan.visit
      ? el(
          'p',
          { class: 'notice notice--info notice--compact life-review__visit' },
          icon('booking', 'notice__icon'),
          el('span', {
            class: 'notice__text',
            'data-i18n': 'lifeEvents.review.visit',
            'data-i18n-params': JSON.stringify({
              date: dateValue(plan.visit.date),
              time: timeValueOf(plan.visit.time),
            }),
          }),
        )
      : null,
    el('ol', { class: 'life-items' }, rows),
    messages.node,
    submit,
    edit,
  );
  form.addEventListener(
    'submit',
    async (submitted) => {
      submitted.preventDefault();
      messages.clear();
      const selected = boxes.filter((b) => b.checked).map((b) => b.value);
      // Each kept form checked here first, as its own apply screen would: the first problem
      // is opened and focused; the server checks them all again.
      const unfinished = selected.filter((id) => panels.get(id).check().length > 0);
      if (unfinished.length) {
        messages.show({ key: 'lifeEvents.form.unfinished' });
        panels.get(unfinished[0]).reveal();
        return;
      }
      const done = busy(submit);
      let filed;
      try {
        filed = await sendJSON(`/api/life-events/${encodeURIComponent(event.slug)}/file`, {
          body: {
            version: event.version,
            answers,
            selected,
            forms: Object.fromEntries(selected.map((id) => [id, panels.get(id).answers()])),
            idempotency_key: key,
          },
          signal: ctx.signal,
        });
      } catch (error) {
        if (ctx.signal.aborted) return;
        done();
        const beside = [...panels.values()].some((panel) => panel.showServerErrors(error));
        messages.show({ error, focus: !beside });
        return;
      }
      ctx.navigate(`/life-events/cases/${filed.id}?new=${anyHere ? 'filed' : 'kept'}`, {
        replace: true,
      });
    },
    { signal: ctx.signal },
  );
  return form;
}

/** A visit's time as the resident reads it: "10-11" → 10:00–11:00, morning → 午前. */
function timeValueOf(code) {
  const hours = /^(\d\d)-(\d\d)$/.exec(code ?? '');
  if (hours) {
    const text = `${Number(hours[1])}:00–${Number(hours[2])}:00`;
    return { ja: text, easy: text, en: text };
  }
  const words = {
    morning: { ja: '午前', easy: 'ごぜん', en: 'morning' },
    afternoon: { ja: '午後', easy: 'ごご', en: 'afternoon' },
  };
  return words[code] ?? { ja: '', easy: '', en: '' };
}

/** One item: its title, its mark, its deadline, where it is done, and (progress) its state. */
export function itemRow(item, { box = null, plan = false } = {}) {
  const titleNode = localize(el('span', { class: 'life-item__title' }), item.title);
  const mark = el(
    'span',
    { class: 'chip life-item__mode', 'data-mode': item.mode },
    icon(MODE_ICONS[item.mode] ?? 'info', 'chip__icon'),
    el('span', { 'data-i18n': `lifeEvents.mode.${item.mode}` }),
  );
  const state = plan
    ? el('span', {
        class: 'life-item__state',
        'data-i18n': item.filed_here
          ? `lifeEvents.plan.here.${item.mode}`
          : 'lifeEvents.plan.later',
      })
    : el(
        'span',
        { class: 'chip chip--status life-item__state', 'data-state': item.state },
        icon(STATE_ICONS[item.state] ?? 'info', 'chip__icon'),
        el('span', { 'data-i18n': `lifeEvents.state.${item.state}` }),
      );
  const deadline = item.deadline
    ? el('span', {
        class: 'life-item__deadline',
        'data-i18n': 'lifeEvents.deadline',
        'data-i18n-params': JSON.stringify({ date: dateValue(item.deadline) }),
      })
    : null;
  const where = item.organisation
    ? el(
        'span',
        { class: 'life-item__where' },
        el('span', { 'data-i18n': 'lifeEvents.where' }),
        localize(el('span'), item.organisation),
      )
    : null;
  const note = item.note ? localize(el('span', { class: 'life-item__note' }), item.note) : null;
  const receipt = item.receipt_number
    ? el('span', {
        class: 'life-item__receipt',
        'data-i18n': 'lifeEvents.receipt',
        'data-i18n-params': JSON.stringify({ number: item.receipt_number }),
      })
    : null;
  const link =
    item.link && (!plan || !item.filed_here)
      ? el('a', {
          class: 'link life-item__link',
          href: item.link,
          'data-i18n': item.application ? 'lifeEvents.openApplication' : 'lifeEvents.openProcedure',
        })
      : null;
  const head = box
    ? el(
        'div',
        { class: 'choice' },
        box,
        el('label', { class: 'choice__label', for: box.id }, titleNode),
      )
    : titleNode;
  return el(
    'li',
    { class: 'life-item', 'data-item': item.id },
    head,
    el('div', { class: 'life-item__meta' }, mark, state, deadline),
    where,
    note,
    receipt,
    link,
  );
}

// --- progress --------------------------------------------------------------------------------

async function caseView(content, ctx, title) {
  const id = Number(ctx.params.id);
  async function draw(shown = null) {
    await loadSignedIn(content, ctx, {
      loadingKey: 'lifeEvents.loading',
      signInKey: 'lifeEvents.signIn',
      errorKey: 'lifeEvents.error.load',
      notFound: () =>
        emptyState({ titleKey: 'lifeEvents.notFound.title', bodyKey: 'lifeEvents.notFound.body' }),
      load: async () => shown ?? getJSON(`/api/me/life-events/${id}`, ctx),
      show: (found) => {
        localize(title, found.title);
        return progress(found);
      },
    });
  }

  function progress(found) {
    const fresh = ctx.query.get('new');
    const rows = found.items.map((item) => {
      const row = itemRow(item);
      if (item.state === 'todo' || (item.state === 'done' && !item.application)) {
        const tick = el(
          'button',
          { type: 'button', class: 'button button--outline button--small life-item__tick' },
          el('span', {
            'data-i18n':
              item.state === 'done' ? 'lifeEvents.progress.undo' : 'lifeEvents.progress.done',
          }),
        );
        tick.addEventListener(
          'click',
          async () => {
            const done = busy(tick);
            try {
              const updated = await sendJSON(
                `/api/me/life-events/${id}/items/${encodeURIComponent(item.id)}`,
                { method: 'PUT', body: { done: item.state !== 'done' }, signal: ctx.signal },
              );
              await draw(updated);
            } catch {
              done();
            }
          },
          { signal: ctx.signal },
        );
        row.append(tick);
      }
      return row;
    });
    return [
      fresh
        ? el(
            'div',
            { class: 'notice notice--success', role: 'status', tabindex: '-1' },
            icon('check', 'notice__icon'),
            el('h2', {
              class: 'notice__title',
              'data-i18n':
                fresh === 'kept' ? 'lifeEvents.progress.kept' : 'lifeEvents.progress.filed',
            }),
          )
        : null,
      el('p', {
        class: 'page__lead',
        'data-i18n': 'lifeEvents.progress.lead',
        'data-i18n-params': JSON.stringify({
          date: dateValue(found.event_date),
          done: found.done,
          total: found.total,
        }),
      }),
      el(
        'div',
        { class: 'life-progress' },
        el('progress', {
          class: 'life-progress__bar',
          max: String(found.total),
          value: String(found.done),
          'aria-label': `${found.done}/${found.total}`,
        }),
      ),
      el('ol', { class: 'life-items' }, rows),
    ];
  }

  await draw();
}
