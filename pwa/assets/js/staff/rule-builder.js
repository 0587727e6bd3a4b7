// The eligibility rule of a programme, built from conditions instead of written as JSON:
// a combinator (all / any) over rows of "fact, comparison, value" picked from the fact
// catalogue (GET /api/staff/programs/facts), a live count of the residents the rule
// matches today (POST /api/staff/programs/rule-count, 600 ms after the last change), and
// the JSON itself for experts in a <details>, kept in sync both ways. JSON the builder
// cannot show (nesting, "!", unknown/known checks) stays JSON: the builder says so and the
// JSON is what is saved. The rules themselves are backend/todoke/benefits/rules.py's.

import { announce, el } from '../dom.js';
import { applyTranslations, t } from '../i18n.js';
import { choiceGroup, normalise } from './forms.js';
import { formatDate, formatNumber } from './words.js';

const COUNT_DELAY_MS = 600;
const KINDS = ['number', 'boolean', 'choice', 'text'];
// The comparisons each kind of fact offers, by JsonLogic operator and dictionary key.
const NUMBER_OPS = [
  ['>=', 'ge'],
  ['>', 'gt'],
  ['<=', 'le'],
  ['<', 'lt'],
  ['==', 'eq'],
  ['!=', 'ne'],
];
const TEXT_OPS = [
  ['==', 'eq'],
  ['!=', 'ne'],
];
const MIRRORED = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const INTEGER = /^-?\d+$/;

/**
 * The builder for one rule.
 * @param {object} options
 * @param {string} options.id       prefix of every id (the JSON textarea is `${id}`)
 * @param {Array|null} options.facts the catalogue's items, or null when it could not load
 * @param {object|null} options.rule the rule to start from
 * @param {(rule: object, signal: AbortSignal) => Promise<object>} options.count
 * @param {AbortSignal} options.signal the screen's signal: ends timers and requests
 * @returns {{element: HTMLElement, read: () => {rule: object|null, items: Array},
 *            openJson: () => void}}
 */
export function ruleBuilder({ id, facts, rule, count, signal }) {
  return new RuleBuilder({ id, facts, rule, count, signal }).build();
}

class RuleBuilder {
  constructor({ id, facts, rule, count, signal }) {
    this.id = id;
    this.facts = facts ?? [];
    this.byName = new Map(this.facts.map((fact) => [fact.name, fact]));
    this.count = count;
    this.signal = signal;
    this.timer = null;
    this.request = null;
    const shown = rule ? fromRule(rule, this.byName) : { combinator: 'and', rows: [] };
    this.combinator = shown?.combinator ?? 'and';
    this.rows = shown?.rows ?? [];
    if (this.rows.length === 0 && shown) this.rows.push(emptyRow());
    // 'builder': the rows are the rule; 'json': the JSON is (the rows cannot show it).
    this.mode = shown && facts ? 'builder' : 'json';
    this.initial = rule;
    signal.addEventListener('abort', () => clearTimeout(this.timer));
  }

