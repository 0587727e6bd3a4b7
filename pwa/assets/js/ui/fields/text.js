// One-line answers: text, kana, email, phone, number, yen, postal code (which looks up its
// address) and date (shown with its Japanese era).

import { getJSON } from '../../api.js';
import { parseWhole } from '../../answers.js';
import { announce, el } from '../../dom.js';
import { localize } from '../../i18n.js';
import { digitsOnly, warekiValue } from '../../jp.js';
import { fieldFrame, showNote, withChanged } from './frame.js';

// Browser autofill hints for fields pre-filled from (or shaped like) registry values.
const AUTOCOMPLETE = {
  family_name: 'family-name',
  given_name: 'given-name',
  full_name: 'name',
  postal_code: 'postal-code',
  birth_date: 'bday',
};

// What each text-like type is on a phone keyboard.
const INPUTS = {
  text: { type: 'text' },
  kana: { type: 'text', hintKey: 'field.kana.hint' },
  email: { type: 'email', autocomplete: 'email', inputmode: 'email', size: 'long' },
  phone: { type: 'tel', autocomplete: 'tel', inputmode: 'tel', size: 'medium' },
  number: { type: 'text', inputmode: 'numeric', size: 'short' },
  yen: { type: 'text', inputmode: 'numeric', size: 'medium', suffixKey: 'field.yen.suffix' },
  postal_code: {
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'postal-code',
    size: 'short',
    maxlength: 8,
    hintKey: 'field.postalCode.hint',
  },
  date: { type: 'date', size: 'medium' },
};

/** The types this renderer draws; a locked one stays a (read-only) input. */
export const TEXT_TYPES = new Set(Object.keys(INPUTS));

export function textInput(context) {
  const { spec, id, locked, preview, answer, update, signal } = context;
  const kind = INPUTS[spec.type] ?? INPUTS.text;
  const parts = fieldFrame(context, { typeHintKey: kind.hintKey });
  const input = el('input', {
    id,
    class: `field__input${kind.size ? ` field__input--${kind.size}` : ''}`,
    type: kind.type,
    name: spec.name,
    inputmode: kind.inputmode ?? null,
    autocomplete: AUTOCOMPLETE[spec.prefill] ?? kind.autocomplete ?? null,
    maxlength: kind.maxlength ?? (kind.type === 'date' ? null : (spec.max_length ?? null)),
    min: spec.type === 'date' && spec.min != null ? `${spec.min}-01-01` : null,
    max: spec.type === 'date' && spec.max != null ? `${spec.max}-12-31` : null,
    readonly: locked,
    disabled: preview,
    'aria-required': spec.required ? 'true' : null,
    spellcheck: ['email', 'phone', 'postal_code', 'number', 'yen'].includes(spec.type)
      ? 'false'
      : null,
  });
  const value = answer();
  input.value = value == null ? '' : String(value);

  const extra = [];
  let suffix = null;
  if (kind.suffixKey) {
    suffix = el('span', {
      class: 'field__suffix',
      id: `${id}-suffix`,
      'data-i18n': kind.suffixKey,
    });
    extra.push(`${id}-suffix`);
  }
  let era = null;
  if (spec.type === 'date') {
    era = el('span', { class: 'field__era', id: `${id}-era` });
    extra.push(`${id}-era`);
  }
  const note =
    spec.type === 'postal_code'
      ? el('p', { class: 'field__note', id: `${id}-note`, hidden: true })
      : null;
  if (note) extra.push(`${id}-note`);
  // A preview looks nothing up (its input is disabled too).
  const postal = note && !preview ? postalLookup(context, note, parts) : null;

  function showEra() {
    const wareki = warekiValue(input.value);
    if (wareki) localize(era, wareki);
    else era.replaceChildren();
  }
  if (era) showEra();

  input.addEventListener(
    'input',
    () => {
      if (locked) return;
      let next = input.value;
      if (spec.type === 'number' || spec.type === 'yen')
        next = next.trim() === '' ? null : parseWhole(next);
      else if (next === '') next = null;
      if (era) showEra();
      update(next);
      postal?.lookUp(input.value);
    },
    { signal },
  );

  const row = el('div', { class: 'field__row' }, input, suffix, era);
  parts.finish(row, note);
  parts.describeControls([input], extra);
  return withChanged(parts, {
    wrapper: parts.wrapper,
    setError: parts.setError,
    focus: () => input.focus(),
    /** Fill the field from elsewhere (a postal code's address). */
    fill(text) {
      input.value = text;
      update(text === '' ? null : text);
    },
    get empty() {
      return input.value.trim() === '';
    },
    locked,
  });
}

/**
 * Postal code → address: the area is said under the code, and written into the field the
 * code fills (spec.fills_address) when the resident has not typed one there yet.
 */
function postalLookup({ spec, signal, field }, note, parts) {
  let lookedUp = null; // the code last looked up
  async function lookUp(text) {
    const digits = digitsOnly(text);
    if (digits.length !== 7 || digits === lookedUp) {
      if (digits.length !== 7) {
        lookedUp = null;
        note.hidden = true;
      }
      return;
    }
    lookedUp = digits;
    let body;
    try {
      body = await getJSON(`/api/postal-codes/${digits}`, { signal });
    } catch (error) {
      if (signal.aborted || lookedUp !== digits) return;
      if (error?.status === 404) {
        showNote(note, { key: 'field.postalCode.notFound' });
        parts.applyDescriptions();
      }
      return;
    }
    if (signal.aborted || lookedUp !== digits) return;
    const areas = Array.isArray(body?.items) ? body.items : [];
    if (areas.length === 0) return;
    const first = areas[0];
    // Several areas share some codes: then only what they have in common.
    const sameTown = areas.every((area) => area.town === first.town && area.city === first.city);
    const address = `${first.prefecture ?? ''}${first.city ?? ''}${sameTown ? (first.town ?? '') : ''}`;
    const target = spec.fills_address ? field(spec.fills_address) : null;
    if (target?.fill && target.empty && !target.locked && !target.wrapper.hidden) {
      target.fill(address);
      showNote(note, { key: 'field.postalCode.filled', params: { address } });
      announce(note.textContent);
    } else {
      showNote(note, { key: 'field.postalCode.found', params: { address } });
    }
  }
  return { lookUp };
}
