// /procedures/:slug/review?draft=<id> — check your answers before sending: every shown
// answer by section, with 変更 links back to its step, pre-filled values with their
// source, a clear "not sent yet" box, and 「この内容で申請する」.
//
// The submission carries an Idempotency-Key made once for these exact answers and kept
// in sessionStorage, so a retry after a lost answer (or a reload) can never file twice.
// Without a network the filing waits on this device with that key (outbox.js) and is sent
// once the network is back; the screen says "waiting to send", then shows the receipt.

import {
  allFields,
  answerNode,
  answersToSend,
  changedFromPrefill,
  isVisible,
  provenanceNode,
} from '../answers.js';
import { ApiError, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import {
  clearLocalDraft,
  clearServerErrors,
  fileMeta,
  forgetSubmissionKey,
  storeServerErrors,
  submissionKey,
} from '../drafts.js';
import { applyTranslations, localize, pick } from '../i18n.js';
import { dropQueuedFiling, queueFiling, queuedFiling, startOutbox } from '../outbox.js';
import {
  applyHref,
  loadDraftWithForm,
  offlineDraftWithForm,
  procedureHref,
} from '../procedure-form.js';
import { sessionEnded } from '../session.js';
import { backLink } from '../ui/back-link.js';
import { blockerNotices } from '../ui/blockers.js';
import { errorSummary, problemFieldErrors } from '../ui/error-summary.js';
import { busy, messageArea } from '../ui/feedback.js';
import { loadSignedIn } from '../ui/signed-in-data.js';
import { missingDraft } from '../ui/missing-draft.js';

export const titleKey = 'review.title';

export async function mount(outlet, ctx) {
  const slug = ctx.params.slug;
  const draftId = ctx.query.get('draft');
  const back = backLink(procedureHref(slug), 'review.backToForm');
  const content = el('div', { class: 'page__content' });
  const lead = el('p', { class: 'page__lead review__procedure' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      back,
      el('h1', { class: 'page__title', 'data-i18n': 'review.title' }),
      lead,
      content,
    ),
  );
  applyTranslations(outlet);

  await loadSignedIn(content, ctx, {
    signInKey: 'apply.signInNeeded',
    errorKey: 'review.loadError',
    notFound: () => missingDraft(slug),
    // Offline: the draft and form as this device last had them.
    offlineCopy: () => offlineDraftWithForm(draftId),
    load: () => (draftId ? loadDraftWithForm(slug, draftId, ctx.signal) : null),
    show: (data) => {
      if (data) return reviewScreen(data, { slug, ctx, back, lead });
      // No draft to review (an old link): the procedure's page, where one begins.
      ctx.navigate(procedureHref(slug), { replace: true });
      return null;
    },
  });
}

/** The answers to check, the "not sent yet" box and the button that files them. */
function reviewScreen(data, { slug, ctx, back, lead }) {
  const { draft, form, answers } = data;
  const title = form.procedure?.title ?? draft.title;
  localize(lead, title);
  ctx.setTitle(() => pick(title).text);
  const specs = allFields(form);
  const sections = (form.form?.sections ?? []).filter((section) =>
    specs.some((spec) => spec.section === section.id && isVisible(spec, answers)),
  );
  const lastStep = sections.at(-1)?.id;
  back.querySelector('a').href = applyHref(slug, draft.id, { step: lastStep });

  const summary = errorSummary({ id: 'review-errors' });
  const messages = messageArea();
  // The state of the filing at the top: 「まだ送信されていません」, or once it waits on this
  // device, 「送信待ち」 in its place (not a warning that it was never sent).
  const state = messageArea();
  // Each answer by section, with the line under it where a server's error for it goes.
  const { sectionBlocks, rowErrors } = answerSections({
    form,
    draft,
    answers,
    specs,
    sections,
    slug,
  });

  const unsent = el(
    'div',
    { class: 'notice notice--warning unsent', id: 'review-unsent' },
    icon('alert', 'notice__icon'),
    el('h2', { class: 'notice__title', 'data-i18n': 'review.unsent.title' }),
    el('div', { class: 'notice__body' }, el('p', { 'data-i18n': 'review.unsent.body' })),
  );

  const canFile = form.can_file !== false;
  const submit = el(
    'button',
    { type: 'button', class: 'button button--solid button--block review__submit' },
    icon('send', 'button__icon'),
    el('span', { 'data-i18n': 'review.submit' }),
  );
  const blockers = (form.blockers ?? []).filter((blocker) => blocker !== 'prefill_consent');

  const nodes = [
    summary.node,
    unsent,
    state.node,
    draft.on_behalf_of_name
      ? el(
          'p',
          { class: 'on-behalf' },
          icon('people', 'on-behalf__icon'),
          el('span', {
            'data-i18n': 'review.onBehalf',
            'data-i18n-params': JSON.stringify({ name: draft.on_behalf_of_name }),
          }),
        )
      : null,
    ...sectionBlocks,
    canFile
      ? el(
          'div',
          { class: 'review__send stack' },
          el('p', { class: 'review__declaration', 'data-i18n': 'review.declaration' }),
          messages.node,
          submit,
        )
      : el('div', { class: 'stack' }, blockerNotices(blockers.length ? blockers : ['unknown'])),
  ];

  function showFieldErrors(errors) {
    for (const error of rowErrors.values()) {
      error.hidden = true;
      error.replaceChildren();
    }
    for (const problem of errors) {
      const line = rowErrors.get(problem.field);
      if (!line) continue;
      line.replaceChildren(
        icon('alert', 'field__error-icon'),
        localize(el('span'), problem.message.value),
      );
      line.hidden = false;
    }
    summary.show(
      errors.map((problem) => {
        const spec = specs.find((item) => item.name === problem.field);
        return {
          label: spec?.label ?? problem.label,
          message: problem.message,
          href: spec
            ? applyHref(slug, draft.id, { step: spec.section, field: spec.name })
            : undefined,
          // The fix is made on the form: the errors go along to be shown beside the fields.
          onSelect: spec
            ? () =>
                ctx.navigate(applyHref(slug, draft.id, { step: spec.section, field: spec.name }))
            : null,
        };
      }),
    );
  }

  let lastSent = null; // {body, key} of the last press, kept to wait on this device
  submit.addEventListener(
    'click',
    async () => {
      messages.clear();
      const body = {
        slug: form.procedure?.slug ?? slug,
        version: form.version,
        answers: answersToSend(form, answers),
        draft_id: draft.id,
      };
      if (draft.on_behalf_of != null) body.on_behalf_of = draft.on_behalf_of;
      // The same key for the same answers: a retry replays, never files twice.
      const key = submissionKey(draft.id, body);
      lastSent = { body, key };
      const done = busy(submit);
      let application;
      try {
        application = await sendJSON('/api/applications', {
          body,
          headers: { 'Idempotency-Key': key },
          signal: ctx.signal,
        });
      } catch (error) {
        if (ctx.signal.aborted) return;
        done();
        handleFailure(error);
        return;
      }
      if (ctx.signal.aborted) return;
      dropQueuedFiling(draft.id);
      forgetSubmissionKey(draft.id);
      clearLocalDraft(draft.id);
      clearServerErrors(draft.id);
      ctx.navigate(`/applications/${encodeURIComponent(application.id)}?new=1`, { replace: true });
    },
    { signal: ctx.signal },
  );

  // A filing waiting on this device: said so, and the receipt shown once it is sent.
  window.addEventListener(
    'todoke:filing-sent',
    (event) => {
      if (String(event.detail?.draftId) !== String(draft.id)) return;
      const id = event.detail.application?.id;
      if (id != null) ctx.navigate(`/applications/${encodeURIComponent(id)}?new=1`, { replace: true });
    },
    { signal: ctx.signal },
  );
  window.addEventListener(
    'todoke:filing-failed',
    (event) => {
      if (String(event.detail?.draftId) !== String(draft.id)) return;
      dropQueuedFiling(draft.id);
      showUnsent();
      messages.show({ tone: 'error', key: 'review.queuedFailed', focus: true });
    },
    { signal: ctx.signal },
  );
  const waiting = queuedFiling(draft.id);
  if (waiting?.failed) {
    dropQueuedFiling(draft.id);
    messages.show({ tone: 'error', key: 'review.queuedFailed' });
  } else if (waiting) {
    showQueued(false);
    startOutbox();
  }

  // The button stays: pressed again, it sends at once with the same key.
  function showQueued(focus) {
    messages.clear();
    unsent.hidden = true;
    state.show({ tone: 'info', key: 'review.queued.body', titleKey: 'review.queued.title', focus });
  }

  function showUnsent() {
    state.clear();
    unsent.hidden = false;
  }

  function handleFailure(error) {
    if (error instanceof ApiError && error.status === 422) {
      const errors = problemFieldErrors(error);
      if (errors.length > 0) {
        storeServerErrors(draft.id, errors);
        showFieldErrors(errors);
        return;
      }
    }
    if (error instanceof ApiError && error.status === 409) {
      // The procedure's form changed: the answers stay in the draft; the form reloads.
      forgetSubmissionKey(draft.id);
      const reload = el(
        'a',
        { class: 'button button--outline', href: applyHref(slug, draft.id) },
        el('span', { 'data-i18n': 'review.formChanged.reload' }),
      );
      messages.show({
        tone: 'error',
        key: 'review.formChanged.body',
        titleKey: 'review.formChanged.title',
        focus: true,
      });
      messages.node.firstElementChild?.append(el('div', { class: 'notice__body' }, reload));
      applyTranslations(messages.node);
      return;
    }
    if (error instanceof ApiError && error.status === 401) {
      sessionEnded();
      messages.show({ tone: 'error', key: 'review.signedOut', focus: true });
      return;
    }
    if (error instanceof ApiError && error.offline && lastSent) {
      // It may have arrived: sent again with the same key, it cannot be filed twice.
      queueFiling({
        draftId: draft.id,
        slug,
        title: form.procedure?.title ?? draft.title,
        body: lastSent.body,
        key: lastSent.key,
      });
      showQueued(true);
      startOutbox({ later: true });
      return;
    }
    messages.show({ error, titleKey: 'review.failed', focus: true });
  }

  return nodes;
}

/** The answers by section: each with its source, a 変更 link (or 🔒) and its error line. */
function answerSections({ form, draft, answers, specs, sections, slug }) {
  const rowErrors = new Map(); // field name → the error line under its answer
  const sectionBlocks = sections.map((section) => {
    const rows = specs
      .filter((spec) => spec.section === section.id && isVisible(spec, answers))
      .map((spec) => answerRow(spec));
    const titleId = `review-section-${section.id}`;
    return el(
      'section',
      { class: 'review-section', 'aria-labelledby': titleId },
      localize(el('h2', { class: 'review-section__title', id: titleId }), section.title),
      el('dl', { class: 'answers' }, rows),
    );
  });

  function answerRow(spec) {
    const filled = form.prefill?.[spec.name];
    const locked = Boolean(filled && (filled.locked || spec.locked));
    const value = answers[spec.name];
    const changed = filled && !locked && changedFromPrefill(form, spec.name, value);
    const error = el('p', {
      class: 'field__error answers__error',
      id: `review-${spec.name}-error`,
      hidden: true,
    });
    rowErrors.set(spec.name, error);
    const change = locked
      ? el(
          'span',
          { class: 'answers__locked' },
          icon('lock', 'answers__locked-icon'),
          el('span', { 'data-i18n': 'review.locked' }),
        )
      : el(
          'a',
          {
            class: 'link answers__change',
            href: applyHref(slug, draft.id, { step: spec.section, field: spec.name }),
          },
          el('span', { 'data-i18n': 'review.change' }),
          el('span', {
            class: 'visually-hidden',
            'data-i18n': 'review.changeWhat',
            'data-i18n-params': JSON.stringify({ label: spec.label }),
          }),
        );
    return el(
      'div',
      { class: 'answers__row', id: `review-${spec.name}` },
      localize(el('dt', { class: 'answers__key' }), spec.label),
      el(
        'dd',
        { class: 'answers__value' },
        answerNode(spec, value, { household: form.household ?? [], files: fileMeta }),
        filled
          ? el(
              'span',
              { class: 'answers__source' },
              icon('shield', 'answers__source-icon'),
              provenanceNode(filled),
            )
          : null,
        changed
          ? el('span', {
              class: 'chip chip--changed answers__changed',
              'data-i18n': 'review.changedFromRegistry',
            })
          : null,
        error,
      ),
      el('dd', { class: 'answers__action' }, change),
    );
  }

  return { sectionBlocks, rowErrors };
}