  build() {
    this.rowList = el('ol', { class: 'rule-builder__rows', role: 'list' });
    this.combinatorGroup = choiceGroup({
      id: `${this.id}-combinator`,
      name: 'rule-combinator',
      legendKey: 'program.builder.combinator',
      layout: 'list',
      options: ['and', 'or'].map((value) => ({
        value,
        labelKey: `program.builder.${value}`,
        checked: value === this.combinator,
      })),
    });
    this.addButton = el(
      'button',
      { type: 'button', class: 'button button--outline', 'data-add-condition': '' },
      t('program.builder.add'),
    );
    this.cannotShow = el('div', {
      class: 'staff-callout rule-builder__cannot-show',
      'data-cannot-show': '',
      hidden: true,
    });
    this.rebuildButton = el(
      'button',
      { type: 'button', class: 'button button--outline', 'data-rebuild': '' },
      t('program.builder.rebuild'),
    );
    this.countLine = el('p', {
      class: 'rule-count__line',
      id: `${this.id}-count`,
      role: 'status',
      'aria-live': 'polite',
      'data-rule-count': '',
    });
    this.countAsOf = el('p', { class: 'rule-count__as-of field__hint' });
    this.textarea = el('textarea', {
      class: 'input input--textarea staff-program-rule-input',
      id: this.id,
      name: 'rule',
      rows: '10',
      spellcheck: 'false',
      autocomplete: 'off',
      autocapitalize: 'off',
      lang: 'en',
      'aria-describedby': `${this.id}-hint`,
    });
    this.textarea.value = this.initial ? JSON.stringify(this.initial, null, 2) : '';
    this.details = el(
      'details',
      { class: 'designer-json rule-builder__json', open: this.mode === 'json' },
      el('summary', { class: 'designer-json__summary' }, t('program.builder.json')),
      el(
        'div',
        { class: 'field', 'data-field': 'rule' },
        el('label', { class: 'field__label', for: this.id }, t('program.builder.jsonLabel')),
        el('p', { class: 'field__hint', id: `${this.id}-hint` }, t('program.editor.ruleHint')),
        el('p', { class: 'field__error', id: `${this.id}-error`, hidden: true }),
        this.textarea,
      ),
    );
    this.builderPart = el(
      'div',
      { class: 'rule-builder__parts' },
      this.combinatorGroup,
      this.rowList,
      el('div', { class: 'button-row' }, this.addButton),
    );
    const element = el(
      'fieldset',
      {
        class: 'field rule-builder',
        id: `${this.id}-builder`,
        'data-rule-builder': '',
        'aria-describedby': this.facts.length ? `${this.id}-builder-hint` : null,
      },
      el(
        'legend',
        { class: 'field__label' },
        el('span', {}, t('program.builder.legend')),
        el('span', { class: 'field__required' }, t('common.required')),
      ),
      this.facts.length
        ? el('p', { class: 'field__hint', id: `${this.id}-builder-hint` }, t('program.builder.hint'))
        : el('p', { class: 'staff-callout', 'data-facts-failed': '' }, t('program.builder.factsFailed')),
      this.cannotShow,
      this.facts.length ? this.builderPart : null,
      el('div', { class: 'rule-count' }, this.countLine, this.countAsOf),
      this.details,
    );
    this.listen();
    this.renderRows();
    this.showMode();
    applyTranslations(element);
    this.element = element;
    // Never an empty box: what the first count will be of, until it comes.
    this.countLine.textContent = t(
      this.countable() ? 'program.builder.counting' : 'program.builder.countEmpty',
    );
    this.scheduleCount();
    return { element, read: () => this.read(), openJson: () => this.openJson() };
  }

  listen() {
    const { signal } = this;
    this.combinatorGroup.addEventListener(
      'change',
      (event) => {
        this.combinator = event.target.value;
        this.changed();
      },
      { signal },
    );
    this.addButton.addEventListener(
      'click',
      () => {
        this.rows.push(emptyRow());
        this.renderRows();
        this.changed();
        this.rowList.lastElementChild?.querySelector('select')?.focus();
      },
      { signal },
    );
    this.rebuildButton.addEventListener(
      'click',
      () => {
        this.combinator = 'and';
        this.rows = [emptyRow()];
        this.mode = 'builder';
        this.renderRows();
        this.showMode();
        this.changed();
        this.rowList.querySelector('select')?.focus();
      },
      { signal },
    );
    this.textarea.addEventListener('input', () => this.jsonEdited(), { signal });
  }

  // --- rows ---------------------------------------------------------------------------

  renderRows() {
    this.rowList.replaceChildren(...this.rows.map((row, index) => this.renderRow(row, index)));
    applyTranslations(this.rowList);
    for (const radio of this.combinatorGroup.querySelectorAll('input')) {
      radio.checked = radio.value === this.combinator;
    }
  }

