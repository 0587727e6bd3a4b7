// /staff/accounts「職員の管理」(administrators): every staff account with its role and
// departments, editable; 「無効にする」 ends all of that person's sessions at once (after a
// confirmation); inactive accounts are shown as such. Inviting is the invites screen.

import { announce, el, icon } from '../dom.js';
import { getJSON, sendJSON } from '../api.js';
import { applyTranslations, t } from '../i18n.js';
import { ROLES } from './access.js';
import { formatDate, problemText, roleLabel } from './words.js';
import {
  choiceGroup,
  clearErrors,
  errorSummary,
  guardBusy,
  problemItems,
  selectField,
  showErrors,
} from './forms.js';
import { badge, confirmDialog, loadFailed, sessionEnded } from './ui.js';

export const titleKey = 'accounts.title';

export async function mount(outlet, ctx) {
  const page = el(
    'div',
    { class: 'page' },
    el('h1', { class: 'page__title', 'data-i18n': 'accounts.title' }),
    el('p', { class: 'page__lead staff-measure', 'data-i18n': 'accounts.lead' }),
    el(
      'div',
      { class: 'button-row' },
      el(
        'a',
        { class: 'button button--outline', href: '/staff/invites' },
        icon('plus', 'button__icon'),
        el('span', { 'data-i18n': 'accounts.invite' }),
      ),
    ),
  );
  outlet.append(page);
  let accounts;
  let departments;
  try {
    [accounts, departments] = await Promise.all([
      getJSON('/api/staff/accounts', { signal: ctx.signal }),
      getJSON('/api/staff/departments', { signal: ctx.signal }),
    ]);
  } catch (error) {
    if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
    page.append(loadFailed(error, ctx));
    return;
  }
  const names = new Map(departments.map((d) => [d.code, d.name.ja]));
  // Active accounts first; the list keeps the API's order within each group.
  const items = [...accounts.items].sort((a, b) => Number(b.active) - Number(a.active));
  const list = el('ul', { class: 'staff-accounts' });
  for (const account of items) list.append(accountCard(account, { departments, names, ctx }));
  page.append(
    el(
      'p',
      { class: 'staff-results__count' },
      t('accounts.count', {
        n: items.length,
        active: items.filter((a) => a.active).length,
      }),
    ),
    list,
  );
}

function accountCard(account, { departments, names, ctx }) {
  const card = el('li', {
    class: `staff-account${account.active ? '' : ' is-inactive'}`,
    'data-account-id': account.id,
  });
  const self = account.id === ctx.account.id;
  const headingId = `account-${account.id}-name`;
  const head = el(
    'div',
    { class: 'staff-account__head' },
    el('h2', { class: 'staff-account__name', id: headingId }, account.display_name),
    el(
      'p',
      { class: 'staff-account__badges' },
      badge(roleLabel(account.role), 'key'),
      account.active
        ? badge(t('accounts.active'), 'success', { 'data-state': 'active' })
        : badge(t('accounts.inactive'), 'neutral', { 'data-state': 'inactive' }),
      self ? badge(t('accounts.you'), 'neutral') : null,
    ),
    el(
      'p',
      { class: 'staff-account__meta' },
      t('accounts.created', { date: formatDate(account.created_at) }),
    ),
  );

  if (!account.active) {
    card.append(
      head,
      el(
        'p',
        { class: 'staff-account__departments' },
        t('accounts.departmentsList', {
          list:
            account.departments.map((code) => names.get(code) ?? code).join('、') ||
            t('accounts.noDepartments'),
        }),
      ),
      el('p', { class: 'field__hint' }, t('accounts.inactiveBody')),
    );
    return card;
  }

  const prefix = `account-${account.id}`;
  const summary = errorSummary(`${prefix}-errors`);
  const status = el('p', { class: 'form-status', role: 'status' });
  const busy = guardBusy(status);
  const done = el('div', { class: 'staff-account__done' });
  const form = el(
    'form',
    {
      class: 'form form--compact staff-account__form',
      novalidate: true,
      'aria-labelledby': headingId,
    },
    selectField({
      id: `${prefix}-role`,
      name: 'role',
      labelKey: 'accounts.role',
      hintKey: self ? 'accounts.selfRoleHint' : null,
      options: ROLES.map((role) => ({
        value: role,
        label: roleLabel(role),
        selected: role === account.role,
      })),
    }),
    choiceGroup({
      id: `${prefix}-departments`,
      name: 'departments',
      type: 'checkbox',
      legendKey: 'accounts.departments',
      layout: 'grid',
      options: departments.map((d) => ({
        value: d.code,
        label: d.name.ja,
        checked: account.departments.includes(d.code),
      })),
    }),
    el('p', { class: 'field__hint' }, t(self ? 'accounts.saveHintSelf' : 'accounts.saveHint')),
    el(
      'div',
      { class: 'button-row' },
      el(
        'button',
        { type: 'submit', class: 'button button--solid button--sm' },
        t('accounts.save'),
      ),
      self
        ? null
        : el(
            'button',
            {
              type: 'button',
              class: 'button button--outline button--sm button--destructive-outline',
              'data-deactivate': '',
            },
            t('accounts.deactivate'),
            el(
              'span',
              { class: 'visually-hidden' },
              t('accounts.deactivateWho', { name: account.display_name }),
            ),
          ),
    ),
    status,
  );
  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      busy('common.sending', async () => {
        clearErrors(summary, form);
        const role = form.elements.role.value;
        const chosen = [...form.querySelectorAll('input[name="departments"]:checked')].map(
          (i) => i.value,
        );
        let saved;
        try {
          saved = await sendJSON(`/api/staff/accounts/${account.id}`, {
            body: { role, departments: chosen },
            method: 'PUT',
            signal: ctx.signal,
          });
        } catch (error) {
          if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
          showErrors(summary, form, problemItems(error));
          return;
        }
        if (self) {
          // Saving one's own account ends one's own sessions too: sign in again.
          sessionEnded({ status: 401 }, ctx);
          return;
        }
        Object.assign(account, saved);
        const fresh = accountCard(account, { departments, names, ctx });
        card.replaceWith(fresh);
        flash(fresh, t('accounts.saved', { name: account.display_name }));
      });
    },
    { signal: ctx.signal },
  );
  form.querySelector('[data-deactivate]')?.addEventListener(
    'click',
    () =>
      busy(null, async () => {
        const sure = await confirmDialog({
          title: t('accounts.confirm.title', { name: account.display_name }),
          body: [t('accounts.confirm.sessions'), t('accounts.confirm.passkeys')],
          confirm: t('accounts.confirm.button'),
          danger: true,
        });
        if (!sure) return;
        try {
          await sendJSON(`/api/staff/accounts/${account.id}/deactivate`, { signal: ctx.signal });
        } catch (error) {
          if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
          showErrors(summary, form, problemItems(error));
          announce(problemText(error));
          return;
        }
        account.active = false;
        const fresh = accountCard(account, { departments, names, ctx });
        card.replaceWith(fresh);
        flash(fresh, t('accounts.deactivated', { name: account.display_name }));
      }),
    { signal: ctx.signal },
  );
  card.append(head, el('div', { class: 'staff-account__body' }, done, summary, form));
  applyTranslations(card);
  return card;
}

function flash(card, text) {
  const message = el(
    'div',
    { class: 'flash flash--success', tabindex: '-1', 'data-done': '' },
    icon('online', 'flash__icon'),
    el('p', {}, text),
  );
  const slot = card.querySelector('.staff-account__done');
  if (slot) slot.append(message);
  else card.querySelector('.staff-account__head').after(message);
  message.focus();
  announce(text);
}
