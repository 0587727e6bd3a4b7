// /staff/metrics「処理実績」(supervisors, administrators): per procedure, what was received,
// what is open, processing times, service-level breaches and the online / counter shares;
// then the time saved (issue 17): minutes per procedure online, at the counter with Todoke
// and on paper (the baseline administrators enter here), and the hours saved per month as
// an inline SVG chart with the same figures in a table; all of it in the CSV too.

import { announce, el } from '../dom.js';
import { getJSON, sendJSON } from '../api.js';
import { t } from '../i18n.js';
import { normalizeWidth } from '../jp.js';
import { formatDateTime, formatNumber, formatPercent } from './words.js';
import { dataTable, emptyLine, loadStaffData, sessionEnded, staffIcon } from './ui.js';
import { clearErrors, errorSummary, guardBusy, problemItems, showErrors, textField } from './forms.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

export const titleKey = 'metrics.title';

export async function mount(outlet, ctx) {
  const page = el(
    'div',
    { class: 'page' },
    el('h1', { class: 'page__title', 'data-i18n': 'metrics.title' }),
    el('p', { class: 'page__lead staff-measure', 'data-i18n': 'metrics.lead' }),
  );
  outlet.append(page);
  const box = el('div', { class: 'stack' });
  page.append(box);
  const admin = ctx.account?.staff_role === 'administrator';
  const load = () =>
    loadStaffData(
      box,
      ctx,
      () => getJSON('/api/staff/metrics', { signal: ctx.signal }),
      (figures) => [
        ...metricsView(figures),
        timeSavedView(figures.time_saved, { admin, ctx, reload: load }),
      ],
    );
  await load();
}

/** The figures as of when they were counted, with the CSV link, per procedure. */
function metricsView(figures) {
  const days = (value) => (value == null ? t('metrics.none') : t('metrics.days', { n: value }));
  return [
    el(
      'div',
      { class: 'staff-metrics__bar' },
      el(
        'p',
        { class: 'staff-metrics__as-of' },
        t('metrics.asOf', { date: formatDateTime(figures.as_of) }),
      ),
      el(
        'a',
        {
          class: 'button button--outline button--sm',
          href: '/api/staff/metrics.csv',
          download: 'todoke-metrics.csv',
          'data-csv': '',
        },
        staffIcon('download', 'button__icon'),
        el('span', {}, t('metrics.csv')),
      ),
    ),
    figures.procedures.length
      ? dataTable({
          caption: t('metrics.caption'),
          captionVisible: true,
          className: 'metrics-table',
          headers: [
            { text: t('metrics.column.procedure') },
            { text: t('metrics.column.received'), numeric: true },
            { text: t('metrics.column.open'), numeric: true },
            { text: t('metrics.column.median'), numeric: true },
            { text: t('metrics.column.p90'), numeric: true },
            { text: t('metrics.column.breaches'), numeric: true },
            { text: t('metrics.column.online'), numeric: true },
            { text: t('metrics.column.assisted'), numeric: true },
          ],
          rows: figures.procedures.map((row) =>
            el(
              'tr',
              { 'data-procedure': row.slug },
              el('th', { scope: 'row' }, row.title?.ja ?? row.slug),
              el('td', { class: 'staff-table__numeric' }, formatNumber(row.received)),
              el('td', { class: 'staff-table__numeric' }, formatNumber(row.open)),
              el('td', { class: 'staff-table__numeric' }, days(row.median_days)),
              el('td', { class: 'staff-table__numeric' }, days(row.p90_days)),
              el(
                'td',
                { class: `staff-table__numeric${row.breaches ? ' is-alert' : ''}` },
                formatNumber(row.breaches),
              ),
              el('td', { class: 'staff-table__numeric' }, formatPercent(row.online_share)),
              el('td', { class: 'staff-table__numeric' }, formatPercent(row.assisted_share)),
            ),
          ),
        })
      : emptyLine(t('metrics.empty')),
    el('p', { class: 'field__hint staff-measure' }, t('metrics.note')),
  ];
}

// --- time saved ---------------------------------------------------------------------------

const hours = (value) => t('metrics.saved.hours', { n: formatNumber(value) });
const minutes = (value) =>
  value == null ? t('metrics.none') : t('metrics.saved.minutes', { n: formatNumber(value) });

