// A consent or declaration: one checkbox whose label is the field's own words.

import { el } from '../../dom.js';
import { localize } from '../../i18n.js';
import { fieldFrame, withChanged } from './frame.js';

export function consentField(context) {
  const { spec, id, preview, answer, update, signal } = context;
  const parts = fieldFrame(context);
  const input = el('input', {
    id,
    class: 'choice__input',
    type: 'checkbox',
    name: spec.name,
    disabled: preview,
    'aria-required': spec.required ? 'true' : null,
  });
  input.checked = answer() === true;
  input.addEventListener('change', () => update(input.checked), { signal });
  const label = el(
    'label',
    { class: 'choice__label', for: id },
    localize(el('span'), spec.label),
    spec.required ? el('span', { class: 'field__required', 'data-i18n': 'field.required' }) : null,
  );
  parts.finish(el('div', { class: 'choice choice--consent' }, input, label));
  parts.describeControls([input]);
  return withChanged(parts, {
    wrapper: parts.wrapper,
    setError: parts.setError,
    focus: () => input.focus(),
  });
}
