// /staff/life-events/:slug and /staff/life-events/new「くらしの出来事の設計」(issue 17): edit a
// life event — its title, its questions, the items the answers lead to — and publish it as a
// new version, the way the procedure designer (designer.js) edits a procedure. The whole
// definition is one object the inputs edit in place; a folded JSON view shows and edits the
// same object. 「プレビュー」 has the API check the definition as publishing does and draws the
// questions with the residents' own renderer (screens/life-events.js); answers tried there
// go to the API's preview, which lists the items they lead to (nothing is written). Every
// problem the API names by its path (questions.2.show_if.field) is shown beside its input.

import { el } from '../dom.js';
import { getJSON, sendJSON } from '../api.js';
import { applyTranslations, t } from '../i18n.js';
import { itemRow, questionField, shownAnswers } from '../screens/life-events.js';
import { PREFILLS } from './designer.js';
import { blank, designerFrame, LANGS } from './designer-frame.js';
import { clearErrors, problemItems, textField } from './forms.js';
import { backLink, badge, loadFailed, sessionEnded } from './ui.js';
import { formatDateTime } from './words.js';

export const titleKey = 'lifeEventDesigner.title';

const KINDS = ['yes_no', 'choice', 'date', 'members', 'text', 'phone', 'postal_code'];
const MODES = ['online', 'counter_booking', 'counter_only', 'other_organisation'];
const KNOWN = ['household', 'child_under_15', 'child_under_6', 'dog', 'aged_65'];
const FILL_KINDS = ['answer', 'registry', 'value', 'related'];
const RELATED = ['list', 'text'];
const FILLED_MODES = new Set(['online', 'counter_booking']);
// A condition names the answers of a yes/no or choice question.
const CONDITIONAL = new Set(['yes_no', 'choice']);
// The members a resident would choose from, for the preview only.
const SAMPLE_MEMBERS = [
  { id: 'sample-self', nameKey: 'lifeEventDesigner.preview.memberSelf', is_self: true },
  { id: 'sample-family', nameKey: 'lifeEventDesigner.preview.memberFamily', is_self: false },
];

const empty = (text) => !text || LANGS.every((lang) => !String(text[lang] ?? '').trim());

export async function mount(outlet, ctx) {
  const slug = ctx.params.slug ?? null;
  const page = el('div', { class: 'page designer life-designer' });
  outlet.append(page);
  let listed;
  let staffProcedures;
  let catalogue;
  let versions = [];
  try {
    const calls = [
      getJSON('/api/staff/life-events', { signal: ctx.signal }),
      getJSON('/api/staff/procedures', { signal: ctx.signal }),
      getJSON('/api/procedures', { signal: ctx.signal }),
    ];
    if (slug) {
      calls.push(
        getJSON(`/api/staff/life-events/${encodeURIComponent(slug)}/versions`, {
          signal: ctx.signal,
        }),
      );
    }
    let history;
    [listed, staffProcedures, catalogue, history] = await Promise.all(calls);
    versions = history?.items ?? [];
  } catch (error) {
    if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
    page.append(
      backLink('/staff/life-events', t('lifeEventDesigner.back')),
      el(
        'h1',
        { class: 'page__title' },
        t(error.status === 404 ? 'lifeEventDesigner.notFound' : 'lifeEventDesigner.title'),
      ),
      loadFailed(error, ctx),
    );
    return;
  }
  const event = slug ? listed.items.find((e) => e.slug === slug) : null;
  const definition = event ? structuredClone(event.definition) : newDefinition();
  ctx.setTitle(() =>
    slug
      ? t('lifeEventDesigner.pageTitle', { title: definition.title?.ja || slug })
      : t('lifeEventDesigner.newTitle'),
  );
  const titles = new Map(catalogue.items.map((p) => [p.slug, p.title.ja]));
  const procedures = staffProcedures.items
    .filter((p) => p.version)
    .map((p) => ({ slug: p.slug, title: titles.get(p.slug) ?? p.slug }));
  new LifeEventDesigner(page, ctx, {
    definition,
    version: event?.version ?? null,
    versions,
    procedures,
    isNew: !slug,
  }).mount();
}

function newDefinition() {
  return {
    slug: '',
    title: blank(),
    summary: blank(),
    questions: [
      {
        id: 'event_date',
        kind: 'date',
        label: { ja: '出来事の日', easy: 'できごとの ひ', en: 'Date of the event' },
        required: true,
      },
    ],
    items: [],
  };
}

/** A copy fit to send: empty optional texts, options of non-choices and the like dropped. */
export function cleaned(definition) {
  const copy = structuredClone(definition);
  for (const question of copy.questions ?? []) {
    if (empty(question.help)) delete question.help;
    if (question.kind !== 'choice') delete question.options;
    if (!question.show_if?.field) delete question.show_if;
    if (!question.known) delete question.known;
  }
  for (const item of copy.items ?? []) {
    if (empty(item.organisation) || item.mode !== 'other_organisation') delete item.organisation;
    if (empty(item.note)) delete item.note;
    if (item.deadline_days === '' || item.deadline_days == null) delete item.deadline_days;
    item.when = (item.when ?? []).filter((c) => c.field);
    if (!item.procedure) delete item.procedure;
    if (!item.related) delete item.related;
    if (!Object.keys(item.fill ?? {}).length) delete item.fill;
  }
  return copy;
}

class LifeEventDesigner {
  constructor(page, ctx, { definition, version, versions, procedures, isNew }) {
    Object.assign(this, { page, ctx, definition, version, versions, procedures, isNew });
    this.fills = new WeakMap(); // item → its fill as rows [{field, source}] (order, blanks kept)
    this.fieldsOf = new Map(); // procedure slug → Promise of its form fields
  }

