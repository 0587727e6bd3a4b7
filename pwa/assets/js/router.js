// Client-side routing over real paths (History API) for both apps: the resident app, and
// the staff app under base '/staff'. The backend answers every app path with the app's
// index.html, so a reload or a shared link lands on the same screen.
//
// A route (see routes.js) is
//   { path: '/procedures/:slug', nav: 'procedures', load: () => import('./screens/x.js'),
//     props: {...} }
// (or screen: the module itself) and a screen module exports
//   mount(outlet, ctx)   build the screen into outlet (may be async); required. It may
//                        resolve with {focus: element} to have that element focused and
//                        scrolled to instead of the h1 (a deep link such as /support#slug),
//                        on the first load too
//   titleKey             i18n key of the page title (or the route gives titleKey)
// where ctx is
//   { url, params, query, props, signal, flash, navigate, rerender, setTitle }
//   - params: {slug: '...'} from the path; query: URLSearchParams; props: the route's props
//   - signal: AbortSignal aborted when the screen is left; pass it to fetch and to
//     addEventListener so nothing outlives the screen
//   - navigate(href, {replace, flash}): go elsewhere inside the app; flash (a message
//     key) is the next screen's ctx.flash. rerender({flash}): show this address again
//   - setTitle(() => string): a page title computed in the current language (e.g. from
//     API data), recomputed on every language switch
// plus what resolve(route, url) put in its context (the staff app: account); resolve may
// also give a screen to show instead of the route's (sign-in, a refusal).
// The screen's h1 gets focus after an in-app navigation, so give every screen one h1.

import { applyTranslations, LANGUAGE_CHANGE_EVENT, municipalityKnown, t } from './i18n.js';

/**
 * @param {object} options
 * @param {Array<object>} options.routes
 * @param {object} options.notFound          route used when no path matches
 * @param {object} options.errorScreen       screen module shown when a screen fails to load
 * @param {HTMLElement} options.outlet        where screens render (the <main>)
 * @param {string} [options.base]             '/staff' for the staff app
 * @param {Function} [options.resolve]        (route, url) => {screen?, context?}
 * @param {(route: object, url: URL, ctx: object) => void} [options.onRouteChange]
 */