/** "2026-12" → 「2026年12月」 (the chart's axis and the table's rows). */
function monthLabel(month) {
  const [year, number] = month.split('-').map(Number);
  return t('metrics.saved.month', { year, month: number });
}

/** 時間の節約: the chart and its table, the minutes per procedure, the baseline form. */
function timeSavedView(saved, { admin, ctx, reload }) {
  const section = el(
    'section',
    { class: 'staff-time-saved stack', 'aria-labelledby': 'time-saved-title' },
    el('h2', { class: 'section-title', id: 'time-saved-title' }, t('metrics.saved.title')),
    el(
      'p',
      { class: 'field__hint staff-measure' },
      t('metrics.saved.how', { cap: formatNumber(saved.cap_minutes) }),
    ),
  );
  const total = saved.months.reduce((sum, month) => sum + month.hours_saved, 0);
  section.append(
    el(
      'div',
      { class: 'staff-time-saved__chart-and-table' },
      monthChart(saved.months, Math.round(total * 10) / 10),
      dataTable({
        caption: t('metrics.saved.monthsCaption'),
        captionVisible: true,
        className: 'time-saved-months',
        cards: false,
        headers: [
          { text: t('metrics.saved.column.month') },
          { text: t('metrics.saved.column.hours'), numeric: true },
          { text: t('metrics.saved.column.filings'), numeric: true },
        ],
        rows: saved.months.map((month) =>
          el(
            'tr',
            { 'data-month': month.month },
            el('th', { scope: 'row' }, monthLabel(month.month)),
            el('td', { class: 'staff-table__numeric', 'data-hours': '' }, hours(month.hours_saved)),
            el('td', { class: 'staff-table__numeric' }, formatNumber(month.filings)),
          ),
        ),
      }),
    ),
  );
  // Procedures neither timed nor given a baseline say nothing yet: the form below lists them.
  const shown = saved.procedures.filter(
    (row) =>
      row.online_timed || row.counter_timed || row.resumed_later || row.paper_minutes != null,
  );
  section.append(
    shown.length
      ? dataTable({
          caption: t('metrics.saved.caption'),
          captionVisible: true,
          className: 'time-saved-table',
          headers: [
            { text: t('metrics.column.procedure') },
            { text: t('metrics.saved.column.online'), numeric: true },
            { text: t('metrics.saved.column.counter'), numeric: true },
            { text: t('metrics.saved.column.paper'), numeric: true },
            { text: t('metrics.saved.column.saved'), numeric: true },
            { text: t('metrics.saved.column.timed'), numeric: true },
            { text: t('metrics.saved.column.resumed'), numeric: true },
          ],
          rows: shown.map((row) =>
            el(
              'tr',
              { 'data-procedure': row.slug },
              el('th', { scope: 'row' }, row.title?.ja ?? row.slug),
              el('td', { class: 'staff-table__numeric' }, minutes(row.online_minutes)),
              el('td', { class: 'staff-table__numeric' }, minutes(row.counter_minutes)),
              el(
                'td',
                { class: 'staff-table__numeric' },
                row.paper_minutes == null ? t('metrics.saved.noBaseline') : minutes(row.paper_minutes),
              ),
              el('td', { class: 'staff-table__numeric' }, hours(row.hours_saved)),
              el(
                'td',
                { class: 'staff-table__numeric' },
                t('metrics.saved.timed', {
                  online: formatNumber(row.online_timed),
                  counter: formatNumber(row.counter_timed),
                }),
              ),
              el('td', { class: 'staff-table__numeric' }, formatNumber(row.resumed_later)),
            ),
          ),
        })
      : emptyLine(t('metrics.empty')),
  );
  if (admin && saved.procedures.length) section.append(baselineForm(saved, ctx, reload));
  return section;
}

function svg(tag, attributes = {}, text = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text != null) node.textContent = text;
  return node;
}

/**
 * Hours saved per month as bars, drawn from the figures (no chart library). One image for
 * assistive technology, named by its title and described by the total; the table beside it
 * holds the same figures for screen readers and for reading exact values.
 */
