// /staff/import「住民記録の取込」(administrators): choose the registry file, 「確認する」
// checks it without changing anything (dry_run=true) and shows the report; 「反映する」
// applies the same file, all rows or none (dry_run=false).

import { announce, el, icon } from '../dom.js';
import { sendBytes, withQuery } from '../api.js';
import { applyTranslations, has, t } from '../i18n.js';
import { formatNumber } from './words.js';
import { clearErrors, errorSummary, guardBusy, problemItems, showErrors } from './forms.js';
import { badge, confirmDialog, dataTable, sessionEnded, summaryRow } from './ui.js';

export const titleKey = 'import.title';

const STATUS_TONES = {
  validated: 'success',
  applied: 'success',
  partial: 'warning', // applied, but some rows were refused: the table below lists them
  rejected: 'error',
  failed: 'warning',
};

const APPLIED = new Set(['applied', 'partial']);

export function mount(outlet, ctx) {
  const summary = errorSummary('import-errors');
  const status = el('p', { class: 'form-status', role: 'status' });
  const busy = guardBusy(status);
  const result = el('div', { class: 'staff-import-result' });
  const fileInput = el('input', {
    class: 'input input--file',
    id: 'import-file',
    name: 'file',
    type: 'file',
    accept: '.csv,.jsonl,.ndjson,text/csv,application/x-ndjson',
    'aria-describedby': 'import-file-hint',
    required: true,
  });
  const form = el(
    'form',
    { class: 'form', novalidate: true, 'aria-labelledby': 'import-form-title' },
    el('h2', { class: 'section-title', id: 'import-form-title', 'data-i18n': 'import.form' }),
    el(
      'div',
      { class: 'field', 'data-field': 'file' },
      el(
        'label',
        { class: 'field__label', for: 'import-file' },
        el('span', { 'data-i18n': 'import.file' }),
        el('span', { class: 'field__required', 'data-i18n': 'common.required' }),
      ),
      el('p', { class: 'field__hint', id: 'import-file-hint', 'data-i18n': 'import.fileHint' }),
      el('p', { class: 'field__error', id: 'import-file-error', hidden: true }),
      fileInput,
    ),
    el(
      'div',
      { class: 'button-row' },
      el('button', { type: 'submit', class: 'button button--solid', 'data-i18n': 'import.check' }),
    ),
    status,
  );

  // A report belongs to the file it was made from: another file starts over.
  fileInput.addEventListener('change', () => result.replaceChildren(), { signal: ctx.signal });

  const upload = async (file, dryRun) => {
    try {
      return await sendBytes(
        withQuery('/api/staff/registry/imports', { filename: file.name, dry_run: String(dryRun) }),
        { body: file, signal: ctx.signal },
      );
    } catch (error) {
      if (ctx.signal.aborted || sessionEnded(error, ctx)) return null;
      showErrors(
        summary,
        form,
        problemItems(error, () => 'file'),
      );
      return null;
    }
  };

  const show = (report, file) => {
    const dry = report.status === 'validated'; // a check (dry run) that read the file
    const heading = el(
      'h2',
      { class: 'result__title', id: 'import-result-title', tabindex: '-1' },
      t(APPLIED.has(report.status) ? 'import.appliedTitle' : 'import.checkedTitle'),
    );
    const parts = [
      heading,
      el(
        'p',
        { 'data-import-status': report.status },
        dry && report.rows_failed > 0
          ? badge(t('import.status.validatedWithErrors'), 'warning')
          : badge(
              has(`import.status.${report.status}`)
                ? t(`import.status.${report.status}`)
                : report.status,
              STATUS_TONES[report.status] ?? 'neutral',
            ),
        ' ',
        el('span', {}, t('import.fileName', { name: report.filename ?? file.name })),
      ),
      el(
        'dl',
        { class: 'summary-list staff-import-counts' },
        summaryRow(t('import.count.total'), formatNumber(report.rows_total), {
          'data-count': 'total',
        }),
        summaryRow(t('import.count.created'), formatNumber(report.rows_created), {
          'data-count': 'created',
        }),
        summaryRow(t('import.count.updated'), formatNumber(report.rows_updated), {
          'data-count': 'updated',
        }),
        summaryRow(t('import.count.unchanged'), formatNumber(report.rows_unchanged), {
          'data-count': 'unchanged',
        }),
        summaryRow(t('import.count.failed'), formatNumber(report.rows_failed), {
          'data-count': 'failed',
        }),
      ),
    ];
    if (report.errors?.length) {
      parts.push(
        dataTable({
          caption: t('import.errors', { n: formatNumber(report.errors.length) }),
          captionVisible: true,
          className: 'import-errors',
          headers: [
            { text: t('import.column.line'), numeric: true },
            { text: t('import.column.registryId') },
            { text: t('import.column.field') },
            { text: t('import.column.reason') },
          ],
          rows: report.errors.map((error) =>
            el(
              'tr',
              {},
              el('td', { class: 'staff-table__numeric' }, String(error.line)),
              el('td', { class: 'mono' }, error.registry_id ?? ''),
              el('td', { class: 'mono' }, error.field ?? ''),
              el('td', {}, error.reason_ja || error.reason || ''),
            ),
          ),
        }),
      );
    }
    if (dry && report.rows_failed === 0 && report.rows_total > 0) {
      const apply = el('button', {
        type: 'button',
        class: 'button button--solid',
        'data-i18n': 'import.apply',
      });
      apply.addEventListener(
        'click',
        () =>
          busy('import.applying', async () => {
            const sure = await confirmDialog({
              title: t('import.confirm.title'),
              body: [
                t('import.confirm.body', {
                  created: formatNumber(report.rows_created),
                  updated: formatNumber(report.rows_updated),
                }),
              ],
              confirm: t('import.apply'),
            });
            if (!sure) return;
            clearErrors(summary, form);
            const applied = await upload(file, false);
            if (applied) show(applied, file);
          }),
        { signal: ctx.signal },
      );
      parts.push(el('p', {}, t('import.readyToApply')), el('div', { class: 'button-row' }, apply));
    } else if (dry && report.rows_failed > 0) {
      parts.push(
        el(
          'p',
          { class: 'staff-callout staff-callout--warning' },
          icon('alert', 'staff-callout__icon'),
          el('span', {}, t('import.fixFirst')),
        ),
      );
    } else if (report.status === 'applied') {
      parts.push(el('p', {}, t('import.appliedBody')));
    } else if (report.status === 'partial') {
      parts.push(
        el(
          'p',
          { class: 'staff-callout staff-callout--warning' },
          icon('alert', 'staff-callout__icon'),
          el('span', {}, t('import.partialBody')),
        ),
      );
    }
    result.replaceChildren(
      el(
        'section',
        { class: 'work-layout__result', 'aria-labelledby': 'import-result-title' },
        parts,
      ),
    );
    applyTranslations(result);
    heading.focus();
    announce(heading.textContent);
  };

  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      busy('import.checking', async () => {
        const file = fileInput.files?.[0];
        if (!file) {
          showErrors(summary, form, [{ field: 'file', text: t('import.error.file') }]);
          return;
        }
        clearErrors(summary, form);
        result.replaceChildren();
        const report = await upload(file, true);
        if (report) show(report, file);
      });
    },
    { signal: ctx.signal },
  );

  outlet.append(
    el(
      'div',
      { class: 'page staff-form-page' },
      el('h1', { class: 'page__title', 'data-i18n': 'import.title' }),
      el('p', { class: 'page__lead staff-measure', 'data-i18n': 'import.lead' }),
      summary,
      form,
      result,
    ),
  );
}
