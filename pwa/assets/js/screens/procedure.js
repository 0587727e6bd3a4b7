// /procedures/:slug — one procedure before starting it: what it is, how much of it is
// online, how long it takes, what it costs, what must be done first (blockers, each with
// its way out), and the way in: 申請をはじめる, or 下書きを続ける when a draft exists.
// A delegate chooses whom the application is for.

import { ApiError, getJSON, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { loadInto } from '../frame.js';
import { applyTranslations, localize, pick } from '../i18n.js';
import { dateValue } from '../jp.js';
import { applyHref, loadForm } from '../procedure-form.js';
import { loadMe, sessionEnded } from '../session.js';
import { backLink } from '../ui/back-link.js';
import { blockerNotices, STOPS_DRAFT } from '../ui/blockers.js';
import { busy, dateTimeValue, messageArea } from '../ui/feedback.js';
import { errorPanel } from '../ui/status.js';

export const titleKey = 'procedurePage.title';

// How each "online" value is explained on this page.
const MODES = {
  full: { icon: 'online', key: 'procedurePage.mode.full' },
  booking: { icon: 'booking', key: 'procedurePage.mode.booking' },
  partial: { icon: 'interview', key: 'procedurePage.mode.partial' },
};

export async function mount(outlet, ctx) {
  const slug = ctx.params.slug;
  const heading = el('h1', { class: 'page__title' });
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el('div', { class: 'page' }, backLink('/procedures', 'procedures.title'), heading, content),
  );
  applyTranslations(outlet);

  let me = null;
  let form = null;
  let drafts = [];
  let delegations = [];
  let onBehalfOf = null;

  async function load() {
    // The heading says what is coming; what content holds (an error, on a retry) stays.
    heading.setAttribute('data-i18n', 'procedurePage.loading');
    applyTranslations(heading);
    await loadInto(content, {
      signal: ctx.signal,
      load: () => loadProcedurePage(slug, ctx.signal),
      show: (loaded) => {
        me = loaded.account;
        form = loaded.form;
        drafts = loaded.drafts;
        delegations = loaded.delegations;
        heading.removeAttribute('data-i18n');
        localize(heading, form.procedure?.title);
        ctx.setTitle(() => pick(form.procedure?.title).text);
        return procedureView();
      },
      failed: failureView,
    });
  }

  /** A procedure that does not exist says so in the heading; any other failure retries. */
  function failureView(error, retry) {
    const notFound = error instanceof ApiError && error.status === 404;
    const headingKey = notFound ? 'procedurePage.notFound.title' : 'procedurePage.title';
    heading.setAttribute('data-i18n', headingKey);
    applyTranslations(heading);
    if (!notFound) {
      return errorPanel({ titleKey: 'procedurePage.loadError', error, onRetry: () => retry() });
    }
    return [
      el('p', { 'data-i18n': 'procedurePage.notFound.body' }),
      el(
        'p',
        {},
        el('a', {
          class: 'link',
          href: '/procedures',
          'data-i18n': 'procedurePage.notFound.link',
        }),
      ),
    ];
  }

  function procedureView() {
    const actionArea = el('div', { class: 'stack' });
    renderAction(actionArea);
    return [...aboutSections(form), actionArea];
  }

  /** Blockers, the choice of applicant for a delegate, and the main button. */
  function renderAction(area) {
    const blockers = form.blockers ?? [];
    const canDraft = me != null && !blockers.some((blocker) => STOPS_DRAFT.has(blocker));
    const draft = drafts.find(
      (item) => item.slug === slug && (item.on_behalf_of ?? null) === (onBehalfOf ?? null),
    );
    const messages = messageArea();
    const parts = [];

    if (me && delegations.length > 0) parts.push(applicantChoice());
    if (blockers.length > 0) {
      parts.push(el('div', { class: 'stack', 'data-blockers': '' }, blockerNotices(blockers)));
    }

    if (canDraft) {
      const button = el(
        'button',
        { type: 'button', class: 'button button--solid button--block procedure-start' },
        draft ? icon('pencil', 'button__icon') : null,
        el('span', { 'data-i18n': draft ? 'procedurePage.continue' : 'procedurePage.start' }),
        draft ? null : icon('chevronRight', 'button__icon'),
      );
      button.addEventListener(
        'click',
        async () => {
          messages.clear();
          if (draft) {
            ctx.navigate(applyHref(slug, draft.id));
            return;
          }
          const done = busy(button);
          let created;
          try {
            created = await sendJSON('/api/drafts', {
              body: onBehalfOf ? { slug, on_behalf_of: onBehalfOf } : { slug },
              signal: ctx.signal,
            });
          } catch (error) {
            if (ctx.signal.aborted) return;
            done();
            if (error instanceof ApiError && error.status === 401) sessionEnded();
            messages.show({ error, focus: true });
            return;
          }
          if (ctx.signal.aborted) return;
          ctx.navigate(applyHref(slug, created.id));
        },
        { signal: ctx.signal },
      );
      parts.push(
        el(
          'div',
          { class: 'procedure-action' },
          draft
            ? el(
                'p',
                { class: 'procedure-action__draft' },
                icon('info', 'procedure-action__icon'),
                el('span', {
                  'data-i18n': 'procedurePage.draftExists',
                  'data-i18n-params': JSON.stringify({ date: dateTimeValue(draft.updated_at) }),
                }),
              )
            : null,
          button,
          messages.node,
        ),
      );
    }
    area.replaceChildren(...parts);
    applyTranslations(area);
  }

  /** 自分の申請 / ○○さんの代理で申請: the form (and its blockers) depend on the answer. */
  function applicantChoice() {
    const name = 'procedure-applicant';
    const option = (value, labelNode, index) => {
      const id = `${name}-${index}`;
      const input = el('input', {
        id,
        class: 'choice__input',
        type: 'radio',
        name,
        value: value ?? '',
        checked: (onBehalfOf ?? null) === (value ?? null),
      });
      input.addEventListener(
        'change',
        async () => {
          if (!input.checked) return;
          onBehalfOf = value;
          const area = fieldset.closest('.panel').parentElement;
          try {
            form = await loadForm(slug, onBehalfOf, ctx.signal);
          } catch (error) {
            if (ctx.signal.aborted) return;
            content.replaceChildren(...[failureView(error, load)].flat());
            applyTranslations(content);
            return;
          }
          if (ctx.signal.aborted) return;
          renderAction(area);
          area.querySelector(`#${id}`)?.focus();
        },
        { signal: ctx.signal },
      );
      return el(
        'div',
        { class: 'choice' },
        input,
        el('label', { class: 'choice__label', for: id }, labelNode),
      );
    };
    const fieldset = el(
      'fieldset',
      { class: 'choice-group' },
      el('legend', {
        class: 'choice-group__legend',
        'data-i18n': 'procedurePage.applicant.legend',
      }),
      el(
        'div',
        { class: 'choice-group__options' },
        option(null, el('span', { 'data-i18n': 'procedurePage.applicant.self' }), 0),
        delegations.map((delegation, index) =>
          option(
            delegation.principal_account,
            el('span', {
              'data-i18n': 'procedurePage.applicant.onBehalf',
              'data-i18n-params': JSON.stringify({ name: delegation.principal_name }),
            }),
            index + 1,
          ),
        ),
      ),
    );
    return el('div', { class: 'panel' }, fieldset);
  }

  await load();
}

