// Entry point of the staff app (/staff): the staff dictionary, the header's municipality
// and account, then the first screen. Everything visible comes from staff-ja.json or the API.

import { announce } from '../dom.js';
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
import { adminOnly, errorScreen, notFound, residentOnly } from './notices.js';

const routes = [
  { path: '/staff', screen: home, access: 'staff', nav: 'home' },
  { path: '/staff/invite', screen: invite, access: 'public' },
  { path: '/staff/letters', screen: letters, access: 'staff', nav: 'letters' },
  { path: '/staff/counter', screen: counter, access: 'staff', nav: 'counter' },
  { path: '/staff/invites', screen: invites, access: 'admin', nav: 'invites' },
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
  const admin = staff?.staff_role === 'administrator';
  const box = document.querySelector('[data-account]');
  const nav = document.querySelector('[data-staff-nav]');
  box.hidden = !staff;
  nav.hidden = !staff;
  if (staff) {
    document.querySelector('[data-account-name]').textContent = t('header.accountName', {
      name: staff.display_name,
      role: roleLabel(staff.staff_role),
    });
  }
  for (const item of nav.querySelectorAll('[data-admin-only]')) item.hidden = !admin;
  for (const link of nav.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === route.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}
