// What stands in the way of filing a procedure (FormRead.blockers), each said with what
// to do about it. prefill_consent is advice, not a blocker: filing works without it.

import { el, icon } from '../dom.js';

// Per blocker: how it is shown, its words, and the link that resolves it (if any).
const BLOCKERS = {
  sign_in: {
    tone: 'info',
    icon: 'person',
    titleKey: 'blocker.signIn.title',
    bodyKey: 'blocker.signIn.body',
    href: '/account',
    linkKey: 'blocker.signIn.link',
  },
  verify: {
    tone: 'info',
    icon: 'shield',
    titleKey: 'blocker.verify.title',
    bodyKey: 'blocker.verify.body',
    href: '/account/verify',
    linkKey: 'blocker.verify.link',
  },
  prefill_consent: {
    tone: 'info',
    icon: 'info',
    titleKey: 'blocker.prefillConsent.title',
    bodyKey: 'blocker.prefillConsent.body',
    href: '/account/consents',
    linkKey: 'blocker.prefillConsent.link',
  },
  closed: {
    tone: 'error',
    icon: 'alert',
    titleKey: 'blocker.closed.title',
    bodyKey: 'blocker.closed.body',
  },
  proxy_not_allowed: {
    tone: 'error',
    icon: 'alert',
    titleKey: 'blocker.proxyNotAllowed.title',
    bodyKey: 'blocker.proxyNotAllowed.body',
  },
};
const UNKNOWN = {
  tone: 'error',
  icon: 'alert',
  titleKey: 'blocker.unknown.title',
  bodyKey: 'blocker.unknown.body',
};

/** Hard blockers: while one of them holds, the resident cannot file (or start a draft). */
export const STOPS_DRAFT = new Set(['sign_in', 'closed', 'proxy_not_allowed']);

/** The notices for blockers (unknown ones get a general message), in the given order. */
export function blockerNotices(blockers, { headingLevel = 'h2' } = {}) {
  return (blockers ?? []).map((blocker) => {
    const spec = BLOCKERS[blocker] ?? UNKNOWN;
    return el(
      'div',
      { class: `notice notice--${spec.tone} blocker`, 'data-blocker': blocker },
      icon(spec.icon, 'notice__icon'),
      el(headingLevel, { class: 'notice__title', 'data-i18n': spec.titleKey }),
      el('div', { class: 'notice__body' }, el('p', { 'data-i18n': spec.bodyKey })),
      spec.href
        ? el(
            'div',
            { class: 'notice__actions' },
            el(
              'a',
              { class: 'button button--outline', href: spec.href },
              el('span', { 'data-i18n': spec.linkKey }),
              icon('chevronRight', 'button__icon'),
            ),
          )
        : null,
    );
  });
}
