// /support — あなたが受けられる支援: the programs the city found this resident qualifies for,
// each as a card with why (the conditions that held, in plain sentences) and the ONE thing
// to do: open the pre-filled application (invite), do what the city says (inform), or
// nothing at all (grant: paid without applying). Notices link to /support#<slug>: that
// card is scrolled to and focused.
//
// When there is nothing to show, the screen says why: not verified yet, or no consent to
// matching, or simply nothing found for now.

import { getJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, localize } from '../i18n.js';
import { dateTimeValue } from '../ui/feedback.js';
import { loadSignedIn } from '../ui/signed-in-data.js';
import { signInPrompt } from '../ui/signin.js';

export const titleKey = 'support.title';

// How each delivery mode is labelled (support.delivery.<mode>) and drawn.
const DELIVERY_ICONS = { invite: 'document', inform: 'info', grant: 'check' };

export async function mount(outlet, ctx) {
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      el('h1', { class: 'page__title', 'data-i18n': 'support.title' }),
      el('p', { class: 'page__lead', 'data-i18n': 'support.lead' }),
      content,
    ),
  );
  // Words now, not once the data is in: a heading filled late would shift the screen.
  applyTranslations(outlet);

  async function load() {
    const found = await loadSignedIn(content, ctx, {
      loadingKey: 'support.loading',
      count: 1,
      signInKey: 'support.signInNeeded',
      errorKey: 'support.loadError',
      // Signed out: the anonymous check is offered beside the sign-in.
      signedOut: () => [signInPrompt('support.signInNeeded'), checkLink()],
      load: () =>
        Promise.all([
          getJSON('/api/support', { signal: ctx.signal }),
          getJSON('/api/me/consents', { signal: ctx.signal }),
        ]),
      show: ([support, consents], me) => {
        const items = (Array.isArray(support?.items) ? support.items : []).filter((i) => i?.slug);
        if (items.length === 0) return whyEmpty(me, consents);
        return [
          el('p', {
            class: 'results-count',
            'data-i18n': 'support.count',
            'data-i18n-params': JSON.stringify({ count: items.length }),
          }),
          el('ul', { class: 'support-list', 'data-i18n-aria-label': 'support.listLabel' }, [
            ...items.map((item) => el('li', {}, supportCard(item))),
          ]),
          el('p', { class: 'support-footnote', 'data-i18n': 'support.footnote' }),
        ];
      },
    });
    return found ? (found[0]?.items ?? []).filter((i) => i?.slug) : null;
  }

  const items = await load();
  // A notice's link (/support#slug): go straight to that program.
  const slug = decodeHash(location.hash);
  if (!slug || !items?.some((item) => item.slug === slug)) return undefined;
  const card = document.getElementById(slug);
  return card ? { focus: card } : undefined;
}

function supportCard(item) {
  const slug = item.slug;
  const titleId = `${slug}-title`;
  const whyId = `${slug}-why`;
  const delivery = DELIVERY_ICONS[item.delivery] ? item.delivery : 'inform';
  const why = Array.isArray(item.why) ? item.why.filter((w) => w?.sentence) : [];
  return el(
    'article',
    { class: 'support-card', id: slug, tabindex: '-1', 'aria-labelledby': titleId },
    el(
      'p',
      { class: 'support-card__kind' },
      el(
        'span',
        { class: 'chip', 'data-delivery': delivery },
        icon(DELIVERY_ICONS[delivery], 'chip__icon'),
        el('span', { 'data-i18n': `support.delivery.${delivery}` }),
      ),
    ),
    localize(el('h2', { class: 'support-card__title', id: titleId }), item.title),
    item.summary ? localize(el('p', { class: 'support-card__summary' }), item.summary) : null,
    why.length > 0
      ? el(
          'div',
          { class: 'support-card__why' },
          el('h3', { class: 'support-card__subtitle', id: whyId, 'data-i18n': 'support.why' }),
          el(
            'ul',
            { class: 'why-list' },
            why.map((reason) =>
              el(
                'li',
                { class: 'why-list__item', 'data-held': reason.held ? 'true' : 'false' },
                icon(reason.held ? 'check' : 'info', 'why-list__icon'),
                localize(el('span'), reason.sentence),
                reason.held
                  ? null
                  : el('span', { class: 'why-list__note', 'data-i18n': 'support.notHeld' }),
              ),
            ),
          ),
          el('p', {
            class: 'support-card__source',
            'data-i18n': 'support.source',
            'data-i18n-params': JSON.stringify({
              date: dateTimeValue(item.matched_at, { time: false }),
            }),
          }),
        )
      : null,
    actionArea(item, delivery, titleId),
  );
}

