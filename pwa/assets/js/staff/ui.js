// Pieces the back-office screens share: loading and failure states, badges, the purpose
// asked before a record is opened, a confirmation dialog, summary rows and tables.

import { el, icon } from '../dom.js';
import { loadInto } from '../frame.js';
import { applyTranslations, has, t } from '../i18n.js';
import { sessionEnded as endSession } from '../session.js';
import { problemReference, problemText } from './words.js';
import { clearErrors, errorSummary, selectField, showErrors } from './forms.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

// Icons the shared set (dom.js) lacks, drawn the same way: 24 × 24 outlines in currentColor.
const STAFF_ICONS = {
  document: 'M6 3h8.5L19 7.5V21H6zM14 3v5h5M9 12h7M9 15.5h7',
  arrowUp: 'M12 19V5M6 11l6-6 6 6',
  arrowDown: 'M12 5v14M6 13l6 6 6-6',
  download: 'M12 4v11.5M7.5 11 12 15.5 16.5 11M4.5 19.5h15',
};

/** An icon of the staff app's own set, hidden from assistive technology. */
export function staffIcon(name, className = '') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', `icon ${className}`.trim());
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', STAFF_ICONS[name] ?? '');
  svg.append(path);
  return svg;
}

/** The purposes the API records with each opening of a case or a resident. */
export const PURPOSES = ['case_handling', 'consultation', 'counter_support', 'resident_inquiry'];

/** A polite 「読み込み中です…」 line. */
export function loadingLine() {
  return el('p', { class: 'form-status staff-loading', role: 'status' }, t('common.loading'));
}

/**
 * After a failed call: a signed-out session goes back to sign-in (true is returned, the
 * screen stops); anything else is for the caller to show.
 */
export function sessionEnded(error, ctx) {
  if (error?.status !== 401) return false;
  endSession();
  ctx.rerender({ flash: 'signin.flash.expired' });
  return true;
}

/**
 * A screen's data could not be loaded: the API's words, the reference and a retry (onRetry,
 * else the whole screen again).
 */
export function loadFailed(error, ctx, onRetry = () => ctx.rerender()) {
  const retry = el(
    'button',
    { type: 'button', class: 'button button--outline' },
    t('errors.retry'),
  );
  retry.addEventListener('click', () => onRetry(), { signal: ctx.signal });
  const reference = problemReference(error);
  return el(
    'div',
    { class: 'notice notice--error', role: 'alert' },
    icon('alert', 'notice__icon'),
    el('h2', { class: 'notice__title' }, t('errors.loadFailed')),
    el(
      'div',
      { class: 'notice__body' },
      el('p', {}, problemText(error)),
      reference
        ? el('p', { class: 'notice__code' }, t('errors.requestId', { id: reference }))
        : null,
    ),
    el('div', { class: 'notice__actions' }, retry),
  );
}

/**
 * A staff screen's data into box (the shared frame.js): 「読み込み中です…」 while load()
 * runs, then show(data); a 401 goes back to sign-in; any other failure shows loadFailed
 * with a retry of this box only. Resolves with the data, or null.
 */
export function loadStaffData(box, ctx, load, show) {
  return loadInto(box, {
    signal: ctx.signal,
    load,
    show,
    loading: loadingLine,
    signedOut: () => {
      ctx.rerender({ flash: 'signin.flash.expired' });
    },
    failed: (error, retry) => loadFailed(error, ctx, retry),
  });
}

/** A short label in a box: tone is neutral | key | success | warning | error. */
export function badge(text, tone = 'neutral', attributes = {}) {
  return el('span', { class: `staff-badge staff-badge--${tone}`, ...attributes }, text);
}

const STATUS_TONES = {
  submitted: 'key',
  in_review: 'key',
  info_requested: 'warning',
  approved: 'success',
  rejected: 'error',
  withdrawn: 'neutral',
};

/** An application's status as a badge: the API's label when given, ours otherwise. */
export function statusBadge(status, label) {
  const text = label?.ja || (has(`status.${status}`) ? t(`status.${status}`) : status);
  return badge(text, STATUS_TONES[status] ?? 'key', { 'data-status': status });
}

/** 「期限超過」 in red words (not colour alone). */
export function breachedBadge() {
  return el(
    'span',
    { class: 'staff-badge staff-badge--error staff-badge--icon' },
    icon('alert', 'staff-badge__icon'),
    t('cases.breached'),
  );
}

/** A row of a summary list (dl): label words and a value node or text. */
export function summaryRow(label, value, attributes = {}) {
  return el(
    'div',
    { class: 'summary-list__row', ...attributes },
    el('dt', {}, label),
    el('dd', {}, value),
  );
}

/** A quiet line for a list with nothing in it. */
export function emptyLine(text) {
  return el('p', { class: 'staff-empty' }, text);
}

/** 「← label」 back to a list. */
export function backLink(href, text) {
  return el(
    'a',
    { class: 'staff-back-link', href },
    icon('chevronLeft', 'staff-back-link__icon'),
    el('span', {}, text),
  );
}

