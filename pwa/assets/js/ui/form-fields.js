// A procedure's form fields, generated from its schema (FormRead.form): one renderer per
// field type, conditions (show_if) applied live, pre-filled values with their source, a
// lock and "この情報が違う", uploads that happen at once, errors beside each field.
//
// createForm() builds the fields section by section; the screen decides how to lay the
// sections out (one step at a time, or all on one page) and when to save or send.

import { getJSON, sendBytes, sendJSON } from '../api.js';
import {
  ACCOUNT_TYPES,
  allFields,
  answerNode,
  changedFromPrefill,
  checkAnswer,
  isVisible,
  parseWhole,
  provenanceNode,
} from '../answers.js';
import { announce, el, icon } from '../dom.js';
import { fileMeta, rememberFiles } from '../drafts.js';
import { applyTranslations, localize } from '../i18n.js';
import { dateValue, digitsOnly, fileSizeValue, warekiValue } from '../jp.js';
import { messageNode } from './error-summary.js';
import { busy, describeError, messageArea } from './feedback.js';

export const FILE_ACCEPT = '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png';

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

/**
 * @param {object} options
 * @param {object} options.form      FormRead
 * @param {object} options.answers   the answers, changed in place as the resident types
 * @param {string} options.idPrefix  prefix of element ids (one form per screen)
 * @param {AbortSignal} options.signal
 * @param {(name: string) => void} [options.onChange]  after any answer changed
 * @param {boolean} [options.corrections]  offer "この情報が違う" on pre-filled values
 */