/** The one thing to do, by delivery mode. */
function actionArea(item, delivery, titleId) {
  const text = item.action
    ? localize(el('p', { class: 'support-card__action-text' }), item.action)
    : null;
  const applyUrl = safeAppLink(item.apply_url);
  if (delivery === 'invite' && applyUrl) {
    return el(
      'div',
      { class: 'support-card__action' },
      text,
      el(
        'a',
        {
          class: 'button button--solid button--block',
          href: applyUrl,
          'aria-describedby': titleId,
        },
        icon('document', 'button__icon'),
        el('span', { 'data-i18n': 'support.apply' }),
        icon('chevronRight', 'button__icon'),
      ),
      el('p', { class: 'support-card__hint', 'data-i18n': 'support.applyHint' }),
    );
  }
  if (delivery === 'grant') {
    return el(
      'div',
      { class: 'support-card__action support-card__action--grant' },
      el(
        'p',
        { class: 'support-card__no-application' },
        icon('check', 'support-card__no-application-icon'),
        el('span', { 'data-i18n': 'support.noApplication' }),
      ),
      text,
    );
  }
  return el(
    'div',
    { class: 'support-card__action' },
    el('h3', { class: 'support-card__subtitle', 'data-i18n': 'support.whatToDo' }),
    text,
  );
}

/** Nothing to show: say which of the three reasons it is, with the way forward. */
function whyEmpty(me, consents) {
  if (!me.verified) {
    return emptyNotice({
      titleKey: 'support.empty.unverified.title',
      bodyKey: 'support.empty.unverified.body',
      href: '/account/verify',
      linkKey: 'account.identity.verifyLink',
      extra: checkLink(),
    });
  }
  if (consents?.matching !== true) {
    return emptyNotice({
      titleKey: 'support.empty.noConsent.title',
      bodyKey: 'support.empty.noConsent.body',
      href: '/account/consents',
      linkKey: 'support.empty.noConsent.link',
    });
  }
  return el(
    'div',
    { class: 'empty-state' },
    icon('emptyBox', 'empty-state__icon'),
    el('h2', { class: 'empty-state__title', 'data-i18n': 'support.empty.none.title' }),
    el('p', { class: 'empty-state__body', 'data-i18n': 'support.empty.none.body' }),
    el('p', {}, el('a', { class: 'link', href: '/check', 'data-i18n': 'support.checkLink' })),
  );
}

function emptyNotice({ titleKey, bodyKey, href, linkKey, extra = null }) {
  return el(
    'div',
    { class: 'stack' },
    el(
      'div',
      { class: 'notice notice--info' },
      icon('info', 'notice__icon'),
      el('h2', { class: 'notice__title', 'data-i18n': titleKey }),
      el('div', { class: 'notice__body' }, el('p', { 'data-i18n': bodyKey })),
      el(
        'div',
        { class: 'notice__actions' },
        el(
          'a',
          { class: 'button button--solid', href },
          el('span', { 'data-i18n': linkKey }),
          icon('chevronRight', 'button__icon'),
        ),
      ),
    ),
    extra,
  );
}

function checkLink() {
  return el(
    'p',
    { class: 'support-check-link' },
    el('a', { class: 'link', href: '/check', 'data-i18n': 'support.checkLinkSignedOut' }),
  );
}

function decodeHash(hash) {
  if (!hash || hash.length < 2) return '';
  try {
    return decodeURIComponent(hash.slice(1));
  } catch {
    return '';
  }
}

/** Only a path inside this app, never another site or a script URL. */
function safeAppLink(link) {
  if (typeof link !== 'string' || !link.startsWith('/') || link.startsWith('//')) return null;
  try {
    const url = new URL(link, location.origin);
    return url.origin === location.origin ? url.pathname + url.search + url.hash : null;
  } catch {
    return null;
  }
}
