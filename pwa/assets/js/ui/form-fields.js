// A procedure's form, generated from its schema (FormRead.form): each field drawn by its
// type's renderer (ui/fields/), conditions (show_if) applied live, pre-filled values with
// their source, a lock and "この情報が違う", errors beside each field.
//
// createForm() builds the fields section by section; the screen decides how to lay the
// sections out (one step at a time, or all on one page) and when to save or send.

import { sendJSON } from '../api.js';
import { allFields, answerNode, checkAnswer, isVisible, provenanceNode } from '../answers.js';
import { announce, el, icon } from '../dom.js';
import { applyTranslations, localize } from '../i18n.js';
import { busy, messageArea } from './feedback.js';
import { fieldRenderer } from './fields/registry.js';

/**
 * @param {object} options
 * @param {object} options.form      FormRead
 * @param {object} options.answers   the answers, changed in place as the resident types
 * @param {string} options.idPrefix  prefix of element ids (one form per screen)
 * @param {AbortSignal} options.signal
 * @param {(name: string) => void} [options.onChange]  after any answer changed
 * @param {boolean} [options.corrections]  offer "この情報が違う" on pre-filled values
 * @param {boolean} [options.preview]  every field as residents get it, but nothing can be
 *   changed, uploaded, looked up or reported (the designer's preview); conditions do not
 *   hide fields, so all of them can be seen
 */
export function createForm({
  form,
  answers,
  idPrefix,
  signal,
  onChange,
  corrections = true,
  preview = false,
}) {
  const slug = form.procedure?.slug ?? '';
  const prefill = form.prefill ?? {};
  const household = form.household ?? [];
  const specs = allFields(form);
  const controllers = new Map();
  const dialog =
    corrections && !preview ? correctionDialog({ slug, idPrefix, signal, household }) : null;
  const extras = el('div', { class: 'form-extras' }, dialog?.node);

  /** The fields of one section, built once. */
  function sectionNode(section) {
    const node = el('div', { class: 'form-fields' });
    for (const spec of specs.filter((item) => item.section === section.id)) {
      const controller = buildField(spec);
      controllers.set(spec.name, controller);
      node.append(controller.wrapper);
    }
    refresh();
    return node;
  }

  function changed(name) {
    controllers.get(name)?.setError(null);
    refresh();
    onChange?.(name);
  }

  /** Show or hide fields by their conditions; say where a pre-filled value was changed. */
  function refresh() {
    for (const controller of controllers.values()) {
      controller.wrapper.hidden = !preview && !isVisible(controller.spec, answers);
      controller.syncChanged?.();
    }
  }

  function buildField(spec) {
    const filled = prefill[spec.name];
    const locked = Boolean(filled && (filled.locked || spec.locked));
    const controller = fieldRenderer(spec, locked)({
      spec,
      id: `${idPrefix}-${spec.name}`,
      filled,
      locked,
      preview,
      form,
      household,
      signal,
      answer: () => answers[spec.name],
      // A preview's controls are disabled; this keeps its answers untouched all the same.
      update: preview ? () => {} : (value) => set(spec.name, value),
      askCorrection: dialog ? (trigger) => dialog.open(spec, filled, trigger) : null,
      field: (name) => controllers.get(name),
    });
    controller.spec = spec;
    return controller;
  }

  function set(name, value) {
    answers[name] = value;
    changed(name);
  }

  // --- the form as a whole -----------------------------------------------------------------

  /** Problems of the shown fields of these sections, in form order: [{name, label, message}]. */
  function check(sectionIds) {
    const problems = [];
    for (const spec of specs) {
      if (sectionIds && !sectionIds.includes(spec.section)) continue;
      if (!isVisible(spec, answers)) continue;
      const message = checkAnswer(spec, answers[spec.name]);
      controllers.get(spec.name)?.setError(message);
      if (message) problems.push({ name: spec.name, label: spec.label, message });
    }
    return problems;
  }

  /** Show errors [{field, message}] (e.g. from the server) beside their fields. */
  function showErrors(errors) {
    for (const { field, message } of errors) controllers.get(field)?.setError(message);
  }

  function clearErrors() {
    for (const controller of controllers.values()) controller.setError(null);
  }

  function focusField(name) {
    const controller = controllers.get(name);
    if (!controller || controller.wrapper.hidden) return false;
    controller.focus();
    controller.wrapper.scrollIntoView?.({ block: 'center' });
    return true;
  }

  return {
    sectionNode,
    extras,
    check,
    showErrors,
    clearErrors,
    focusField,
    refresh,
    fieldSection: (name) => specs.find((spec) => spec.name === name)?.section ?? null,
    spec: (name) => specs.find((spec) => spec.name === name) ?? null,
    /** Sections with at least one shown field (a condition can empty a whole step). */
    visibleSections: () =>
      (form.form?.sections ?? []).filter((section) =>
        (section.fields ?? []).some((spec) => isVisible(spec, answers)),
      ),
  };
}

