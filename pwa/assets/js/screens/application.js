// /applications/:id[?new=1|?amended=1] — one application: right after filing, a receipt
// panel (受付番号, the target date, 受付票を印刷, what happens next); then its status as
// steps, the answers as filed, attachments, where an approved change reached, the
// timeline, messages with the department, and amend / withdraw when the status allows.

import { answerNode } from '../answers.js';
import { ApiError, getJSON, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, localize, pick } from '../i18n.js';
import { dateValue, fileSizeValue } from '../jp.js';
import { loadMe, sessionEnded } from '../session.js';
import { backLink } from '../ui/back-link.js';
import { busy, dateTimeValue, messageArea } from '../ui/feedback.js';
import { signInPrompt } from '../ui/signin.js';
import { errorPanel } from '../ui/status.js';

export const titleKey = 'application.title';

// Statuses every workflow has, with their words; a procedure adds its own between.
const STATUS_KEYS = {
  submitted: 'application.step.submitted',
  in_review: 'application.step.inReview',
  info_requested: 'application.step.infoRequested',
  approved: 'application.step.approved',
  rejected: 'application.step.rejected',
  withdrawn: 'application.step.withdrawn',
};
const FINAL = new Set(['approved', 'rejected', 'withdrawn']);

const CHANNEL_KEYS = {
  self: 'application.channel.self',
  proxy: 'application.channel.proxy',
  assisted: 'application.channel.assisted',
};

const TIMELINE_KEYS = {
  submitted: 'application.timeline.submitted',
  status: 'application.timeline.status',
  message: 'application.timeline.message',
  amended: 'application.timeline.amended',
  effect: 'application.timeline.effect',
  confirmed: 'application.timeline.confirmed',
  withdrawn: 'application.timeline.withdrawn',
};

const NEXT_KEYS = {
  full: 'application.next.full',
  booking: 'application.next.booking',
  partial: 'application.next.partial',
};

