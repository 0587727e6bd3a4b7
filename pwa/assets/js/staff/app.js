// Entry point of the staff app (/staff): the staff dictionary, the header's municipality
// and account, then the first screen. Everything visible comes from staff-ja.json or the API.
// The core is shared with the resident app: API client, i18n, router, session and load
// frame (../api.js, ../i18n.js, ../router.js, ../session.js, ../frame.js); what is the
// staff app's own is here, in words.js and in the screens.

import { announce, el } from '../dom.js';
import { getJSON } from '../api.js';
import { loadLanguage, t } from '../i18n.js';
import { createRouter } from '../router.js';
import { loadMe, signOut } from '../session.js';
import { may, navigationFor } from './access.js';
import * as signIn from './signin.js';
import * as home from './home.js';
import * as invite from './invite.js';
import * as letters from './letters.js';
import * as counter from './counter.js';
import * as invites from './invites.js';
import { adminOnly, errorScreen, notFound, residentOnly, roleOnly } from './notices.js';
import { problemText, roleLabel } from './words.js';

// The back office is big: most screens are fetched the first time they are shown.
const cases = () => import('./cases.js');
const caseScreen = () => import('./case.js');
const residents = () => import('./residents.js');
const resident = () => import('./resident.js');
const followUps = () => import('./follow-ups.js');
const openings = () => import('./openings.js');
const corrections = () => import('./corrections.js');
const moves = () => import('./moves.js');
const bereavements = () => import('./bereavements.js');
const bereavement = () => import('./bereavement.js');
const procedures = () => import('./procedures.js');
const designer = () => import('./designer.js');
const lifeEvents = () => import('./life-events.js');
const lifeEventDesigner = () => import('./life-event-designer.js');
const desk = () => import('./desk.js');
const templates = () => import('./templates.js');
const registryImport = () => import('./import.js');
const metrics = () => import('./metrics.js');
const programs = () => import('./programs.js');
const program = () => import('./program.js');
const audit = () => import('./audit.js');
const accounts = () => import('./accounts.js');
const branding = () => import('./branding.js');

// screen (loaded with the app) or load (fetched when first shown); access: 'public' |
// 'staff' | 'admin'; group: the roles that may use the screen (access.js); 'admin'
// screens say so in words. The shared router.js shows them (resolve below decides what).
const routes = [
  { path: '/staff', screen: home, access: 'staff', nav: 'home' },
  { path: '/staff/invite', screen: invite, access: 'public' },
  { path: '/staff/letters', screen: letters, access: 'staff', nav: 'letters' },
  { path: '/staff/counter', screen: counter, access: 'staff', nav: 'counter' },
  { path: '/staff/desk', load: desk, access: 'staff', group: 'counter', nav: 'desk' },
  { path: '/staff/invites', screen: invites, access: 'admin', nav: 'invites' },
  { path: '/staff/cases', load: cases, access: 'staff', group: 'cases', nav: 'cases' },
  { path: '/staff/cases/:id', load: caseScreen, access: 'staff', group: 'cases', nav: 'cases' },
  { path: '/staff/residents', load: residents, access: 'staff', nav: 'residents' },
  { path: '/staff/residents/:registryId', load: resident, access: 'staff', nav: 'residents' },
  { path: '/staff/follow-ups', load: followUps, access: 'staff', nav: 'followUps' },
  {
    path: '/staff/openings',
    load: openings,
    access: 'staff',
    group: 'design',
    nav: 'openings',
  },
  { path: '/staff/moves', load: moves, access: 'staff', group: 'cases', nav: 'moves' },
  {
    path: '/staff/bereavements',
    load: bereavements,
    access: 'staff',
    group: 'cases',
    nav: 'bereavements',
  },
  {
    path: '/staff/bereavements/:id',
    load: bereavement,
    access: 'staff',
    group: 'cases',
    nav: 'bereavements',
  },
  {
    path: '/staff/corrections',
    load: corrections,
    access: 'staff',
    group: 'cases',
    nav: 'corrections',
  },
  {
    path: '/staff/procedures',
    load: procedures,
    access: 'staff',
    group: 'design',
    nav: 'procedures',
  },
  {
    path: '/staff/procedures/new',
    load: designer,
    access: 'staff',
    group: 'design',
    nav: 'procedures',
  },
  {
    path: '/staff/procedures/:slug',
    load: designer,
    access: 'staff',
    group: 'design',
    nav: 'procedures',
  },
  {
    path: '/staff/life-events',
    load: lifeEvents,
    access: 'staff',
    group: 'design',
    nav: 'lifeEvents',
  },
  {
    path: '/staff/life-events/new',
    load: lifeEventDesigner,
    access: 'staff',
    group: 'design',
    nav: 'lifeEvents',
  },
  {
    path: '/staff/life-events/:slug',
    load: lifeEventDesigner,
    access: 'staff',
    group: 'design',
    nav: 'lifeEvents',
  },
  {
    path: '/staff/templates',
    load: templates,
    access: 'staff',
    group: 'design',
    nav: 'templates',
  },
  { path: '/staff/metrics', load: metrics, access: 'staff', group: 'design', nav: 'metrics' },
  { path: '/staff/programs', load: programs, access: 'staff', nav: 'programs' },
  {
    path: '/staff/programs/new',
    load: program,
    access: 'staff',
    group: 'cases',
    nav: 'programs',
  },
  { path: '/staff/programs/:slug', load: program, access: 'staff', nav: 'programs' },
  { path: '/staff/import', load: registryImport, access: 'admin', nav: 'import' },
  { path: '/staff/audit', load: audit, access: 'admin', nav: 'audit' },
  { path: '/staff/accounts', load: accounts, access: 'admin', nav: 'accounts' },
  { path: '/staff/branding', load: branding, access: 'admin', nav: 'branding' },
];
const notFoundRoute = { path: null, screen: notFound, access: 'public' };