  get questions() {
    if (!Array.isArray(this.definition.questions)) this.definition.questions = [];
    return this.definition.questions;
  }

  get items() {
    if (!Array.isArray(this.definition.items)) this.definition.items = [];
    return this.definition.items;
  }

  mount() {
    this.frame = designerFrame(this.page, this.ctx, {
      words: 'lifeEventDesigner.',
      idPrefix: 'life-designer',
      ids: {
        errors: 'life-designer-errors',
        title: 'life-designer-title',
        preview: 'life-preview-title',
        json: 'life-designer-json',
      },
      back: '/staff/life-events',
      isNew: this.isNew,
      cleaned: () => cleaned(this.definition),
      onJson: (parsed) => {
        this.definition = parsed;
        this.renderStructured();
      },
      render: () => this.renderStructured(),
      place: (items) => this.placed(items),
      preview: {
        ask: (definition) => this.askPreview(definition, {}),
        draw: (checked, definition, signal) => {
          clearErrors(this.frame.summary, this.frame.form);
          this.drawPreview(definition, checked, signal);
        },
      },
      publish: {
        url: '/api/staff/life-events',
        confirm: (definition) => ({
          title: t('lifeEventDesigner.confirm.title', {
            title: definition.title?.ja || definition.slug,
          }),
          body: [t('lifeEventDesigner.confirm.body')],
          confirm: t('lifeEventDesigner.confirm.button'),
        }),
        done: (published) => this.published(published),
      },
    });
    this.renderMeta();
    this.renderStructured();
  }

  /** The version published now, and every version with when and by whom. */
  renderMeta() {
    const parts = [
      el(
        'p',
        { class: 'designer__version', 'data-version': this.version ?? '' },
        this.version
          ? t('lifeEventDesigner.currentVersion', { n: this.version })
          : t('lifeEventDesigner.unpublished'),
      ),
    ];
    if (this.versions.length) {
      parts.push(
        el(
          'section',
          { class: 'life-designer__history', 'aria-labelledby': 'life-history-title' },
          el(
            'h2',
            { class: 'life-designer__history-title', id: 'life-history-title' },
            t('lifeEventDesigner.history', { n: this.versions.length }),
          ),
          el(
            'ol',
            { class: 'life-designer__history-list' },
            this.versions.map((v) =>
              el(
                'li',
                { 'data-history-version': v.version },
                el(
                  'span',
                  { class: 'life-designer__history-version' },
                  t('lifeEventDesigner.historyVersion', { n: v.version }),
                ),
                el('span', {}, v.published_at ? formatDateTime(v.published_at) : '—'),
                el(
                  'span',
                  {},
                  v.published_by
                    ? t('lifeEventDesigner.historyBy', { name: v.published_by })
                    : t('lifeEventDesigner.historyByNone'),
                ),
                v.current ? badge(t('lifeEventDesigner.historyCurrent'), 'success') : null,
              ),
            ),
          ),
        ),
      );
    }
    this.frame.meta.replaceChildren(...parts);
  }

  renderStructured() {
    this.frame.drawEditors(this.basicPart(), this.questionsPart(), this.itemsPart());
  }

  // --- inputs bound to the definition -------------------------------------------------------

  /** Three inputs (ja, easy, en) for one text, named path.ja, path.easy, path.en. */
  localized({ holder, key, labelKey, path, multiline = false, required = false, onInput }) {
    const { frame } = this;
    const row = frame.langInputs({
      holder,
      key,
      name: path,
      idPart: key,
      multiline,
      rows: '2',
      onInput,
    });
    return el(
      'fieldset',
      { class: 'field designer-localized', 'data-field': path },
      frame.legend(labelKey, required),
      el('p', { class: 'field__error', id: frame.id('error'), hidden: true }),
      row,
    );
  }

  /** A select bound to holder[key]; onChange after the value is set. */
  select({ path, ...field }) {
    return this.frame.select({ id: this.frame.id('select'), name: path, ...field });
  }

  checkbox({ path, ...field }) {
    return this.frame.checkbox({ id: this.frame.id('check'), name: path, ...field });
  }

  // --- the event ----------------------------------------------------------------------------

  basicPart() {
    const d = this.definition;
    const slug = this.frame.codeField({
      id: 'life-designer-slug',
      name: 'slug',
      labelKey: 'lifeEventDesigner.slug',
      hintKey: this.isNew ? 'lifeEventDesigner.slugHintNew' : 'lifeEventDesigner.slugHint',
      required: true,
      readonly: !this.isNew,
      holder: d,
      key: 'slug',
    });
    return el(
      'section',
      { class: 'designer-part', 'aria-labelledby': 'life-designer-basic' },
      el('h2', { class: 'section-title', id: 'life-designer-basic' }, t('lifeEventDesigner.basic')),
      el('div', { class: 'designer-grid' }, slug),
      this.localized({
        holder: d,
        key: 'title',
        labelKey: 'lifeEventDesigner.eventTitle',
        path: 'title',
        required: true,
      }),
      this.localized({
        holder: d,
        key: 'summary',
        labelKey: 'lifeEventDesigner.summary',
        path: 'summary',
        multiline: true,
        required: true,
      }),
    );
  }

  // --- questions ----------------------------------------------------------------------------

