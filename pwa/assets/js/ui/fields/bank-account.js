// A bank account for a payment: bank and branch codes, type, number and holder in kana.

import { ACCOUNT_TYPES } from '../../answers.js';
import { el } from '../../dom.js';
import { fieldFrame, withChanged } from './frame.js';

export function bankAccount(context) {
  const { spec, id, preview, answer, update, signal } = context;
  const parts = fieldFrame(context, { group: true });
  const value = {
    bank_code: '',
    branch_code: '',
    type: '',
    number: '',
    holder: '',
    ...(answer() ?? {}),
  };
  // Filed answers hold the type as the server normalised it (ordinary, current, savings).
  value.type = ACCOUNT_TYPES.find((item) => item.alias === value.type)?.value ?? value.type;
  const sub = (name, labelKey, hintKey, attributes) => {
    const subId = `${id}-${name.replace('_', '-')}`;
    const input = el('input', {
      id: subId,
      class: 'field__input',
      name: `${spec.name}.${name}`,
      disabled: preview,
      ...attributes,
    });
    input.value = value[name] ?? '';
    input.addEventListener('input', () => changedPart(name, input.value), { signal });
    const node = el(
      'div',
      { class: `bank-account__part bank-account__part--${name.replace('_', '-')}` },
      el('label', { class: 'bank-account__label', for: subId, 'data-i18n': labelKey }),
      hintKey ? el('p', { class: 'field__hint', id: `${subId}-hint`, 'data-i18n': hintKey }) : null,
      input,
    );
    return { input, node, hintId: hintKey ? `${subId}-hint` : null };
  };
  const bank = sub('bank_code', 'field.bank.bankCode', 'field.bank.bankCodeHint', {
    inputmode: 'numeric',
    maxlength: '4',
    autocomplete: 'off',
    class: 'field__input field__input--short',
  });
  const branch = sub('branch_code', 'field.bank.branchCode', 'field.bank.branchCodeHint', {
    inputmode: 'numeric',
    maxlength: '3',
    autocomplete: 'off',
    class: 'field__input field__input--short',
  });
  const typeId = `${id}-type`;
  const type = el(
    'select',
    {
      id: typeId,
      class: 'field__input field__select',
      name: `${spec.name}.type`,
      disabled: preview,
    },
    el('option', { value: '', 'data-i18n': 'field.select.placeholder' }),
    ACCOUNT_TYPES.map((item) => el('option', { value: item.value, 'data-i18n': item.key })),
  );
  type.value = value.type ?? '';
  type.addEventListener('change', () => changedPart('type', type.value), { signal });
  const number = sub('number', 'field.bank.number', 'field.bank.numberHint', {
    inputmode: 'numeric',
    maxlength: '7',
    autocomplete: 'off',
    class: 'field__input field__input--medium',
  });
  const holder = sub('holder', 'field.bank.holder', 'field.kana.hint', { autocomplete: 'off' });

  function changedPart(name, text) {
    value[name] = text;
    update(
      Object.values(value).every((part) => String(part ?? '').trim() === '') ? null : { ...value },
    );
  }

  parts.wrapper.classList.add('bank-account');
  parts.finish(
    el(
      'div',
      { class: 'bank-account__grid' },
      bank.node,
      branch.node,
      el(
        'div',
        { class: 'bank-account__part bank-account__part--type' },
        el('label', {
          class: 'bank-account__label',
          for: typeId,
          'data-i18n': 'field.bank.type',
        }),
        el('p', {
          class: 'field__hint',
          id: `${typeId}-hint`,
          'data-i18n': 'field.bank.typeHint',
        }),
        type,
      ),
      number.node,
      holder.node,
    ),
  );
  const subs = [bank, branch, { input: type, hintId: `${typeId}-hint` }, number, holder];
  parts.describeControls([parts.wrapper]);
  // Each part names its own hint and the group's error.
  const describeParts = () => {
    const errorId = parts.wrapper.querySelector('.field__error:not([hidden])')?.id;
    for (const { input, hintId } of subs) {
      const ids = [hintId, errorId].filter(Boolean).join(' ');
      if (ids) input.setAttribute('aria-describedby', ids);
      else input.removeAttribute('aria-describedby');
    }
  };
  describeParts();
  return withChanged(parts, {
    wrapper: parts.wrapper,
    setError(message) {
      parts.setError(message);
      for (const control of subs.map((item) => item.input)) {
        if (message) control.setAttribute('aria-invalid', 'true');
        else control.removeAttribute('aria-invalid');
      }
      describeParts();
    },
    focus: () => bank.input.focus(),
  });
}
