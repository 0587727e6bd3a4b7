// /procedures/:slug/apply?draft=<id>[&step=<section>][&field=<name>] — the form, one
// section per step. The draft is saved as the resident types (to the server, or to this
// device while offline), and the status line says so: a draft never looks like a filing.
// Next checks the step's fields; the last step leads to the review screen, which sends.

import { answersToSend } from '../answers.js';
import { sendJSON } from '../api.js';
import { announce, el, icon } from '../dom.js';
import { clearServerErrors, createDraftSaver, serverErrors } from '../drafts.js';
import { applyTranslations, localize, pick } from '../i18n.js';
import { dateValue } from '../jp.js';
import {
  applyHref,
  loadDraftWithForm,
  offlineDraftWithForm,
  procedureHref,
  reviewHref,
} from '../procedure-form.js';
import { sessionEnded } from '../session.js';
import { backLink } from '../ui/back-link.js';
import { errorSummary } from '../ui/error-summary.js';
import { timeValue } from '../ui/feedback.js';
import { createForm } from '../ui/form-fields.js';
import { missingDraft } from '../ui/missing-draft.js';
import { loadSignedIn } from '../ui/signed-in-data.js';

export const titleKey = 'apply.title';

const DAY_MS = 24 * 60 * 60 * 1000;
const EXPIRY_WARNING_DAYS = 7;
const CLOSING_WARNING_DAYS = 14;

export async function mount(outlet, ctx) {
  const slug = ctx.params.slug;
  const heading = el('h1', { class: 'page__title', 'data-i18n': 'apply.title' });
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      backLink(procedureHref(slug), 'apply.backToProcedure'),
      heading,
      content,
    ),
  );
  applyTranslations(outlet);

  let draftId = ctx.query.get('draft');
  await loadSignedIn(content, ctx, {
    signInKey: 'apply.signInNeeded',
    errorKey: 'apply.loadError',
    notFound: () => missingDraft(slug),
    // Offline: the draft and form as this device last had them (saved here until online).
    offlineCopy: () => offlineDraftWithForm(draftId),
    load: async () => {
      if (!draftId) {
        // Arrived without a draft (an old link): start or find one, then carry on.
        const draft = await sendJSON('/api/drafts', { body: { slug }, signal: ctx.signal });
        draftId = String(draft.id);
        history.replaceState(history.state, '', applyHref(slug, draftId));
      }
      return loadDraftWithForm(slug, draftId, ctx.signal);
    },
    show: (data) => formScreen(data, { slug, ctx, heading }),
  });
}

/**
 * The form one step at a time, saved as it is typed: the warnings, whom it is for, the
 * save status, the error summary and the step with Back / Next.
 */