  /**
   * The questions or the items (name): a hint and the problems about the list as a whole
   * (event_date missing), an editor for each entry, and a button that adds one, unfolded.
   */
  listPart(list, { name, entry, titleKey, hintKey, addKey, emptyKey, make, editor }) {
    const { frame } = this;
    const add = frame.addButton(addKey, {}, () => {
      const made = make(list.length + 1);
      list.push(made);
      frame.open.add(made);
      this.renderStructured();
      frame.structured.querySelector(`[data-${entry}="${list.length - 1}"] input`)?.focus();
    });
    return el(
      'section',
      { class: 'designer-part', 'aria-labelledby': `life-designer-${name}` },
      el(
        'h2',
        { class: 'section-title', id: `life-designer-${name}`, tabindex: '-1' },
        t(titleKey),
      ),
      el(
        'div',
        { class: 'field', 'data-field': name },
        el('p', { class: 'field__hint' }, t(hintKey)),
        el('p', { class: 'field__error', id: `life-designer-${name}-error`, hidden: true }),
      ),
      list.length
        ? el('ol', { class: 'designer-fields' }, list.map(editor))
        : el('p', { class: 'staff-empty' }, t(emptyKey)),
      el('div', { class: 'button-row' }, add),
    );
  }

  questionsPart() {
    const list = this.questions;
    return this.listPart(list, {
      name: 'questions',
      entry: 'question',
      titleKey: 'lifeEventDesigner.questions',
      hintKey: 'lifeEventDesigner.questionsHint',
      addKey: 'lifeEventDesigner.addQuestion',
      emptyKey: 'lifeEventDesigner.noQuestions',
      make: (n) => {
        const taken = new Set(list.map((q) => q.id));
        while (taken.has(`question_${n}`)) n += 1;
        return { id: `question_${n}`, kind: 'yes_no', label: blank(), required: true };
      },
      editor: (question, i) => this.questionEditor(question, i),
    });
  }

  questionFlags(question) {
    const flags = [t(`lifeEventDesigner.kind.${question.kind}`)];
    if (question.required) flags.push(t('designer.flag.required'));
    if (question.known) flags.push(t('lifeEventDesigner.flag.known'));
    if (question.show_if?.field) flags.push(t('designer.flag.conditional'));
    return flags.join('・');
  }

  /** A question renamed: the conditions and fills naming it follow (true if any did). */
  renameQuestion(before, after) {
    // Another question still named so (the renamed one was its duplicate) keeps its own.
    if (!before || !after || before === after || this.questions.some((q) => q.id === before)) {
      return false;
    }
    let renamed = false;
    for (const question of this.questions) {
      if (question.show_if?.field === before) {
        question.show_if.field = after;
        renamed = true;
      }
    }
    for (const item of this.items) {
      for (const condition of item.when ?? []) {
        if (condition.field === before) {
          condition.field = after;
          renamed = true;
        }
      }
      for (const [field, source] of Object.entries(item.fill ?? {})) {
        if (source === `answer:${before}`) {
          item.fill[field] = `answer:${after}`;
          this.fills.delete(item);
          renamed = true;
        }
      }
    }
    return renamed;
  }

  /** Draw the editors again, the focus back on the control it was on (by its name). */
  renderKeepingFocus() {
    const name = document.activeElement?.getAttribute?.('name');
    this.renderStructured();
    if (name) this.frame.structured.querySelector(`[name="${CSS.escape(name)}"]`)?.focus();
  }

  questionEditor(question, i) {
    const path = `questions.${i}`;
    if (!question.label) question.label = blank();
    const { title, meta, refresh } = this.frame.headline(
      () =>
        `${t('lifeEventDesigner.questionN', { n: i + 1 })}　${question.label?.ja || question.id || ''}`,
      () => this.questionFlags(question),
    );

    const idField = this.idField(question, path, {
      part: 'question-id',
      labelKey: 'lifeEventDesigner.questionId',
      hintKey: 'lifeEventDesigner.questionIdHint',
      onInput: refresh,
    });
    const idInput = idField.querySelector('input');
    let named = question.id;
    // On leaving the field, not on each key: the other editors are drawn again.
    idInput.addEventListener(
      'change',
      () => {
        if (named && question.id && named !== question.id) {
          const renamed = this.renameQuestion(named, question.id);
          named = question.id;
          if (renamed) this.renderKeepingFocus();
        }
      },
      { signal: this.ctx.signal },
    );

    const kind = this.select({
      path: `${path}.kind`,
      labelKey: 'lifeEventDesigner.kind',
      required: true,
      value: question.kind,
      options: [
        ...(KINDS.includes(question.kind)
          ? []
          : [{ value: question.kind, label: String(question.kind) }]),
        ...KINDS.map((k) => ({ value: k, label: t(`lifeEventDesigner.kind.${k}`) })),
      ],
      onChange: (value) => {
        question.kind = value;
        if (value === 'choice' && !question.options?.length) {
          question.options = [{ value: 'option_1', label: blank() }];
        }
        this.renderKeepingFocus();
      },
    });

    const known = this.select({
      path: `${path}.known`,
      labelKey: 'lifeEventDesigner.known',
      hintKey: 'lifeEventDesigner.knownHint',
      value: question.known ?? '',
      options: [
        { value: '', label: t('lifeEventDesigner.known.none') },
        ...KNOWN.map((k) => ({ value: k, label: t(`lifeEventDesigner.known.${k}`) })),
        ...(question.known && !KNOWN.includes(question.known)
          ? [{ value: question.known, label: question.known }]
          : []),
      ],
      onChange: (value) => {
        if (value) question.known = value;
        else delete question.known;
        refresh();
      },
    });

    const required = this.checkbox({
      path: `${path}.required`,
      labelKey: 'lifeEventDesigner.required',
      checked: question.required !== false,
      onChange: (checked) => {
        question.required = checked;
        refresh();
      },
    });

    return this.entryItem(this.questions, i, {
      entry: 'question',
      nameKey: 'lifeEventDesigner.questionN',
      holder: question,
      summary: [title, meta],
      body: [
        el('div', { class: 'designer-grid' }, idField, kind),
        this.localized({
          holder: question,
          key: 'label',
          labelKey: 'lifeEventDesigner.label',
          path: `${path}.label`,
          required: true,
          onInput: refresh,
        }),
        this.localized({
          holder: question,
          key: 'help',
          labelKey: 'lifeEventDesigner.help',
          path: `${path}.help`,
        }),
        question.kind === 'choice' ? this.optionsEditor(question, path) : null,
        el('div', { class: 'designer-grid' }, known, required),
        this.conditionEditor({
          holder: question,
          key: 'show_if',
          path: `${path}.show_if`,
          legendKey: 'lifeEventDesigner.showIf',
          hintKey: 'lifeEventDesigner.showIfHint',
          choices: this.questions.slice(0, i),
          onChange: refresh,
        }),
      ],
    });
  }

