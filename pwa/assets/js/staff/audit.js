// /staff/audit「監査ログ」(administrators): check the hash chain of the audit trail for
// tampering, and export it as CSV (each line with its hash and the previous one, so a copy
// can be checked elsewhere), optionally for a period.

import { announce, el, icon } from '../dom.js';
import { getJSON, withQuery } from '../api.js';
import { t } from '../i18n.js';
import { formatNumber } from './words.js';
import {
  clearErrors,
  errorSummary,
  guardBusy,
  problemItems,
  showErrors,
  textField,
} from './forms.js';
import { sessionEnded, staffIcon } from './ui.js';

export const titleKey = 'audit.title';

export function mount(outlet, ctx) {
  // --- verification ---
  const verifySummary = errorSummary('audit-verify-errors');
  const verifyStatus = el('p', { class: 'form-status', role: 'status' });
  const verifyBusy = guardBusy(verifyStatus);
  const verifyResult = el('div', { class: 'staff-audit-result' });
  const verify = el('button', {
    type: 'button',
    class: 'button button--solid',
    'data-i18n': 'audit.verify',
  });
  verify.addEventListener(
    'click',
    () =>
      verifyBusy('audit.verifying', async () => {
        clearErrors(verifySummary, null);
        let check;
        try {
          check = await getJSON('/api/staff/audit/verify', { signal: ctx.signal });
        } catch (error) {
          if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
          showErrors(verifySummary, null, problemItems(error));
          return;
        }
        const title = el(
          'h3',
          { class: 'notice__title', tabindex: '-1' },
          check.ok
            ? t('audit.ok', { n: formatNumber(check.events) })
            : t('audit.broken', { id: check.first_broken }),
        );
        verifyResult.replaceChildren(
          el(
            'div',
            {
              class: `notice ${check.ok ? 'notice--success' : 'notice--error'}`,
              'data-audit-ok': String(check.ok),
            },
            icon(check.ok ? 'online' : 'alert', 'notice__icon'),
            title,
            el(
              'div',
              { class: 'notice__body' },
              el(
                'p',
                {},
                t(check.ok ? 'audit.okBody' : 'audit.brokenBody', {
                  n: formatNumber(check.events),
                }),
              ),
            ),
          ),
        );
        title.focus();
        announce(title.textContent);
      }),
    { signal: ctx.signal },
  );

  // --- export ---
  const since = textField({
    id: 'audit-since',
    name: 'since',
    labelKey: 'audit.since',
    attributes: { type: 'date', class: 'input input--date' },
  });
  const until = textField({
    id: 'audit-until',
    name: 'until',
    labelKey: 'audit.until',
    attributes: { type: 'date', class: 'input input--date' },
  });
  const link = el(
    'a',
    { class: 'button button--outline', download: 'todoke-audit.csv', 'data-csv': '' },
    staffIcon('download', 'button__icon'),
    el('span', { 'data-i18n': 'audit.csv' }),
  );
  const range = el('p', { class: 'field__hint', id: 'audit-range', 'aria-live': 'polite' });
  const form = el(
    'form',
    { class: 'form', novalidate: true, 'aria-labelledby': 'audit-export-title' },
    el('div', { class: 'designer-grid' }, since, until),
    range,
    el('div', { class: 'button-row' }, link),
  );
  const update = () => {
    const from = form.elements.since.value;
    const to = form.elements.until.value;
    const wrong = Boolean(from && to && from >= to);
    // A period that ends before it starts has nothing to export: said, and no link.
    if (wrong) {
      link.removeAttribute('href');
      link.setAttribute('aria-disabled', 'true');
      form.elements.until.setAttribute('aria-invalid', 'true');
    } else {
      link.href = withQuery('/api/staff/audit.csv', { since: from, until: to });
      link.removeAttribute('aria-disabled');
      form.elements.until.removeAttribute('aria-invalid');
    }
    range.className = wrong ? 'staff-inline-error' : 'field__hint';
    range.textContent = t(
      wrong ? 'audit.error.range' : from || to ? 'audit.rangeSome' : 'audit.rangeAll',
    );
  };
  form.addEventListener('change', update, { signal: ctx.signal });
  form.addEventListener('submit', (event) => event.preventDefault(), { signal: ctx.signal });
  update();

  outlet.append(
    el(
      'div',
      { class: 'page staff-form-page' },
      el('h1', { class: 'page__title', 'data-i18n': 'audit.title' }),
      el('p', { class: 'page__lead staff-measure', 'data-i18n': 'audit.lead' }),
      el(
        'section',
        { class: 'staff-section', 'aria-labelledby': 'audit-verify-title' },
        el('h2', {
          class: 'section-title',
          id: 'audit-verify-title',
          'data-i18n': 'audit.verifyTitle',
        }),
        el('p', { class: 'staff-measure', 'data-i18n': 'audit.verifyLead' }),
        verifySummary,
        el('div', { class: 'button-row' }, verify),
        verifyStatus,
        verifyResult,
      ),
      el(
        'section',
        { class: 'staff-section', 'aria-labelledby': 'audit-export-title' },
        el('h2', {
          class: 'section-title',
          id: 'audit-export-title',
          'data-i18n': 'audit.exportTitle',
        }),
        el('p', { class: 'staff-measure', 'data-i18n': 'audit.exportLead' }),
        form,
      ),
    ),
  );
}
