// The parts every field shares: its frame (label or legend, hints, error), where a
// pre-filled value came from, and the "changed from the registry" note.

import { changedFromPrefill, provenanceNode } from '../../answers.js';
import { el, icon } from '../../dom.js';
import { applyTranslations, localize } from '../../i18n.js';
import { messageNode } from '../error-summary.js';

/**
 * The frame of a field: label or legend, hints, error, pre-filled provenance. describe()
 * lists the ids the control should name in aria-describedby.
 */
export function fieldFrame(context, { group = false, labelFor, typeHintKey, typeHintParams } = {}) {
  const { spec, id, filled } = context;
  const hintId = spec.help ? `${id}-hint` : null;
  const typeHintId = typeHintKey ? `${id}-typehint` : null;
  const errorId = `${id}-error`;
  const labelParts = [
    localize(el('span', { class: 'field__label-text' }), spec.label),
    spec.required && spec.type !== 'consent'
      ? el('span', { class: 'field__required', 'data-i18n': 'field.required' })
      : null,
  ];
  const label = group
    ? el('legend', { class: 'field__label field__legend' }, labelParts)
    : el('label', { class: 'field__label', for: labelFor === undefined ? id : labelFor }, labelParts);
  const error = el('p', { class: 'field__error', id: errorId, hidden: true });
  const provenance = filled ? prefillBlock(context) : null;

  const wrapper = el(
    group ? 'fieldset' : 'div',
    {
      class: `field field--${spec.type.replace('_', '-')}`,
      'data-field': spec.name,
      id: `${id}-field`,
    },
    spec.type === 'consent' ? null : label,
    spec.help ? localize(el('p', { class: 'field__hint', id: hintId }), spec.help) : null,
    typeHintKey
      ? el('p', {
          class: 'field__hint',
          id: typeHintId,
          'data-i18n': typeHintKey,
          'data-i18n-params': typeHintParams ? JSON.stringify(typeHintParams) : null,
        })
      : null,
    error,
  );

  let errorShown = false;
  const targets = [];

  function describe(extra = []) {
    return [hintId, typeHintId, ...extra, ...(provenance?.ids() ?? []), errorShown ? errorId : null]
      .filter(Boolean)
      .join(' ');
  }

  /** Name these elements' descriptions (again, after an error comes or goes). */
  function describeControls(controls, extra = []) {
    targets.splice(0, targets.length, ...controls.map((control) => ({ control, extra })));
    applyDescriptions();
  }

  function applyDescriptions() {
    for (const { control, extra } of targets) {
      const ids = describe(extra);
      if (ids) control.setAttribute('aria-describedby', ids);
      else control.removeAttribute('aria-describedby');
    }
  }

  function setError(message) {
    errorShown = Boolean(message);
    if (message) {
      error.replaceChildren(
        icon('alert', 'field__error-icon'),
        el('span', { class: 'visually-hidden', 'data-i18n': 'field.errorPrefix' }),
        messageNode(message),
      );
      applyTranslations(error);
    } else {
      error.replaceChildren();
    }
    error.hidden = !message;
    wrapper.classList.toggle('field--invalid', Boolean(message));
    for (const { control } of targets) {
      if (group && control.matches('fieldset')) continue;
      if (message) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    }
    applyDescriptions();
  }

  return {
    wrapper,
    label,
    provenance,
    describeControls,
    applyDescriptions,
    setError,
    finish(...nodes) {
      wrapper.append(...[...nodes, provenance?.node].filter(Boolean));
      applyTranslations(wrapper);
    },
  };
}

/** Where a pre-filled value came from, its lock, "changed", and "この情報が違う". */
function prefillBlock({ spec, id, filled, locked, form, answer, askCorrection, signal }) {
  const sourceId = `${id}-source`;
  const lockId = `${id}-lock`;
  const changedId = `${id}-changed`;
  const changedNote = el(
    'p',
    { class: 'prefill__changed', id: changedId, hidden: true },
    icon('info', 'prefill__icon'),
    el('span', { 'data-i18n': 'field.prefill.changed' }),
  );
  const wrong = askCorrection
    ? el(
        'button',
        {
          type: 'button',
          class: 'button button--text button--sm prefill__wrong',
          'aria-haspopup': 'dialog',
        },
        el('span', { 'data-i18n': 'field.prefill.wrong' }),
        el('span', {
          class: 'visually-hidden',
          'data-i18n': 'field.prefill.wrongFor',
          'data-i18n-params': JSON.stringify({ label: spec.label }),
        }),
      )
    : null;
  wrong?.addEventListener('click', () => askCorrection(wrong), { signal });
  const node = el(
    'div',
    { class: 'prefill' },
    el(
      'p',
      { class: 'prefill__source' },
      icon('shield', 'prefill__icon'),
      el(
        'span',
        { id: sourceId },
        el('span', { 'data-i18n': 'field.prefill.label' }),
        provenanceNode(filled),
      ),
    ),
    locked
      ? el(
          'p',
          { class: 'prefill__lock', id: lockId },
          icon('lock', 'prefill__icon'),
          spec.lock_reason
            ? localize(el('span'), spec.lock_reason)
            : el('span', { 'data-i18n': 'field.prefill.lockedDefault' }),
        )
      : null,
    locked ? null : changedNote,
    wrong,
  );
  return {
    node,
    ids: () => [sourceId, locked ? lockId : null, !locked && !changedNote.hidden ? changedId : null],
    syncChanged() {
      if (locked) return false;
      const was = !changedNote.hidden;
      changedNote.hidden = !changedFromPrefill(form, spec.name, answer());
      return was !== !changedNote.hidden;
    },
  };
}

/** The controller a renderer returns, with syncChanged() keeping the "changed" note true. */
// Not a spread copy: controllers have getters (empty) that must stay live.
export function withChanged(parts, controller) {
  controller.syncChanged = () => {
    if (parts.provenance?.syncChanged()) parts.applyDescriptions();
  };
  return controller;
}

/** A note under a field (a postal code's address), read with the control. */
export function showNote(note, message) {
  note.replaceChildren(icon('info', 'field__note-icon'), messageNode(message));
  applyTranslations(note);
  note.hidden = false;
}