  /** The id of a question or an item, named path.id. */
  idField(holder, path, { part, labelKey, hintKey, onInput }) {
    return this.frame.codeField({
      id: this.frame.id(part),
      name: `${path}.id`,
      labelKey,
      hintKey,
      required: true,
      holder,
      key: 'id',
      onInput,
    });
  }

  /** Entry i of a list (entry: 'question', 'item'): its folded editor and its tools. */
  entryItem(list, i, { entry, nameKey, holder, summary, body }) {
    return el(
      'li',
      { class: 'designer-field', [`data-${entry}`]: i },
      this.frame.folded(holder, summary, body),
      this.frame.tools(list, i, { nameKey, selector: (n) => `[data-${entry}="${n}"]` }),
    );
  }

  optionsEditor(question, path) {
    if (!Array.isArray(question.options)) question.options = [];
    const { frame } = this;
    const list = question.options;
    const add = frame.addButton('lifeEventDesigner.addOption', {}, () => {
      list.push({ value: `option_${list.length + 1}`, label: blank() });
      this.renderStructured();
      frame.structured
        .querySelector(`[data-field="${path}.options.${list.length - 1}.value"] input`)
        ?.focus();
    });
    return this.rowsGroup({
      className: 'designer-options',
      path: `${path}.options`,
      legendKey: 'lifeEventDesigner.options',
      hint: t('lifeEventDesigner.optionsHint'),
      errorPart: 'options-error',
      add,
      rows: () =>
        el(
          'ol',
          { class: 'designer-options__list' },
          list.map((option, oi) => {
            const code = textField({
              id: frame.id('option-code'),
              name: `${path}.options.${oi}.value`,
              label: t('lifeEventDesigner.optionCode', { n: oi + 1 }),
              attributes: { class: 'input input--slug', autocomplete: 'off', spellcheck: 'false' },
            });
            frame.bindInput(
              code.querySelector('input'),
              () => option.value,
              (v) => (option.value = v.trim()),
            );
            const remove = frame.removeButton(
              'lifeEventDesigner.removeOption',
              { n: oi + 1 },
              () => {
                list.splice(oi, 1);
                this.renderStructured();
              },
            );
            return el(
              'li',
              { class: 'designer-options__item', 'data-option': oi },
              code,
              this.localized({
                holder: option,
                key: 'label',
                labelKey: 'lifeEventDesigner.optionLabel',
                path: `${path}.options.${oi}.label`,
                required: true,
              }),
              el('div', { class: 'button-row' }, remove),
            );
          }),
        ),
    });
  }

  /** A group of rows (options, conditions, fills): its legend, hint, problems, rows, add. */
  rowsGroup({ className, path, legendKey, hint, errorPart, rows, add }) {
    return el(
      'fieldset',
      { class: `field ${className}`, 'data-field': path },
      el('legend', { class: 'field__label' }, t(legendKey)),
      el('p', { class: 'field__hint' }, hint),
      el('p', { class: 'field__error', id: this.frame.id(errorPart), hidden: true }),
      rows(), // drawn after the error's id is taken
      el('div', { class: 'button-row' }, add),
    );
  }

  /** The answers a condition may name: yes/no, or a choice's codes. */
  answersOf(question) {
    if (question?.kind === 'yes_no') {
      return [
        { value: 'yes', label: t('lifeEventDesigner.yes') },
        { value: 'no', label: t('lifeEventDesigner.no') },
      ];
    }
    if (question?.kind === 'choice') {
      return (question.options ?? []).map((o) => ({
        value: o.value,
        label: o.label?.ja || o.value,
      }));
    }
    return [];
  }

