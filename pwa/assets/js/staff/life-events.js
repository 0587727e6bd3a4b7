// /staff/life-events「くらしの出来事」 (issue 17): each life event the municipality publishes
// at its current version — its questions and the items they lead to, each with its mark,
// deadline and procedure — and a new version published from the definition as JSON (the
// designer's permission; a started event keeps the version it was started with). A form
// designer like the procedures' is not built yet: the JSON is edited here.

import { el } from '../dom.js';
import { getJSON, sendJSON } from '../api.js';
import { t } from '../i18n.js';
import {
  clearErrors,
  errorSummary,
  problemItems,
  selectField,
  showErrors,
  textareaField,
} from './forms.js';
import { badge, dataTable, emptyLine, loadStaffData } from './ui.js';
import { formatDateTime } from './words.js';

export const titleKey = 'lifeEvents.title';

const MODE_TONES = {
  online: 'success',
  counter_booking: 'warning',
  counter_only: 'key',
  other_organisation: 'neutral',
};

export async function mount(outlet, ctx) {
  const box = el('div');
  outlet.append(
    el(
      'div',
      { class: 'page' },
      el('h1', { class: 'page__title', 'data-i18n': 'lifeEvents.title' }),
      el('p', { class: 'page__lead staff-measure', 'data-i18n': 'lifeEvents.lead' }),
      box,
    ),
  );
  await loadStaffData(
    box,
    ctx,
    () => getJSON('/api/staff/life-events', { signal: ctx.signal }),
    ({ items }) =>
      items.length
        ? [...items.map((event) => eventSection(event)), publishForm(ctx, items)]
        : [emptyLine(t('lifeEvents.none')), publishForm(ctx, items)],
  );
}

function eventSection(event) {
  const id = `life-event-${event.slug}`;
  const headers = [
    { text: t('lifeEvents.column.item') },
    { text: t('lifeEvents.column.mode') },
    { text: t('lifeEvents.column.deadline') },
    { text: t('lifeEvents.column.procedure') },
    { text: t('lifeEvents.column.when') },
  ];
  const rows = event.definition.items.map((item) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row' }, item.title.ja),
      el('td', {}, badge(t(`lifeEvents.mode.${item.mode}`), MODE_TONES[item.mode] ?? 'neutral')),
      el(
        'td',
        {},
        item.deadline_days == null
          ? '—'
          : t(item.deadline_days < 0 ? 'lifeEvents.daysBefore' : 'lifeEvents.daysAfter', {
              days: Math.abs(item.deadline_days),
            }),
      ),
      el('td', {}, item.procedure || item.organisation?.ja || '—'),
      el(
        'td',
        {},
        item.when.length
          ? item.when.map((c) => `${c.field} = ${c.values.join(' / ')}`).join('、')
          : t('lifeEvents.always'),
      ),
    ),
  );
  return el(
    'section',
    { class: 'staff-section', 'aria-labelledby': id },
    el(
      'h2',
      { class: 'section-title', id },
      event.title.ja,
      ' ',
      badge(t('lifeEvents.version', { version: event.version }), 'key'),
    ),
    el(
      'p',
      { class: 'staff-measure' },
      t('lifeEvents.questions', {
        count: event.definition.questions.length,
        at: event.published_at ? formatDateTime(event.published_at) : '—',
      }),
    ),
    dataTable({ caption: event.title.ja, headers, rows }),
  );
}

function publishForm(ctx, items) {
  const summary = errorSummary('life-publish-errors');
  const chooserField = selectField({
    id: 'life-publish-event',
    name: 'event',
    labelKey: 'lifeEvents.publish.from',
    options: items.map((event) => ({ value: event.slug, label: event.title.ja })),
  });
  const chooser = chooserField.querySelector('select');
  const field = textareaField({
    id: 'life-publish-json',
    name: 'definition',
    labelKey: 'lifeEvents.publish.json',
    hintKey: 'lifeEvents.publish.hint',
    attributes: { class: 'input input--code-block', rows: '16', spellcheck: 'false' },
  });
  const json = field.querySelector('textarea');
  const fill = () => {
    const event = items.find((e) => e.slug === chooser.value);
    json.value = event ? JSON.stringify(event.definition, null, 2) : '';
  };
  chooser.addEventListener('change', fill, { signal: ctx.signal });
  fill();
  const done = el('p', { class: 'staff-measure', role: 'status' });
  const form = el(
    'form',
    { class: 'staff-form', novalidate: true },
    summary,
    chooserField,
    field,
    el(
      'div',
      { class: 'button-row' },
      el(
        'button',
        { type: 'submit', class: 'button button--solid button--sm' },
        t('lifeEvents.publish.submit'),
      ),
    ),
    done,
  );
  form.addEventListener(
    'submit',
    async (submitted) => {
      submitted.preventDefault();
      clearErrors(summary, form);
      done.textContent = '';
      let definition;
      try {
        definition = JSON.parse(json.value);
      } catch (error) {
        showErrors(summary, form, [
          { field: 'definition', text: t('lifeEvents.publish.invalid', { reason: error.message }) },
        ]);
        return;
      }
      try {
        const published = await sendJSON('/api/staff/life-events', {
          body: { definition },
          signal: ctx.signal,
        });
        done.textContent = t('lifeEvents.publish.done', {
          title: published.title.ja,
          version: published.version,
        });
      } catch (error) {
        if (ctx.signal.aborted) return;
        showErrors(summary, form, problemItems(error, () => 'definition'));
      }
    },
    { signal: ctx.signal },
  );
  return el(
    'section',
    { class: 'staff-section', 'aria-labelledby': 'life-publish' },
    el('h2', { class: 'section-title', id: 'life-publish' }, t('lifeEvents.publish.title')),
    form,
  );
}