/** Works signed out too: the procedure is public; drafts and delegations are extras. */
async function loadProcedurePage(slug, signal) {
  const account = await loadMe({ signal }).catch((error) => {
    if (error instanceof ApiError && !error.offline) return null;
    throw error;
  });
  const [formResult, draftsResult, delegationsResult] = await Promise.allSettled([
    loadForm(slug, null, signal),
    account ? getJSON('/api/drafts', { signal }) : Promise.resolve({ items: [] }),
    account ? getJSON('/api/me/delegations', { signal }) : Promise.resolve({ items: [] }),
  ]);
  if (formResult.status === 'rejected') throw formResult.reason;
  return {
    account,
    form: formResult.value,
    drafts: draftsResult.status === 'fulfilled' ? (draftsResult.value?.items ?? []) : [],
    delegations: (
      delegationsResult.status === 'fulfilled' ? (delegationsResult.value?.items ?? []) : []
    ).filter(
      (item) =>
        item.direction === 'received' &&
        item.status === 'active' &&
        (!item.scope?.length || item.scope.includes(slug)),
    ),
  };
}

/** What the procedure is: how much is online, its summary, the facts, and help. */
function aboutSections(form) {
  const procedure = form.procedure ?? {};
  const mode = MODES[procedure.online];
  return [
    el(
      'section',
      { class: 'procedure-intro', 'aria-labelledby': 'procedure-mode' },
      mode
        ? el(
            'p',
            { class: 'procedure-intro__mode', id: 'procedure-mode' },
            el(
              'span',
              { class: 'chip', 'data-online': procedure.online },
              icon(mode.icon, 'chip__icon'),
              el('span', { 'data-i18n': `procedure.online.${procedure.online}.label` }),
            ),
            el('span', { class: 'procedure-intro__mode-text', 'data-i18n': mode.key }),
          )
        : null,
      procedure.summary
        ? localize(el('p', { class: 'procedure-intro__summary' }), procedure.summary)
        : null,
    ),
    factsPanel(procedure, form),
    form.help
      ? el(
          'section',
          { class: 'panel', 'aria-labelledby': 'procedure-help-title' },
          el('h2', {
            class: 'panel__title',
            id: 'procedure-help-title',
            'data-i18n': 'procedurePage.help',
          }),
          localize(el('p', { class: 'procedure-help' }), form.help),
        )
      : null,
  ];
}