  /**
   * One condition (holder[key] or list entry): a question chosen among `choices` (yes/no and
   * choice questions only) and the answers that hold, as checkboxes — never free text.
   */
  conditionEditor({
    holder,
    key,
    path,
    legendKey,
    hintKey,
    choices,
    onChange,
    remove = null,
    always = true,
  }) {
    const condition = holder[key] ?? null;
    const usable = choices.filter((q) => CONDITIONAL.has(q.kind) && q.id);
    const current = condition?.field ?? '';
    const selectId = this.frame.id('condition');
    const select = el(
      'select',
      { class: 'input staff-select', id: selectId, name: `${path}.field` },
      el(
        'option',
        { value: '' },
        t(always ? 'lifeEventDesigner.condition.always' : 'lifeEventDesigner.condition.choose'),
      ),
      usable.map((q) =>
        el(
          'option',
          { value: q.id, selected: q.id === current },
          t('lifeEventDesigner.condition.option', { id: q.id, label: q.label?.ja ?? '' }),
        ),
      ),
      current && !usable.some((q) => q.id === current)
        ? el('option', { value: current, selected: true }, current)
        : null,
    );
    const valuesBox = el('div');
    const drawValues = () => {
      const target = this.questions.find((q) => q.id === select.value);
      const answers = this.answersOf(target);
      const chosen = new Set(holder[key]?.values ?? []);
      const extra = [...chosen].filter((v) => !answers.some((a) => a.value === v));
      const fieldsetId = this.frame.id('condition-values');
      valuesBox.replaceChildren(
        select.value
          ? el(
              'fieldset',
              { class: 'field choice-group', id: fieldsetId, 'data-field': `${path}.values` },
              el('legend', { class: 'field__label' }, t('lifeEventDesigner.condition.values')),
              el('p', { class: 'field__error', id: `${fieldsetId}-error`, hidden: true }),
              el(
                'div',
                { class: 'choice-group__options choice-group__options--inline' },
                [...answers, ...extra.map((v) => ({ value: v, label: v }))].map((answer) => {
                  const id = this.frame.id('condition-value');
                  const box = el('input', {
                    class: 'choice__input',
                    type: 'checkbox',
                    id,
                    name: `${path}.values`,
                    value: answer.value,
                    checked: chosen.has(answer.value),
                  });
                  box.addEventListener(
                    'change',
                    () => {
                      const values = [...valuesBox.querySelectorAll('input:checked')].map(
                        (b) => b.value,
                      );
                      holder[key] = { field: select.value, values };
                      onChange?.();
                      this.frame.changed();
                    },
                    { signal: this.ctx.signal },
                  );
                  return el(
                    'div',
                    { class: 'choice' },
                    box,
                    el('label', { class: 'choice__label', for: id }, answer.label),
                  );
                }),
              ),
            )
          : null,
      );
    };
    select.addEventListener(
      'change',
      () => {
        if (select.value) holder[key] = { field: select.value, values: [] };
        else if (Array.isArray(holder)) holder[key] = { field: '', values: [] };
        else delete holder[key];
        drawValues();
        onChange?.();
        this.frame.changed();
      },
      { signal: this.ctx.signal },
    );
    drawValues();
    return el(
      'fieldset',
      { class: 'field designer-show-if life-designer__condition' },
      el('legend', { class: 'field__label' }, t(legendKey)),
      hintKey ? el('p', { class: 'field__hint' }, t(hintKey)) : null,
      el(
        'div',
        { class: 'field', 'data-field': `${path}.field` },
        el(
          'label',
          { class: 'field__label', for: selectId },
          t('lifeEventDesigner.condition.question'),
        ),
        el('p', { class: 'field__error', id: `${selectId}-error`, hidden: true }),
        select,
      ),
      valuesBox,
      remove,
    );
  }

  // --- items --------------------------------------------------------------------------------

  itemsPart() {
    const list = this.items;
    return this.listPart(list, {
      name: 'items',
      entry: 'item',
      titleKey: 'lifeEventDesigner.items',
      hintKey: 'lifeEventDesigner.itemsHint',
      addKey: 'lifeEventDesigner.addItem',
      emptyKey: 'lifeEventDesigner.noItems',
      make: (n) => {
        const taken = new Set(list.map((item) => item.id));
        while (taken.has(`item-${n}`)) n += 1;
        return { id: `item-${n}`, title: blank(), mode: 'counter_only', when: [] };
      },
      editor: (item, i) => this.itemEditor(item, i),
    });
  }

  itemFlags(item) {
    const flags = [t(`lifeEvents.mode.${item.mode}`)];
    if (item.procedure) flags.push(item.procedure);
    if (item.deadline_days != null && item.deadline_days !== '') {
      const days = Number(item.deadline_days);
      flags.push(
        Number.isInteger(days)
          ? t(days < 0 ? 'lifeEvents.daysBefore' : 'lifeEvents.daysAfter', { days: Math.abs(days) })
          : String(item.deadline_days),
      );
    }
    const conditions = (item.when ?? []).filter((c) => c.field).length;
    flags.push(
      conditions ? t('lifeEventDesigner.flag.when', { n: conditions }) : t('lifeEvents.always'),
    );
    return flags.join('・');
  }

  itemEditor(item, i) {
    const path = `items.${i}`;
    if (!item.title) item.title = blank();
    if (!Array.isArray(item.when)) item.when = [];
    const { title, meta, refresh } = this.frame.headline(
      () => `${t('lifeEventDesigner.itemN', { n: i + 1 })}　${item.title?.ja || item.id || ''}`,
      () => this.itemFlags(item),
    );

    const idField = this.idField(item, path, {
      part: 'item-id',
      labelKey: 'lifeEventDesigner.itemId',
      hintKey: 'lifeEventDesigner.itemIdHint',
      onInput: refresh,
    });

    const mode = this.select({
      path: `${path}.mode`,
      labelKey: 'lifeEventDesigner.mode',
      required: true,
      value: item.mode,
      options: MODES.map((m) => ({ value: m, label: t(`lifeEvents.mode.${m}`) })),
      onChange: (value) => {
        item.mode = value;
        this.renderKeepingFocus();
      },
    });

    const known = this.procedures.some((p) => p.slug === item.procedure);
    const procedure = this.select({
      path: `${path}.procedure`,
      labelKey: 'lifeEventDesigner.procedure',
      hintKey: 'lifeEventDesigner.procedureHint',
      value: item.procedure ?? '',
      options: [
        { value: '', label: t('lifeEventDesigner.procedure.none') },
        ...this.procedures.map((p) => ({ value: p.slug, label: `${p.title}（${p.slug}）` })),
        ...(item.procedure && !known ? [{ value: item.procedure, label: item.procedure }] : []),
      ],
      onChange: (value) => {
        item.procedure = value;
        this.renderKeepingFocus();
      },
    });

    const deadline = textField({
      id: this.frame.id('deadline'),
      name: `${path}.deadline_days`,
      labelKey: 'lifeEventDesigner.deadline',
      hintKey: 'lifeEventDesigner.deadlineHint',
      attributes: { class: 'input input--short', inputmode: 'numeric', autocomplete: 'off' },
    });
    this.frame.bindInput(
      this.frame.withSuffix(deadline, t('designer.days')),
      () => (item.deadline_days == null ? '' : String(item.deadline_days)),
      (v) => {
        const text = v.normalize('NFKC').trim().replace('−', '-');
        item.deadline_days = text === '' ? null : /^-?[0-9]+$/.test(text) ? Number(text) : text;
      },
      refresh,
    );

    const related = this.frame.codeField({
      id: this.frame.id('related'),
      name: `${path}.related`,
      labelKey: 'lifeEventDesigner.related',
      hintKey: 'lifeEventDesigner.relatedHint',
      holder: item,
      key: 'related',
    });

    return this.entryItem(this.items, i, {
      entry: 'item',
      nameKey: 'lifeEventDesigner.itemN',
      holder: item,
      summary: [title, meta],
      body: [
        el('div', { class: 'designer-grid' }, idField, mode),
        this.localized({
          holder: item,
          key: 'title',
          labelKey: 'lifeEventDesigner.itemTitle',
          path: `${path}.title`,
          required: true,
          onInput: refresh,
        }),
        el('div', { class: 'designer-grid' }, procedure, deadline),
        item.mode === 'other_organisation'
          ? this.localized({
              holder: item,
              key: 'organisation',
              labelKey: 'lifeEventDesigner.organisation',
              path: `${path}.organisation`,
              required: true,
            })
          : null,
        this.localized({
          holder: item,
          key: 'note',
          labelKey: 'lifeEventDesigner.note',
          path: `${path}.note`,
        }),
        this.whenEditor(item, path, refresh),
        // A counter-only item joins the booked visit by its code; an online or booking
        // item fills its form. Shown for other modes only while they still hold one.
        item.mode === 'counter_only' || item.related
          ? el('div', { class: 'designer-grid' }, related)
          : null,
        FILLED_MODES.has(item.mode) || Object.keys(item.fill ?? {}).length
          ? this.fillEditor(item, path)
          : null,
      ],
    });
  }

