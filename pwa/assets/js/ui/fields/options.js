// Radios or checkboxes in a fieldset: a choice, several choices, or household members.

import { el } from '../../dom.js';
import { localize } from '../../i18n.js';
import { dateValue } from '../../jp.js';
import { fieldFrame, withChanged } from './frame.js';

/**
 * @param {object} context
 * @param {{multiple: boolean, members?: boolean}} shape  members: the resident's household
 *   is what they choose from, not the field's options
 */
export function optionGroup(context, { multiple, members = false }) {
  const { spec, id, preview, household, answer, update, signal } = context;
  const parts = fieldFrame(context, { group: true });
  const items = members
    ? household.map((member) => ({ value: member.id, member }))
    : (spec.options ?? []).map((option) => ({ value: option.value, label: option.label }));
  const current = () => {
    const value = answer();
    if (multiple) return Array.isArray(value) ? value : value == null ? [] : [value];
    return value;
  };
  const inputs = items.map((item, index) => {
    const optionId = `${id}-${index}`;
    const input = el('input', {
      id: optionId,
      class: 'choice__input',
      type: multiple ? 'checkbox' : 'radio',
      name: id,
      value: item.value,
      disabled: preview,
    });
    input.checked = multiple ? current().includes(item.value) : current() === item.value;
    const label = el('label', { class: 'choice__label', for: optionId });
    if (item.member) {
      label.append(
        el('span', { class: 'choice__name' }, item.member.name),
        memberDetails(item.member, `${optionId}-details`),
      );
    } else {
      localize(label, item.label);
    }
    return { input, node: el('div', { class: 'choice' }, input, label) };
  });
  for (const { input } of inputs) {
    input.addEventListener(
      'change',
      () => {
        if (multiple) {
          const chosen = items
            .filter((_, i) => inputs[i].input.checked)
            .map((item) => item.value);
          update(chosen.length ? chosen : null);
        } else if (input.checked) {
          update(input.value);
        }
      },
      { signal },
    );
  }
  const list =
    items.length > 0
      ? el(
          'div',
          { class: 'choice-group__options' },
          inputs.map((item) => item.node),
        )
      : el('p', { class: 'field__hint', 'data-i18n': 'field.household.none' });
  parts.wrapper.classList.add('choice-group');
  parts.finish(list);
  parts.describeControls([parts.wrapper]);
  return withChanged(parts, {
    wrapper: parts.wrapper,
    setError: parts.setError,
    focus: () => (inputs.find((item) => item.input.checked) ?? inputs[0])?.input.focus(),
  });
}

/** A household member's relation, birth date and "you", under their name. */
function memberDetails(member, detailsId) {
  const birth = member.birth_date ? dateValue(member.birth_date) : null;
  return el(
    'span',
    { class: 'choice__meta', id: detailsId },
    // The registry's relation code (head, child…) in the reader's language.
    member.relation
      ? el('span', { 'data-i18n': `field.household.relation.${member.relation}` })
      : null,
    birth
      ? el('span', {
          'data-i18n': 'field.household.born',
          'data-i18n-params': JSON.stringify({ date: birth }),
        })
      : null,
    member.is_self ? el('span', { 'data-i18n': 'field.household.self' }) : null,
  );
}
