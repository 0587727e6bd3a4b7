// /staff/invites「職員の招待」(administrators): name, role and departments of a colleague
// → POST /api/staff/invites → a single-use link to pass on, with a copy button.

import { announce, el } from '../dom.js';
import { sendJSON } from '../api.js';
import { applyTranslations, t } from '../i18n.js';
import { sessionEnded } from '../session.js';
import { formatDateTime, roleLabel } from './words.js';
import {
  choiceGroup,
  clearErrors,
  errorSummary,
  guardBusy,
  notice,
  problemItems,
  showErrors,
  textField,
} from './forms.js';

export const titleKey = 'invites.title';

const ROLES = ['caseworker', 'support', 'supervisor', 'administrator'];
const DEPARTMENTS = [
  'citizens',
  'child-support',
  'nursery',
  'waste',
  'health',
  'welfare',
  'elderly',
  'tax',
];

export function mount(outlet, ctx) {
  const summary = errorSummary('invites-errors');
  const status = el('p', { class: 'form-status', role: 'status' });
  const busy = guardBusy(status);
  const form = el(
    'form',
    { class: 'form', novalidate: true, 'aria-labelledby': 'invites-title' },
    textField({
      id: 'invites-name',
      name: 'display_name',
      labelKey: 'invites.name',
      hintKey: 'invites.nameHint',
      required: true,
      attributes: { autocomplete: 'off', maxlength: '100' },
    }),
    choiceGroup({
      id: 'invites-role',
      name: 'role',
      legendKey: 'invites.role',
      required: true,
      options: ROLES.map((value) => ({
        value,
        labelKey: `roles.${value}`,
        hintKey: `roles.hint.${value}`,
      })),
    }),
    choiceGroup({
      id: 'invites-departments',
      name: 'departments',
      type: 'checkbox',
      legendKey: 'invites.departments',
      hintKey: 'invites.departmentsHint',
      options: DEPARTMENTS.map((value) => ({ value, labelKey: `departments.${value}` })),
    }),
    el(
      'div',
      { class: 'button-row' },
      el('button', {
        type: 'submit',
        class: 'button button--solid',
        'data-i18n': 'invites.submit',
      }),
    ),
    status,
  );
  const result = el('div', { class: 'invite-result' });

  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      busy(null, async () => {
        const displayName = form.elements.display_name.value.trim();
        const role = form.elements.role.value;
        const departments = [...form.querySelectorAll('input[name="departments"]:checked')].map(
          (i) => i.value,
        );
        const problems = [];
        if (!displayName) problems.push({ field: 'display_name', text: t('invites.error.name') });
        if (!ROLES.includes(role)) problems.push({ field: 'role', text: t('invites.error.role') });
        if (problems.length) {
          showErrors(summary, form, problems);
          return;
        }
        clearErrors(summary, form);
        let created;
        try {
          created = await sendJSON('/api/staff/invites', {
            body: { display_name: displayName, role, departments },
            signal: ctx.signal,
          });
        } catch (error) {
          if (ctx.signal.aborted) return;
          if (error.status === 401) {
            sessionEnded();
            ctx.rerender({ flash: 'signin.flash.expired' });
            return;
          }
          showErrors(summary, form, problemItems(error));
          return;
        }
        showResult(created, { displayName, role });
      });
    },
    { signal: ctx.signal },
  );

  function showResult(created, { displayName, role }) {
    // A read-only text area, so the whole link shows (wrapped) and can be selected.
    const linkInput = el(
      'textarea',
      {
        class: 'input input--link',
        id: 'invites-link',
        rows: '2',
        readonly: true,
        spellcheck: 'false',
        'aria-describedby': 'invites-link-expires',
      },
      created.link,
    );
    const copyStatus = el('p', { class: 'form-status', role: 'status' });
    const copy = el('button', {
      type: 'button',
      class: 'button button--solid',
      'data-i18n': 'invites.copy',
    });
    copy.addEventListener(
      'click',
      async () => {
        try {
          await navigator.clipboard.writeText(created.link);
          copyStatus.textContent = t('invites.copied');
        } catch {
          linkInput.focus();
          linkInput.select();
          copyStatus.textContent = t('invites.copyFailed');
          announce(t('invites.copyFailed'));
        }
      },
      { signal: ctx.signal },
    );
    const again = el('button', {
      type: 'button',
      class: 'button button--outline',
      'data-i18n': 'invites.again',
    });
    again.addEventListener(
      'click',
      () => {
        result.replaceChildren();
        form.reset();
        form.hidden = false;
        form.elements.display_name.focus();
      },
      { signal: ctx.signal },
    );
    const panel = notice({
      tone: 'success',
      titleKey: 'invites.resultTitle',
      body: [
        el('p', {}, t('invites.resultBody', { name: displayName, role: roleLabel(role) })),
        el(
          'div',
          { class: 'field' },
          el('label', { class: 'field__label', for: 'invites-link', 'data-i18n': 'invites.link' }),
          el(
            'p',
            { class: 'field__hint', id: 'invites-link-expires' },
            t('common.expiresAt', { date: formatDateTime(created.expires_at) }),
          ),
          el('div', { class: 'copy-row' }, linkInput, copy),
          copyStatus,
        ),
      ],
      actions: [again],
      id: 'invite-created',
    });
    form.hidden = true;
    result.replaceChildren(panel);
    applyTranslations(result);
    panel.querySelector('.notice__title').focus();
  }

  outlet.append(
    el(
      'div',
      { class: 'page staff-form-page' },
      el('h1', { class: 'page__title', id: 'invites-title', 'data-i18n': 'invites.title' }),
      el('p', { class: 'page__lead staff-measure', 'data-i18n': 'invites.lead' }),
      summary,
      result,
      form,
    ),
  );
}