  whenEditor(item, path, refresh) {
    const { frame } = this;
    const add = frame.addButton('lifeEventDesigner.addCondition', {}, () => {
      item.when.push({ field: '', values: [] });
      this.renderStructured();
      frame.structured
        .querySelector(`[data-field="${path}.when.${item.when.length - 1}.field"] select`)
        ?.focus();
    });
    return this.rowsGroup({
      className: 'life-designer__when',
      path: `${path}.when`,
      legendKey: 'lifeEventDesigner.when',
      hint: t('lifeEventDesigner.whenHint'),
      errorPart: 'when-error',
      add,
      rows: () =>
        item.when.length
          ? el(
              'ol',
              { class: 'designer-options__list' },
              item.when.map((_, ci) => {
                const remove = frame.removeButton(
                  'lifeEventDesigner.removeCondition',
                  { n: ci + 1 },
                  () => {
                    item.when.splice(ci, 1);
                    this.renderStructured();
                  },
                );
                return el(
                  'li',
                  { class: 'designer-options__item', 'data-condition': ci },
                  this.conditionEditor({
                    holder: item.when,
                    key: ci,
                    path: `${path}.when.${ci}`,
                    legendKey: 'lifeEventDesigner.conditionN',
                    choices: this.questions,
                    onChange: refresh,
                    remove: el('div', { class: 'button-row' }, remove),
                    always: false,
                  }),
                );
              }),
            )
          : el('p', { class: 'staff-empty' }, t('lifeEventDesigner.noConditions')),
    });
  }

  /** The procedure's form fields ({name, label}), fetched once per procedure. */
  formFields(slug) {
    if (!this.fieldsOf.has(slug)) {
      this.fieldsOf.set(
        slug,
        getJSON(`/api/staff/procedures/${encodeURIComponent(slug)}`, { signal: this.ctx.signal })
          .then((read) =>
            read.definition.form.sections.flatMap((s) =>
              s.fields.map((f) => ({ name: f.name, label: f.label?.ja ?? f.name })),
            ),
          )
          .catch(() => null),
      );
    }
    return this.fieldsOf.get(slug);
  }

  /** item.fill as editable rows: form field → source (answer / registry / value / related). */
  fillEditor(item, path) {
    if (!this.fills.has(item)) {
      this.fills.set(
        item,
        Object.entries(item.fill ?? {}).map(([field, source]) => ({ field, source })),
      );
    }
    const rows = this.fills.get(item);
    const store = () => {
      item.fill = Object.fromEntries(rows.filter((r) => r.field).map((r) => [r.field, r.source]));
      this.frame.changed();
    };
    const box = el('div', { class: 'life-designer__fill-rows' });
    const draw = (fields) => {
      box.replaceChildren(
        rows.length
          ? el(
              'ol',
              { class: 'designer-options__list' },
              rows.map((row, ri) =>
                this.fillRow(item, path, rows, row, ri, fields, store, () => draw(fields)),
              ),
            )
          : el('p', { class: 'staff-empty' }, t('lifeEventDesigner.noFill')),
      );
      applyTranslations(box);
    };
    draw(null);
    if (item.procedure) {
      this.formFields(item.procedure).then((fields) => {
        if (fields && box.isConnected && !box.contains(document.activeElement)) draw(fields);
      });
    }
    const add = this.frame.addButton('lifeEventDesigner.addFill', {}, () => {
      rows.push({ field: '', source: 'answer:' });
      this.renderStructured();
    });
    return this.rowsGroup({
      className: 'life-designer__fill',
      path: `${path}.fill`,
      legendKey: 'lifeEventDesigner.fill',
      hint: t(
        item.procedure ? 'lifeEventDesigner.fillHint' : 'lifeEventDesigner.fillNeedsProcedure',
      ),
      errorPart: 'fill-error',
      add,
      rows: () => box,
    });
  }

