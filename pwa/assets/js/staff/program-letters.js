// The letters (勧奨通知) part of a programme's staff screen: how many letters wait to be
// printed for residents no app reaches, a button that prints them as one batch (a PDF with
// a page per letter and a CSV manifest for the print shop), and the batches so far with
// their two files to download. The files hold live sign-up codes and addresses: the API
// lets only supervisors and administrators of the programme's department near them, and
// records every download; other roles do not see this part at all.

import { announce, el } from '../dom.js';
import { getJSON, sendJSON } from '../api.js';
import { t } from '../i18n.js';
import { may } from './access.js';
import { formatDate, formatDateTime, formatNumber, problemText } from './words.js';
import { notice } from './forms.js';
import { confirmDialog, dataTable, emptyLine, sessionEnded, summaryRow } from './ui.js';

/** The section for program, or null for roles that cannot print letters. */
export function lettersSection(program, ctx) {
  if (!program || !may(ctx.account, 'design')) return null;
  const path = `/api/staff/programs/${encodeURIComponent(program.slug)}/letters`;
  const body = el('div', { class: 'staff-letters__body' }, el('p', {}, t('common.loading')));
  const message = el('div', { class: 'staff-letters__message', tabindex: '-1' });
  const status = el('p', { class: 'form-status', role: 'status' });
  const section = el(
    'section',
    { class: 'staff-section staff-letters', 'aria-labelledby': 'program-letters-title' },
    el('h2', { class: 'section-title', id: 'program-letters-title' }, t('programLetters.title')),
    el('p', { class: 'field__hint staff-measure' }, t('programLetters.lead')),
    message,
    body,
    status,
  );
  let printing = false;

  async function load() {
    let overview;
    try {
      overview = await getJSON(path, { signal: ctx.signal });
    } catch (error) {
      if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
      body.replaceChildren(el('p', { role: 'alert' }, problemText(error)));
      return;
    }
    render(overview);
  }

  function render(overview) {
    const waiting = overview.waiting ?? 0;
    const print = el(
      'button',
      {
        type: 'button',
        class: 'button button--solid',
        disabled: waiting === 0,
        'data-print-letters': '',
      },
      waiting > 0
        ? t('programLetters.print', { n: formatNumber(Math.min(waiting, overview.batch_limit)) })
        : t('programLetters.nothingToPrint'),
    );
    print.addEventListener('click', () => printBatch(waiting, overview.batch_limit, print), {
      signal: ctx.signal,
    });
    const parts = [
      el(
        'dl',
        { class: 'summary-list' },
        summaryRow(
          t('programLetters.waiting'),
          t('programLetters.count', { n: formatNumber(waiting) }),
          { 'data-letters-waiting': '' },
        ),
        summaryRow(
          t('programLetters.basis'),
          overview.letter_basis || t('programLetters.noBasis'),
        ),
      ),
      waiting > overview.batch_limit
        ? el(
            'p',
            { class: 'staff-measure' },
            t('programLetters.limit', { limit: formatNumber(overview.batch_limit) }),
          )
        : null,
      el('div', { class: 'button-row' }, print),
      el('p', { class: 'field__hint staff-measure' }, t('programLetters.handle')),
      batchesTable(overview.batches ?? []),
    ];
    // replaceChildren would write a null out as the text "null".
    body.replaceChildren(...parts.filter(Boolean));
  }

  function batchesTable(batches) {
    if (!batches.length) return emptyLine(t('programLetters.noBatches'));
    return dataTable({
      caption: t('programLetters.batches'),
      captionVisible: true,
      headers: [
        { text: t('programLetters.column.createdAt') },
        { text: t('programLetters.column.reference') },
        { text: t('programLetters.column.letters'), numeric: true },
        { text: t('programLetters.column.createdBy') },
        { text: t('programLetters.column.expires') },
        { text: t('programLetters.column.files') },
      ],
      rows: batches.map((batch) =>
        el(
          'tr',
          { 'data-batch': batch.reference },
          el('td', {}, formatDateTime(batch.created_at)),
          el('td', {}, el('span', { class: 'mono' }, batch.reference)),
          el(
            'td',
            { class: 'staff-table__numeric' },
            t('programLetters.count', { n: formatNumber(batch.letters) }),
          ),
          el('td', {}, batch.created_by),
          el('td', {}, formatDate(batch.codes_expire_at)),
          el(
            'td',
            { class: 'staff-letters__files' },
            el(
              'a',
              {
                class: 'link',
                href: batch.pdf_url,
                download: `${batch.reference}-letters.pdf`,
                'aria-label': t('programLetters.pdfFor', { reference: batch.reference }),
              },
              t('programLetters.pdf'),
            ),
            el(
              'a',
              {
                class: 'link',
                href: batch.csv_url,
                download: `${batch.reference}-manifest.csv`,
                'aria-label': t('programLetters.csvFor', { reference: batch.reference }),
              },
              t('programLetters.csv'),
            ),
          ),
        ),
      ),
    });
  }

  async function printBatch(waiting, limit, button) {
    if (printing) return;
    const n = formatNumber(Math.min(waiting, limit));
    const confirmed = await confirmDialog({
      title: t('programLetters.confirm.title', { n }),
      body: [t('programLetters.confirm.body'), t('programLetters.confirm.codes')],
      confirm: t('programLetters.confirm.button'),
    });
    if (!confirmed || ctx.signal.aborted) return;
    printing = true;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    status.textContent = t('programLetters.printing');
    let batch;
    try {
      batch = await sendJSON(path, { signal: ctx.signal });
    } catch (error) {
      printing = false;
      status.textContent = '';
      if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
      button.disabled = false;
      button.removeAttribute('aria-busy');
      show(
        notice({
          tone: 'error',
          title: t('programLetters.failed'),
          body: [el('p', {}, problemText(error))],
        }),
      );
      return;
    }
    printing = false;
    status.textContent = '';
    show(
      notice({
        tone: 'success',
        title: t('programLetters.printed', {
          n: formatNumber(batch.letters),
          reference: batch.reference,
        }),
        body: batch.cancelled
          ? [el('p', {}, t('programLetters.cancelled', { n: formatNumber(batch.cancelled) }))]
          : [],
      }),
    );
    await load();
  }

  function show(box) {
    message.replaceChildren(box);
    const title = box.querySelector('.notice__title');
    title?.focus();
    announce(title?.textContent ?? '');
  }

  load();
  return section;
}