function formScreen(data, { slug, ctx, heading }) {
  const { draft, form, answers } = data;
  heading.removeAttribute('data-i18n');
  localize(heading, form.procedure?.title ?? draft.title);
  ctx.setTitle(() => pick(form.procedure?.title ?? draft.title).text);

  // --- saving ------------------------------------------------------------------------------
  const status = saveStatus();
  const saver = createDraftSaver({
    id: draft.id,
    getPayload: () => ({ version: form.version, answers: answersToSend(form, answers) }),
    onState: (state, detail) => status.show(state, detail),
    signal: ctx.signal,
  });

  const fields = createForm({
    form,
    answers,
    idPrefix: 'apply',
    signal: ctx.signal,
    corrections: form.corrections !== false,
    onChange: () => saver.schedule(),
  });

  // --- layout ------------------------------------------------------------------------------
  const summary = errorSummary({ id: 'apply-errors' });
  const progress = el('p', { class: 'form-progress' });
  const progressBar = el('ol', { class: 'form-progress__bar', 'aria-hidden': 'true' });
  const stepTitle = el('h2', { class: 'form-step__title', id: 'apply-step-title', tabindex: '-1' });
  const stepHelp = el('p', { class: 'form-step__help' });
  const stepFields = el('div', { class: 'form-step__fields' });
  const back = el(
    'button',
    { type: 'button', class: 'button button--outline' },
    icon('chevronLeft', 'button__icon'),
    el('span', { 'data-i18n': 'apply.back' }),
  );
  const next = el('button', { type: 'submit', class: 'button button--solid form-nav__next' });
  const stepForm = el(
    'form',
    { class: 'form-step', action: '#', novalidate: true, 'aria-labelledby': 'apply-step-title' },
    el('div', { class: 'form-step__head' }, progress, progressBar, stepTitle, stepHelp),
    stepFields,
    el('div', { class: 'form-nav' }, next, back),
  );

  const nodes = [
    ...warnings(draft, form),
    draft.on_behalf_of_name
      ? el(
          'p',
          { class: 'on-behalf' },
          icon('people', 'on-behalf__icon'),
          el('span', {
            'data-i18n': 'apply.onBehalf',
            'data-i18n-params': JSON.stringify({ name: draft.on_behalf_of_name }),
          }),
        )
      : null,
    status.node,
    summary.node,
    stepForm,
    fields.extras,
  ];

  const sectionNodes = new Map();
  let current = null;

  function showStep(sectionId, { focus = false } = {}) {
    const sections = fields.visibleSections();
    let index = sections.findIndex((section) => section.id === sectionId);
    if (index < 0) index = 0;
    const section = sections[index];
    current = section.id;
    if (!sectionNodes.has(section.id)) sectionNodes.set(section.id, fields.sectionNode(section));
    stepFields.replaceChildren(sectionNodes.get(section.id));
    fields.refresh();

    // "ステップ" for screen readers, "2 / 4" for everyone.
    progress.replaceChildren(
      el('span', { class: 'visually-hidden', 'data-i18n': 'apply.progressLabel' }),
      el('span', {
        'data-i18n': 'apply.progress',
        'data-i18n-params': JSON.stringify({ current: index + 1, total: sections.length }),
      }),
    );
    progressBar.replaceChildren(
      ...sections.map((_, i) =>
        el('li', {
          class: 'form-progress__segment',
          'data-state': i < index ? 'done' : i === index ? 'current' : 'todo',
        }),
      ),
    );
    localize(stepTitle, section.title);
    if (section.help) {
      localize(stepHelp, section.help);
      stepHelp.hidden = false;
    } else {
      stepHelp.hidden = true;
    }
    const last = index === sections.length - 1;
    next.replaceChildren(
      el('span', { 'data-i18n': last ? 'apply.toReview' : 'apply.next' }),
      icon('chevronRight', 'button__icon'),
    );
    back.hidden = index === 0;

    const url = new URL(location.href);
    url.searchParams.set('step', section.id);
    url.searchParams.delete('field');
    history.replaceState(history.state, '', url.pathname + url.search);
    applyTranslations(stepForm);
    if (focus) {
      stepTitle.focus();
      stepTitle.scrollIntoView?.({ block: 'start' });
    }
  }

  function goTo(name) {
    const sectionId = fields.fieldSection(name);
    if (sectionId && sectionId !== current) showStep(sectionId);
    fields.focusField(name);
  }

  stepForm.addEventListener(
    'submit',
    async (event) => {
      event.preventDefault();
      const problems = fields.check([current]);
      if (problems.length > 0) {
        summary.show(
          problems.map((problem) => ({
            label: problem.label,
            message: problem.message,
            href: `#apply-${problem.name}`,
            onSelect: () => goTo(problem.name),
          })),
        );
        return;
      }
      summary.clear();
      const sections = fields.visibleSections();
      const index = sections.findIndex((section) => section.id === current);
      if (index < sections.length - 1) {
        showStep(sections[index + 1].id, { focus: true });
        return;
      }
      next.disabled = true;
      await saver.flush();
      if (ctx.signal.aborted) return;
      next.disabled = false;
      ctx.navigate(reviewHref(slug, draft.id));
    },
    { signal: ctx.signal },
  );

  back.addEventListener(
    'click',
    () => {
      summary.clear();
      const sections = fields.visibleSections();
      const index = sections.findIndex((section) => section.id === current);
      showStep(sections[Math.max(0, index - 1)].id, { focus: true });
    },
    { signal: ctx.signal },
  );

  showStep(ctx.query.get('step'));
  // Build every step now: errors, conditions and focus can then reach any field.
  for (const section of form.form?.sections ?? []) {
    if (!sectionNodes.has(section.id)) sectionNodes.set(section.id, fields.sectionNode(section));
  }
  fields.refresh();

  // The form changed since the draft began, or this device holds newer answers: save now.
  if (draft.version !== form.version || data.newerHere) saver.schedule();

  // Errors the server found in the last submission, beside their fields and in the summary.
  const found = serverErrors(draft.id);
  clearServerErrors(draft.id);
  const focusName = ctx.query.get('field');
  // After the router has focused the h1: the field or the summary takes focus instead.
  setTimeout(() => {
    if (ctx.signal.aborted) return;
    if (found.length > 0) {
      fields.showErrors(found);
      summary.show(
        found.map((problem) => ({
          label: fields.spec(problem.field)?.label ?? problem.label,
          message: problem.message,
          href: `#apply-${problem.field}`,
          onSelect: fields.spec(problem.field) ? () => goTo(problem.field) : null,
        })),
      );
    }
    if (focusName) goTo(focusName);
  }, 0);

  return nodes;
}

