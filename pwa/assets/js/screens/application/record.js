// The application as filed and what happened to it since: its details, the answers,
// the attachments, where an approved change reached, and the timeline.

import { answerNode } from '../../answers.js';
import { el, icon } from '../../dom.js';
import { localize } from '../../i18n.js';
import { dateValue, fileSizeValue } from '../../jp.js';
import { dateTimeValue } from '../../ui/feedback.js';
import { STATUS_KEYS } from './status.js';

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

export function detailsPanel(application) {
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

/**
 * The answers as filed. With `heading: false` the panel is part of a section whose own
 * heading names it (the counter confirmation's 「申請の内容」): one heading for one thing.
 */
export function answersPanel(application, { heading = true } = {}) {
  // Each value written in the reader's language, as the review before filing wrote it.
  const files = new Map((application.attachments ?? []).map((file) => [file.id, file]));
  const read = (answer) =>
    answerNode({ type: answer.type, options: answer.options ?? [] }, answer.value, {
      household: application.household ?? [],
      files: (id) => files.get(id) ?? null,
    });
  return el(
    heading ? 'section' : 'div',
    { class: 'panel', 'aria-labelledby': heading ? 'application-answers-title' : null },
    heading
      ? el('h2', {
          class: 'panel__title',
          id: 'application-answers-title',
          'data-i18n': 'application.answers.title',
        })
      : null,
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

export function attachmentsPanel(application) {
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

export function trackerPanel(application) {
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

export function timelinePanel(application) {
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
