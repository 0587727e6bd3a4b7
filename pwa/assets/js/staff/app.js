// Entry point of the staff app (/staff): the staff dictionary, the header's municipality
// and account, then the first screen. Everything visible comes from staff-ja.json or the API.

import { announce, el } from '../dom.js';
import { may, navigationFor } from './access.js';
import { getJSON, problemText } from './api.js';
import { loadStaffMessages, roleLabel, t } from './i18n.js';
import { createRouter } from './router.js';
import { currentAccount, signOut } from './session.js';
import * as signIn from './signin.js';
import * as home from './home.js';
import * as invite from './invite.js';
import * as letters from './letters.js';
import * as counter from './counter.js';
import * as invites from './invites.js';
import { adminOnly, errorScreen, notFound, residentOnly, roleOnly } from './notices.js';

/** A screen whose module is fetched the first time it is shown (the back office is big). */
function lazy(load) {
  const screen = {
    titleKey: null,
    async mount(outlet, ctx) {
      const module = await load();
      screen.titleKey = module.titleKey;
      return module.mount(outlet, ctx);
    },
  };
  return screen;
}

const cases = lazy(() => import('./cases.js'));
const caseScreen = lazy(() => import('./case.js'));
const residents = lazy(() => import('./residents.js'));
const resident = lazy(() => import('./resident.js'));
const followUps = lazy(() => import('./follow-ups.js'));
const openings = lazy(() => import('./openings.js'));
const corrections = lazy(() => import('./corrections.js'));
const procedures = lazy(() => import('./procedures.js'));
const designer = lazy(() => import('./designer.js'));
const registryImport = lazy(() => import('./import.js'));
const metrics = lazy(() => import('./metrics.js'));
const programs = lazy(() => import('./programs.js'));
const program = lazy(() => import('./program.js'));
const audit = lazy(() => import('./audit.js'));
const accounts = lazy(() => import('./accounts.js'));

// group: the roles that may use the screen (access.js); 'admin' screens say so in words.
const routes = [
  { path: '/staff', screen: home, access: 'staff', nav: 'home' },
  { path: '/staff/invite', screen: invite, access: 'public' },
  { path: '/staff/letters', screen: letters, access: 'staff', nav: 'letters' },
  { path: '/staff/counter', screen: counter, access: 'staff', nav: 'counter' },
  { path: '/staff/invites', screen: invites, access: 'admin', nav: 'invites' },
  { path: '/staff/cases', screen: cases, access: 'staff', group: 'cases', nav: 'cases' },
  { path: '/staff/cases/:id', screen: caseScreen, access: 'staff', group: 'cases', nav: 'cases' },
  { path: '/staff/residents', screen: residents, access: 'staff', nav: 'residents' },
  { path: '/staff/residents/:registryId', screen: resident, access: 'staff', nav: 'residents' },
  { path: '/staff/follow-ups', screen: followUps, access: 'staff', nav: 'followUps' },
  {
    path: '/staff/openings',
    screen: openings,
    access: 'staff',
    group: 'design',
    nav: 'openings',
  },
  {
    path: '/staff/corrections',
    screen: corrections,
    access: 'staff',
    group: 'cases',
    nav: 'corrections',
  },
  {
    path: '/staff/procedures',
    screen: procedures,
    access: 'staff',
    group: 'design',
    nav: 'procedures',
  },
  {
    path: '/staff/procedures/new',
    screen: designer,
    access: 'staff',
    group: 'design',
    nav: 'procedures',
  },
  {
    path: '/staff/procedures/:slug',
    screen: designer,
    access: 'staff',
    group: 'design',
    nav: 'procedures',
  },
  { path: '/staff/metrics', screen: metrics, access: 'staff', group: 'design', nav: 'metrics' },
  { path: '/staff/programs', screen: programs, access: 'staff', nav: 'programs' },
  {
    path: '/staff/programs/new',
    screen: program,
    access: 'staff',
    group: 'cases',
    nav: 'programs',
  },
  { path: '/staff/programs/:slug', screen: program, access: 'staff', nav: 'programs' },
  { path: '/staff/import', screen: registryImport, access: 'admin', nav: 'import' },
  { path: '/staff/audit', screen: audit, access: 'admin', nav: 'audit' },
  { path: '/staff/accounts', screen: accounts, access: 'admin', nav: 'accounts' },
];
const notFoundRoute = { path: null, screen: notFound, access: 'public' };

const municipality = getJSON('/api/municipality').catch(() => null);

try {
  await loadStaffMessages();
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

/** The screen a route shows to whoever is signed in (or to nobody). */
async function resolve(route) {
  if (route.access === 'public') {
    const account = await currentAccount().catch(() => null);
    return { screen: route.screen, account };
  }
  const account = await currentAccount();
  if (!account) return { screen: signIn, account };
  if (account.kind !== 'staff') return { screen: residentOnly, account };
  if (route.access === 'admin' && account.staff_role !== 'administrator') {
    return { screen: adminOnly, account };
  }
  if (route.group && !may(account, route.group)) return { screen: roleOnly, account };
  return { screen: route.screen, account };
}

const router = createRouter({
  routes,
  notFound: notFoundRoute,
  errorScreen,
  outlet: document.getElementById('main'),
  resolve,
  onRender: showChrome,
});

document.querySelector('[data-sign-out]')?.addEventListener('click', async () => {
  try {
    await signOut();
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
function showChrome(route, url, account) {
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