function factsPanel(procedure, form) {
  const row = (labelKey, value) =>
    el('div', { class: 'facts__row' }, el('dt', { 'data-i18n': labelKey }), value);
  const fee = form.fee_yen ?? 0;
  const closesOn = form.closes_on;
  return el(
    'section',
    { class: 'panel', 'aria-labelledby': 'procedure-facts-title' },
    el('h2', {
      class: 'panel__title',
      id: 'procedure-facts-title',
      'data-i18n': 'procedurePage.facts',
    }),
    el(
      'dl',
      { class: 'facts' },
      procedure.department?.name
        ? row('procedurePage.department', localize(el('dd'), procedure.department.name))
        : null,
      row(
        'procedurePage.serviceDays',
        el('dd', {
          'data-i18n': 'procedurePage.serviceDaysValue',
          'data-i18n-params': JSON.stringify({ count: procedure.service_days ?? 0 }),
        }),
      ),
      row(
        'procedurePage.fee',
        fee > 0
          ? el('dd', {
              'data-i18n': 'procedurePage.feeValue',
              'data-i18n-params': JSON.stringify({
                fee: new Intl.NumberFormat('ja-JP').format(fee),
              }),
            })
          : el('dd', { 'data-i18n': 'procedurePage.feeNone' }),
      ),
      row(
        'procedurePage.identity',
        el('dd', {
          'data-i18n':
            procedure.identity === 'verified'
              ? 'procedurePage.identityVerified'
              : 'procedurePage.identityNone',
        }),
      ),
      closesOn
        ? row(
            'procedurePage.closesOn',
            el('dd', {
              'data-i18n': 'procedurePage.closesOnValue',
              'data-i18n-params': JSON.stringify({ date: dateValue(closesOn) }),
            }),
          )
        : null,
    ),
  );
}