  fillRow(item, path, rows, row, ri, fields, store, redraw) {
    const { ctx } = this;
    const [kind, ...rest] = row.source.split(':');
    const value = rest.join(':');
    const fieldId = this.frame.id('fill-field');
    let fieldControl;
    if (fields) {
      fieldControl = el(
        'select',
        { class: 'input staff-select', id: fieldId, name: `${path}.fill.${ri}.field` },
        el('option', { value: '' }, t('lifeEventDesigner.fill.chooseField')),
        fields.map((f) =>
          el(
            'option',
            { value: f.name, selected: f.name === row.field },
            `${f.label}（${f.name}）`,
          ),
        ),
        row.field && !fields.some((f) => f.name === row.field)
          ? el('option', { value: row.field, selected: true }, row.field)
          : null,
      );
    } else {
      fieldControl = el('input', {
        class: 'input input--slug',
        id: fieldId,
        name: `${path}.fill.${ri}.field`,
        autocomplete: 'off',
        spellcheck: 'false',
      });
      fieldControl.value = row.field;
    }
    const container = el('li', {
      class: 'designer-options__item life-designer__fill-row',
      'data-fill': ri,
    });
    const fieldBox = el(
      'div',
      { class: 'field', 'data-field': `${path}.fill.${row.field}` },
      el('label', { class: 'field__label', for: fieldId }, t('lifeEventDesigner.fill.field')),
      el('p', { class: 'field__error', id: `${fieldId}-error`, hidden: true }),
      fieldControl,
    );
    fieldControl.addEventListener(
      fields ? 'change' : 'input',
      () => {
        row.field = fieldControl.value.trim();
        fieldBox.dataset.field = `${path}.fill.${row.field}`;
        store();
      },
      { signal: ctx.signal },
    );

    const kindId = this.frame.id('fill-kind');
    const kindSelect = el(
      'select',
      { class: 'input staff-select', id: kindId, name: `${path}.fill.${ri}.kind` },
      [...FILL_KINDS, ...(FILL_KINDS.includes(kind) ? [] : [kind])].map((k) =>
        el(
          'option',
          { value: k, selected: k === kind },
          FILL_KINDS.includes(k) ? t(`lifeEventDesigner.fill.kind.${k}`) : k,
        ),
      ),
    );
    kindSelect.addEventListener(
      'change',
      () => {
        row.source = `${kindSelect.value}:`;
        store();
        redraw();
      },
      { signal: ctx.signal },
    );

    const valueId = this.frame.id('fill-value');
    const choicesFor = {
      answer: this.questions
        .filter((q) => q.id)
        .map((q) => ({ value: q.id, label: `${q.label?.ja || q.id}（${q.id}）` })),
      registry: PREFILLS.map((p) => ({ value: p, label: t(`designer.prefill.${p}`) })),
      related: RELATED.map((r) => ({ value: r, label: t(`lifeEventDesigner.fill.related.${r}`) })),
    }[kind];
    let valueControl;
    if (choicesFor) {
      valueControl = el(
        'select',
        { class: 'input staff-select', id: valueId, name: `${path}.fill.${ri}.value` },
        el('option', { value: '' }, t('lifeEventDesigner.fill.chooseValue')),
        choicesFor.map((c) =>
          el('option', { value: c.value, selected: c.value === value }, c.label),
        ),
        value && !choicesFor.some((c) => c.value === value)
          ? el('option', { value, selected: true }, value)
          : null,
      );
    } else {
      valueControl = el('input', {
        class: 'input',
        id: valueId,
        name: `${path}.fill.${ri}.value`,
        autocomplete: 'off',
      });
      valueControl.value = value;
    }
    valueControl.addEventListener(
      choicesFor ? 'change' : 'input',
      () => {
        row.source = `${kindSelect.value}:${valueControl.value}`;
        store();
      },
      { signal: ctx.signal },
    );
    const remove = this.frame.removeButton('lifeEventDesigner.removeFill', { n: ri + 1 }, () => {
      rows.splice(ri, 1);
      store();
      redraw();
    });
    container.append(
      el(
        'div',
        { class: 'designer-grid' },
        fieldBox,
        el(
          'div',
          { class: 'field' },
          el('label', { class: 'field__label', for: kindId }, t('lifeEventDesigner.fill.kind')),
          kindSelect,
        ),
        el(
          'div',
          { class: 'field' },
          el('label', { class: 'field__label', for: valueId }, t('lifeEventDesigner.fill.value')),
          valueControl,
        ),
      ),
      el('div', { class: 'button-row' }, remove),
    );
    return container;
  }

  // --- problems, preview, publishing --------------------------------------------------------

  /**
   * Where a problem goes: the input its path names, else the nearest part that has one
   * (`questions.2` → the question's id); a question named by its id (`questions.cat`, as the
   * publishing checks name it) is found by position.
   */
  placed(items) {
    const has = (path) => {
      const container = this.frame.form.querySelector(`[data-field="${CSS.escape(path)}"]`);
      return container?.querySelector('input, select, textarea') ? container : null;
    };
    return items.map((item) => {
      if (!item.field) return item;
      let path = item.field.replace(/^definition\.?/, '');
      const byId = /^questions\.([^.]+)(.*)$/.exec(path);
      if (byId && !/^\d+$/.test(byId[1])) {
        const at = this.questions.findIndex((q) => q.id === byId[1]);
        if (at >= 0) path = `questions.${at}${byId[2]}`;
      }
      const parts = path.split('.');
      while (parts.length) {
        const candidate = parts.join('.');
        for (const tried of [candidate, `${candidate}.id`, `${candidate}.ja`]) {
          if (has(tried)) return { ...item, field: tried };
        }
        if (this.frame.form.querySelector(`[data-field="${CSS.escape(candidate)}"]`)) {
          return { ...item, field: candidate };
        }
        parts.pop();
      }
      return { ...item, field: null };
    });
  }