/** Banners for a draft about to be deleted and a procedure about to close. */
function warnings(draft, form) {
  const now = Date.now();
  const items = [];
  const expires = Date.parse(draft.expires_at);
  if (Number.isFinite(expires) && expires - now < EXPIRY_WARNING_DAYS * DAY_MS) {
    items.push({
      key: 'apply.warning.expires',
      date: dateValue(String(draft.expires_at).slice(0, 10)),
    });
  }
  const closesOn = form.closes_on ?? draft.closes_on;
  const closes = closesOn ? Date.parse(`${closesOn}T23:59:59`) : NaN;
  if (Number.isFinite(closes) && closes - now < CLOSING_WARNING_DAYS * DAY_MS) {
    items.push({ key: 'apply.warning.closes', date: dateValue(closesOn) });
  }
  return items.map((item) =>
    el(
      'div',
      { class: 'notice notice--warning notice--compact' },
      icon('clock', 'notice__icon'),
      el('p', {
        class: 'notice__body notice__body--inline',
        'data-i18n': item.key,
        'data-i18n-params': JSON.stringify({ date: item.date }),
      }),
    ),
  );
}

/** The line that says where the draft is: saved, on this device only, or not saved. */
function saveStatus() {
  const text = el('span', { class: 'save-status__text', 'data-i18n': 'apply.save.auto' });
  const time = el('span', { class: 'save-status__time' });
  const node = el(
    'p',
    { class: 'save-status', 'data-state': 'idle' },
    icon('document', 'save-status__icon'),
    el('span', { class: 'save-status__body' }, text, time),
  );
  const KEYS = {
    saving: 'apply.save.saving',
    saved: 'apply.save.saved',
    offline: 'apply.save.offline',
    error: 'apply.save.error',
    signedOut: 'apply.save.signedOut',
  };
  function show(state, detail) {
    // "Saving" flickers by at every pause in typing: only the outcome is worth a change.
    if (state === 'saving' && node.dataset.state === 'saved') return;
    node.dataset.state = state;
    text.setAttribute('data-i18n', KEYS[state] ?? 'apply.save.auto');
    if (state === 'saved') {
      const at = timeValue(detail?.updated_at ? new Date(detail.updated_at) : new Date());
      time.setAttribute('data-i18n', 'apply.save.time');
      time.setAttribute('data-i18n-params', JSON.stringify({ time: at }));
    } else {
      time.replaceChildren();
      time.removeAttribute('data-i18n');
    }
    applyTranslations(node);
    if (state === 'signedOut') sessionEnded();
    // Said aloud only when something needs attention; a routine save stays quiet.
    if (state === 'offline' || state === 'error' || state === 'signedOut')
      announce(text.textContent);
  }
  return { node, show };
}
