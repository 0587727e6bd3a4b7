// Who may do what in the staff app, by role, in one place: the routes, the header
// navigation and the home screen's task cards all read this table. The API decides in the
// end (backend/todoke/staff/service.py); this only keeps screens a role cannot use out of
// its way.

export const ROLES = ['caseworker', 'support', 'supervisor', 'administrator'];

const ALL = new Set(ROLES);
const CASE = new Set(['caseworker', 'supervisor', 'administrator']);
const COUNTER = new Set(['support', 'supervisor', 'administrator']);
const DESIGN = new Set(['supervisor', 'administrator']);
const ADMIN = new Set(['administrator']);

/** The groups of roles a route or a task names. */
export const ACCESS = { all: ALL, cases: CASE, counter: COUNTER, design: DESIGN, admin: ADMIN };

/** Whether account (from the session) may use what group allows. */
export function may(account, group) {
  return Boolean(account?.kind === 'staff' && ACCESS[group]?.has(account.staff_role));
}

/** Whether the role may draft, preview and submit a support program (支援制度). */
export function draftsPrograms(account) {
  return may(account, 'cases');
}

/** Whether the role may approve (start) and close a support program. */
export function approvesPrograms(account) {
  return may(account, 'design');
}

/** Whether the role may (re)assign a case to anyone of its department. */
export function assignsCases(account) {
  return may(account, 'design');
}

/**
 * The staff app's places, in the order the navigation shows them. `phone` lists the roles
 * for which the entry stays in the row on a phone (the others are behind 「メニュー」).
 * `nav` widens who sees an entry in the navigation: letters and the counter stay there for
 * caseworkers too (the API refuses them and the screen says so in its words), because
 * test_staff_identity.py walks a caseworker there through the navigation; the home screen
 * offers only what the role may do.
 */
export const PLACES = [
  { key: 'home', href: '/staff', group: 'all', phone: [] },
  {
    key: 'cases',
    href: '/staff/cases',
    group: 'cases',
    phone: ['caseworker', 'supervisor', 'administrator'],
  },
  { key: 'residents', href: '/staff/residents', group: 'all', phone: ROLES },
  { key: 'followUps', href: '/staff/follow-ups', group: 'all', phone: [] },
  { key: 'corrections', href: '/staff/corrections', group: 'cases', phone: [] },
  { key: 'moves', href: '/staff/moves', group: 'cases', phone: [] },
  { key: 'bereavements', href: '/staff/bereavements', group: 'cases', phone: [] },
  { key: 'letters', href: '/staff/letters', group: 'counter', nav: 'all', phone: ['support'] },
  { key: 'counter', href: '/staff/counter', group: 'counter', nav: 'all', phone: [] },
  { key: 'desk', href: '/staff/desk', group: 'counter', phone: ['support'] },
  { key: 'procedures', href: '/staff/procedures', group: 'design', phone: [] },
  { key: 'lifeEvents', href: '/staff/life-events', group: 'design', phone: [] },
  { key: 'templates', href: '/staff/templates', group: 'design', phone: [] },
  { key: 'metrics', href: '/staff/metrics', group: 'design', phone: [] },
  { key: 'openings', href: '/staff/openings', group: 'design', phone: [] },
  { key: 'programs', href: '/staff/programs', group: 'all', phone: [] },
  { key: 'accounts', href: '/staff/accounts', group: 'admin', phone: [] },
  { key: 'invites', href: '/staff/invites', group: 'admin', phone: [] },
  { key: 'import', href: '/staff/import', group: 'admin', phone: [] },
  { key: 'audit', href: '/staff/audit', group: 'admin', phone: [] },
  { key: 'branding', href: '/staff/branding', group: 'admin', phone: [] },
];

/** The places account may use. */
export function placesFor(account) {
  return PLACES.filter((place) => may(account, place.group));
}

/** The places the navigation lists for account. */
export function navigationFor(account) {
  return PLACES.filter((place) => may(account, place.nav ?? place.group));
}
