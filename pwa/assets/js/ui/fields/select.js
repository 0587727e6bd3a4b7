// One choice from a drop-down (a choice whose widget is "select").

import { el } from '../../dom.js';
import { localize } from '../../i18n.js';
import { fieldFrame, withChanged } from './frame.js';

export function selectField(context) {
  const { spec, id, preview, answer, update, signal } = context;
  const parts = fieldFrame(context);
  const select = el(
    'select',
    {
      id,
      class: 'field__input field__select',
      name: spec.name,
      disabled: preview,
      'aria-required': spec.required ? 'true' : null,
    },
    el('option', { value: '', 'data-i18n': 'field.select.placeholder' }),
    (spec.options ?? []).map((option) =>
      localize(el('option', { value: option.value }), option.label),
    ),
  );
  select.value = answer() ?? '';
  select.addEventListener('change', () => update(select.value || null), { signal });
  parts.finish(select);
  parts.describeControls([select]);
  return withChanged(parts, {
    wrapper: parts.wrapper,
    setError: parts.setError,
    focus: () => select.focus(),
  });
}
