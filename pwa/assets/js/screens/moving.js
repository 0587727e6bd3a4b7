// /moving: tell the municipality of a move to another one (転出), once.
//   where to      a municipality on this platform (then the data can be sent ahead, with
//                 consent, on the next screen) or any other, by name (only the counter form)
//   when, where   the move date, the new postal code and address
//   who           the household members moving (from the registry, all chosen at first)
//   how           at the counter (a pre-filled 転出届 booking is made) or filed already
//                 through マイナポータル's 引越しワンストップサービス (only noted here: a signed
//                 転出 online is マイナポータル's alone)
// The moves told before are listed above the form, each leading to /moving/:id.

import { ApiError, getJSON, sendJSON } from '../api.js';
import { el, icon } from '../dom.js';
import { applyTranslations, localize } from '../i18n.js';
import { backLink } from '../ui/back-link.js';
import { busy, dateTimeValue, messageArea } from '../ui/feedback.js';
import { textField } from '../ui/forms.js';
import { loadSignedIn } from '../ui/signed-in-data.js';

export const titleKey = 'moving.title';

const VISIT_TIMES = ['09-10', '10-11', '11-12', '13-14', '14-15', '15-16', '16-17'];
const OTHER = 'other';

export async function mount(outlet, ctx) {
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el(
      'div',
      { class: 'page' },
      backLink('/account', 'account.title'),
      el('h1', { class: 'page__title', 'data-i18n': 'moving.title' }),
      el('p', { class: 'page__lead', 'data-i18n': 'moving.lead' }),
      content,
    ),
  );
  applyTranslations(outlet);

  await loadSignedIn(content, ctx, {
    loadingKey: 'moving.loading',
    signInKey: 'moving.signIn',
    errorKey: 'moving.error.load',
    refresh: true,
    load: async (me) => {
      if (!me.verified) return { me };
      const [places, moves, form] = await Promise.all([
        getJSON('/api/moves/destinations', { signal: ctx.signal }),
        getJSON('/api/moves/out', { signal: ctx.signal }),
        getJSON('/api/procedures/move-out/form', { signal: ctx.signal }),
      ]);
      return { me, places: places.items, moves: moves.items, household: form.household };
    },
    show: (data) => (data.places ? [told(data.moves), tellForm(ctx, data)] : needsVerify()),
  });
}

function needsVerify() {
  return el(
    'div',
    { class: 'notice notice--info' },
    icon('info', 'notice__icon'),
    el('h2', { class: 'notice__title', 'data-i18n': 'moving.verifyFirst.title' }),
    el('div', { class: 'notice__body' }, el('p', { 'data-i18n': 'moving.verifyFirst.body' })),
    el(
      'div',
      { class: 'notice__actions' },
      el('a', {
        class: 'button button--solid',
        href: '/account/verify',
        'data-i18n': 'moving.verifyFirst.action',
      }),
    ),
  );
}

function told(moves) {
  if (!moves.length) return null;
  return el(
    'section',
    { class: 'panel', 'aria-labelledby': 'moving-told-title' },
    el('h2', { class: 'panel__title', id: 'moving-told-title', 'data-i18n': 'moving.told.title' }),
    el(
      'ul',
      { class: 'link-list' },
      moves.map((move) => {
        const where = el('span', { class: 'link-list__label' });
        if (move.destination) localize(where, move.destination.name);
        else where.textContent = move.destination_name;
        const when = localize(
          el('span', { class: 'link-list__hint' }),
          dateTimeValue(`${move.move_date}T12:00:00+09:00`, { time: false }),
        );
        const state = el('span', {
          class: 'link-list__hint',
          'data-i18n': move.withdrawn_at
            ? 'moving.state.withdrawn'
            : move.consented_at
              ? 'moving.state.sent'
              : 'moving.state.told',
        });
        return el(
          'li',
          { class: 'link-list__item' },
          el(
            'a',
            { class: 'link-list__link', href: `/moving/${move.id}` },
            icon('send', 'link-list__icon'),
            el('span', { class: 'link-list__text' }, where, when, state),
            icon('chevronRight', 'link-list__chevron'),
          ),
        );
      }),
    ),
  );
}

function radioGroup(name, legendKey, options, hintKey) {
  const inputs = options.map(({ value, key }, index) => {
    const input = el('input', {
      id: `${name}-${index}`,
      class: 'choice__input',
      type: 'radio',
      name,
      value,
    });
    const node = el(
      'div',
      { class: 'choice' },
      input,
      el('label', { class: 'choice__label', for: input.id, 'data-i18n': key }),
    );
    return { input, node };
  });
  const error = el('p', { class: 'field__error', id: `${name}-error`, hidden: true });
  const wrapper = el(
    'fieldset',
    { class: 'field choice-group', id: name },
    el('legend', { class: 'field__label field__legend', 'data-i18n': legendKey }),
    hintKey ? el('p', { class: 'field__hint', 'data-i18n': hintKey }) : null,
    el('div', { class: 'choice-group__options' }, inputs.map((i) => i.node)),
    error,
  );
  return {
    wrapper,
    inputs,
    value: () => inputs.find((i) => i.input.checked)?.input.value ?? null,
    error,
  };
}

