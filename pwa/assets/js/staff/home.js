// /staff for signed-in staff: who is signed in, in which role, and the tasks.

import { el, icon } from '../dom.js';
import { flashNotice } from './forms.js';
import { roleLabel } from './i18n.js';

export const titleKey = 'home.title';

const TASKS = [
  { key: 'letters', href: '/staff/letters' },
  { key: 'counter', href: '/staff/counter' },
  { key: 'invites', href: '/staff/invites', admin: true },
];

export function mount(outlet, ctx) {
  const { account } = ctx;
  const admin = account.staff_role === 'administrator';
  outlet.append(
    el(
      'div',
      { class: 'page' },
      el('h1', { class: 'page__title', 'data-i18n': 'home.title' }),
      flashNotice(ctx),
      el(
        'section',
        { class: 'account-card', 'aria-labelledby': 'home-account' },
        el('h2', { class: 'section-title', id: 'home-account', 'data-i18n': 'home.account' }),
        el(
          'dl',
          { class: 'summary-list' },
          el(
            'div',
            { class: 'summary-list__row' },
            el('dt', { 'data-i18n': 'home.name' }),
            el('dd', { 'data-account-display-name': '' }, account.display_name),
          ),
          el(
            'div',
            { class: 'summary-list__row' },
            el('dt', { 'data-i18n': 'home.role' }),
            el('dd', { 'data-account-role': '' }, roleLabel(account.staff_role)),
          ),
        ),
      ),
      el('h2', { class: 'section-title', 'data-i18n': 'home.tasks' }),
      el(
        'ul',
        { class: 'task-list' },
        TASKS.filter((task) => admin || !task.admin).map((task) =>
          el(
            'li',
            { class: 'task-card' },
            el(
              'h3',
              { class: 'task-card__title' },
              el('a', {
                class: 'task-card__link',
                href: task.href,
                'data-i18n': `home.task.${task.key}.title`,
              }),
            ),
            el('p', { class: 'task-card__body', 'data-i18n': `home.task.${task.key}.body` }),
            icon('chevronRight', 'task-card__chevron'),
          ),
        ),
      ),
    ),
  );
}