  askPreview(definition, answers) {
    return sendJSON('/api/staff/life-events/preview', {
      body: { definition, answers },
      signal: this.ctx.signal,
    });
  }

  /** The questions as residents get them; answers tried there list the items they lead to. */
  drawPreview(definition, first, signal) {
    const members = SAMPLE_MEMBERS.map((m) => ({
      id: m.id,
      name: t(m.nameKey),
      relation: '',
      is_self: m.is_self,
    }));
    const labels = new Map(definition.questions.map((q) => [q.id, q.label?.ja || q.id]));
    const optionWords = (question, value) =>
      question?.kind === 'yes_no'
        ? t(`lifeEventDesigner.${value === 'yes' ? 'yes' : 'no'}`)
        : ((question?.options ?? []).find((o) => o.value === value)?.label?.ja ?? value);
    const byId = new Map(definition.questions.map((q) => [q.id, q]));
    const fields = definition.questions.map((question) => {
      const field = questionField(
        { ...question, options: question.options ?? [] },
        members,
        null,
        null,
      );
      const condition = question.show_if
        ? t('lifeEventDesigner.preview.showIf', {
            question: labels.get(question.show_if.field) ?? question.show_if.field,
            values: question.show_if.values
              .map((v) => `「${optionWords(byId.get(question.show_if.field), v)}」`)
              .join('、'),
          })
        : null;
      const wrapper = el(
        'div',
        { class: 'designer-preview-field', 'data-preview-question': question.id },
        el(
          'p',
          { class: 'designer-preview-field__notes' },
          el(
            'span',
            { class: 'designer-preview-field__type' },
            `${question.id}・${t(`lifeEventDesigner.kind.${question.kind}`)}`,
          ),
          condition
            ? el(
                'span',
                { class: 'designer-preview-field__note designer-preview-field__note--condition' },
                condition,
              )
            : null,
        ),
        field.node,
      );
      return { ...field, wrapper };
    });
    const sync = () => shownAnswers(fields, (field) => field.wrapper);
    const results = el('div', { class: 'life-designer__plan', 'aria-live': 'polite' });
    const drawItems = (plan) => {
      results.replaceChildren(
        el(
          'h4',
          { class: 'designer-preview-section__title' },
          t('lifeEventDesigner.preview.items', { count: plan.items.length }),
        ),
        plan.items.length
          ? el(
              'ol',
              { class: 'life-items' },
              plan.items.map((item) => itemRow(item, { plan: true })),
            )
          : el('p', { class: 'staff-empty' }, t('lifeEventDesigner.preview.noItems')),
      );
      applyTranslations(results);
    };
    const tryButton = el(
      'button',
      { type: 'submit', class: 'button button--solid button--sm' },
      t('lifeEventDesigner.preview.try'),
    );
    const questions = el(
      'form',
      {
        class: 'stack life-questions',
        novalidate: true,
        'aria-label': t('lifeEventDesigner.preview.answers'),
      },
      fields.map((f) => f.wrapper),
      el('div', { class: 'button-row' }, tryButton),
    );
    questions.addEventListener('change', sync, { signal });
    questions.addEventListener(
      'submit',
      async (event) => {
        event.preventDefault();
        for (const field of fields) field.setError(null);
        const answers = sync();
        for (const [k, v] of Object.entries(answers)) {
          if (v === null || v === '' || (Array.isArray(v) && !v.length)) delete answers[k];
        }
        let plan;
        try {
          plan = await this.askPreview(definition, answers);
        } catch (error) {
          if (this.ctx.signal.aborted || sessionEnded(error, this.ctx)) return;
          const wrong = (error?.errors ?? []).filter((e) => e.field?.startsWith('answers.'));
          for (const problem of wrong) {
            fields
              .find((f) => `answers.${f.question.id}` === problem.field)
              ?.setError(problem.message);
          }
          if (!wrong.length) this.frame.showProblems(problemItems(error));
          return;
        }
        drawItems(plan);
      },
      { signal },
    );
    drawItems(first);
    this.frame.preview.replaceChildren(
      el(
        'h2',
        { class: 'section-title', id: 'life-preview-title' },
        t('lifeEventDesigner.preview.title'),
      ),
      el('p', { class: 'field__hint' }, t('lifeEventDesigner.preview.lead')),
      el(
        'div',
        { class: 'designer-preview__frame', lang: 'ja' },
        el('h3', { class: 'designer-preview__title' }, definition.title.ja),
        el('p', { class: 'designer-preview__summary' }, definition.summary.ja),
        questions,
        results,
      ),
    );
    applyTranslations(this.frame.preview);
    sync();
  }

  /** After a publication: the versions listed again, the address; the notice's words. */
  async published(published) {
    this.version = published.version;
    try {
      const listed = await getJSON(
        `/api/staff/life-events/${encodeURIComponent(published.slug)}/versions`,
        { signal: this.ctx.signal },
      );
      this.versions = listed.items;
    } catch {
      this.versions = [
        { version: published.version, published_at: published.published_at, current: true },
        ...this.versions.map((v) => ({ ...v, current: false })),
      ];
    }
    if (this.isNew) {
      this.isNew = false;
      history.replaceState(null, '', `/staff/life-events/${encodeURIComponent(published.slug)}`);
      this.frame.heading.textContent = t('lifeEventDesigner.title');
      this.renderStructured();
    }
    this.renderMeta();
    return {
      title: t('lifeEventDesigner.published', { title: published.title.ja, n: published.version }),
      body: t('lifeEventDesigner.publishedBody'),
    };
  }
}
