// The forms inside a life event's review (issue 17): each online item is its own procedure's
// form, drawn as the apply screen draws it, already holding what the municipality knows (the
// registry's values) and what the event's answers gave (the phone asked once, the reason…).
// A form the event filled completely starts folded and says so; one that needs more starts
// open and says how many answers it still needs. 「まとめて申請する」 sends each form with the
// event; the server checks each as a filing of its own, and its problems come back here,
// beside the field of the item they name (items.<item>.<field>).

import { allFields, answersToSend, checkAnswer, initialAnswers, isVisible } from '../answers.js';
import { el, icon } from '../dom.js';
import { applyTranslations, localize } from '../i18n.js';
import { loadForm } from '../procedure-form.js';
import { problemFieldErrors } from '../ui/error-summary.js';
import { createForm } from '../ui/form-fields.js';

/** The forms of the plan's online items filed here: Map(item id → FormRead). */
export async function loadItemForms(plan, signal) {
  const online = plan.items.filter((item) => item.mode === 'online' && item.filed_here);
  const forms = await Promise.all(online.map((item) => loadForm(item.procedure, null, signal)));
  return new Map(online.map((item, i) => [item.id, forms[i]]));
}

/**
 * One item's form, folded in a disclosure under the item.
 * Returns { node, answers(), missing(), check(), reveal(), showServerErrors(error),
 * setEnabled(on) }; onChange runs after any answer changed.
 */
export function itemFormPanel(item, form, signal, onChange = () => {}) {
  const answers = initialAnswers(form, item.answers ?? {});
  const specs = allFields(form);
  const state = el('span', { class: 'life-form__state' });
  const fields = createForm({
    form,
    answers,
    idPrefix: `life-form-${item.id}`,
    signal,
    onChange: () => {
      sync();
      onChange();
    },
  });
  const sections = (form.form?.sections ?? []).map((section) =>
    el(
      'fieldset',
      { class: 'life-form__section' },
      localize(el('legend', { class: 'life-form__legend' }), section.title),
      fields.sectionNode(section),
    ),
  );
  const missingAtFirst = missing();
  const node = el(
    'details',
    { class: 'life-form', 'data-form-item': item.id, open: missingAtFirst > 0 ? true : null },
    el(
      'summary',
      { class: 'life-form__summary' },
      icon('pencil', 'life-form__icon'),
      el('span', { class: 'life-form__title', 'data-i18n': 'lifeEvents.form.summary' }),
      state,
    ),
    el(
      'div',
      { class: 'life-form__body stack' },
      el('p', { class: 'life-form__lead', 'data-i18n': 'lifeEvents.form.lead' }),
      ...sections,
      fields.extras,
    ),
  );

  /** How many shown answers are still missing or wrong (without marking them yet). */
  function missing() {
    return specs.filter((spec) => isVisible(spec, answers) && checkAnswer(spec, answers[spec.name]))
      .length;
  }

  function sync() {
    const left = missing();
    state.setAttribute('data-state', left ? 'needs' : 'complete');
    state.setAttribute('data-i18n', left ? 'lifeEvents.form.needs' : 'lifeEvents.form.complete');
    state.setAttribute('data-i18n-params', JSON.stringify({ count: left }));
    applyTranslations(state);
  }
  sync();

  return {
    node,
    answers: () => answersToSend(form, answers),
    /** How many answers are still needed, without marking them. */
    missing,
    /** Mark the problems beside their fields: [{name, label, message}]. */
    check: () => fields.check(),
    /** Open the form at its first problem. */
    reveal() {
      const [first] = fields.check();
      if (first) reveal(first.name);
    },
    /** The server's problems for this item (field paths items.<item>.<field>). */
    showServerErrors(error) {
      const prefix = `items.${item.id}.`;
      const mine = problemFieldErrors(error)
        .filter((problem) => problem.field.startsWith(prefix))
        .map((problem) => ({ ...problem, field: problem.field.slice(prefix.length) }));
      fields.showErrors(mine);
      if (mine.length) reveal(mine[0].field);
      return mine.length > 0;
    },
    setEnabled(on) {
      node.hidden = !on;
    },
  };

  function reveal(name) {
    node.open = true;
    fields.focusField(name);
  }
}
