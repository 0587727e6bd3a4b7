// Longer free text.

import { el } from '../../dom.js';
import { fieldFrame, withChanged } from './frame.js';

export function textArea(context) {
  const { spec, id, locked, preview, answer, update, signal } = context;
  const parts = fieldFrame(context);
  const area = el('textarea', {
    id,
    class: 'field__input field__textarea',
    name: spec.name,
    rows: '5',
    maxlength: spec.max_length ?? null,
    readonly: locked,
    disabled: preview,
    'aria-required': spec.required ? 'true' : null,
  });
  area.value = answer() ?? '';
  area.addEventListener('input', () => !locked && update(area.value === '' ? null : area.value), {
    signal,
  });
  parts.finish(area);
  parts.describeControls([area]);
  return withChanged(parts, {
    wrapper: parts.wrapper,
    setError: parts.setError,
    focus: () => area.focus(),
    fill(text) {
      area.value = text;
      update(text);
    },
    get empty() {
      return area.value.trim() === '';
    },
    locked,
  });
}