export function createForm({ form, answers, idPrefix, signal, onChange, corrections = true }) {
  const slug = form.procedure?.slug ?? '';
  const prefill = form.prefill ?? {};
  const household = form.household ?? [];
  const specs = allFields(form);
  const controllers = new Map();
  const dialog = corrections ? correctionDialog({ slug, idPrefix, signal, household }) : null;
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
      controller.wrapper.hidden = !isVisible(controller.spec, answers);
      controller.syncChanged?.();
    }
  }

  function buildField(spec) {
    const id = `${idPrefix}-${spec.name}`;
    const filled = prefill[spec.name];
    const locked = Boolean(filled && (filled.locked || spec.locked));
    const context = { spec, id, filled, locked, update: (value) => set(spec.name, value) };
    let controller;
    if (
      locked &&
      ![
        'text',
        'textarea',
        'kana',
        'email',
        'phone',
        'number',
        'yen',
        'postal_code',
        'date',
      ].includes(spec.type)
    ) {
      controller = lockedDisplay(context);
    } else if (spec.type === 'textarea') controller = textArea(context);
    else if (spec.type === 'choice' && spec.widget === 'select') controller = selectField(context);
    else if (spec.type === 'choice')
      controller = optionGroup(context, { multiple: false, options: spec.options ?? [] });
    else if (spec.type === 'choices')
      controller = optionGroup(context, { multiple: true, options: spec.options ?? [] });
    else if (spec.type === 'household_member')
      controller = optionGroup(context, { multiple: false, members: true });
    else if (spec.type === 'household_members')
      controller = optionGroup(context, { multiple: true, members: true });
    else if (spec.type === 'consent') controller = consentField(context);
    else if (spec.type === 'bank_account') controller = bankAccount(context);
    else if (spec.type === 'file') controller = fileField(context);
    else controller = textInput(context);
    controller.spec = spec;
    return controller;
  }

  function set(name, value) {
    answers[name] = value;
    changed(name);
  }

  // --- the parts every field shares ------------------------------------------------------

  /**
   * The frame of a field: label or legend, hints, error, pre-filled provenance. describe()
   * lists the ids the control should name in aria-describedby.
   */
  function frame(
    { spec, id, filled, locked },
    { group = false, labelFor = id, typeHintKey, typeHintParams } = {},
  ) {
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
      : el('label', { class: 'field__label', for: labelFor }, labelParts);
    const error = el('p', { class: 'field__error', id: errorId, hidden: true });
    const provenance = filled ? prefillBlock({ spec, id, filled, locked }) : null;

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
      return [
        hintId,
        typeHintId,
        ...extra,
        ...(provenance?.ids() ?? []),
        errorShown ? errorId : null,
      ]
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
  function prefillBlock({ spec, id, filled, locked }) {
    const sourceId = `${id}-source`;
    const lockId = `${id}-lock`;
    const changedId = `${id}-changed`;
    const changedNote = el(
      'p',
      { class: 'prefill__changed', id: changedId, hidden: true },
      icon('info', 'prefill__icon'),
      el('span', { 'data-i18n': 'field.prefill.changed' }),
    );
    const wrong = dialog
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
    wrong?.addEventListener('click', () => dialog.open(spec, filled, wrong), { signal });
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
      ids: () => [
        sourceId,
        locked ? lockId : null,
        !locked && !changedNote.hidden ? changedId : null,
      ],
      syncChanged() {
        if (locked) return false;
        const was = !changedNote.hidden;
        changedNote.hidden = !changedFromPrefill(form, spec.name, answers[spec.name]);
        return was !== !changedNote.hidden;
      },
    };
  }

  // Not a spread copy: controllers have getters (empty) that must stay live.
  function withChanged(parts, controller) {
    controller.syncChanged = () => {
      if (parts.provenance?.syncChanged()) parts.applyDescriptions();
    };
    return controller;
  }

  // --- renderers ---------------------------------------------------------------------------

  function textInput(context) {
    const { spec, id, locked, update } = context;
    const kind = INPUTS[spec.type] ?? INPUTS.text;
    const parts = frame(context, { typeHintKey: kind.hintKey });
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
      'aria-required': spec.required ? 'true' : null,
      spellcheck: ['email', 'phone', 'postal_code', 'number', 'yen'].includes(spec.type)
        ? 'false'
        : null,
    });
    const value = answers[spec.name];
    input.value = value == null ? '' : String(value);

    const extra = [];
    const after = [];
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
        if (spec.type === 'postal_code') lookUpPostalCode(spec, input.value, note, parts);
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

  function textArea(context) {
    const { spec, id, locked, update } = context;
    const parts = frame(context);
    const area = el('textarea', {
      id,
      class: 'field__input field__textarea',
      name: spec.name,
      rows: '5',
      maxlength: spec.max_length ?? null,
      readonly: locked,
      'aria-required': spec.required ? 'true' : null,
    });
    area.value = answers[spec.name] ?? '';
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

  function selectField(context) {
    const { spec, id, update } = context;
    const parts = frame(context);
    const select = el(
      'select',
      {
        id,
        class: 'field__input field__select',
        name: spec.name,
        'aria-required': spec.required ? 'true' : null,
      },
      el('option', { value: '', 'data-i18n': 'field.select.placeholder' }),
      (spec.options ?? []).map((option) =>
        localize(el('option', { value: option.value }), option.label),
      ),
    );
    select.value = answers[spec.name] ?? '';
    select.addEventListener('change', () => update(select.value || null), { signal });
    parts.finish(select);
    parts.describeControls([select]);
    return withChanged(parts, {
      wrapper: parts.wrapper,
      setError: parts.setError,
      focus: () => select.focus(),
    });
  }

  /** Radios or checkboxes in a fieldset: options, or household members. */
  function optionGroup(context, { multiple, options = [], members = false }) {
    const { spec, id, update } = context;
    const parts = frame(context, { group: true });
    const items = members
      ? household.map((member) => ({ value: member.id, member }))
      : options.map((option) => ({ value: option.value, label: option.label }));
    const current = () => {
      const value = answers[spec.name];
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

  function consentField(context) {
    const { spec, id, update } = context;
    const parts = frame(context);
    const input = el('input', {
      id,
      class: 'choice__input',
      type: 'checkbox',
      name: spec.name,
      'aria-required': spec.required ? 'true' : null,
    });
    input.checked = answers[spec.name] === true;
    input.addEventListener('change', () => update(input.checked), { signal });
    const label = el(
      'label',
      { class: 'choice__label', for: id },
      localize(el('span'), spec.label),
      spec.required
        ? el('span', { class: 'field__required', 'data-i18n': 'field.required' })
        : null,
    );
    parts.finish(el('div', { class: 'choice choice--consent' }, input, label));
    parts.describeControls([input]);
    return withChanged(parts, {
      wrapper: parts.wrapper,
      setError: parts.setError,
      focus: () => input.focus(),
    });
  }

  function bankAccount(context) {
    const { spec, id, update } = context;
    const parts = frame(context, { group: true });
    const value = {
      bank_code: '',
      branch_code: '',
      type: '',
      number: '',
      holder: '',
      ...(answers[spec.name] ?? {}),
    };
    // Filed answers hold the type as the server normalised it (ordinary, current, savings).
    value.type = ACCOUNT_TYPES.find((item) => item.alias === value.type)?.value ?? value.type;
    const sub = (name, labelKey, hintKey, attributes) => {
      const subId = `${id}-${name.replace('_', '-')}`;
      const input = el('input', {
        id: subId,
        class: 'field__input',
        name: `${spec.name}.${name}`,
        ...attributes,
      });
      input.value = value[name] ?? '';
      input.addEventListener('input', () => changedPart(name, input.value), { signal });
      const node = el(
        'div',
        { class: `bank-account__part bank-account__part--${name.replace('_', '-')}` },
        el('label', { class: 'bank-account__label', for: subId, 'data-i18n': labelKey }),
        hintKey
          ? el('p', { class: 'field__hint', id: `${subId}-hint`, 'data-i18n': hintKey })
          : null,
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
      { id: typeId, class: 'field__input field__select', name: `${spec.name}.type` },
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
        Object.values(value).every((part) => String(part ?? '').trim() === '')
          ? null
          : { ...value },
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

  function fileField(context) {
    const { spec, id, update } = context;
    const max = spec.max_files ?? 3;
    const parts = frame(context, { typeHintKey: 'field.file.hint', typeHintParams: { max } });
    const input = el('input', {
      id,
      class: 'file-input',
      type: 'file',
      name: spec.name,
      accept: FILE_ACCEPT,
      multiple: max > 1,
      'aria-required': spec.required ? 'true' : null,
    });
    const list = el('ul', { class: 'file-list' });
    const status = el('p', { class: 'file-status', role: 'status' });
    const ids = () => (Array.isArray(answers[spec.name]) ? [...answers[spec.name]] : []);

    function showList() {
      list.replaceChildren(
        ...ids().map((fileId) => {
          const meta = fileMeta(fileId);
          const remove = el(
            'button',
            { type: 'button', class: 'button button--danger button--sm' },
            icon('trash', 'button__icon'),
            el('span', { 'data-i18n': 'field.file.remove' }),
            el('span', {
              class: 'visually-hidden',
              'data-i18n': 'field.file.removeName',
              'data-i18n-params': JSON.stringify({ name: meta?.filename ?? fileId }),
            }),
          );
          remove.addEventListener(
            'click',
            () => {
              const left = ids().filter((item) => item !== fileId);
              update(left.length ? left : null);
              showList();
              status.setAttribute('data-i18n', 'field.file.removed');
              status.setAttribute(
                'data-i18n-params',
                JSON.stringify({ name: meta?.filename ?? fileId }),
              );
              applyTranslations(status);
              input.focus();
            },
            { signal },
          );
          return el(
            'li',
            { class: 'file-list__item' },
            icon('document', 'file-list__icon'),
            el(
              'span',
              { class: 'file-list__text' },
              el(
                'span',
                { class: 'file-list__name' },
                meta?.filename ?? el('span', { 'data-i18n': 'field.file.unnamed' }),
              ),
              meta
                ? localize(el('span', { class: 'file-list__size' }), fileSizeValue(meta.size))
                : null,
            ),
            remove,
          );
        }),
      );
      applyTranslations(list);
      list.hidden = ids().length === 0;
    }

    input.addEventListener(
      'change',
      async () => {
        const chosen = [...(input.files ?? [])];
        input.value = '';
        if (chosen.length === 0) return;
        if (ids().length + chosen.length > max) {
          parts.setError({ key: 'field.error.tooManyFiles', params: { max } });
          return;
        }
        parts.setError(null);
        const done = busy(input);
        for (const file of chosen) {
          status.setAttribute('data-i18n', 'field.file.uploading');
          status.setAttribute('data-i18n-params', JSON.stringify({ name: file.name }));
          applyTranslations(status);
          let attachment;
          try {
            attachment = await sendBytes(
              `/api/attachments?filename=${encodeURIComponent(file.name)}`,
              {
                body: file,
                contentType: file.type || 'application/octet-stream',
                signal,
              },
            );
          } catch (error) {
            if (signal.aborted) return;
            done();
            status.replaceChildren();
            status.removeAttribute('data-i18n');
            parts.setError(describeError(error));
            return;
          }
          if (signal.aborted) return;
          rememberFiles([attachment]);
          update([...ids(), attachment.id]);
          showList();
          status.setAttribute('data-i18n', 'field.file.uploaded');
          status.setAttribute(
            'data-i18n-params',
            JSON.stringify({ name: attachment.filename ?? file.name }),
          );
          applyTranslations(status);
        }
        done();
      },
      { signal },
    );

    // The field's label names the input; this second label is the button people see.
    const picker = el(
      'div',
      { class: 'file-picker' },
      input,
      el(
        'label',
        { class: 'button button--outline file-picker__button', for: id },
        icon('upload', 'button__icon'),
        el('span', { 'data-i18n': 'field.file.choose' }),
      ),
    );
    showList();
    parts.finish(picker, list, status);
    parts.describeControls([input]);
    return withChanged(parts, {
      wrapper: parts.wrapper,
      setError: parts.setError,
      focus: () => input.focus(),
    });
  }

  /** A locked value that is not typed text (a choice, household members…): shown, not asked. */
  function lockedDisplay(context) {
    const { spec, id } = context;
    const parts = frame(context, { group: false, labelFor: null });
    // Not a <label>: there is no control to label; the value is text, read in order.
    const heading = el('p', { class: 'field__label' }, [...parts.label.childNodes]);
    if (parts.label.isConnected || parts.label.parentNode) parts.label.replaceWith(heading);
    else parts.wrapper.prepend(heading);
    const value = el(
      'p',
      { class: 'field__readonly', id, tabindex: '-1' },
      answerNode(spec, answers[spec.name], { household, files: fileMeta }),
    );
    parts.finish(value);
    return { wrapper: parts.wrapper, setError: parts.setError, focus: () => value.focus() };
  }

  function memberDetails(member, detailsId) {
    const birth = member.birth_date ? dateValue(member.birth_date) : null;
    return el(
      'span',
      { class: 'choice__meta', id: detailsId },
      // The registry's relation code (head, child…) in the reader's language.
      member.relation ? el('span', { 'data-i18n': `field.household.relation.${member.relation}` }) : null,
      birth
        ? el('span', {
            'data-i18n': 'field.household.born',
            'data-i18n-params': JSON.stringify({ date: birth }),
          })
        : null,
      member.is_self ? el('span', { 'data-i18n': 'field.household.self' }) : null,
    );
  }

  // --- postal code → address ---------------------------------------------------------------

  const lookedUp = new Map(); // postal field → the code last looked up
  async function lookUpPostalCode(spec, text, note, parts) {
    const digits = digitsOnly(text);
    if (digits.length !== 7 || digits === lookedUp.get(spec.name)) {
      if (digits.length !== 7) {
        lookedUp.delete(spec.name);
        note.hidden = true;
      }
      return;
    }
    lookedUp.set(spec.name, digits);
    let body;
    try {
      body = await getJSON(`/api/postal-codes/${digits}`, { signal });
    } catch (error) {
      if (signal.aborted || lookedUp.get(spec.name) !== digits) return;
      if (error?.status === 404) {
        showNote(note, { key: 'field.postalCode.notFound' });
        parts.applyDescriptions();
      }
      return;
    }
    if (signal.aborted || lookedUp.get(spec.name) !== digits) return;
    const areas = Array.isArray(body?.items) ? body.items : [];
    if (areas.length === 0) return;
    const first = areas[0];
    // Several areas share some codes: then only what they have in common.
    const sameTown = areas.every((area) => area.town === first.town && area.city === first.city);
    const address = `${first.prefecture ?? ''}${first.city ?? ''}${sameTown ? (first.town ?? '') : ''}`;
    const target = spec.fills_address ? controllers.get(spec.fills_address) : null;
    if (target?.fill && target.empty && !target.locked && !target.wrapper.hidden) {
      target.fill(address);
      showNote(note, { key: 'field.postalCode.filled', params: { address } });
      announce(note.textContent);
    } else {
      showNote(note, { key: 'field.postalCode.found', params: { address } });
    }
  }

  function showNote(note, message) {
    note.replaceChildren(icon('info', 'field__note-icon'), messageNode(message));
    applyTranslations(note);
    note.hidden = false;
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