// --- "この情報が違う": a correction request to the department that keeps the value ------------

function correctionDialog({ slug, idPrefix, signal, household }) {
  const titleId = `${idPrefix}-correction-title`;
  const noteId = `${idPrefix}-correction-note`;
  const body = el('div', { class: 'dialog__body' });
  const node = el('dialog', { class: 'dialog', 'aria-labelledby': titleId });
  node.append(body);
  let trigger = null;

  node.addEventListener(
    'close',
    () => {
      // The browser puts focus back itself, and the close event comes a moment later: by
      // then the resident may have moved on. Bring focus back only where it was lost.
      const active = document.activeElement;
      if (!active || active === document.body || node.contains(active)) trigger?.focus();
    },
    { signal },
  );

  function open(spec, filled, from) {
    trigger = from;
    const messages = messageArea();
    const note = el('textarea', {
      id: noteId,
      class: 'field__input field__textarea',
      rows: '4',
      maxlength: '1000',
      'aria-describedby': `${noteId}-hint`,
    });
    const noteError = el('p', { class: 'field__error', id: `${noteId}-error`, hidden: true });
    const send = el(
      'button',
      { type: 'submit', class: 'button button--solid' },
      el('span', { 'data-i18n': 'field.correction.send' }),
    );
    const cancel = el('button', {
      type: 'button',
      class: 'button button--text',
      'data-i18n': 'form.cancel',
    });
    const formNode = el(
      'form',
      { class: 'stack', action: '#', novalidate: true },
      el('h2', { class: 'dialog__title', id: titleId, 'data-i18n': 'field.correction.title' }),
      el('p', { 'data-i18n': 'field.correction.lead' }),
      el(
        'dl',
        { class: 'facts' },
        el('div', { class: 'facts__row' }, [
          el('dt', { 'data-i18n': 'field.correction.field' }),
          localize(el('dd'), spec.label),
        ]),
        el('div', { class: 'facts__row' }, [
          el('dt', { 'data-i18n': 'field.correction.current' }),
          el('dd', {}, answerNode(spec, filled.value, { household })),
        ]),
        el('div', { class: 'facts__row' }, [
          el('dt', { 'data-i18n': 'field.correction.source' }),
          el('dd', {}, provenanceNode(filled)),
        ]),
      ),
      el(
        'div',
        { class: 'field' },
        el('label', { class: 'field__label', for: noteId, 'data-i18n': 'field.correction.note' }),
        el('p', {
          class: 'field__hint',
          id: `${noteId}-hint`,
          'data-i18n': 'field.correction.noteHint',
        }),
        noteError,
        note,
      ),
      messages.node,
      el('div', { class: 'button-row' }, send, cancel),
    );
    cancel.addEventListener('click', () => node.close());
    formNode.addEventListener('submit', async (event) => {
      event.preventDefault();
      messages.clear();
      if (note.value.trim() === '') {
        noteError.replaceChildren(
          icon('alert', 'field__error-icon'),
          el('span', { 'data-i18n': 'field.correction.noteRequired' }),
        );
        applyTranslations(noteError);
        noteError.hidden = false;
        note.setAttribute('aria-invalid', 'true');
        note.setAttribute('aria-describedby', `${noteId}-error ${noteId}-hint`);
        note.focus();
        return;
      }
      const done = busy(send);
      let correction;
      try {
        correction = await sendJSON('/api/corrections', {
          body: { field: spec.name, slug, note: note.value.trim() },
          signal,
        });
      } catch (error) {
        if (signal.aborted) return;
        done();
        messages.show({ error, focus: true });
        return;
      }
      if (signal.aborted) return;
      showSent(correction);
    });
    body.replaceChildren(formNode);
    applyTranslations(body);
    if (!node.open) node.showModal();
    note.focus();
  }

  function showSent(correction) {
    const close = el('button', {
      type: 'button',
      class: 'button button--solid',
      'data-i18n': 'field.correction.close',
    });
    close.addEventListener('click', () => node.close());
    const department = correction?.department?.name ?? null;
    const title = el('h2', {
      class: 'dialog__title',
      id: titleId,
      tabindex: '-1',
      'data-i18n': department ? 'field.correction.sent' : 'field.correction.sentNoDepartment',
      'data-i18n-params': department ? JSON.stringify({ department }) : null,
    });
    body.replaceChildren(
      el(
        'div',
        { class: 'stack' },
        el('div', { class: 'dialog__success' }, icon('check', 'dialog__success-icon'), title),
        el('p', { 'data-i18n': 'field.correction.next' }),
        el(
          'p',
          {},
          el('a', { class: 'link', href: '/corrections', 'data-i18n': 'field.correction.list' }),
        ),
        el('div', { class: 'button-row' }, close),
      ),
    );
    applyTranslations(body);
    title.focus();
    announce(title.textContent);
  }

  return { node, open };
}