function monthChart(months, total) {
  const width = 360;
  const height = 200;
  const top = 24;
  const bottom = 28;
  const left = 8;
  const plot = height - top - bottom;
  const most = Math.max(...months.map((month) => month.hours_saved), 0);
  const scale = most > 0 ? plot / most : 0;
  const slot = (width - left * 2) / months.length;
  const bar = Math.min(40, slot * 0.6);
  const chart = svg('svg', {
    class: 'staff-chart',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-labelledby': 'time-saved-chart-title time-saved-chart-desc',
    'data-chart': 'time-saved',
  });
  chart.append(
    svg('title', { id: 'time-saved-chart-title' }, t('metrics.saved.chartTitle')),
    svg(
      'desc',
      { id: 'time-saved-chart-desc' },
      t('metrics.saved.chartDesc', { total: formatNumber(total), months: months.length }),
    ),
    svg('line', {
      class: 'staff-chart__axis',
      x1: left,
      x2: width - left,
      y1: top + plot,
      y2: top + plot,
    }),
  );
  months.forEach((month, index) => {
    const x = left + slot * index + (slot - bar) / 2;
    const barHeight = Math.max(month.hours_saved > 0 ? 1 : 0, month.hours_saved * scale);
    const group = svg('g', { 'data-month': month.month, 'aria-hidden': 'true' });
    group.append(
      svg('rect', {
        class: 'staff-chart__bar',
        x,
        y: top + plot - barHeight,
        width: bar,
        height: barHeight,
        rx: 2,
      }),
      svg(
        'text',
        {
          class: 'staff-chart__value',
          x: x + bar / 2,
          y: top + plot - barHeight - 6,
          'text-anchor': 'middle',
          'data-hours': month.hours_saved,
        },
        formatNumber(month.hours_saved),
      ),
      svg(
        'text',
        { class: 'staff-chart__label', x: x + bar / 2, y: height - 8, 'text-anchor': 'middle' },
        t('metrics.saved.monthShort', { month: Number(month.month.slice(5)) }),
      ),
    );
    chart.append(group);
  });
  return el(
    'figure',
    { class: 'staff-chart-figure' },
    chart,
    el('figcaption', { class: 'staff-chart-figure__caption' }, t('metrics.saved.chartCaption')),
  );
}

/** Administrators enter the minutes each procedure takes on paper; blank removes one. */
function baselineForm(saved, ctx, reload) {
  const summary = errorSummary('paper-baseline-errors');
  const status = el('p', { class: 'form-status', role: 'status' });
  const busy = guardBusy(status);
  const fieldName = (slug) => `paper.${slug}`;
  const form = el(
    'form',
    { class: 'form staff-baselines', novalidate: true, 'aria-labelledby': 'paper-baseline-title' },
    el('h3', { class: 'section-title section-title--small', id: 'paper-baseline-title' },
      t('metrics.baseline.title')),
    el('p', { class: 'field__hint staff-measure' }, t('metrics.baseline.lead')),
    el(
      'div',
      { class: 'staff-baselines__fields' },
      saved.procedures.map((row) =>
      textField({
        id: `paper-${row.slug}`,
        name: fieldName(row.slug),
        label: t('metrics.baseline.field', { procedure: row.title?.ja ?? row.slug }),
        hint: t('metrics.baseline.hint'),
        attributes: {
          inputmode: 'numeric',
          autocomplete: 'off',
          maxlength: '4',
          value: row.paper_minutes == null ? '' : String(row.paper_minutes),
        },
      }),
      ),
    ),
    el(
      'div',
      { class: 'button-row' },
      el('button', { type: 'submit', class: 'button button--solid' }, t('metrics.baseline.save')),
    ),
    status,
  );
  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      busy('common.sending', async () => {
        clearErrors(summary, form);
        const items = [];
        const problems = [];
        for (const row of saved.procedures) {
          const raw = normalizeWidth(form.elements[fieldName(row.slug)].value).trim();
          const value = raw === '' ? null : Number(raw);
          if (value !== null && !(/^\d+$/.test(raw) && value >= 1 && value <= 1440)) {
            problems.push({ field: fieldName(row.slug), text: t('metrics.baseline.invalid') });
            continue;
          }
          if (value !== row.paper_minutes) items.push({ slug: row.slug, minutes: value });
        }
        if (problems.length) {
          showErrors(summary, form, problems);
          return;
        }
        try {
          await sendJSON('/api/staff/paper-baselines', {
            method: 'PUT',
            body: { items },
            signal: ctx.signal,
          });
        } catch (error) {
          if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
          showErrors(summary, form, problemItems(error));
          return;
        }
        announce(t('metrics.baseline.saved'));
        await reload();
      });
    },
    { signal: ctx.signal },
  );
  return el('div', { class: 'stack' }, summary, form);
}
