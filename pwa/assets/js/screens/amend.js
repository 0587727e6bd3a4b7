// /applications/:id/amend — when the department asked for more (status info_requested):
// the form again, all sections on one page, filled with the answers as filed; the
// resident corrects them, adds a note, and sends them back (PUT …/answers).

import { answersToSend, initialAnswers } from '../answers.js';
import { ApiError, getJSON, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, localize, pick } from '../i18n.js';
import { loadForm } from '../procedure-form.js';
import { backLink } from '../ui/back-link.js';
import { errorSummary, problemFieldErrors } from '../ui/error-summary.js';
import { busy, messageArea } from '../ui/feedback.js';
import { createForm } from '../ui/form-fields.js';
import { loadSignedIn } from '../ui/signed-in-data.js';

export const titleKey = 'amend.title';

export async function mount(outlet, ctx) {
  const id = ctx.params.id;
  const detailHref = `/applications/${encodeURIComponent(id)}`;
  const lead = el('p', { class: 'page__lead' });
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      backLink(detailHref, 'amend.back'),
      el('h1', { class: 'page__title', 'data-i18n': 'amend.title' }),
      lead,
      content,
    ),
  );
  applyTranslations(outlet);

  await loadSignedIn(content, ctx, {
    signInKey: 'application.signInNeeded',
    errorKey: 'amend.loadError',
    load: async () => {
      const url = `/api/applications/${encodeURIComponent(id)}`;
      const application = await getJSON(url, { signal: ctx.signal });
      const onBehalfOf = application.on_behalf_of ?? null;
      const form = await loadForm(application.procedure?.slug, onBehalfOf, ctx.signal);
      return { application, form };
    },
    show: ({ application, form }) => {
      localize(lead, application.procedure?.title);
      ctx.setTitle(() => pick(application.procedure?.title).text);
      return application.can_amend
        ? amendForm(application, form, { id, ctx, detailHref })
        : notAllowed(detailHref);
    },
  });
}

/** The status moved on (the department decided, or it was amended already). */
function notAllowed(detailHref) {
  return el(
    'div',
    { class: 'notice notice--info' },
    icon('info', 'notice__icon'),
    el('h2', { class: 'notice__title', 'data-i18n': 'amend.notAllowed.title' }),
    el('div', { class: 'notice__body' }, el('p', { 'data-i18n': 'amend.notAllowed.body' })),
    el(
      'div',
      { class: 'notice__actions' },
      el('a', { class: 'button button--outline', href: detailHref, 'data-i18n': 'amend.back' }),
    ),
  );
}

/** The request, the form with every section, a note, and 送信. */
function amendForm(application, form, { id, ctx, detailHref }) {
  const filed = Object.fromEntries(
    (application.answers ?? []).map((answer) => [answer.name, answer.value]),
  );
  const answers = initialAnswers(form, filed);
  const fields = createForm({ form, answers, idPrefix: 'amend', signal: ctx.signal });
  const summary = errorSummary({ id: 'amend-errors' });
  const messages = messageArea();

  const noteId = 'amend-note';
  const note = el('textarea', {
    id: noteId,
    class: 'field__input field__textarea',
    rows: '4',
    maxlength: '2000',
    'aria-describedby': `${noteId}-hint`,
  });
  const submit = el(
    'button',
    { type: 'submit', class: 'button button--solid button--block' },
    icon('send', 'button__icon'),
    el('span', { 'data-i18n': 'amend.submit' }),
  );
  const sections = (form.form?.sections ?? []).map((section) => {
    const titleId = `amend-section-${section.id}`;
    return el(
      'section',
      { class: 'form-step form-step--flat', 'aria-labelledby': titleId },
      localize(el('h2', { class: 'form-step__title', id: titleId }), section.title),
      section.help ? localize(el('p', { class: 'form-step__help' }), section.help) : null,
      fields.sectionNode(section),
    );
  });
  const formNode = el(
    'form',
    { class: 'page__content', action: '#', novalidate: true },
    summary.node,
    ...sections,
    el(
      'div',
      { class: 'field' },
      el(
        'label',
        { class: 'field__label', for: noteId },
        el('span', { 'data-i18n': 'amend.note' }),
        el('span', { class: 'field__optional', 'data-i18n': 'form.optional' }),
      ),
      el('p', { class: 'field__hint', id: `${noteId}-hint`, 'data-i18n': 'amend.noteHint' }),
      note,
    ),
    messages.node,
    submit,
  );
  // What the department asked for: the last staff event that asked (or wrote) something.
  const request = [...(application.timeline ?? [])]
    .reverse()
    .find((event) => event.actor === 'staff' && event.text);
  const nodes = [
    el(
      'div',
      { class: 'notice notice--warning notice--compact' },
      icon('alert', 'notice__icon'),
      el(
        'div',
        { class: 'notice__body' },
        el('p', { 'data-i18n': 'amend.lead' }),
        request
          ? el(
              'div',
              { class: 'amend-request' },
              el('p', { class: 'amend-request__label', 'data-i18n': 'amend.request' }),
              el('p', { class: 'amend-request__text' }, request.text),
            )
          : null,
      ),
    ),
    formNode,
    fields.extras,
  ];
  fields.refresh();

  const toSummary = (problems) =>
    problems.map((problem) => ({
      label: fields.spec(problem.name ?? problem.field)?.label ?? problem.label,
      message: problem.message,
      href: `#amend-${problem.name ?? problem.field}`,
      onSelect: fields.spec(problem.name ?? problem.field)
        ? () => fields.focusField(problem.name ?? problem.field)
        : null,
    }));

  formNode.addEventListener(
    'submit',
    async (event) => {
      event.preventDefault();
      messages.clear();
      const problems = fields.check();
      if (problems.length > 0) {
        summary.show(toSummary(problems));
        return;
      }
      summary.clear();
      const done = busy(submit);
      try {
        await sendJSON(`/api/applications/${encodeURIComponent(id)}/answers`, {
          method: 'PUT',
          body: {
            version: form.version,
            answers: answersToSend(form, answers),
            message: note.value.trim(),
          },
          signal: ctx.signal,
        });
      } catch (error) {
        if (ctx.signal.aborted) return;
        done();
        const errors =
          error instanceof ApiError && error.status === 422 ? problemFieldErrors(error) : [];
        if (errors.length > 0) {
          fields.showErrors(errors);
          summary.show(toSummary(errors));
        } else if (error instanceof ApiError && error.status === 409) {
          messages.show({ tone: 'error', key: 'amend.conflict', focus: true });
        } else {
          messages.show({ error, focus: true });
        }
        return;
      }
      if (ctx.signal.aborted) return;
      ctx.navigate(`${detailHref}?amended=1`, { replace: true });
    },
    { signal: ctx.signal },
  );

  return nodes;
}
