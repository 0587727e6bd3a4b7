// /staff/corrections「訂正の依頼」: residents' 「この情報が違う」 requests about registry
// facts held by my departments. Each open one is answered: corrected (対応済み) or not
// (対応しない, with the reason); the resident gets the reply as a notice.

import { announce, el, icon } from '../dom.js';
import { getJSON, sendJSON } from '../api.js';
import { applyTranslations, t } from '../i18n.js';
import { formatDateTime, formatNumber } from './words.js';
import {
  clearErrors,
  errorSummary,
  guardBusy,
  problemItems,
  showErrors,
  textareaField,
} from './forms.js';
import { badge, emptyLine, loadFailed, sessionEnded, summaryRow } from './ui.js';

export const titleKey = 'corrections.title';

export async function mount(outlet, ctx) {
  const page = el(
    'div',
    { class: 'page' },
    el('h1', { class: 'page__title', 'data-i18n': 'corrections.title' }),
    el('p', { class: 'page__lead staff-measure', 'data-i18n': 'corrections.lead' }),
  );
  outlet.append(page);
  let items;
  try {
    ({ items } = await getJSON('/api/staff/corrections', { signal: ctx.signal }));
  } catch (error) {
    if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
    page.append(loadFailed(error, ctx));
    return;
  }
  const openList = el('ul', { class: 'staff-records' });
  const doneList = el('ul', { class: 'staff-records staff-records--compact' });
  const openCount = el('p', { class: 'staff-results__count', role: 'status' });
  const refresh = () => {
    const open = items.filter((item) => item.status === 'open');
    const closed = items.filter((item) => item.status !== 'open');
    openCount.textContent = t('corrections.openCount', { n: formatNumber(open.length) });
    openList.replaceChildren(...open.map((item) => openCard(item)));
    doneList.replaceChildren(...closed.map((item) => doneCard(item)));
    openList.hidden = !open.length;
    doneSection.hidden = !closed.length;
    noneOpen.hidden = open.length > 0;
    applyTranslations(page);
  };

  function openCard(item) {
    const prefix = `correction-${item.id}`;
    const summary = errorSummary(`${prefix}-errors`);
    const status = el('p', { class: 'form-status', role: 'status' });
    const busy = guardBusy(status);
    const resolve = el(
      'button',
      { type: 'submit', class: 'button button--solid button--sm', value: 'resolved' },
      t('corrections.resolve'),
    );
    const reject = el(
      'button',
      { type: 'submit', class: 'button button--outline button--sm', value: 'rejected' },
      t('corrections.reject'),
    );
    const form = el(
      'form',
      { class: 'form form--compact', novalidate: true, 'aria-labelledby': `${prefix}-title` },
      textareaField({
        id: `${prefix}-reply`,
        name: 'message',
        labelKey: 'corrections.reply',
        hintKey: 'corrections.replyHint',
        attributes: { maxlength: '2000', rows: '3' },
      }),
      el('div', { class: 'button-row' }, resolve, reject),
      status,
    );
    form.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        const decision = event.submitter?.value === 'rejected' ? 'rejected' : 'resolved';
        busy('common.sending', async () => {
          const message = form.elements.message.value.trim();
          if (decision === 'rejected' && !message) {
            showErrors(summary, form, [{ field: 'message', text: t('corrections.error.reason') }]);
            return;
          }
          clearErrors(summary, form);
          let answered;
          try {
            answered = await sendJSON(`/api/staff/corrections/${item.id}`, {
              body: { status: decision, message },
              signal: ctx.signal,
            });
          } catch (error) {
            if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
            showErrors(summary, form, problemItems(error));
            return;
          }
          Object.assign(item, answered);
          refresh();
          const text = t(`corrections.done.${decision}`, { what: item.fact_label.ja });
          const note = el(
            'div',
            { class: 'flash flash--success', tabindex: '-1' },
            icon('online', 'flash__icon'),
            el('p', {}, text),
          );
          done.replaceChildren(note);
          note.focus();
          announce(text);
        });
      },
      { signal: ctx.signal },
    );
    return el(
      'li',
      { class: 'staff-record staff-correction', 'data-correction': item.id },
      el(
        'h3',
        { class: 'staff-record__title', id: `${prefix}-title` },
        t('corrections.itemTitle', { what: item.fact_label.ja }),
      ),
      el(
        'dl',
        { class: 'summary-list' },
        summaryRow(t('corrections.current'), item.current_value || t('corrections.blank')),
        summaryRow(t('corrections.note'), item.note || t('corrections.noNote')),
        summaryRow(t('corrections.department'), item.department.name.ja),
        summaryRow(t('corrections.received'), formatDateTime(item.created_at)),
      ),
      summary,
      form,
    );
  }

  function doneCard(item) {
    return el(
      'li',
      { class: 'staff-record', 'data-correction': item.id },
      el(
        'h3',
        { class: 'staff-record__title' },
        t('corrections.itemTitle', { what: item.fact_label.ja }),
        ' ',
        badge(
          t(`corrections.status.${item.status}`),
          item.status === 'resolved' ? 'success' : 'neutral',
        ),
      ),
      el(
        'p',
        { class: 'staff-record__meta' },
        t('corrections.answeredAt', { date: formatDateTime(item.resolved_at) }),
      ),
      item.reply ? el('p', { class: 'staff-record__text' }, item.reply) : null,
    );
  }

  const done = el('div', { class: 'staff-corrections__done' });
  const noneOpen = emptyLine(t('corrections.none'));
  const doneSection = el(
    'section',
    { class: 'staff-section', 'aria-labelledby': 'corrections-done-title' },
    el('h2', {
      class: 'section-title',
      id: 'corrections-done-title',
      'data-i18n': 'corrections.answered',
    }),
    doneList,
  );
  page.append(
    el(
      'section',
      { class: 'staff-section', 'aria-labelledby': 'corrections-open-title' },
      el('h2', {
        class: 'section-title',
        id: 'corrections-open-title',
        'data-i18n': 'corrections.open',
      }),
      openCount,
      done,
      openList,
      noneOpen,
    ),
    doneSection,
  );
  refresh();
}
