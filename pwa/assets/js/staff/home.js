// /staff for signed-in staff: who is signed in, in which role, and the tasks that role may
// do (access.js), in groups.

import { el, icon } from '../dom.js';
import { placesFor } from './access.js';
import { flashNotice } from './forms.js';
import { roleLabel } from './words.js';

export const titleKey = 'home.title';

const GROUPS = [
  { key: 'work', places: ['cases', 'residents', 'followUps', 'corrections', 'bereavements'] },
  { key: 'identity', places: ['desk', 'letters', 'counter'] },
  { key: 'design', places: ['procedures', 'lifeEvents', 'templates', 'metrics'] },
  { key: 'programs', places: ['programs'] },
  { key: 'admin', places: ['accounts', 'invites', 'import', 'audit', 'branding'] },
];

export function mount(outlet, ctx) {
  const { account } = ctx;
  const mine = new Map(placesFor(account).map((place) => [place.key, place]));
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
      GROUPS.map((group) => {
        const places = group.places.filter((key) => mine.has(key)).map((key) => mine.get(key));
        if (!places.length) return null;
        return el(
          'section',
          { class: 'staff-task-group', 'aria-labelledby': `home-group-${group.key}` },
          el('h2', {
            class: 'section-title',
            id: `home-group-${group.key}`,
            'data-i18n': `home.group.${group.key}`,
          }),
          el(
            'ul',
            { class: 'task-list' },
            places.map((place) =>
              el(
                'li',
                { class: 'task-card' },
                el(
                  'h3',
                  { class: 'task-card__title' },
                  el('a', {
                    class: 'task-card__link',
                    href: place.href,
                    'data-i18n': `home.task.${place.key}.title`,
                  }),
                ),
                el('p', {
                  class: 'task-card__body',
                  'data-i18n': `home.task.${place.key}.body`,
                }),
                icon('chevronRight', 'task-card__chevron'),
              ),
            ),
          ),
        );
      }),
    ),
  );
}
