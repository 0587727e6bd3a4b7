// /account/verify: link the account to the resident's registry record.
//   by letter   the activation code the city posted to the registered address
//               (XXXX-XXXX-XXXX; any case, with or without dashes, full-width too)
//   at counter  a short-lived code shown in big digits for the staff, who check an
//               identity document and confirm it on their side

import { ApiError, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, pick } from '../i18n.js';
import { loadMe, sessionEnded, setFlash } from '../session.js';
import { codeEntryForm } from '../ui/code-entry.js';
import { busy, messageArea, timeValue } from '../ui/feedback.js';
import { loadSignedIn } from '../ui/signed-in-data.js';
import { signInPrompt } from '../ui/signin.js';

export const titleKey = 'verify.title';

export async function mount(outlet, ctx) {
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      el(
        'p',
        { class: 'back-link' },
        el(
          'a',
          { class: 'link', href: '/account' },
          icon('chevronLeft', 'back-link__icon'),
          el('span', { 'data-i18n': 'account.title' }),
        ),
      ),
      el('h1', { class: 'page__title', 'data-i18n': 'verify.title' }),
      content,
    ),
  );
  // Words now, not once the data is in: a heading filled late would shift the screen.
  applyTranslations(outlet);

  function alreadyVerified() {
    return el(
      'div',
      { class: 'notice notice--success' },
      icon('check', 'notice__icon'),
      el('h2', { class: 'notice__title', 'data-i18n': 'verify.already' }),
      el(
        'div',
        { class: 'notice__actions' },
        el('a', {
          class: 'button button--solid',
          href: '/account',
          'data-i18n': 'verify.backToAccount',
        }),
      ),
    );
  }

  function signedOutUnderneath() {
    sessionEnded();
    content.replaceChildren(signInPrompt('account.sessionExpired'));
    applyTranslations(content);
  }

  // ---- by letter ------------------------------------------------------------------

  function letterSection() {
    const form = codeEntryForm({
      id: 'verify-code',
      labelKey: 'verify.code.label',
      hintKey: 'verify.code.hint',
      submitKey: 'verify.code.submit',
      path: '/api/me/verification',
      signal: ctx.signal,
      onSignedOut: signedOutUnderneath,
      onDone: async (result) => {
        await loadMe({ refresh: true }).catch(() => {});
        if (ctx.signal.aborted) return;
        setFlash({ tone: 'success', key: result?.recovered ? 'verify.recovered' : 'verify.done' });
        ctx.navigate('/account');
      },
    });
    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'verify-letter-title' },
      el('h2', {
        class: 'panel__title',
        id: 'verify-letter-title',
        'data-i18n': 'verify.letter.title',
      }),
      el('p', { 'data-i18n': 'verify.letter.lead' }),
      form,
    );
  }

  // ---- at the counter ---------------------------------------------------------------

  function counterSection() {
    const messages = messageArea();
    const show = el(
      'button',
      { type: 'button', class: 'button button--outline button--block' },
      icon('store', 'button__icon'),
      el('span', { 'data-i18n': 'verify.counter.show' }),
    );
    const digits = el('span', {
      class: 'counter-code__digits',
      translate: 'no',
      'aria-hidden': 'true',
    });
    const spoken = el('span', { class: 'visually-hidden' });
    const expiry = el('p', { class: 'counter-code__expiry' });
    const check = el(
      'button',
      { type: 'button', class: 'button button--solid button--block' },
      el('span', { 'data-i18n': 'verify.counter.check' }),
    );
    const box = el(
      'div',
      {
        class: 'counter-code',
        hidden: true,
        role: 'group',
        'aria-labelledby': 'verify-counter-code-label',
      },
      el('p', {
        class: 'counter-code__label',
        id: 'verify-counter-code-label',
        'data-i18n': 'verify.counter.codeLabel',
      }),
      el('p', { class: 'counter-code__value' }, digits, spoken),
      expiry,
    );
    const afterCode = el(
      'div',
      { class: 'stack', hidden: true },
      el('p', { 'data-i18n': 'verify.counter.afterStaff' }),
      check,
    );
    let timer = 0;
    ctx.signal.addEventListener('abort', () => clearTimeout(timer));

    show.addEventListener(
      'click',
      async () => {
        messages.clear();
        const done = busy(show);
        let issued;
        try {
          issued = await sendJSON('/api/me/counter-code', { signal: ctx.signal });
        } catch (error) {
          if (ctx.signal.aborted) return;
          done();
          if (error instanceof ApiError && error.status === 401) return signedOutUnderneath();
          messages.show({ error });
          return;
        }
        if (ctx.signal.aborted) return;
        done();
        const code = String(issued.code);
        digits.replaceChildren(
          ...code
            .match(/.{1,4}/g)
            .map((group) => el('span', { class: 'counter-code__group' }, group)),
        );
        // Read digit by digit, not as one large number.
        spoken.textContent = code.split('').join(' ');
        const expires = new Date(issued.expires_at);
        box.classList.remove('counter-code--expired');
        expiry.setAttribute('data-i18n', 'verify.counter.expires');
        expiry.setAttribute(
          'data-i18n-params',
          JSON.stringify({ time: pick(timeValue(expires)).text }),
        );
        box.hidden = false;
        afterCode.hidden = false;
        show.querySelector('span').setAttribute('data-i18n', 'verify.counter.renew');
        applyTranslations(show.parentElement);
        clearTimeout(timer);
        timer = setTimeout(
          () => {
            box.classList.add('counter-code--expired');
            expiry.setAttribute('data-i18n', 'verify.counter.expired');
            applyTranslations(expiry);
          },
          Math.max(0, expires.getTime() - Date.now()),
        );
        box.tabIndex = -1;
        box.focus();
      },
      { signal: ctx.signal },
    );

    check.addEventListener(
      'click',
      async () => {
        messages.clear();
        const done = busy(check);
        let fresh;
        try {
          fresh = await loadMe({ refresh: true, signal: ctx.signal });
        } catch (error) {
          if (ctx.signal.aborted) return;
          done();
          messages.show({ error });
          return;
        }
        if (ctx.signal.aborted) return;
        done();
        if (!fresh) return signedOutUnderneath();
        if (fresh.verified) {
          setFlash({ tone: 'success', key: 'verify.done' });
          ctx.navigate('/account');
          return;
        }
        messages.show({ tone: 'info', key: 'verify.counter.notYet' });
      },
      { signal: ctx.signal },
    );

    return el(
      'section',
      { class: 'panel', 'aria-labelledby': 'verify-counter-title' },
      el('h2', {
        class: 'panel__title',
        id: 'verify-counter-title',
        'data-i18n': 'verify.counter.title',
      }),
      el('p', { 'data-i18n': 'verify.counter.lead' }),
      show,
      box,
      afterCode,
      messages.node,
    );
  }

  // Signed in and not verified yet: both ways; verified: nothing left to do here.
  await loadSignedIn(content, ctx, {
    loading: null,
    signInKey: 'verify.signInNeeded',
    errorKey: 'account.error.load',
    show: (me) => (me.verified ? alreadyVerified() : [letterSection(), counterSection()]),
  });
}
