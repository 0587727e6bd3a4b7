// The municipality's procedures as cards. Two variants share this module:
//   home   ("/")            heading, a lead line, a link to search, the way to support
//                           (signed in: the timeline — what to do, what is due — and
//                           あなたが受けられる支援; signed out: an invitation to sign in
//                           or create an account, and the anonymous check
//                           受けられる支援をしらべる), the list
//   search ("/procedures")  heading, a keyword box searching as you type (?q=); the
//                           server searches (GET /api/procedures?q=), so keywords,
//                           every language and synonyms (引越し/ひっこし) count, and the
//                           folding rules live in one place (backend procedures/search.py)

import { getJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { loadInto } from '../frame.js';
import { applyTranslations, localize } from '../i18n.js';
import { emptyState, errorPanel, loadingCards } from '../ui/status.js';

export const titleKey = 'procedures.title';

// How each "online" value is shown; the words are procedure.online.<value>.label / .hint.
const ONLINE_MODES = new Map([
  ['full', { icon: 'online' }],
  ['booking', { icon: 'booking' }],
  ['partial', { icon: 'interview' }],
]);

const FRESH_MS = 5 * 60 * 1000;
// Ask the server once typing pauses, not per keystroke; the count (a live region) follows.
const SEARCH_DELAY_MS = 300;
// The server's limit for q (procedures/routes.py): longer never reaches it.
const QUERY_MAX_LENGTH = 100;
let cached = null;

/** The procedure list, shared by both variants for a few minutes. */
function loadProcedures({ refresh = false } = {}) {
  if (refresh || !cached || Date.now() - cached.at > FRESH_MS) {
    const promise = getJSON('/api/procedures').then((body) =>
      Array.isArray(body?.items) ? body.items.filter((item) => item && item.slug) : [],
    );
    cached = { promise, at: Date.now() };
    promise.catch(() => {
      if (cached?.promise === promise) cached = null;
    });
  }
  return cached.promise;
}

/** The procedures the server finds for query (the HTTP cache revalidates by ETag). */
async function searchProcedures(query, signal) {
  const body = await getJSON(`/api/procedures?q=${encodeURIComponent(query)}`, { signal });
  return Array.isArray(body?.items) ? body.items.filter((item) => item && item.slug) : [];
}

export function mount(outlet, ctx) {
  const isSearch = ctx.props.variant === 'search';
  const results = el('div', { class: 'results', tabindex: '-1' });
  const page = el(
    'div',
    { class: 'page' },
    el('h1', { class: 'page__title', 'data-i18n': isSearch ? 'procedures.title' : 'home.title' }),
  );

  let query = isSearch ? (ctx.query.get('q') ?? '').slice(0, QUERY_MAX_LENGTH) : '';
  let shown = null;
  let searchParts = null;
  let searchTimer = 0;
  let pending = null;
  ctx.signal.addEventListener('abort', () => {
    clearTimeout(searchTimer);
    pending?.abort();
  });

  if (isSearch) {
    searchParts = searchForm(query);
    page.append(searchParts.form, searchParts.count);
    searchParts.input.addEventListener(
      'input',
      () => {
        query = searchParts.input.value;
        syncQueryToUrl(query);
        searchParts.clear.toggleAttribute('hidden', query.trim() === '');
        clearTimeout(searchTimer);
        searchTimer = setTimeout(() => fetchAndShow(), SEARCH_DELAY_MS);
      },
      { signal: ctx.signal },
    );
    searchParts.clear.addEventListener(
      'click',
      () => {
        searchParts.input.value = '';
        searchParts.input.dispatchEvent(new Event('input'));
        searchParts.input.focus();
      },
      { signal: ctx.signal },
    );
  } else {
    page.append(
      el('p', { class: 'page__lead', 'data-i18n': 'home.lead' }),
      el(
        'p',
        { class: 'page__action' },
        el(
          'a',
          { class: 'button button--outline', href: '/procedures' },
          icon('search', 'button__icon'),
          el('span', { 'data-i18n': 'home.searchLink' }),
        ),
      ),
    );
    const entry = el('div', { class: 'home-support' });
    page.append(entry);
    showSupportEntry(entry, ctx.signal);
  }
  page.append(results);
  outlet.append(page);

  /** The cards found, or why there are none; the count above them follows. */
  function itemsView(searched) {
    if (searchParts) {
      searchParts.count.dataset.i18nParams = JSON.stringify({ count: shown.length });
      searchParts.count.setAttribute('data-i18n', 'procedures.count');
      applyTranslations(searchParts.count);
    }
    if (shown.length === 0 && !searched) {
      return emptyState({ titleKey: 'procedures.empty.title', bodyKey: 'procedures.empty.body' });
    }
    if (shown.length === 0) {
      const clear = el('button', {
        type: 'button',
        class: 'button button--outline',
        'data-i18n': 'procedures.search.clear',
      });
      clear.addEventListener('click', () => searchParts?.clear.click());
      return emptyState({
        titleKey: 'procedures.noResults.title',
        bodyKey: 'procedures.noResults.body',
        params: { query: searched },
        action: clear,
      });
    }
    return el(
      'ul',
      { class: 'card-list', 'data-i18n-aria-label': 'procedures.listLabel' },
      shown.map(procedureCard),
    );
  }

  /** The whole list (home, an empty box) or the server's answer for the box's words. A
   * newer search cancels an older one; cards already shown stay until the answer comes. */
  async function fetchAndShow({ refresh = false } = {}) {
    pending?.abort();
    const controller = new AbortController();
    pending = controller;
    const searched = isSearch ? query.trim() : '';
    await loadInto(results, {
      signal: controller.signal, // aborted by a newer search and when the screen is left
      // The first time (or a retry) the loading cards; else the cards shown stay.
      loading:
        shown === null || refresh ? () => loadingCards({ labelKey: 'procedures.loading' }) : null,
      load: () =>
        searched ? searchProcedures(searched, controller.signal) : loadProcedures({ refresh }),
      show: (found) => {
        shown = found;
        return itemsView(searched);
      },
      failed: (error) => {
        shown = null;
        return errorPanel({
          titleKey: 'procedures.error.title',
          error,
          onRetry: () => {
            results.focus();
            fetchAndShow({ refresh: true });
          },
        });
      },
    });
  }

  fetchAndShow();
}

/**
 * The card leading to support: the resident's own list when signed in, else an invitation
 * to sign in (what an account is for, and that a passkey is all it takes) and the check
 * anyone can do. session.js comes after the first paint (it is not on the first screen's
 * path), so the variant this device showed last time is drawn first (Lighthouse measured a
 * layout shift of the whole list when the invitation came in after the answer).
 */
async function showSupportEntry(slot, signal) {
  // Drawn at once as this device was last time (a hint; nothing about who), then checked:
  // a first visit sees the invitation without the list below moving when the answer comes.
  let signedIn = readSignedInHint();
  fill(slot, signedIn);
  try {
    const { loadMe } = await import('../session.js');
    const known = (await loadMe({ signal })) != null;
    if (signal.aborted) return;
    if (known !== signedIn) fill(slot, known);
    signedIn = known;
  } catch {
    if (signal.aborted) return;
  }
  if (!signedIn) return;
  // Signed in: what to do, what is due, what goes on, what is unread, above the support.
  const { homeTimeline } = await import('../ui/home-timeline.js');
  const timeline = await homeTimeline(signal);
  if (timeline && !signal.aborted) slot.prepend(timeline);
}

function fill(slot, signedIn) {
  const [href, iconName, titleKey, hintKey] = signedIn
    ? ['/support', 'gift', 'home.support.title', 'home.support.hint']
    : ['/check', 'checklist', 'home.check.title', 'home.check.hint'];
  const card = el(
    'a',
    { class: 'feature-card', href },
    icon(iconName, 'feature-card__icon'),
    el('span', { class: 'feature-card__text' }, [
      el('span', { class: 'feature-card__title', 'data-i18n': titleKey }),
      el('span', { class: 'feature-card__hint', 'data-i18n': hintKey }),
    ]),
    icon('chevronRight', 'feature-card__chevron'),
  );
  // くらしの出来事: a move, a birth, a death — every procedure it needs, in one go.
  const lifeEvents = el(
    'a',
    { class: 'feature-card feature-card--life', href: '/life-events' },
    icon('checklist', 'feature-card__icon'),
    el('span', { class: 'feature-card__text' }, [
      el('span', { class: 'feature-card__title', 'data-i18n': 'home.lifeEvents.title' }),
      el('span', { class: 'feature-card__hint', 'data-i18n': 'home.lifeEvents.hint' }),
    ]),
    icon('chevronRight', 'feature-card__chevron'),
  );
  slot.replaceChildren(
    ...(signedIn ? [lifeEvents, card] : [signInInvitation(), lifeEvents, card]),
  );
  applyTranslations(slot);
}

// session.js's hint, read here without loading session.js before the first paint.
function readSignedInHint() {
  try {
    return localStorage.getItem('todoke.signedIn') === '1';
  } catch {
    return false;
  }
}

function signInInvitation() {
  return el(
    'section',
    { class: 'notice notice--info home-signin', 'aria-labelledby': 'home-signin-title' },
    icon('person', 'notice__icon'),
    el('h2', { class: 'notice__title', id: 'home-signin-title', 'data-i18n': 'home.signIn.title' }),
    el('div', { class: 'notice__body' }, el('p', { 'data-i18n': 'home.signIn.body' })),
    el(
      'div',
      { class: 'notice__actions' },
      el(
        'a',
        { class: 'button button--solid', href: '/account' },
        icon('passkey', 'button__icon'),
        el('span', { 'data-i18n': 'home.signIn.button' }),
      ),
    ),
  );
}

function searchForm(initialQuery) {
  const input = el('input', {
    id: 'procedure-search',
    class: 'search-box__input',
    type: 'search',
    name: 'q',
    autocomplete: 'off',
    enterkeyhint: 'search',
    maxlength: String(QUERY_MAX_LENGTH),
    'aria-describedby': 'procedure-search-hint',
  });
  input.value = initialQuery;
  const clear = el('button', {
    type: 'button',
    class: 'button button--text search-box__clear',
    'data-i18n': 'procedures.search.clear',
    hidden: initialQuery.trim() === '',
  });
  const form = el(
    'form',
    { class: 'search-box', role: 'search', 'data-i18n-aria-label': 'procedures.title' },
    el('label', {
      class: 'search-box__label',
      for: 'procedure-search',
      'data-i18n': 'procedures.search.label',
    }),
    el('p', {
      class: 'search-box__hint',
      id: 'procedure-search-hint',
      'data-i18n': 'procedures.search.hint',
    }),
    el('div', { class: 'search-box__row' }, [
      el('div', { class: 'search-box__field' }, icon('search', 'search-box__icon'), input),
      clear,
    ]),
  );
  // Searching happens as you type; Enter only closes the phone keyboard.
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    input.blur();
  });
  const count = el('p', { class: 'results-count', role: 'status' });
  return { form, input, clear, count };
}

