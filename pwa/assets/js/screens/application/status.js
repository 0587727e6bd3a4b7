// Where the application stands: the current status, the steps (受付 → 審査中 → the
// procedure's own → the decision), what the department asks for, amend and reply.

import { el, icon } from '../../dom.js';
import { localize } from '../../i18n.js';
import { dateTimeValue } from '../../ui/feedback.js';

// Statuses every workflow has, with their words; a procedure adds its own between.
export const STATUS_KEYS = {
  submitted: 'application.step.submitted',
  in_review: 'application.step.inReview',
  info_requested: 'application.step.infoRequested',
  approved: 'application.step.approved',
  rejected: 'application.step.rejected',
  withdrawn: 'application.step.withdrawn',
};
const FINAL = new Set(['approved', 'rejected', 'withdrawn']);

export function statusPanel(application) {
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
            'aria-current': step.state === 'current' || step.state === 'waiting' ? 'step' : null,
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
  // While the department waits for the resident's answer, review stands still: that step
  // says so (「あなたの回答待ち」) instead of a plain 「現在」 next to 「追加情報の依頼」.
  const now = status === 'info_requested' ? 'waiting' : 'current';
  return steps.map((step, index) => ({
    ...step,
    state:
      index < current || (index === current && FINAL.has(status))
        ? 'done'
        : index === current
          ? now
          : 'todo',
  }));
}