/** A table with a caption (visually hidden unless captionVisible) and header cells. */
export function dataTable({
  caption,
  captionVisible = false,
  headers,
  rows,
  className = '',
  cards = true,
}) {
  if (cards) labelCells(rows, headers);
  return el(
    'div',
    {
      class: 'staff-table-scroll',
      tabindex: '0',
      role: 'region',
      'aria-label': t('common.table', { caption }),
    },
    el(
      'table',
      {
        class: `staff-table${cards ? ' staff-table--cards' : ''} ${className}`.trim(),
        role: cards ? 'table' : null,
      },
      el(
        'caption',
        { class: captionVisible ? 'staff-table__caption' : 'visually-hidden' },
        caption,
      ),
      el(
        'thead',
        { role: cards ? 'rowgroup' : null },
        el(
          'tr',
          { role: cards ? 'row' : null },
          headers.map((header) =>
            el(
              'th',
              {
                scope: 'col',
                class: header.numeric ? 'staff-table__numeric' : null,
                role: cards ? 'columnheader' : null,
              },
              header.text,
            ),
          ),
        ),
      ),
      el('tbody', { role: cards ? 'rowgroup' : null }, rows),
    ),
  );
}

/**
 * Give each cell its column's name (data-label): on a phone the stylesheet shows every row
 * as a card of name–value pairs instead of a table to scroll sideways (staff.css). The
 * table's roles are written out too: a table whose rows and cells are display: block loses
 * them in WebKit (VoiceOver on an iPhone would read loose text, not rows and columns).
 */
function labelCells(rows, headers) {
  for (const row of [rows].flat(Infinity)) {
    if (!(row instanceof Element) || row.tagName !== 'TR') continue;
    row.setAttribute('role', 'row');
    let column = 0;
    for (const cell of row.children) {
      const header = headers[column];
      if (header && !cell.hasAttribute('data-label')) {
        cell.setAttribute('data-label', header.text);
        // One box for the value: on a phone the label and the value are a row of two
        // columns, each as tall as it needs (a label of two lines no longer runs over).
        if (cell.childNodes.length > 1) {
          cell.replaceChildren(el('div', { class: 'staff-table__value' }, ...cell.childNodes));
        }
      }
      if (!cell.hasAttribute('role')) {
        cell.setAttribute('role', cell.tagName === 'TH' ? 'rowheader' : 'cell');
      }
      column += cell.colSpan || 1;
    }
  }
}

/**
 * The question asked before a record is opened: why (recorded with the opening, and shown
 * to the resident). Nothing is chosen beforehand: opening without a purpose is refused here
 * with a message, as the API refuses it. onOpen(purpose) runs on a valid submit.
 */
export function purposeForm({ id, purpose = null, leadKey, buttonKey, onOpen, signal }) {
  const summary = errorSummary(`${id}-errors`);
  const form = el(
    'form',
    { class: 'form staff-purpose-form', novalidate: true, 'aria-labelledby': `${id}-title` },
    el('h2', { class: 'section-title', id: `${id}-title` }, t('purpose.title')),
    el(
      'div',
      { class: 'staff-purpose-form__notice' },
      icon('info', 'staff-purpose-form__icon'),
      el('p', {}, t(leadKey)),
    ),
    summary,
    selectField({
      id: `${id}-purpose`,
      name: 'purpose',
      label: t('purpose.label'),
      required: true,
      options: [
        { value: '', label: t('purpose.choose'), selected: !PURPOSES.includes(purpose) },
        ...PURPOSES.map((value) => ({
          value,
          label: t(`purpose.${value}`),
          selected: value === purpose,
        })),
      ],
    }),
    el(
      'div',
      { class: 'button-row' },
      el('button', { type: 'submit', class: 'button button--solid' }, t(buttonKey)),
    ),
  );
  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      const chosen = form.elements.purpose.value;
      if (PURPOSES.includes(chosen)) {
        clearErrors(summary, form);
        onOpen(chosen);
      } else {
        showErrors(summary, form, [{ field: 'purpose', text: t('purpose.error.choose') }]);
      }
    },
    { signal },
  );
  return form;
}

/** The purpose an opening was recorded with, said at the top of the record. */
export function purposeLine(purpose) {
  return el(
    'p',
    { class: 'staff-purpose-line' },
    icon('info', 'staff-purpose-line__icon'),
    el('span', {}, t('purpose.recorded', { purpose: t(`purpose.${purpose}`) })),
  );
}

let dialogs = 0;

/**
 * Ask before an action that cannot be undone. Resolves true when confirmed.
 * { title, body: [text…], confirm: button words, danger: a red confirm button }
 */
export function confirmDialog({ title, body = [], confirm, danger = false }) {
  const id = `confirm-dialog-${++dialogs}`;
  return new Promise((resolve) => {
    const dialog = el(
      'dialog',
      {
        class: 'staff-dialog',
        'aria-labelledby': `${id}-title`,
        'aria-describedby': body.length ? `${id}-body` : null,
      },
      el(
        'form',
        { method: 'dialog', class: 'staff-dialog__form' },
        el('h2', { class: 'staff-dialog__title', id: `${id}-title` }, title),
        body.length
          ? el(
              'div',
              { class: 'staff-dialog__body', id: `${id}-body` },
              body.map((text) => el('p', {}, text)),
            )
          : null,
        el(
          'div',
          { class: 'button-row staff-dialog__actions' },
          el(
            'button',
            {
              type: 'submit',
              value: 'confirm',
              class: `button button--solid${danger ? ' button--destructive' : ''}`,
              'data-confirm': '',
            },
            confirm,
          ),
          el(
            'button',
            { type: 'submit', value: 'cancel', class: 'button button--outline', autofocus: true },
            t('common.cancel'),
          ),
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.append(dialog);
    applyTranslations(dialog);
    dialog.showModal();
  });
}

/** The ids of the departments account works in ({id, code, name, mine}[] from the API). */
export function myDepartments(departments, account) {
  if (account?.staff_role === 'administrator') return departments;
  return departments.filter((department) => department.mine);
}