  renderRow(row, index) {
    const n = index + 1;
    const prefix = `${this.id}-${n}`;
    const factSelect = el(
      'select',
      { class: 'input staff-select', id: `${prefix}-fact`, name: `rule-${n}-fact` },
      el('option', { value: '' }, t('program.builder.chooseFact')),
      KINDS.map((kind) => {
        const ofKind = this.facts
          .filter((fact) => fact.kind === kind)
          .sort((a, b) => a.label.ja.localeCompare(b.label.ja, 'ja'));
        if (ofKind.length === 0) return null;
        return el(
          'optgroup',
          { label: t(`program.builder.group.${kind}`) },
          ofKind.map((fact) =>
            el('option', { value: fact.name, selected: fact.name === row.fact }, fact.label.ja),
          ),
        );
      }),
    );
    const details = el('div', { class: 'rule-row__details' });
    const fill = () => details.replaceChildren(...this.rowDetails(row, prefix, n));
    fill();
    factSelect.addEventListener(
      'change',
      () => {
        Object.assign(row, startFor(this.byName.get(factSelect.value)), {
          fact: factSelect.value,
        });
        fill();
        applyTranslations(details);
        this.changed();
      },
      { signal: this.signal },
    );
    const remove = el(
      'button',
      { type: 'button', class: 'button button--outline rule-row__remove', 'data-remove': n },
      t('program.builder.remove', { n }),
    );
    remove.addEventListener(
      'click',
      () => {
        this.rows.splice(index, 1);
        this.renderRows();
        this.changed();
        announce(t('program.builder.removed', { n }));
        const next = this.rowList.children[index] ?? this.rowList.children[index - 1];
        (next?.querySelector('select') ?? this.addButton).focus();
      },
      { signal: this.signal },
    );
    return el(
      'li',
      { class: 'rule-row', 'data-condition': n },
      el(
        'fieldset',
        { class: 'rule-row__fieldset' },
        el('legend', { class: 'rule-row__legend' }, t('program.builder.condition', { n })),
        el(
          'div',
          { class: 'rule-row__fields' },
          field(`rule-${n}-fact`, `${prefix}-fact`, t('program.builder.fact'), factSelect,
            'rule-row__fact'),
          details,
        ),
        el('div', { class: 'rule-row__tools' }, remove),
      ),
    );
  }

  /** The comparison and value controls for the row's fact. */
  rowDetails(row, prefix, n) {
    const fact = this.byName.get(row.fact);
    if (!fact) return [];
    const on = (node, type, handler) => {
      node.addEventListener(type, handler, { signal: this.signal });
      return node;
    };
    const operator = (choices) =>
      on(
        el(
          'select',
          { class: 'input staff-select', id: `${prefix}-op`, name: `rule-${n}-op` },
          choices.map(([value, label]) =>
            el('option', { value, selected: value === row.op }, label),
          ),
        ),
        'change',
        (event) => {
          if (fact.kind === 'boolean') row.value = event.target.value === 'yes';
          else row.op = event.target.value;
          this.changed();
        },
      );
    const opField = (select) =>
      field(`rule-${n}-op`, `${prefix}-op`, t('program.builder.operator'), select, 'rule-row__op');
    if (fact.kind === 'boolean') {
      const select = operator([
        ['yes', t('program.builder.yes')],
        ['no', t('program.builder.no')],
      ]);
      select.value = row.value === false ? 'no' : 'yes';
      return [opField(select)];
    }
    if (fact.kind === 'choice') {
      const values = choiceGroup({
        id: `${prefix}-values`,
        name: `rule-${n}-value`,
        type: 'checkbox',
        legendKey: 'program.builder.values',
        layout: fact.values.length > 4 ? 'grid' : 'list',
        options: fact.values.map((choice) => ({
          value: choice.value,
          label: choice.label.ja,
          checked: row.value.includes(choice.value),
        })),
      });
      values.classList.add('rule-row__values');
      on(values, 'change', () => {
        row.value = [...values.querySelectorAll('input:checked')].map((input) => input.value);
        this.changed();
      });
      return [opField(operator([['in', t('program.builder.in')]])), values];
    }
    const input = on(
      el('input', {
        class: `input${fact.kind === 'number' ? ' input--short' : ''}`,
        id: `${prefix}-value`,
        name: `rule-${n}-value`,
        type: 'text',
        inputmode: fact.kind === 'number' ? 'numeric' : null,
        autocomplete: 'off',
        'aria-describedby': fact.unit ? `${prefix}-unit` : null,
      }),
      'input',
      (event) => {
        row.value = event.target.value;
        this.changed();
      },
    );
    input.value = row.value ?? '';
    const control = fact.unit
      ? el(
          'div',
          { class: 'input-with-suffix' },
          input,
          el('span', { class: 'input-suffix', id: `${prefix}-unit` }, fact.unit.label.ja),
        )
      : input;
    const ops = fact.kind === 'number' ? NUMBER_OPS : TEXT_OPS;
    return [
      opField(operator(ops.map(([op, key]) => [op, t(`program.builder.op.${key}`)]))),
      field(`rule-${n}-value`, `${prefix}-value`, t('program.builder.value'), control,
        'rule-row__value'),
    ];
  }

  // --- keeping JSON and builder together -----------------------------------------------

  /** A row changed: the JSON follows, and the count is asked again. */
  changed() {
    const { rule } = this.builtRule();
    this.textarea.value = rule ? JSON.stringify(rule, null, 2) : '';
    this.scheduleCount();
  }