function fieldError(node, message) {
  node.replaceChildren(icon('alert', 'field__error-icon'), localize(el('span'), message));
  node.hidden = false;
}

function tellForm(ctx, { places, household }) {
  const messages = messageArea();
  // Where to.
  const destination = el(
    'select',
    { id: 'moving-destination', class: 'field__input field__select', name: 'destination' },
    el('option', { value: '', 'data-i18n': 'field.select.placeholder' }),
    places.map((place) => localize(el('option', { value: String(place.id) }), place.name)),
    el('option', { value: OTHER, 'data-i18n': 'moving.destination.other' }),
  );
  const destinationError = el('p', { class: 'field__error', hidden: true });
  const destinationField = el(
    'div',
    { class: 'field' },
    el('label', {
      class: 'field__label',
      for: 'moving-destination',
      'data-i18n': 'moving.destination.label',
    }),
    el('p', { class: 'field__hint', 'data-i18n': 'moving.destination.hint' }),
    destination,
    destinationError,
  );
  const otherName = textField({
    id: 'moving-destination-name',
    labelKey: 'moving.destinationName.label',
    hintKey: 'moving.destinationName.hint',
    attributes: { maxlength: '100', autocomplete: 'off' },
  });
  otherName.wrapper.hidden = true;
  destination.addEventListener(
    'change',
    () => {
      otherName.wrapper.hidden = destination.value !== OTHER;
    },
    { signal: ctx.signal },
  );
  // When and where.
  const moveDate = textField({
    id: 'moving-date',
    labelKey: 'moving.date.label',
    hintKey: 'moving.date.hint',
    attributes: { type: 'date', class: 'field__input field__input--medium' },
  });
  const postal = textField({
    id: 'moving-postal',
    labelKey: 'moving.postal.label',
    hintKey: 'moving.postal.hint',
    attributes: {
      inputmode: 'numeric',
      autocomplete: 'postal-code',
      maxlength: '8',
      class: 'field__input field__input--short',
    },
  });
  const address = textField({
    id: 'moving-address',
    labelKey: 'moving.address.label',
    hintKey: 'moving.address.hint',
    attributes: { maxlength: '200', autocomplete: 'street-address' },
  });
  // Who.
  const movers = household.map((member, index) => {
    const input = el('input', {
      id: `moving-mover-${index}`,
      class: 'choice__input',
      type: 'checkbox',
      name: 'movers',
      value: member.id,
    });
    input.checked = true; // the household as the registry holds it, all moving at first
    return el(
      'div',
      { class: 'choice' },
      input,
      el(
        'label',
        { class: 'choice__label', for: input.id },
        el('span', { class: 'choice__name' }, member.name),
        member.is_self
          ? el('span', { class: 'choice__meta', 'data-i18n': 'moving.movers.you' })
          : null,
      ),
    );
  });
  const moversError = el('p', { class: 'field__error', hidden: true });
  const moversField = el(
    'fieldset',
    { class: 'field choice-group', id: 'moving-movers' },
    el('legend', { class: 'field__label field__legend', 'data-i18n': 'moving.movers.label' }),
    el('p', { class: 'field__hint', 'data-i18n': 'moving.movers.hint' }),
    el('div', { class: 'choice-group__options' }, movers),
    moversError,
  );
  const dog = el('input', { id: 'moving-dog', class: 'choice__input', type: 'checkbox' });
  const dogField = el(
    'div',
    { class: 'choice' },
    dog,
    el('label', { class: 'choice__label', for: 'moving-dog', 'data-i18n': 'moving.dog.label' }),
  );
  // How.
  const method = radioGroup(
    'moving-method',
    'moving.method.label',
    [
      { value: 'counter', key: 'moving.method.counter' },
      { value: 'myna_portal', key: 'moving.method.mynaPortal' },
    ],
    'moving.method.hint',
  );
  const mynaNote = el(
    'div',
    { class: 'notice notice--info notice--compact', hidden: true },
    icon('info', 'notice__icon'),
    el(
      'div',
      { class: 'notice__body' },
      el('p', { 'data-i18n': 'moving.mynaPortal.note' }),
      el('a', {
        class: 'link',
        href: 'https://myna.go.jp/',
        rel: 'noopener',
        target: '_blank',
        'data-i18n': 'moving.mynaPortal.link',
      }),
    ),
  );
  const visitDate = textField({
    id: 'moving-visit-date',
    labelKey: 'moving.visitDate.label',
    hintKey: 'moving.visitDate.hint',
    attributes: { type: 'date', class: 'field__input field__input--medium' },
  });
  const visitTime = el(
    'select',
    { id: 'moving-visit-time', class: 'field__input field__select' },
    el('option', { value: '', 'data-i18n': 'field.select.placeholder' }),
    VISIT_TIMES.map((slot) =>
      el('option', { value: slot, 'data-i18n': `moving.visitTime.${slot}` }),
    ),
  );
  const visitTimeField = el(
    'div',
    { class: 'field' },
    el('label', {
      class: 'field__label',
      for: 'moving-visit-time',
      'data-i18n': 'moving.visitTime.label',
    }),
    visitTime,
  );
  const phone = textField({
    id: 'moving-phone',
    labelKey: 'moving.phone.label',
    hintKey: 'moving.phone.hint',
    attributes: { type: 'tel', autocomplete: 'tel', maxlength: '20' },
  });
  const counterPart = el(
    'div',
    { class: 'stack', hidden: true },
    visitDate.wrapper,
    visitTimeField,
    phone.wrapper,
  );
  for (const { input } of method.inputs) {
    input.addEventListener(
      'change',
      () => {
        counterPart.hidden = method.value() !== 'counter';
        mynaNote.hidden = method.value() !== 'myna_portal';
      },
      { signal: ctx.signal },
    );
  }

  const submit = el(
    'button',
    { type: 'submit', class: 'button button--solid button--block' },
    el('span', { 'data-i18n': 'moving.submit' }),
  );
  const form = el(
    'form',
    { class: 'stack', action: '#', novalidate: true },
    destinationField,
    otherName.wrapper,
    moveDate.wrapper,
    postal.wrapper,
    address.wrapper,
    moversField,
    dogField,
    method.wrapper,
    mynaNote,
    counterPart,
    el('p', { class: 'field__hint', 'data-i18n': 'moving.nothingSent' }),
    submit,
    messages.node,
  );

  const textFields = {
    destination_name: otherName,
    move_date: moveDate,
    new_postal_code: postal,
    new_address: address,
    visit_date: visitDate,
    phone,
  };
  const otherErrors = { destination: destinationError, movers: moversError, method: method.error };

  function clearErrors() {
    for (const field of Object.values(textFields)) field.setError(null);
    for (const node of Object.values(otherErrors)) node.hidden = true;
    messages.clear();
  }

  form.addEventListener(
    'submit',
    async (event) => {
      event.preventDefault();
      clearErrors();
      const chosen = destination.value;
      const how = method.value();
      if (!how) {
        fieldError(method.error, { ja: '選んでください', easy: 'えらんでください', en: 'Choose one' });
        method.inputs[0].input.focus();
        return;
      }
      const body = {
        destination: chosen && chosen !== OTHER ? Number(chosen) : null,
        destination_name: chosen === OTHER ? otherName.input.value : '',
        move_date: moveDate.input.value || null,
        new_postal_code: postal.input.value,
        new_address: address.input.value,
        movers: [...form.querySelectorAll('input[name="movers"]:checked')].map((i) => i.value),
        method: how,
        dog: dog.checked,
        visit_date: how === 'counter' && visitDate.input.value ? visitDate.input.value : null,
        visit_time: how === 'counter' ? visitTime.value : '',
        phone: how === 'counter' ? phone.input.value : '',
      };
      const done = busy(submit);
      let move;
      try {
        move = await sendJSON('/api/moves/out', { body, signal: ctx.signal });
      } catch (error) {
        if (ctx.signal.aborted) return;
        done();
        if (error instanceof ApiError && error.status === 422 && error.errors?.length) {
          showErrors(error.errors);
          return;
        }
        if (error instanceof ApiError && error.status === 400 && body.move_date == null) {
          moveDate.setError({ key: 'moving.date.required' });
          moveDate.input.focus();
          return;
        }
        messages.show({ error, focus: true });
        return;
      }
      ctx.navigate(`/moving/${move.id}`);
    },
    { signal: ctx.signal },
  );

  function showErrors(errors) {
    let first = null;
    for (const problem of errors) {
      const message = { ja: problem.message?.ja ?? '', easy: problem.message?.ja ?? '', en: problem.message?.en ?? '' };
      if (textFields[problem.field]) {
        textFields[problem.field].setError({ value: message });
        first ??= textFields[problem.field].input;
      } else if (otherErrors[problem.field]) {
        fieldError(otherErrors[problem.field], message);
        first ??= otherErrors[problem.field].closest('.field') ?? null;
      } else {
        messages.show({ value: message });
      }
    }
    if (first) {
      first.tabIndex = first.tabIndex < 0 ? -1 : first.tabIndex;
      first.focus();
    }
  }

  return el(
    'section',
    { class: 'panel', 'aria-labelledby': 'moving-form-title' },
    el('h2', { class: 'panel__title', id: 'moving-form-title', 'data-i18n': 'moving.form.title' }),
    form,
  );
}