const municipality = getJSON('/api/municipality').catch(() => null);

try {
  // The staff app is Japanese only, and leaves the resident app's language choice alone.
  await loadLanguage('ja', { dictionary: 'staff-ja', remember: false });
} catch (error) {
  // Without words the page is useless; the console says why.
  console.error('staff: could not load staff-ja.json', error);
}

document.querySelector('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  document.getElementById('main')?.focus();
});

const nav = document.querySelector('[data-staff-nav]');
const navToggle = nav.querySelector('[data-nav-toggle]');
let navFor = null; // whose places the navigation lists now
navToggle.addEventListener('click', () => setMenuOpen(!nav.classList.contains('is-open')));
nav.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && nav.classList.contains('is-open')) {
    setMenuOpen(false);
    navToggle.focus();
  }
});

/** On a phone only some places stay in the row; 「メニュー」 opens the whole list. */
function setMenuOpen(open) {
  nav.classList.toggle('is-open', open);
  navToggle.setAttribute('aria-expanded', String(open));
  navToggle.querySelector('span').textContent = t(open ? 'nav.close' : 'nav.menu');
}

/** The screen a route shows to whoever is signed in (or to nobody); ctx.account. */
async function resolve(route) {
  if (route.access === 'public') {
    const account = await loadMe().catch(() => null);
    return { context: { account } };
  }
  const account = await loadMe();
  const context = { account };
  if (!account) return { screen: signIn, context };
  if (account.kind !== 'staff') return { screen: residentOnly, context };
  if (route.access === 'admin' && account.staff_role !== 'administrator') {
    return { screen: adminOnly, context };
  }
  if (route.group && !may(account, route.group)) return { screen: roleOnly, context };
  return { context };
}

const router = createRouter({
  routes,
  notFound: notFoundRoute,
  errorScreen,
  outlet: document.getElementById('main'),
  base: '/staff',
  resolve,
  onRouteChange: (route, url, ctx) => showChrome(route, ctx.account),
});

document.querySelector('[data-sign-out]')?.addEventListener('click', async () => {
  try {
    await signOut({ device: false });
    router.navigate('/staff', { flash: 'signin.flash.signedOut' });
  } catch (error) {
    announce(problemText(error));
  }
});

await router.start();

municipality.then((data) => {
  const node = document.querySelector('[data-municipality-name]');
  if (node && data?.name?.ja) node.textContent = data.name.ja;
});

/** Header account and navigation for whoever is signed in, current page marked. */
function showChrome(route, account) {
  const staff = account?.kind === 'staff' ? account : null;
  const box = document.querySelector('[data-account]');
  box.hidden = !staff;
  nav.hidden = !staff;
  setMenuOpen(false);
  if (staff) {
    document.querySelector('[data-account-name]').textContent = t('header.accountName', {
      name: staff.display_name,
      role: roleLabel(staff.staff_role),
    });
    const key = `${staff.id}:${staff.staff_role}`;
    if (navFor !== key) {
      navFor = key;
      nav.querySelector('[data-nav-list]').replaceChildren(
        ...navigationFor(staff).map((place) =>
          el(
            'li',
            {
              class: `staff-nav__item${place.phone.includes(staff.staff_role) ? ' staff-nav__item--primary' : ''}`,
            },
            el(
              'a',
              { class: 'staff-nav__link', href: place.href, 'data-nav': place.key },
              t(`nav.${place.key}`),
            ),
          ),
        ),
      );
    }
  }
  for (const link of nav.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === route.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}