  /** The JSON was edited by hand: the builder follows when it can show the rule. */
  jsonEdited() {
    const text = this.textarea.value.trim();
    let rule = null;
    let readable = true;
    if (text) {
      try {
        rule = JSON.parse(text);
      } catch {
        readable = false;
      }
    }
    const shown = !readable ? null : rule === null ? emptyRule() : fromRule(rule, this.byName);
    if (shown && this.facts.length) {
      this.mode = 'builder';
      this.combinator = shown.combinator;
      this.rows = shown.rows.length ? shown.rows : [emptyRow()];
      this.renderRows();
    } else {
      this.mode = 'json';
    }
    this.cannotShowKey = readable ? 'program.builder.cannotShow' : 'program.builder.jsonInvalid';
    this.showMode();
    this.scheduleCount();
  }

  showMode() {
    const json = this.mode === 'json';
    this.builderPart.hidden = json;
    this.cannotShow.hidden = !json || !this.facts.length;
    this.cannotShow.replaceChildren(
      el('p', {}, t(this.cannotShowKey ?? 'program.builder.cannotShow')),
      el('div', { class: 'button-row' }, this.rebuildButton),
    );
  }

  openJson() {
    this.details.open = true;
  }

  /** The rule the rows make (complete rows only), and what is missing in the others. */
  builtRule() {
    const items = [];
    const parts = [];
    this.rows.forEach((row, index) => {
      const n = index + 1;
      const fact = this.byName.get(row.fact);
      if (!fact) {
        items.push({ field: `rule-${n}-fact`, text: t('program.builder.error.fact', { n }) });
        return;
      }
      const variable = { var: fact.name };
      if (fact.kind === 'boolean') {
        parts.push({ '==': [variable, row.value !== false] });
      } else if (fact.kind === 'choice') {
        const chosen = fact.values.map((v) => v.value).filter((v) => row.value.includes(v));
        if (chosen.length) parts.push({ in: [variable, chosen] });
        else items.push({ field: `rule-${n}-value`, text: t('program.builder.error.values', { n }) });
      } else if (fact.kind === 'number') {
        const text = normalise(row.value).replace(/[,，]/g, '');
        const low = fact.minimum ?? -(10 ** 15);
        const high = fact.maximum ?? 10 ** 15;
        if (!INTEGER.test(text)) {
          items.push({ field: `rule-${n}-value`, text: t('program.builder.error.number', { n }) });
        } else if (Number(text) < low || Number(text) > high) {
          items.push({
            field: `rule-${n}-value`,
            text: t('program.builder.error.range', {
              n,
              min: formatNumber(low),
              max: formatNumber(high),
            }),
          });
        } else {
          parts.push({ [row.op]: [variable, Number(text)] });
        }
      } else {
        const text = String(row.value ?? '').trim();
        if (text) parts.push({ [row.op]: [variable, text] });
        else items.push({ field: `rule-${n}-value`, text: t('program.builder.error.text', { n }) });
      }
    });
    let rule = null;
    if (parts.length === 1) rule = parts[0];
    else if (parts.length > 1) rule = { [this.combinator]: parts };
    return { rule, items };
  }

  /** The rule to save: the builder's, or the JSON when the builder cannot show it. */
  read() {
    if (this.mode === 'json') {
      const text = this.textarea.value.trim();
      if (!text) return { rule: null, items: [{ field: 'rule', text: t('program.error.rule') }] };
      let rule;
      try {
        rule = JSON.parse(text);
      } catch {
        return { rule: null, items: [{ field: 'rule', text: t('program.error.ruleJson') }] };
      }
      if (!rule || typeof rule !== 'object' || Array.isArray(rule)) {
        return { rule: null, items: [{ field: 'rule', text: t('program.error.ruleObject') }] };
      }
      return { rule, items: [] };
    }
    const { rule, items } = this.builtRule();
    if (!rule && !items.length) items.push({ field: 'rule', text: t('program.error.rule') });
    return { rule: items.length ? null : rule, items };
  }

  // --- the live count ------------------------------------------------------------------

  /** The rule to count now: null while it is incomplete or unreadable. */
  countable() {
    if (this.mode === 'builder') {
      const { rule, items } = this.builtRule();
      return items.length ? null : rule;
    }
    const { rule, items } = this.read();
    return items.length ? null : rule;
  }

