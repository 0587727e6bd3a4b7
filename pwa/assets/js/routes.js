// The app's screens. Adding one is a module under screens/ plus one entry here
// (and its file in the service worker's precache list, so it also works offline).
//   path   real URL path; ":name" segments become ctx.params.name
//   nav    which bottom/top navigation item it belongs to (data-nav in index.html)
//   load   dynamic import of the screen module (see router.js for its contract)
//   props  passed to the screen as ctx.props

export const routes = [
  {
    path: '/',
    nav: 'home',
    load: () => import('./screens/procedures.js'),
    props: { variant: 'home' },
    titleKey: 'home.title',
  },
  {
    path: '/procedures',
    nav: 'home',
    load: () => import('./screens/procedures.js'),
    props: { variant: 'search' },
  },
  {
    path: '/procedures/:slug',
    nav: 'home',
    load: () => import('./screens/procedure.js'),
  },
  {
    path: '/procedures/:slug/apply',
    nav: 'applications',
    load: () => import('./screens/apply.js'),
  },
  {
    path: '/procedures/:slug/review',
    nav: 'applications',
    load: () => import('./screens/review.js'),
  },
  {
    path: '/applications',
    nav: 'applications',
    load: () => import('./screens/applications.js'),
  },
  {
    path: '/applications/:id',
    nav: 'applications',
    load: () => import('./screens/application.js'),
  },
  {
    path: '/applications/:id/amend',
    nav: 'applications',
    load: () => import('./screens/amend.js'),
  },
  {
    path: '/confirm',
    nav: 'applications',
    load: () => import('./screens/confirm.js'),
  },
  {
    path: '/life-events',
    nav: 'home',
    load: () => import('./screens/life-events.js'),
    props: { view: 'list' },
  },
  {
    // Before '/life-events/:slug', which would take "cases" for a slug.
    path: '/life-events/cases/:id',
    nav: 'home',
    load: () => import('./screens/life-events.js'),
    props: { view: 'case' },
  },
  {
    path: '/life-events/:slug',
    nav: 'home',
    load: () => import('./screens/life-events.js'),
    props: { view: 'event' },
  },
  {
    path: '/support',
    nav: 'home',
    load: () => import('./screens/support.js'),
  },
  {
    path: '/check',
    nav: 'home',
    load: () => import('./screens/check.js'),
  },
  {
    path: '/inbox',
    nav: 'inbox',
    load: () => import('./screens/inbox.js'),
  },
  {
    path: '/account',
    nav: 'account',
    load: () => import('./screens/account.js'),
  },
  {
    path: '/account/verify',
    nav: 'account',
    load: () => import('./screens/verify.js'),
  },
  {
    // What the QR code on an outreach letter (勧奨通知) opens, with ?code=…
    path: '/activate',
    nav: 'account',
    load: () => import('./screens/activate.js'),
  },
  {
    path: '/account/consents',
    nav: 'account',
    load: () => import('./screens/consents.js'),
  },
  {
    path: '/account/delegations',
    nav: 'account',
    load: () => import('./screens/delegations.js'),
  },
  {
    path: '/account/access-log',
    nav: 'account',
    load: () => import('./screens/access-log.js'),
  },
  {
    path: '/account/email/confirm',
    nav: 'settings',
    load: () => import('./screens/email-link.js'),
    props: { action: 'confirm' },
  },
  {
    path: '/account/email/unsubscribe',
    nav: 'settings',
    load: () => import('./screens/email-link.js'),
    props: { action: 'unsubscribe' },
  },
  {
    path: '/moving',
    nav: 'account',
    load: () => import('./screens/moving.js'),
  },
  {
    // At the municipality moved to: the 引越しコード, then what it pre-fills.
    path: '/moving/in',
    nav: 'account',
    load: () => import('./screens/move-in.js'),
  },
  {
    path: '/moving/:id',
    nav: 'account',
    load: () => import('./screens/move-out.js'),
  },
  {
    path: '/corrections',
    nav: 'account',
    load: () => import('./screens/corrections.js'),
  },
  {
    path: '/settings',
    nav: 'settings',
    load: () => import('./screens/settings.js'),
  },
];

export const notFoundRoute = {
  path: null,
  nav: null,
  load: () => import('./screens/not-found.js'),
};
