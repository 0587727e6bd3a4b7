// Home's timeline for a signed-in resident (GET /api/me/timeline): what to do, what is
// due, what goes on and what is unread, one list, each line a link to its screen. Loaded
// only once the resident is known to be signed in.

import { getJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, localize } from '../i18n.js';
import { dateValue } from '../jp.js';

// The icon and the words of each line's kind (home.timeline.what.<what>).
const ICONS = {
  info_requested: 'alert',
  in_progress: 'clock',
  draft_expires: 'pencil',
  status_report: 'document',
  appointment: 'booking',
  notice: 'bell',
  life_event: 'checklist',
};

/** The timeline section, or null when it could not be loaded (home works without it). */
export async function homeTimeline(signal) {
  let body;
  try {
    body = await getJSON('/api/me/timeline', { signal });
  } catch {
    return null;
  }
  const items = body?.items ?? [];
  const section = el(
    'section',
    { class: 'home-timeline', 'aria-labelledby': 'home-timeline-title' },
    el('h2', {
      class: 'home-timeline__title',
      id: 'home-timeline-title',
      'data-i18n': 'home.timeline.title',
    }),
    items.length === 0
      ? el('p', { class: 'home-timeline__empty', 'data-i18n': 'home.timeline.empty' })
      : el('ol', { class: 'home-timeline__list' }, items.map(line)),
  );
  applyTranslations(section);
  return section;
}

function line(item) {
  const when = whenText(item);
  return el(
    'li',
    { class: `home-timeline__item home-timeline__item--${item.kind}` },
    el(
      'a',
      { class: 'home-timeline__link', href: item.link },
      icon(ICONS[item.what] ?? 'info', 'home-timeline__icon'),
      el('span', { class: 'home-timeline__text' }, [
        el('span', {
          class: 'home-timeline__what',
          'data-i18n': `home.timeline.what.${item.what}`,
        }),
        localize(el('span', { class: 'home-timeline__name' }), item.title),
        item.detail ? localize(el('span', { class: 'home-timeline__detail' }), item.detail) : null,
        when,
        item.status_label && item.kind === 'application'
          ? localize(el('span', { class: 'chip chip--status home-timeline__status' }), item.status_label)
          : null,
      ]),
      icon('chevronRight', 'home-timeline__chevron'),
    ),
  );
}

function whenText(item) {
  if (item.opens && item.due) {
    return el('span', {
      class: 'home-timeline__when',
      'data-i18n': 'home.timeline.window',
      'data-i18n-params': JSON.stringify({ opens: dateValue(item.opens), due: dateValue(item.due) }),
    });
  }
  if (item.due && item.what === 'appointment') {
    // The day itself, not a last day: "面談の希望日 2026年12月17日".
    return localize(el('span', { class: 'home-timeline__when' }), dateValue(item.due));
  }
  if (item.due) {
    return el('span', {
      class: 'home-timeline__when',
      'data-i18n': 'home.timeline.due',
      'data-i18n-params': JSON.stringify({ date: dateValue(item.due) }),
    });
  }
  return null;
}