function procedureCard(item) {
  const mode = ONLINE_MODES.get(item.online);
  const link = el('a', {
    class: 'procedure-card__link',
    href: `/procedures/${encodeURIComponent(item.slug)}`,
  });
  localize(link, item.title);

  return el(
    'li',
    { class: 'procedure-card' },
    el('h2', { class: 'procedure-card__title' }, link),
    icon('chevronRight', 'procedure-card__chevron'),
    mode
      ? el(
          'p',
          { class: 'procedure-card__mode' },
          el(
            'span',
            { class: 'chip', 'data-online': item.online },
            icon(mode.icon, 'chip__icon'),
            el('span', { 'data-i18n': `procedure.online.${item.online}.label` }),
          ),
          el('span', {
            class: 'procedure-card__hint',
            'data-i18n': `procedure.online.${item.online}.hint`,
          }),
        )
      : null,
    item.summary ? localize(el('p', { class: 'procedure-card__summary' }), item.summary) : null,
    item.department?.name
      ? el(
          'p',
          { class: 'procedure-card__department' },
          el('span', { 'data-i18n': 'procedure.departmentLabel' }),
          localize(el('span'), item.department.name),
        )
      : null,
  );
}

function syncQueryToUrl(query) {
  const url = new URL(location.href);
  if (query.trim()) url.searchParams.set('q', query.trim());
  else url.searchParams.delete('q');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
}
