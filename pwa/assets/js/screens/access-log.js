// /account/access-log「わたしの情報を見た記録」: every time city staff opened the resident's
// record or used their information (GET /api/me/access-log), newest first: when (Japan's
// time), who (the staff member's role: never their name), which department, what
// was done and why, with the case, consultation or kind of reason it belonged to. The
// staff member's own words stay in the audit trail. Staff entries first; "everything"
// adds the resident's own sign-ins and the city's automatic steps.

import { getJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, localize } from '../i18n.js';
import { dateValue } from '../jp.js';
import { backLink } from '../ui/back-link.js';
import { dateTimeValue } from '../ui/feedback.js';
import { loadSignedIn } from '../ui/signed-in-data.js';
import { emptyState } from '../ui/status.js';

export const titleKey = 'accessLog.title';

// What was done, by the audit action ("domain.verb", looked up in two steps); any other
// "application.<status>" is a status change.
const ACTIONS = {
  resident: { viewed: 'accessLog.action.residentViewed' },
  application: {
    opened: 'accessLog.action.applicationOpened',
    message: 'accessLog.action.applicationMessage',
    assisted: 'accessLog.action.applicationAssisted',
    filed_by_proxy: 'accessLog.action.applicationFiledByProxy',
  },
  attachment: { opened: 'accessLog.action.attachmentOpened' },
  consultation: { recorded: 'accessLog.action.consultationRecorded' },
  reason_openings: { listed: 'accessLog.action.reasonOpeningsListed' },
  reason_opening: { reviewed: 'accessLog.action.reasonOpeningReviewed' },
  corrections: { listed: 'accessLog.action.correctionsListed' },
  identity: {
    signed_in: 'accessLog.action.signedIn',
    verified: 'accessLog.action.verified',
    counter_check: 'accessLog.action.counterCheck',
    activation_code_issued: 'accessLog.action.activationCodeIssued',
    recovered: 'accessLog.action.recovered',
    recovery_cancelled: 'accessLog.action.recoveryCancelled',
  },
  delegation: { accepted: 'accessLog.action.delegationAccepted' },
  // おくやみ: a household member's death made this resident a single parent in the registry.
  registry: { single_parent_recorded: 'accessLog.action.singleParentRecorded' },
  move: {
    out_told: 'accessLog.action.moveOutTold',
    consent_given: 'accessLog.action.moveConsentGiven',
    data_sent: 'accessLog.action.moveDataSent',
    consent_withdrawn: 'accessLog.action.moveConsentWithdrawn',
    code_used: 'accessLog.action.moveCodeUsed',
    account_bound: 'accessLog.action.moveAccountBound',
    prefilled_filed: 'accessLog.action.movePrefilledFiled',
  },
  life_event: {
    filed: 'accessLog.action.lifeEventFiled',
    item_done: 'accessLog.action.lifeEventItemDone',
    item_reopened: 'accessLog.action.lifeEventItemReopened',
  },
};

// Why, by the API's closed set of codes (identity/access_log.py WHY_CODES).
const WHY = {
  sign_in: 'accessLog.why.sign_in',
  case_handling: 'accessLog.why.case_handling',
  consultation: 'accessLog.why.consultation',
  follow_up: 'accessLog.why.follow_up',
  counter_support: 'accessLog.why.counter_support',
  resident_inquiry: 'accessLog.why.resident_inquiry',
  correction_handling: 'accessLog.why.correction_handling',
  review: 'accessLog.why.review',
  proxy: 'accessLog.why.proxy',
  administration: 'accessLog.why.administration',
  eligibility: 'accessLog.why.eligibility',
  outreach: 'accessLog.why.outreach',
  identity_verification: 'accessLog.why.identity_verification',
  account_recovery: 'accessLog.why.account_recovery',
  reason: 'accessLog.why.reason',
  moving: 'accessLog.why.moving',
  protection: 'accessLog.why.protection',
  bereavement: 'accessLog.why.bereavement',
  other: 'accessLog.why.other',
};

const ACTORS = {
  you: 'accessLog.actor.you',
  proxy: 'accessLog.actor.proxy',
  system: 'accessLog.actor.system',
  staff: 'accessLog.actor.staff',
};

const ROLES = {
  administrator: 'accessLog.role.administrator',
  supervisor: 'accessLog.role.supervisor',
  caseworker: 'accessLog.role.caseworker',
  support: 'accessLog.role.support',
};

// The kinds of a written reason (staff/purposes.py REASON_CATEGORIES).
const CATEGORIES = {
  counter_support: 'accessLog.category.counter_support',
  resident_inquiry: 'accessLog.category.resident_inquiry',
  new_consultation: 'accessLog.category.new_consultation',
  agency_inquiry: 'accessLog.category.agency_inquiry',
  other: 'accessLog.category.other',
};

const FILTERS = [
  { value: 'staff', labelKey: 'accessLog.filter.staff' },
  { value: 'all', labelKey: 'accessLog.filter.all' },
];

function actionKey(action) {
  const [domain, verb] = String(action).split('.', 2);
  const verbs = Object.hasOwn(ACTIONS, domain) ? ACTIONS[domain] : {};
  if (verb && Object.hasOwn(verbs, verb)) return verbs[verb];
  return domain === 'application'
    ? 'accessLog.action.applicationStatus'
    : 'accessLog.action.other';
}