  scheduleCount() {
    clearTimeout(this.timer);
    this.request?.abort();
    // The count shown is of the rule before this change until the new one arrives.
    this.countLine.parentElement.setAttribute('aria-busy', 'true');
    this.timer = setTimeout(() => this.runCount(), COUNT_DELAY_MS);
  }

  async runCount() {
    const rule = this.countable();
    if (!rule) {
      this.countLine.textContent = t('program.builder.countEmpty');
      this.countAsOf.textContent = '';
      this.countLine.parentElement.removeAttribute('aria-busy');
      return;
    }
    const request = new AbortController();
    this.request = request;
    const signal = AbortSignal.any ? AbortSignal.any([this.signal, request.signal]) : request.signal;
    try {
      const result = await this.count(rule, signal);
      if (request.signal.aborted) return;
      this.countLine.textContent = t('program.builder.count', {
        matched: formatNumber(result.matched),
        undecided: formatNumber(result.undecided),
      });
      this.countAsOf.textContent = t('program.builder.countAsOf', {
        date: formatDate(result.evaluated_on),
      });
    } catch (error) {
      if (request.signal.aborted || this.signal.aborted) return;
      // The rule's faults in the API's words (the same as saving would give).
      const faults = (error?.errors ?? []).map((e) => e?.message?.ja).filter(Boolean);
      this.countLine.textContent = t('program.builder.countFailed', {
        message: faults.length ? faults.join('／') : error?.detailJa || error?.message || '',
      });
      this.countAsOf.textContent = '';
    } finally {
      if (this.request === request) {
        this.countLine.parentElement.removeAttribute('aria-busy');
      }
    }
  }
}

/** A labelled control with the place its error goes (forms.js's field markup). */
function field(name, id, label, control, className) {
  return el(
    'div',
    { class: `field ${className}`, 'data-field': name },
    el('label', { class: 'field__label', for: id }, label),
    el('p', { class: 'field__error', id: `${id}-error`, hidden: true }),
    control,
  );
}

function emptyRow() {
  return { fact: '', op: '', value: '' };
}

function emptyRule() {
  return { combinator: 'and', rows: [] };
}

/** What a new condition on fact starts as. */
function startFor(fact) {
  switch (fact?.kind) {
    case 'number':
      return { op: '>=', value: '' };
    case 'boolean':
      return { op: '==', value: true };
    case 'choice':
      return { op: 'in', value: [] };
    default:
      return { op: '==', value: '' };
  }
}

/**
 * The rows a rule is, when the builder can show it: one comparison, or a flat and/or of
 * comparisons of catalogue facts with literals; null otherwise.
 */
export function fromRule(rule, facts) {
  if (!isObject(rule) || Object.keys(rule).length !== 1) return null;
  const [[op, args]] = Object.entries(rule);
  if (op === 'and' || op === 'or') {
    if (!Array.isArray(args) || args.length === 0) return null;
    const rows = args.map((part) => comparison(part, facts));
    return rows.every(Boolean) ? { combinator: op, rows } : null;
  }
  const row = comparison(rule, facts);
  return row ? { combinator: 'and', rows: [row] } : null;
}

function comparison(node, facts) {
  if (!isObject(node) || Object.keys(node).length !== 1) return null;
  let [[op, args]] = Object.entries(node);
  if (!Array.isArray(args) || args.length !== 2) return null;
  const isVar = (a) => isObject(a) && Object.keys(a).length === 1 && typeof a.var === 'string';
  let [left, right] = args;
  if (!isVar(left) && isVar(right) && op in MIRRORED) {
    [left, right] = [right, left];
    op = MIRRORED[op];
  }
  if (!isVar(left) || isVar(right)) return null;
  const fact = facts.get(left.var);
  if (!fact) return null;
  switch (fact.kind) {
    case 'number':
      return op in MIRRORED && Number.isInteger(right)
        ? { fact: fact.name, op, value: String(right) }
        : null;
    case 'boolean':
      return (op === '==' || op === '!=') && typeof right === 'boolean'
        ? { fact: fact.name, op: '==', value: op === '==' ? right : !right }
        : null;
    case 'choice': {
      const known = new Set(fact.values.map((v) => v.value));
      const values = op === 'in' ? right : op === '==' ? [right] : null;
      return Array.isArray(values) && values.length && values.every((v) => known.has(v))
        ? { fact: fact.name, op: 'in', value: [...values] }
        : null;
    }
    default:
      return (op === '==' || op === '!=') && typeof right === 'string' && right
        ? { fact: fact.name, op, value: right }
        : null;
  }
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
