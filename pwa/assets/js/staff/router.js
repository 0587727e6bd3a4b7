// Client-side routes of the staff app under /staff (History API). The backend answers
// every /staff/* path with staff/index.html, so a reload or a shared link lands on the
// same screen. The shared router.js leaves /staff alone (it belongs to this app).
//
// A route is { path: '/staff/cases/:id', screen, access: 'public' | 'staff' | 'admin',
// group? (access.js: the roles that may use it) }; a screen module exports titleKey and
// mount(outlet, ctx) with ctx =
//   { url, params, signal, account, flash, navigate(href, {replace, flash}), rerender({flash}) }.
// resolve(route) (from app.js) may swap the screen, e.g. for the sign-in screen.

import { applyTranslations, t } from './i18n.js';

export const BASE = '/staff';

export function createRouter({ routes, notFound, errorScreen, outlet, resolve, onRender }) {
  let active = null;
  let sequence = 0;

  // The first route whose path fits wins; ':name' segments match one segment each and are
  // handed to the screen as ctx.params.name (decoded).
  function match(pathname) {
    const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
    const parts = path.split('/');
    for (const route of routes) {
      const pattern = route.path.split('/');
      if (pattern.length !== parts.length) continue;
      const params = {};
      const fits = pattern.every((segment, i) => {
        if (!segment.startsWith(':')) return segment === parts[i];
        try {
          params[segment.slice(1)] = decodeURIComponent(parts[i]);
        } catch {
          return false;
        }
        return params[segment.slice(1)] !== '';
      });
      if (fits) return { route, params };
    }
    return { route: notFound, params: {} };
  }

  async function render(url, { focus, flash = null }) {
    const current = ++sequence;
    const { route, params } = match(url.pathname);
    let resolved;
    try {
      resolved = await resolve(route);
    } catch (error) {
      console.error('staff router: could not resolve', error);
      resolved = { screen: errorScreen, account: null };
    }
    if (current !== sequence) return;

    active?.abort();
    const controller = new AbortController();
    active = controller;
    const { screen, account } = resolved;
    const ctx = {
      url,
      params,
      signal: controller.signal,
      account,
      flash,
      navigate,
      rerender: (options = {}) => render(new URL(location.href), { focus: true, ...options }),
    };

    outlet.replaceChildren();
    try {
      await screen.mount(outlet, ctx);
    } catch (error) {
      console.error('staff router: screen failed to render', error);
      outlet.replaceChildren();
      await errorScreen.mount(outlet, ctx);
    }
    if (current !== sequence) return;
    applyTranslations(outlet);
    // A screen may name its page itself (a case's receipt number) in ctx.pageTitle.
    const page = ctx.pageTitle || (screen.titleKey ? t(screen.titleKey) : '');
    document.title = page ? t('app.titleFormat', { page, app: t('app.name') }) : t('app.name');
    onRender?.(route, url, account);

    if (focus) {
      window.scrollTo(0, 0);
      const heading = outlet.querySelector('h1');
      if (heading) heading.tabIndex = -1;
      (heading ?? outlet).focus({ preventScroll: true });
    }
  }

  /** Go to href inside the staff app; flash is a message key for the next screen. */
  function navigate(href, { replace = false, flash = null } = {}) {
    const url = new URL(href, location.href);
    if (url.origin !== location.origin || !isStaffPath(url.pathname)) {
      location.assign(url.href);
      return;
    }
    history[replace ? 'replaceState' : 'pushState'](null, '', url.pathname + url.search + url.hash);
    render(url, { focus: true, flash });
  }

  function onClick(event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest?.('a[href]');
    if (!link || link.hasAttribute('download') || (link.target && link.target !== '_self')) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || !isStaffPath(url.pathname)) return;
    if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
    event.preventDefault();
    navigate(url.href, { replace: url.href === location.href });
  }

  function start() {
    document.addEventListener('click', onClick);
    window.addEventListener('popstate', () => render(new URL(location.href), { focus: true }));
    return render(new URL(location.href), { focus: false });
  }

  return { start, navigate };
}

function isStaffPath(pathname) {
  return pathname === BASE || pathname.startsWith(`${BASE}/`);
}