export async function mount(outlet, ctx) {
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      backLink('/account', 'account.title'),
      el('h1', { class: 'page__title', 'data-i18n': 'accessLog.title' }),
      el('p', { class: 'page__lead', 'data-i18n': 'accessLog.lead' }),
      content,
    ),
  );
  // Words now, not once the data is in: a heading filled late would shift the screen.
  applyTranslations(outlet);

  function load() {
    return loadSignedIn(content, ctx, {
      loadingKey: 'accessLog.loading',
      signInKey: 'accessLog.signInNeeded',
      errorKey: 'accessLog.loadError',
      load: async () => {
        // Asked apart: the API lists the newest 200, and a resident who signs in every day
        // must still see the staff's openings among them.
        const [all, staff] = await Promise.all([
          getJSON('/api/me/access-log', { signal: ctx.signal }),
          getJSON('/api/me/access-log?actor=staff', { signal: ctx.signal }),
        ]);
        return { all: all ?? [], staff: staff ?? [] };
      },
      show: (lists) =>
        lists.all.length || lists.staff.length
          ? render(lists)
          : emptyState({ titleKey: 'accessLog.empty.title', bodyKey: 'accessLog.empty.body' }),
    });
  }

  function render(lists) {
    const newestFirst = (entries) =>
      [...entries].sort(
        (a, b) => Date.parse(b.occurred_at) - Date.parse(a.occurred_at) || b.id - a.id,
      );
    const sorted = { all: newestFirst(lists.all), staff: newestFirst(lists.staff) };
    const list = el('div', { class: 'access-log__list' });
    const count = el('p', {
      class: 'access-log__count',
      role: 'status',
      'data-i18n': 'accessLog.count',
    });
    const filter = filterField();
    const show = (value) => {
      const shown = value === 'all' ? sorted.all : sorted.staff;
      count.setAttribute('data-i18n-params', JSON.stringify({ count: shown.length }));
      list.replaceChildren(
        shown.length
          ? el('ol', { class: 'card-list' }, shown.map(entryCard))
          : el(
              'div',
              { class: 'notice notice--info notice--compact' },
              icon('info', 'notice__icon'),
              el('p', {
                class: 'notice__body notice__body--inline',
                'data-i18n': 'accessLog.filter.noneByStaff',
              }),
            ),
      );
      applyTranslations(count);
      applyTranslations(list);
    };
    filter.addEventListener('change', (event) => show(event.target.value), {
      signal: ctx.signal,
    });
    show('staff');
    return [filter, count, list];
  }

  function filterField() {
    const name = 'access-log-filter';
    return el(
      'fieldset',
      { class: 'choice-group access-log__filter' },
      el('legend', { class: 'choice-group__legend', 'data-i18n': 'accessLog.filter.label' }),
      el(
        'div',
        { class: 'choice-group__options choice-group__options--row' },
        FILTERS.map(({ value, labelKey }, index) => {
          const id = `${name}-${value}`;
          return el(
            'div',
            { class: 'choice' },
            el('input', {
              class: 'choice__input',
              type: 'radio',
              id,
              name,
              value,
              checked: index === 0,
            }),
            el('label', { class: 'choice__label', for: id, 'data-i18n': labelKey }),
          );
        }),
      ),
    );
  }

  function entryCard(entry) {
    const row = (key, value) =>
      el('div', { class: 'facts__row' }, el('dt', { 'data-i18n': key }), value);
    const actor = entry.actor ?? { kind: 'system' };
    const staff = actor.kind === 'staff';
    // The department the work belonged to (a case's, a consultation's), else the staff
    // member's own.
    const departments = entry.department ? [entry.department] : (actor.departments ?? []);
    return el(
      'li',
      { class: 'record-card access-log__entry', 'data-actor': actor.kind },
      staff
        ? el(
            'p',
            { class: 'record-card__badges' },
            el(
              'span',
              { class: 'chip chip--status' },
              icon('eye', 'chip__icon'),
              el('span', { 'data-i18n': 'accessLog.staffBadge' }),
            ),
          )
        : null,
      el('h2', { class: 'record-card__title', 'data-i18n': actionKey(entry.action) }),
      el(
        'dl',
        { class: 'facts' },
        row(
          'accessLog.when',
          el(
            'dd',
            {},
            localize(
              el('time', { datetime: entry.occurred_at }),
              dateTimeValue(entry.occurred_at),
            ),
          ),
        ),
        row(
          'accessLog.who',
          el('dd', {
            'data-i18n': (staff && ROLES[actor.role]) || ACTORS[actor.kind] || ACTORS.system,
          }),
        ),
        staff && departments.length
          ? row(
              'accessLog.department',
              el(
                'dd',
                {},
                departments.map((department, index) => [
                  index ? '、' : null,
                  localize(el('span'), department),
                ]),
              ),
            )
          : null,
        row('accessLog.why', el('dd', { 'data-i18n': WHY[entry.why] ?? WHY.other })),
        entry.basis ? basisRow(entry.basis, row) : null,
      ),
    );
  }

  function basisRow(basis, row) {
    if (basis.kind === 'reason') {
      if (!CATEGORIES[basis.category]) return null;
      return row(
        'accessLog.basis',
        el(
          'dd',
          {},
          el('span', { 'data-i18n': 'accessLog.basis.reasonLabel' }),
          el('span', { 'data-i18n': CATEGORIES[basis.category] }),
        ),
      );
    }
    let line = null;
    if (basis.kind === 'case' && basis.receipt_number) {
      line = { key: 'accessLog.basis.case', params: { receipt: basis.receipt_number } };
    } else if (basis.kind === 'consultation' && basis.held_on) {
      line = { key: 'accessLog.basis.consultation', params: { date: dateValue(basis.held_on) } };
    } else if (basis.kind === 'follow_up' && basis.held_on) {
      line = { key: 'accessLog.basis.followUp', params: { date: dateValue(basis.held_on) } };
    }
    if (!line) return null;
    return row(
      'accessLog.basis',
      el('dd', { 'data-i18n': line.key, 'data-i18n-params': JSON.stringify(line.params) }),
    );
  }

  await load();
}
