// /inbox: notices from the city, newest first. Each opens in place (a disclosure); an
// unread one is marked read on the server the first time it is opened.

import { ApiError, getJSON, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, localize } from '../i18n.js';
import { sessionEnded } from '../session.js';
import { dateTimeValue } from '../ui/feedback.js';
import { readAloudButton, stopReading } from '../ui/read-aloud.js';
import { loadSignedIn } from '../ui/signed-in-data.js';
import { emptyState } from '../ui/status.js';

export const titleKey = 'inbox.title';

export async function mount(outlet, ctx) {
  const count = el('p', { class: 'results-count', role: 'status' });
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      el('h1', { class: 'page__title', 'data-i18n': 'inbox.title' }),
      count,
      content,
    ),
  );
  // Words now, not once the data is in: a heading filled late would shift the screen.
  applyTranslations(outlet);

  let unread = 0;

  function showCount() {
    count.setAttribute('data-i18n', unread > 0 ? 'inbox.unreadCount' : 'inbox.allRead');
    count.setAttribute('data-i18n-params', JSON.stringify({ count: unread }));
    applyTranslations(count);
  }

  function load() {
    return loadSignedIn(content, ctx, {
      loadingKey: 'inbox.loading',
      signInKey: 'inbox.signInNeeded',
      errorKey: 'inbox.loadError',
      load: () => getJSON('/api/me/inbox', { signal: ctx.signal }),
      show: (inbox) => {
        const items = Array.isArray(inbox?.items) ? inbox.items : [];
        unread = Number.isInteger(inbox?.unread)
          ? inbox.unread
          : items.filter((item) => !item.read).length;
        if (items.length === 0) {
          return emptyState({ titleKey: 'inbox.empty.title', bodyKey: 'inbox.empty.body' });
        }
        showCount();
        return el(
          'ul',
          { class: 'inbox-list', 'data-i18n-aria-label': 'inbox.listLabel' },
          items.map(noticeItem),
        );
      },
    });
  }

  function noticeItem(item) {
    const bodyId = `notice-${item.id}-body`;
    const marker = el(
      'span',
      { class: 'chip chip--unread inbox-item__marker' },
      el('span', { class: 'inbox-item__dot', 'aria-hidden': 'true' }),
      el('span', { 'data-i18n': 'inbox.unread' }),
    );
    const toggle = el(
      'button',
      {
        type: 'button',
        class: 'inbox-item__toggle',
        'aria-expanded': 'false',
        'aria-controls': bodyId,
      },
      el('span', { class: 'inbox-item__line' }, [
        item.read ? null : marker,
        localize(el('span', { class: 'inbox-item__date' }), dateTimeValue(item.created_at)),
      ]),
      localize(el('span', { class: 'inbox-item__title' }), item.title),
      icon('chevronRight', 'inbox-item__chevron'),
    );
    const link = safeAppLink(item.link);
    const title = toggle.querySelector('.inbox-item__title');
    const text = localize(el('p', { class: 'inbox-item__text' }), item.body);
    // Reads this notice only, in the language it is shown in.
    const reader = readAloudButton(() => `${title.textContent}\n${text.textContent}`, {
      startKey: 'readAloud.notice',
    });
    const body = el(
      'div',
      { class: 'inbox-item__body', id: bodyId, hidden: true },
      el('p', { class: 'inbox-item__read' }, reader),
      text,
      link
        ? el('p', {}, el('a', { class: 'link', href: link, 'data-i18n': 'inbox.openLink' }))
        : null,
    );
    const li = el(
      'li',
      { class: 'inbox-item', 'data-unread': item.read ? null : 'true' },
      el('h2', { class: 'inbox-item__heading' }, toggle),
      body,
    );

    let read = item.read;
    toggle.addEventListener(
      'click',
      async () => {
        const open = toggle.getAttribute('aria-expanded') !== 'true';
        toggle.setAttribute('aria-expanded', String(open));
        body.hidden = !open;
        if (!open) stopReading(reader);
        if (!open || read) return;
        read = true;
        try {
          await sendJSON(`/api/me/inbox/${item.id}/read`, { signal: ctx.signal });
        } catch (error) {
          if (ctx.signal.aborted) return;
          read = false; // try again the next time it is opened
          if (error instanceof ApiError && error.status === 401) sessionEnded();
          return;
        }
        if (ctx.signal.aborted) return;
        marker.remove();
        li.removeAttribute('data-unread');
        unread = Math.max(0, unread - 1);
        showCount();
      },
      { signal: ctx.signal },
    );
    return li;
  }

  await load();
}

/** Only a path inside this app ("/account"), never another site or a script URL. */
function safeAppLink(link) {
  if (typeof link !== 'string' || !link.startsWith('/') || link.startsWith('//')) return null;
  try {
    const url = new URL(link, location.origin);
    return url.origin === location.origin ? url.pathname + url.search + url.hash : null;
  } catch {
    return null;
  }
}