export async function mount(outlet, ctx) {
  const id = ctx.params.id;
  const isNew = ctx.query.get('new') === '1';
  const heading = el('h1', { class: 'page__title', 'data-i18n': 'application.title' });
  const top = el('div', { class: 'stack' }, heading);
  const content = el('div', { class: 'page__content' });
  const page = el(
    'div',
    { class: 'page' },
    backLink('/applications', 'applications.title'),
    top,
    content,
  );
  outlet.append(page);
  applyTranslations(outlet);

  async function load({ message } = {}) {
    let me;
    let application;
    try {
      me = await loadMe({ signal: ctx.signal });
      if (me)
        application = await getJSON(`/api/applications/${encodeURIComponent(id)}`, {
          signal: ctx.signal,
        });
    } catch (error) {
      if (ctx.signal.aborted) return;
      if (error instanceof ApiError && error.status === 401) {
        sessionEnded();
        me = null;
      } else {
        content.replaceChildren(
          error instanceof ApiError && error.status === 404
            ? el('p', { 'data-i18n': 'application.notFound' })
            : errorPanel({ titleKey: 'application.loadError', error, onRetry: () => load() }),
        );
        applyTranslations(content);
        return;
      }
    }
    if (ctx.signal.aborted) return;
    if (!me) {
      content.replaceChildren(signInPrompt('application.signInNeeded'));
      applyTranslations(content);
      return;
    }
    render(application, message);
  }

  function render(application, message) {
    const title = application.procedure?.title;
    ctx.setTitle(() => pick(title).text);
    if (isNew) {
      top.replaceChildren(receiptPanel(application, heading));
    } else {
      heading.removeAttribute('data-i18n');
      localize(heading, title);
      top.replaceChildren(heading, receiptLine(application));
    }
    const messages = messageArea();
    content.replaceChildren(
      ...[
        messages.node,
        statusPanel(application),
        detailsPanel(application),
        answersPanel(application),
        application.attachments?.length ? attachmentsPanel(application) : null,
        application.tracker?.length ? trackerPanel(application) : null,
        timelinePanel(application),
        messagePanel(application),
        application.can_withdraw ? withdrawPanel(application) : null,
      ].filter(Boolean),
    );
    applyTranslations(page);
    if (message) messages.show(message);
  }

  // --- the receipt ------------------------------------------------------------------------

  function receiptPanel(application, h1) {
    h1.setAttribute('data-i18n', 'application.received.title');
    h1.removeAttribute('data-i18n-value');
    h1.classList.add('receipt__title');
    return el(
      'section',
      { class: 'receipt', 'aria-labelledby': 'application-receipt-number' },
      el('div', { class: 'receipt__head' }, icon('check', 'receipt__icon'), h1),
      localize(el('p', { class: 'receipt__procedure' }), application.procedure?.title),
      el(
        'div',
        { class: 'receipt__number-box' },
        el('p', {
          class: 'receipt__number-label',
          id: 'application-receipt-number',
          'data-i18n': 'application.receiptNumber',
        }),
        el('p', { class: 'receipt__number' }, application.receipt_number),
      ),
      application.due_by
        ? el('p', {
            class: 'receipt__due',
            'data-i18n': 'application.received.due',
            'data-i18n-params': JSON.stringify({ date: dateValue(application.due_by) }),
          })
        : null,
      el('p', { 'data-i18n': 'application.received.keepNumber' }),
      el(
        'p',
        { class: 'receipt__actions' },
        el(
          'a',
          {
            class: 'button button--outline',
            href: `/api/applications/${encodeURIComponent(application.id)}/receipt`,
            target: '_blank',
            rel: 'noopener',
          },
          icon('printer', 'button__icon'),
          el('span', { 'data-i18n': 'application.received.print' }),
          el('span', { class: 'visually-hidden', 'data-i18n': 'application.newTab' }),
        ),
      ),
      el(
        'div',
        { class: 'receipt__next' },
        el('h2', { class: 'receipt__next-title', 'data-i18n': 'application.next.title' }),
        el('p', {
          'data-i18n': NEXT_KEYS[application.procedure?.online] ?? 'application.next.full',
        }),
        el('p', { 'data-i18n': 'application.next.track' }),
      ),
    );
  }

  function receiptLine(application) {
    return el(
      'p',
      { class: 'receipt-line' },
      el('span', { class: 'receipt-line__label', 'data-i18n': 'application.receiptNumber' }),
      el('span', { class: 'receipt-line__number' }, application.receipt_number),
    );
  }

  // --- status -------------------------------------------------------------------------------

  function statusPanel(application) {
    const steps = statusSteps(application);
    const amend = application.can_amend
      ? el(
          'a',
          {
            class: 'button button--solid',
            href: `/applications/${encodeURIComponent(application.id)}/amend`,
          },
          icon('pencil', 'button__icon'),
          el('span', { 'data-i18n': 'application.amend.button' }),
        )
      : null;
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'application-status-title' },
      el('h2', {
        class: 'panel__title',
        id: 'application-status-title',
        'data-i18n': 'application.status.title',
      }),
      el(
        'p',
        { class: 'status-current' },
        el('span', { class: 'status-current__label', 'data-i18n': 'application.status.current' }),
        localize(
          el('span', { class: 'chip chip--status', 'data-status': application.status }),
          application.status_label,
        ),
      ),
      el(
        'ol',
        { class: 'status-steps', 'data-i18n-aria-label': 'application.status.stepsLabel' },
        steps.map((step) =>
          el(
            'li',
            {
              class: 'status-steps__item',
              'data-state': step.state,
              'aria-current': step.state === 'current' ? 'step' : null,
            },
            el(
              'span',
              { class: 'status-steps__marker', 'aria-hidden': 'true' },
              step.state === 'done' ? icon('check', 'status-steps__icon') : null,
            ),
            el(
              'span',
              { class: 'status-steps__text' },
              step.label
                ? localize(el('span', { class: 'status-steps__label' }), step.label)
                : el('span', { class: 'status-steps__label', 'data-i18n': step.key }),
              el('span', {
                class: 'status-steps__state',
                'data-i18n': `application.stepState.${step.state}`,
              }),
            ),
          ),
        ),
      ),
      application.status === 'info_requested' ? requestNotice(application.request) : null,
      amend || application.request
        ? el(
            'div',
            { class: 'button-row' },
            amend,
            el(
              'a',
              { class: 'button button--outline', href: '#application-message' },
              icon('send', 'button__icon'),
              el('span', { 'data-i18n': 'application.request.reply' }),
            ),
          )
        : null,
    );
  }

  // What the department asks, where the resident looks first (not at the end of a long
  // page): its words, the document it names, who asked and when.
  function requestNotice(request) {
    if (!request) {
      return el(
        'div',
        { class: 'notice notice--warning notice--compact' },
        icon('alert', 'notice__icon'),
        el('p', {
          class: 'notice__body notice__body--inline',
          'data-i18n': 'application.infoRequested',
        }),
      );
    }
    return el(
      'section',
      {
        class: 'notice notice--warning request-notice',
        'aria-labelledby': 'application-request-title',
      },
      icon('alert', 'notice__icon'),
      el('h3', {
        class: 'notice__title',
        id: 'application-request-title',
        'data-i18n': 'application.request.title',
      }),
      el(
        'div',
        { class: 'notice__body' },
        el('p', { class: 'request-notice__message' }, request.message),
        request.document
          ? el(
              'p',
              { class: 'request-notice__document' },
              icon('document', 'request-notice__icon'),
              el('span', {
                'data-i18n': 'application.request.document',
                'data-i18n-params': JSON.stringify({ document: request.document }),
              }),
            )
          : null,
        el('p', {
          class: 'request-notice__meta',
          'data-i18n': 'application.request.asked',
          'data-i18n-params': JSON.stringify({
            date: dateTimeValue(request.asked_at),
            name: request.asked_by,
          }),
        }),
        el('p', { 'data-i18n': 'application.request.how' }),
      ),
    );
  }

  function detailsPanel(application) {
    const row = (key, value) =>
      el('div', { class: 'facts__row' }, el('dt', { 'data-i18n': key }), value);
    const channel = CHANNEL_KEYS[application.channel] ?? 'application.channel.self';
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'application-details-title' },
      el('h2', {
        class: 'panel__title',
        id: 'application-details-title',
        'data-i18n': 'application.details.title',
      }),
      el(
        'dl',
        { class: 'facts' },
        row(
          'application.receiptNumber',
          el('dd', { class: 'facts__mono' }, application.receipt_number),
        ),
        row(
          'application.details.submittedAt',
          localize(el('dd'), dateTimeValue(application.submitted_at)),
        ),
        row('application.details.applicant', el('dd', {}, application.applicant_name ?? '')),
        row(
          'application.details.channel',
          el('dd', {
            'data-i18n': channel,
            'data-i18n-params': JSON.stringify({ name: application.filed_by_name ?? '' }),
          }),
        ),
        application.due_by
          ? row(
              'application.details.due',
              el('dd', {
                'data-i18n': 'application.details.dueValue',
                'data-i18n-params': JSON.stringify({ date: dateValue(application.due_by) }),
              }),
            )
          : null,
        application.procedure?.department?.name
          ? row(
              'application.details.department',
              localize(el('dd'), application.procedure.department.name),
            )
          : null,
      ),
    );
  }

  function answersPanel(application) {
    // Each value written in the reader's language, as the review before filing wrote it.
    const files = new Map((application.attachments ?? []).map((file) => [file.id, file]));
    const read = (answer) =>
      answerNode({ type: answer.type, options: answer.options ?? [] }, answer.value, {
        household: application.household ?? [],
        files: (id) => files.get(id) ?? null,
      });
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'application-answers-title' },
      el('h2', {
        class: 'panel__title',
        id: 'application-answers-title',
        'data-i18n': 'application.answers.title',
      }),
      el(
        'dl',
        { class: 'answers' },
        (application.answers ?? []).map((answer) =>
          el(
            'div',
            { class: 'answers__row answers__row--static' },
            localize(el('dt', { class: 'answers__key' }), answer.label),
            el(
              'dd',
              { class: 'answers__value' },
              read(answer),
              answer.prefilled && answer.source
                ? el(
                    'span',
                    { class: 'answers__source' },
                    icon('shield', 'answers__source-icon'),
                    el('span', {
                      'data-i18n': answer.as_of
                        ? 'field.prefill.provenance'
                        : 'field.prefill.sourceOnly',
                      'data-i18n-params': JSON.stringify({
                        source: answer.source,
                        date: dateValue(answer.as_of),
                      }),
                    }),
                  )
                : null,
              answer.changed
                ? el('span', {
                    class: 'chip chip--changed answers__changed',
                    'data-i18n': 'application.answers.changed',
                  })
                : null,
            ),
          ),
        ),
      ),
    );
  }

  function attachmentsPanel(application) {
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'application-files-title' },
      el('h2', {
        class: 'panel__title',
        id: 'application-files-title',
        'data-i18n': 'application.files.title',
      }),
      el(
        'ul',
        { class: 'file-list' },
        application.attachments.map((file) =>
          el(
            'li',
            { class: 'file-list__item' },
            icon('document', 'file-list__icon'),
            el(
              'span',
              { class: 'file-list__text' },
              el(
                'a',
                {
                  class: 'link file-list__name',
                  href: `/api/attachments/${encodeURIComponent(file.id)}`,
                  target: '_blank',
                  rel: 'noopener',
                },
                file.filename,
                el('span', { class: 'visually-hidden', 'data-i18n': 'application.newTab' }),
              ),
              localize(el('span', { class: 'file-list__size' }), fileSizeValue(file.size)),
            ),
          ),
        ),
      ),
    );
  }

  function trackerPanel(application) {
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'application-tracker-title' },
      el('h2', {
        class: 'panel__title',
        id: 'application-tracker-title',
        'data-i18n': 'application.tracker.title',
      }),
      el('p', { class: 'panel__hint', 'data-i18n': 'application.tracker.hint' }),
      el(
        'ul',
        { class: 'tracker' },
        application.tracker.map((row) =>
          el(
            'li',
            { class: 'tracker__item' },
            icon('check', 'tracker__icon'),
            localize(el('span', { class: 'tracker__department' }), row.department?.name),
            el('span', {
              class: 'tracker__time',
              'data-i18n': 'application.tracker.reached',
              'data-i18n-params': JSON.stringify({ time: dateTimeValue(row.reached_at) }),
            }),
          ),
        ),
      ),
    );
  }

  function timelinePanel(application) {
    const labels = new Map((application.steps ?? []).map((step) => [step.id, step.label]));
    const events = [...(application.timeline ?? [])].sort(
      (a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id,
    );
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'application-timeline-title' },
      el('h2', {
        class: 'panel__title',
        id: 'application-timeline-title',
        'data-i18n': 'application.timeline.title',
      }),
      events.length === 0
        ? el('p', { class: 'panel__hint', 'data-i18n': 'application.timeline.empty' })
        : el(
            'ol',
            { class: 'timeline' },
            events.map((event) =>
              el(
                'li',
                { class: 'timeline__item', 'data-kind': event.kind, 'data-actor': event.actor },
                el(
                  'p',
                  { class: 'timeline__head' },
                  el('span', {
                    class: 'timeline__kind',
                    'data-i18n': TIMELINE_KEYS[event.kind] ?? 'application.timeline.other',
                  }),
                  event.kind === 'status' && event.status
                    ? labels.has(event.status)
                      ? localize(
                          el('span', { class: 'chip chip--status' }),
                          labels.get(event.status),
                        )
                      : STATUS_KEYS[event.status]
                        ? el('span', {
                            class: 'chip chip--status',
                            'data-i18n': STATUS_KEYS[event.status],
                          })
                        : null
                    : null,
                ),
                el(
                  'p',
                  { class: 'timeline__meta' },
                  localize(
                    el('time', { datetime: event.created_at }),
                    dateTimeValue(event.created_at),
                  ),
                  event.actor_name
                    ? el('span', {}, event.actor_name)
                    : el('span', {
                        'data-i18n':
                          event.actor === 'system'
                            ? 'application.actor.system'
                            : 'application.actor.staff',
                      }),
                ),
                event.text ? el('p', { class: 'timeline__text' }, event.text) : null,
              ),
            ),
          ),
    );
  }

  function messagePanel(application) {
    const fieldId = 'application-message';
    const area = el('textarea', {
      id: fieldId,
      class: 'field__input field__textarea',
      rows: '4',
      maxlength: '2000',
      'aria-describedby': `${fieldId}-hint`,
    });
    const error = el('p', { class: 'field__error', id: `${fieldId}-error`, hidden: true });
    const send = el(
      'button',
      { type: 'submit', class: 'button button--solid' },
      icon('send', 'button__icon'),
      el('span', { 'data-i18n': 'application.message.send' }),
    );
    const messages = messageArea();
    const formNode = el(
      'form',
      { class: 'stack', action: '#', novalidate: true },
      el(
        'div',
        { class: 'field' },
        el('label', {
          class: 'field__label',
          for: fieldId,
          'data-i18n': 'application.message.label',
        }),
        el('p', {
          class: 'field__hint',
          id: `${fieldId}-hint`,
          'data-i18n': 'application.message.hint',
        }),
        error,
        area,
      ),
      messages.node,
      el('div', { class: 'button-row' }, send),
    );
    formNode.addEventListener(
      'submit',
      async (event) => {
        event.preventDefault();
        messages.clear();
        const text = area.value.trim();
        if (!text) {
          error.replaceChildren(
            icon('alert', 'field__error-icon'),
            el('span', { 'data-i18n': 'application.message.required' }),
          );
          applyTranslations(error);
          error.hidden = false;
          area.setAttribute('aria-invalid', 'true');
          area.setAttribute('aria-describedby', `${fieldId}-error ${fieldId}-hint`);
          area.focus();
          return;
        }
        error.hidden = true;
        area.removeAttribute('aria-invalid');
        area.setAttribute('aria-describedby', `${fieldId}-hint`);
        const done = busy(send);
        try {
          await sendJSON(`/api/applications/${encodeURIComponent(application.id)}/messages`, {
            body: { text },
            signal: ctx.signal,
          });
        } catch (failure) {
          if (ctx.signal.aborted) return;
          done();
          messages.show({ error: failure, focus: true });
          return;
        }
        if (ctx.signal.aborted) return;
        await load({ message: { tone: 'success', key: 'application.message.sent', focus: true } });
      },
      { signal: ctx.signal },
    );
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'application-message-title' },
      el('h2', {
        class: 'panel__title',
        id: 'application-message-title',
        'data-i18n': 'application.message.title',
      }),
      formNode,
    );
  }

  function withdrawPanel(application) {
    const dialogTitle = 'application-withdraw-title';
    const confirm = el(
      'button',
      { type: 'button', class: 'button button--danger-solid' },
      icon('trash', 'button__icon'),
      el('span', { 'data-i18n': 'application.withdraw.confirm' }),
    );
    const cancel = el('button', {
      type: 'button',
      class: 'button button--text',
      'data-i18n': 'form.cancel',
    });
    const dialogMessages = messageArea();
    const dialog = el(
      'dialog',
      { class: 'dialog', 'aria-labelledby': dialogTitle },
      el(
        'div',
        { class: 'dialog__body stack' },
        el('h2', {
          class: 'dialog__title',
          id: dialogTitle,
          'data-i18n': 'application.withdraw.question',
        }),
        el('p', { 'data-i18n': 'application.withdraw.explain' }),
        dialogMessages.node,
        el('div', { class: 'button-row' }, confirm, cancel),
      ),
    );
    const open = el(
      'button',
      { type: 'button', class: 'button button--danger', 'aria-haspopup': 'dialog' },
      icon('trash', 'button__icon'),
      el('span', { 'data-i18n': 'application.withdraw.button' }),
    );
    open.addEventListener(
      'click',
      () => {
        dialogMessages.clear();
        dialog.showModal();
        cancel.focus();
      },
      { signal: ctx.signal },
    );
    cancel.addEventListener('click', () => dialog.close(), { signal: ctx.signal });
    dialog.addEventListener('close', () => open.isConnected && open.focus(), {
      signal: ctx.signal,
    });
    confirm.addEventListener(
      'click',
      async () => {
        const done = busy(confirm);
        try {
          await sendJSON(`/api/applications/${encodeURIComponent(application.id)}/withdraw`, {
            signal: ctx.signal,
          });
        } catch (error) {
          if (ctx.signal.aborted) return;
          done();
          dialogMessages.show({ error, focus: true });
          return;
        }
        if (ctx.signal.aborted) return;
        dialog.close();
        await load({ message: { tone: 'success', key: 'application.withdraw.done', focus: true } });
      },
      { signal: ctx.signal },
    );
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'application-withdraw-section' },
      el('h2', {
        class: 'panel__title',
        id: 'application-withdraw-section',
        'data-i18n': 'application.withdraw.title',
      }),
      el('p', { class: 'panel__hint', 'data-i18n': 'application.withdraw.hint' }),
      el('div', { class: 'button-row' }, open),
      dialog,
    );
  }

  const amended = ctx.query.get('amended') === '1';
  await load({ message: amended ? { tone: 'success', key: 'application.amend.done' } : null });
}

/**
 * The steps to show: 受付 → 審査中 → the procedure's own steps → the decision (決定, or
 * 却下 / 取り下げ when it ended so), each done, current or to come.
 */
export function statusSteps(application) {
  const base = new Set(Object.keys(STATUS_KEYS));
  const own = (application.steps ?? []).filter((step) => !base.has(step.id));
  const status = application.status;
  const last = status === 'rejected' || status === 'withdrawn' ? status : 'approved';
  const steps = [
    { id: 'submitted', key: STATUS_KEYS.submitted },
    { id: 'in_review', key: STATUS_KEYS.in_review },
    ...own.map((step) => ({ id: step.id, label: step.label })),
    { id: last, key: STATUS_KEYS[last] },
  ];
  let current = steps.findIndex(
    (step) => step.id === (status === 'info_requested' ? 'in_review' : status),
  );
  if (current < 0) current = 1;
  return steps.map((step, index) => ({
    ...step,
    state:
      index < current || (index === current && FINAL.has(status))
        ? 'done'
        : index === current
          ? 'current'
          : 'todo',
  }));
}