export function createRouter({
  routes,
  notFound,
  errorScreen,
  outlet,
  base = '',
  resolve,
  onRouteChange,
}) {
  const compiled = routes.map((route) => ({ route, ...compilePath(route.path) }));
  let active = null;
  let sequence = 0;
  // The address the screen on show was drawn for, without its fragment: the browser fires
  // popstate for an in-page anchor too, which must not draw the screen again (a reply
  // being typed would be lost).
  let drawnFor = null;

  function match(pathname) {
    for (const { route, regex, keys } of compiled) {
      const found = regex.exec(pathname);
      if (!found) continue;
      const params = {};
      keys.forEach((key, i) => {
        params[key] = safeDecode(found[i + 1]);
      });
      return { route, params };
    }
    return { route: notFound, params: {} };
  }

  async function render(url, { focus, flash = null }) {
    const current = ++sequence;
    drawnFor = url.pathname + url.search;
    const { route, params } = match(url.pathname);
    let screen;
    let resolved = null;
    try {
      resolved = await resolve?.(route, url);
      screen = resolved?.screen ?? route.screen ?? (await route.load());
    } catch (error) {
      console.error('router: screen failed to load', error);
      screen = errorScreen;
    }
    if (current !== sequence) return; // a newer navigation took over

    active?.controller.abort();
    const controller = new AbortController();
    const titleKey = (resolved?.screen ? null : route.titleKey) ?? screen.titleKey;
    active = { controller, title: titleKey ? () => t(titleKey) : () => '' };

    const ctx = {
      ...resolved?.context,
      url,
      params,
      query: url.searchParams,
      props: route.props ?? {},
      signal: controller.signal,
      flash,
      navigate,
      rerender: (options = {}) => render(new URL(location.href), { focus: true, ...options }),
      setTitle(compute) {
        if (active?.controller === controller) {
          active.title = compute;
          updateTitle();
        }
      },
    };

    outlet.replaceChildren();
    let mounted = null;
    try {
      // A screen draws its heading, then waits for its data: word what it drew at once,
      // and title the page by its route, so no one (nor a screen reader, nor axe) meets an
      // empty heading or the last screen's title meanwhile.
      const mounting = screen.mount(outlet, ctx);
      applyTranslations(outlet);
      updateTitle();
      mounted = await mounting;
    } catch (error) {
      console.error('router: screen failed to render', error);
      outlet.replaceChildren();
      await errorScreen.mount(outlet, ctx);
    }
    if (current !== sequence) return; // left while the screen was still rendering
    applyTranslations(outlet);
    updateTitle();
    onRouteChange?.(route, url, ctx);

    const target = mounted?.focus;
    if (target instanceof HTMLElement && target.isConnected) {
      if (!target.hasAttribute('tabindex')) target.tabIndex = -1;
      target.focus({ preventScroll: true });
      target.scrollIntoView({ block: 'start' });
    } else if (focus) {
      // Phones scroll a frame around the outlet, wide screens the page: reset both.
      outlet.closest('[data-scroller]')?.scrollTo(0, 0);
      window.scrollTo(0, 0);
      const heading = outlet.querySelector('h1');
      const target = heading ?? outlet;
      if (heading) heading.tabIndex = -1;
      target.focus({ preventScroll: true });
    }
  }

  function updateTitle() {
    const page = active?.title() ?? '';
    // The municipality's name beside the app's: two municipalities' tabs tell apart.
    const app = municipalityKnown() ? t('app.nameAt', { app: t('app.name') }) : t('app.name');
    document.title = page ? t('app.titleFormat', { page, app }) : app;
  }

  /** Go to href inside the app (pushes a history entry unless replace). */
  function navigate(href, { replace = false, flash = null } = {}) {
    const url = new URL(href, location.href);
    if (url.origin !== location.origin || !isAppPath(url.pathname)) {
      location.assign(url.href);
      return;
    }
    history[replace ? 'replaceState' : 'pushState'](null, '', url.pathname + url.search + url.hash);
    render(url, { focus: true, flash });
  }

  function onClick(event) {
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    ) {
      return;
    }
    const link = event.target.closest?.('a[href]');
    if (!link || link.hasAttribute('download') || (link.target && link.target !== '_self')) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || !isAppPath(url.pathname)) return;
    // In-page anchors (the skip link) keep the browser's own behaviour.
    if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
    event.preventDefault();
    if (url.pathname + url.search === location.pathname + location.search) {
      render(url, { focus: true });
      return;
    }
    navigate(url.href);
  }

  /** Render the current URL and handle links and back/forward from now on. */
  function start() {
    document.addEventListener('click', onClick);
    window.addEventListener('popstate', () => {
      const url = new URL(location.href);
      if (url.pathname + url.search === drawnFor) return; // only the fragment moved
      render(url, { focus: true });
    });
    document.addEventListener(LANGUAGE_CHANGE_EVENT, updateTitle);
    return render(new URL(location.href), { focus: false });
  }

  function isAppPath(pathname) {
    if (/\.[a-z0-9]+$/i.test(pathname)) return false;
    if (base) return pathname === base || pathname.startsWith(`${base}/`);
    return !/^\/(api|assets|schema|admin|staff)(\/|$)/.test(pathname);
  }

  return { start, navigate };
}

function safeDecode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // malformed %-escapes: let the screen find nothing by it
  }
}

function compilePath(path) {
  const keys = [];
  const pattern = path
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        keys.push(segment.slice(1));
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  // "/procedures" and "/procedures/" are the same screen.
  return { regex: new RegExp(`^${pattern === '' ? '/' : pattern}/?$`), keys };
}
