// /staff/procedures/:slug and /staff/procedures/new「手続きの設計」: edit a procedure
// definition and publish it as a new version. The whole definition is kept as one object;
// the inputs edit parts of it in place, and a JSON view (for power users) shows the same
// object and edits it too. 「プレビュー」 asks the API to check the definition and renders
// the form the way residents get it; 「公開する」 publishes after a confirmation (published
// versions never change). Parts the editor has no inputs for (steps, effects, eligibility,
// keywords…) are kept as they are and can be changed in the JSON view.

import { el, icon } from '../dom.js';
import { getJSON, sendJSON } from '../api.js';
import { applyTranslations, t } from '../i18n.js';
import { createForm } from '../ui/form-fields.js';
import { formatDateTime } from './words.js';
import { blank, designerFrame, LANGS } from './designer-frame.js';
import { choiceGroup, clearErrors, textField } from './forms.js';
import { backLink, loadFailed, myDepartments, sessionEnded } from './ui.js';

export const titleKey = 'designer.title';

export const TYPES = [
  'text',
  'textarea',
  'kana',
  'date',
  'postal_code',
  'phone',
  'email',
  'number',
  'yen',
  'choice',
  'choices',
  'household_member',
  'household_members',
  'bank_account',
  'file',
  'consent',
];
const CHOICE_TYPES = new Set(['choice', 'choices']);
export const PREFILLS = [
  'full_name',
  'family_name',
  'given_name',
  'full_name_kana',
  'family_name_kana',
  'given_name_kana',
  'birth_date',
  'sex',
  'postal_code',
  'address',
  'relation',
  'household',
  'children',
];
const ONLINE = ['full', 'booking', 'partial'];
const IDENTITY = ['verified', 'none'];
const SLUG = /^[A-Za-z0-9-]{1,64}$/;
const NAME = /^[a-z][a-z0-9_]*$/;

export async function mount(outlet, ctx) {
  const slug = ctx.params.slug ?? null;
  const page = el('div', { class: 'page designer' });
  outlet.append(page);
  let departments;
  let loaded = null;
  try {
    const calls = [getJSON('/api/staff/departments', { signal: ctx.signal })];
    if (slug) {
      calls.push(
        getJSON(`/api/staff/procedures/${encodeURIComponent(slug)}`, { signal: ctx.signal }),
      );
    }
    [departments, loaded] = await Promise.all(calls);
  } catch (error) {
    if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
    page.append(
      backLink('/staff/procedures', t('designer.back')),
      el('h1', {
        class: 'page__title',
        'data-i18n': error.status === 404 ? 'designer.notFound' : 'designer.title',
      }),
      loadFailed(error, ctx),
    );
    return;
  }
  const mine = myDepartments(departments, ctx.account);
  const definition = loaded?.definition ?? newDefinition(mine[0]?.code ?? '');
  ctx.setTitle(() =>
    slug
      ? t('designer.pageTitle', { title: definition.title?.ja || slug })
      : t('designer.newTitle'),
  );
  new Designer(page, ctx, {
    definition,
    version: loaded?.version ?? null,
    versions: loaded?.versions ?? [],
    template: loaded?.template ?? null,
    departments: mine,
    isNew: !slug,
  }).mount();
}

function newDefinition(department) {
  return {
    slug: '',
    department,
    title: blank(),
    summary: blank(),
    online: 'full',
    service_days: 14,
    identity: 'verified',
    keywords: [],
    help: null,
    form: { sections: [{ id: 'section_1', title: blank(), fields: [newField(1)] }] },
    steps: [],
    effects: [],
    eligibility: null,
    proxy_allowed: true,
    fee_yen: 0,
    closes_on: null,
  };
}

function newField(n) {
  return { name: `field_${n}`, type: 'text', label: blank(), required: false };
}

/** A copy fit to send: empty optional texts, options of non-choices and the like dropped. */
export function cleaned(definition) {
  const copy = structuredClone(definition);
  const empty = (text) => !text || LANGS.every((lang) => !String(text[lang] ?? '').trim());
  if (empty(copy.help)) copy.help = null;
  for (const section of copy.form?.sections ?? []) {
    if (empty(section.help)) delete section.help;
    for (const field of section.fields ?? []) {
      if (empty(field.help)) delete field.help;
      if (!CHOICE_TYPES.has(field.type)) delete field.options;
      else if (!field.options?.length) field.options = [];
      if (!field.show_if?.field) delete field.show_if;
      if (!field.prefill) delete field.prefill;
      if (!field.locked) {
        delete field.locked;
        delete field.lock_reason;
      } else if (empty(field.lock_reason)) delete field.lock_reason;
      if (!field.required) delete field.required;
      if (field.type !== 'date' || !field.appointment) delete field.appointment;
    }
  }
  return copy;
}

class Designer {
  constructor(page, ctx, { definition, version, versions, template, departments, isNew }) {
    Object.assign(this, { page, ctx, definition, version, versions, template, departments, isNew });
    this.currentSlug = isNew ? null : definition.slug; // the procedure the versions belong to
  }

  mount() {
    this.frame = designerFrame(this.page, this.ctx, {
      words: 'designer.',
      idPrefix: 'designer',
      ids: {
        errors: 'designer-errors',
        title: 'designer-title',
        preview: 'designer-preview-title',
        json: 'designer-json',
        jsonError: 'designer-json-parse',
        jsonTitle: 'designer-json-title',
      },
      jsonViewMark: true,
      jsonProblemField: 'definition',
      emptyFocus: '#designer-sections-title',
      back: '/staff/procedures',
      isNew: this.isNew,
      cleaned: () => cleaned(this.definition),
      onJson: (parsed) => {
        this.definition = parsed;
        this.renderMeta();
        this.renderStructured();
      },
      render: () => this.renderStructured(),
      check: () => this.check(),
      preview: {
        ask: (definition) =>
          sendJSON('/api/staff/procedures/preview', {
            body: { definition },
            signal: this.ctx.signal,
          }),
        draw: (shown, _, signal) => {
          this.frame.preview.replaceChildren(...renderPreview(shown, this.definition, signal));
          applyTranslations(this.frame.preview);
        },
      },
      publish: {
        url: '/api/staff/procedures',
        confirm: (definition) => ({
          title: t('designer.confirm.title', { title: definition.title.ja }),
          body: [t('designer.confirm.body'), t('designer.confirm.immutable')],
          confirm: t('designer.confirm.button'),
        }),
        done: (published, definition) => this.published(published, definition),
      },
    });
    this.renderMeta();
    this.renderStructured();
  }

  renderMeta() {
    const { definition } = this;
    const parts = [];
    if (this.version) {
      parts.push(
        el(
          'p',
          { class: 'designer__version', 'data-version': this.version },
          t('designer.currentVersion', { n: this.version }),
        ),
      );
    } else {
      parts.push(el('p', { class: 'designer__version' }, t('designer.unpublished')));
    }
    if (this.versions.length) {
      parts.push(
        el(
          'details',
          { class: 'disclosure designer__history' },
          el('summary', {}, t('designer.history', { n: this.versions.length })),
          el(
            'ul',
            { class: 'designer__history-list' },
            this.versions.map((v) =>
              el(
                'li',
                {},
                t('designer.historyItem', { n: v.version, date: formatDateTime(v.published_at) }),
              ),
            ),
          ),
        ),
      );
    }
    if (
      this.version &&
      definition.department &&
      !this.departments.some((d) => d.code === definition.department)
    ) {
      parts.push(
        el(
          'p',
          { class: 'staff-callout staff-callout--warning' },
          icon('alert', 'staff-callout__icon'),
          el('span', {}, t('designer.notYours')),
        ),
      );
    }
    if (this.template && definition.slug === this.currentSlug) {
      // Built on a platform template: only the parts it lets the municipality change.
      const local = this.template.local.map((part) => t(`templates.part.${part}`));
      parts.push(
        el(
          'div',
          { class: 'staff-callout', 'data-template': this.template.slug },
          icon('info', 'staff-callout__icon'),
          el(
            'div',
            {},
            el(
              'p',
              {},
              t('designer.template', { version: this.template.version }),
              ' ',
              t('designer.templateLocal', {
                parts: local.join('、') || t('designer.templateNone'),
              }),
            ),
            el(
              'p',
              {},
              el('a', { class: 'link', href: '/staff/templates' }, t('designer.templateOffers')),
            ),
          ),
        ),
      );
    }
    this.frame.meta.replaceChildren(...parts);
  }

  renderStructured() {
    this.frame.drawEditors(this.basicPart(), this.textsPart(), this.sectionsPart());
  }

  // --- inputs bound to the definition ---------------------------------------------------

  /** Three inputs (ja, easy, en) for one text; holder[key] is created when first typed. */
  localized({
    holder,
    key,
    labelKey,
    field,
    multiline = false,
    required = false,
    hintKey,
    onInput,
  }) {
    const group = el(
      'fieldset',
      { class: 'field designer-localized', 'data-field': field },
      this.frame.legend(labelKey, required),
      hintKey ? el('p', { class: 'field__hint' }, t(hintKey)) : null,
      el('p', { class: 'field__error', id: this.frame.id('error'), hidden: true }),
    );
    group.append(
      this.frame.langInputs({
        holder,
        key,
        name: field,
        idPart: field,
        multiline,
        rows: '3',
        onInput,
      }),
    );
    return group;
  }

  basicPart() {
    const { definition: d, ctx, frame } = this;
    const slugField = frame.codeField({
      id: 'designer-slug',
      name: 'slug',
      labelKey: 'designer.slug',
      hintKey: this.isNew ? 'designer.slugHintNew' : 'designer.slugHint',
      required: true,
      holder: d,
      key: 'slug',
    });

    const known = this.departments.some((dep) => dep.code === d.department);
    const department = frame.select({
      id: 'designer-department',
      name: 'department',
      labelKey: 'designer.department',
      required: true,
      options: [
        ...(known
          ? []
          : [{ value: d.department ?? '', label: d.department || t('designer.chooseDepartment') }]),
        ...this.departments.map((dep) => ({
          value: dep.code,
          label: dep.name.ja,
          selected: dep.code === d.department,
        })),
      ],
      onChange: (value) => (d.department = value),
    });

    const online = choiceGroup({
      id: 'designer-online',
      name: 'online',
      legendKey: 'designer.online',
      required: true,
      layout: 'list',
      options: ONLINE.map((value) => ({
        value,
        labelKey: `designer.online.${value}`,
        hintKey: `designer.online.${value}Hint`,
        checked: d.online === value,
      })),
    });
    const identity = choiceGroup({
      id: 'designer-identity',
      name: 'identity',
      legendKey: 'designer.identity',
      required: true,
      layout: 'list',
      options: IDENTITY.map((value) => ({
        value,
        labelKey: `designer.identity.${value}`,
        checked: d.identity === value,
      })),
    });
    for (const group of [online, identity]) {
      group.addEventListener(
        'change',
        (event) => {
          d[event.target.name] = event.target.value;
          frame.changed();
        },
        { signal: ctx.signal },
      );
    }

    const number = (name, labelKey, hintKey, suffixKey) => {
      const field = textField({
        id: `designer-${name}`,
        name,
        labelKey,
        hintKey,
        required: true,
        attributes: { class: 'input input--short', inputmode: 'numeric', autocomplete: 'off' },
      });
      frame.bindInput(
        frame.withSuffix(field, t(suffixKey)),
        () => String(d[name] ?? ''),
        (v) => {
          const text = v.normalize('NFKC').trim();
          d[name] = /^[0-9]+$/.test(text) ? Number(text) : text;
        },
      );
      return field;
    };

    return el(
      'section',
      { class: 'designer-part', 'aria-labelledby': 'designer-basic-title' },
      el('h2', { class: 'section-title', id: 'designer-basic-title' }, t('designer.basic')),
      el(
        'div',
        { class: 'designer-grid' },
        slugField,
        department,
        number('service_days', 'designer.serviceDays', 'designer.serviceDaysHint', 'designer.days'),
        number('fee_yen', 'designer.fee', 'designer.feeHint', 'designer.yen'),
      ),
      el('div', { class: 'designer-grid' }, online, identity),
    );
  }

  textsPart() {
    const d = this.definition;
    return el(
      'section',
      { class: 'designer-part', 'aria-labelledby': 'designer-texts-title' },
      el('h2', { class: 'section-title', id: 'designer-texts-title' }, t('designer.texts')),
      this.localized({
        holder: d,
        key: 'title',
        labelKey: 'designer.procedureTitle',
        field: 'title',
        required: true,
      }),
      this.localized({
        holder: d,
        key: 'summary',
        labelKey: 'designer.summary',
        field: 'summary',
        multiline: true,
        required: true,
      }),
      this.localized({
        holder: d,
        key: 'help',
        labelKey: 'designer.help',
        hintKey: 'designer.helpHint',
        field: 'help',
        multiline: true,
      }),
    );
  }

  // --- sections and fields ----------------------------------------------------------------

  sectionsPart() {
    const sections = this.sections();
    const add = this.frame.addButton('designer.addSection', {}, () => {
      const n = sections.length + 1;
      sections.push({ id: `section_${n}`, title: blank(), fields: [] });
      this.renderStructured();
      this.frame.structured.querySelector(`[data-section="${n - 1}"] input`)?.focus();
    });
    return el(
      'section',
      { class: 'designer-part', 'aria-labelledby': 'designer-sections-title' },
      el(
        'h2',
        { class: 'section-title', id: 'designer-sections-title', tabindex: '-1' },
        t('designer.sections'),
      ),
      el('p', { class: 'field__hint' }, t('designer.sectionsHint')),
      sections.length
        ? el(
            'ol',
            { class: 'designer-sections' },
            sections.map((s, i) => this.sectionEditor(s, i)),
          )
        : el('p', { class: 'staff-empty' }, t('designer.noSections')),
      el('div', { class: 'button-row' }, add),
    );
  }

  sections() {
    const d = this.definition;
    if (!d.form || typeof d.form !== 'object') d.form = { sections: [] };
    if (!Array.isArray(d.form.sections)) d.form.sections = [];
    return d.form.sections;
  }

  sectionEditor(section, si) {
    const { frame } = this;
    const sections = this.sections();
    if (!Array.isArray(section.fields)) section.fields = [];
    const idField = frame.codeField({
      id: frame.id('section-id'),
      name: `s${si}.id`,
      labelKey: 'designer.sectionId',
      hintKey: 'designer.sectionIdHint',
      required: true,
      maxlength: null,
      holder: section,
      key: 'id',
    });
    const add = frame.addButton('designer.addField', { n: si + 1 }, () => {
      const count = sections.reduce((sum, s) => sum + (s.fields?.length ?? 0), 0);
      const field = newField(count + 1);
      section.fields.push(field);
      frame.open.add(field);
      this.renderStructured();
      frame.structured
        .querySelector(
          `[data-section="${si}"] [data-field-editor="${section.fields.length - 1}"] summary`,
        )
        ?.focus();
    });
    return el(
      'li',
      { class: 'designer-section', 'data-section': si },
      el(
        'fieldset',
        { class: 'designer-section__box' },
        el('legend', { class: 'designer-section__legend' }, t('designer.sectionN', { n: si + 1 })),
        frame.tools(sections, si, {
          nameKey: 'designer.sectionN',
          selector: (i) => `[data-section="${i}"]`,
        }),
        el('div', { class: 'designer-grid designer-grid--section' }, idField),
        this.localized({
          holder: section,
          key: 'title',
          labelKey: 'designer.sectionTitle',
          field: `s${si}.title`,
          required: true,
        }),
        section.fields.length
          ? el(
              'ol',
              { class: 'designer-fields' },
              section.fields.map((f, fi) => this.fieldEditor(section, si, f, fi)),
            )
          : el('p', { class: 'staff-empty' }, t('designer.noFields')),
        el('div', { class: 'button-row' }, add),
      ),
    );
  }

  fieldSummary(field) {
    const flags = [t(`designer.type.${field.type}`) ?? field.type];
    if (field.required) flags.push(t('designer.flag.required'));
    if (field.prefill) flags.push(t('designer.flag.prefill'));
    if (field.locked) flags.push(t('designer.flag.locked'));
    if (field.show_if?.field) flags.push(t('designer.flag.conditional'));
    if (field.type === 'date' && field.appointment) flags.push(t('designer.flag.appointment'));
    return flags.join('・');
  }

  fieldEditor(section, si, field, fi) {
    const { ctx, frame } = this;
    const key = `s${si}.f${fi}`;
    if (!field.label) field.label = blank();
    const {
      title,
      meta,
      refresh: refreshSummary,
    } = frame.headline(
      () => t('designer.fieldN', { n: fi + 1 }) + '　' + (field.label?.ja || field.name || ''),
      () => this.fieldSummary(field),
    );

    const name = frame.codeField({
      id: frame.id('field-name'),
      name: `${key}.name`,
      labelKey: 'designer.fieldName',
      hintKey: 'designer.fieldNameHint',
      required: true,
      holder: field,
      key: 'name',
      onInput: refreshSummary,
    });

    const type = frame.select({
      id: frame.id('field-type'),
      name: `${key}.type`,
      labelKey: 'designer.fieldType',
      required: true,
      options: TYPES.map((value) => ({
        value,
        label: t(`designer.type.${value}`),
        selected: value === field.type,
      })),
      onChange: (value) => {
        field.type = value;
        showOptions();
        refreshSummary();
      },
    });

    // Options, for the choice types only.
    const optionsBox = el('div', { class: 'designer-options-box' });
    const renderOptions = (focusIndex = null) => {
      if (!Array.isArray(field.options)) field.options = [];
      const list = field.options;
      const add = frame.addButton('designer.addOption', {}, () => {
        list.push({ value: `option_${list.length + 1}`, label: blank() });
        frame.changed();
        renderOptions(list.length - 1);
      });
      const fieldset = el(
        'fieldset',
        { class: 'field designer-options', 'data-field': `${key}.options` },
        el('legend', { class: 'field__label' }, t('designer.options')),
        el('p', { class: 'field__error', id: frame.id('options-error'), hidden: true }),
        list.length
          ? el(
              'ol',
              { class: 'designer-options__list' },
              list.map((option, oi) => {
                const valueId = frame.id('option-value');
                const value = el('input', {
                  class: 'input input--slug',
                  id: valueId,
                  name: `${key}.o${oi}.value`,
                  autocomplete: 'off',
                  spellcheck: 'false',
                });
                frame.bindInput(
                  value,
                  () => option.value,
                  (v) => (option.value = v.trim()),
                );
                const remove = frame.removeButton('designer.removeOption', { n: oi + 1 }, () => {
                  list.splice(oi, 1);
                  frame.changed();
                  renderOptions(Math.min(oi, list.length - 1));
                });
                return el(
                  'li',
                  { class: 'designer-options__item', 'data-option': oi },
                  el(
                    'div',
                    { class: 'field', 'data-field': `${key}.o${oi}.value` },
                    el(
                      'label',
                      { class: 'field__label', for: valueId },
                      t('designer.optionValue', { n: oi + 1 }),
                    ),
                    el('p', { class: 'field__error', id: `${valueId}-error`, hidden: true }),
                    value,
                  ),
                  this.localized({
                    holder: option,
                    key: 'label',
                    labelKey: 'designer.optionLabel',
                    field: `${key}.o${oi}.label`,
                    required: true,
                  }),
                  el('div', { class: 'button-row' }, remove),
                );
              }),
            )
          : el('p', { class: 'staff-empty' }, t('designer.noOptions')),
        el('div', { class: 'button-row' }, add),
      );
      optionsBox.replaceChildren(fieldset);
      applyTranslations(optionsBox);
      if (focusIndex !== null) {
        (optionsBox.querySelector(`[data-option="${focusIndex}"] input`) ?? add).focus();
      }
    };
    // A date may be the day the resident books: it then stands on their home timeline.
    const appointment = frame.checkbox({
      id: frame.id('field-appointment'),
      name: `${key}.appointment`,
      labelKey: 'designer.appointment',
      hintKey: 'designer.appointmentHint',
      checked: Boolean(field.appointment),
      onChange: (checked) => {
        field.appointment = checked;
        refreshSummary();
      },
    });
    const showOptions = () => {
      optionsBox.hidden = !CHOICE_TYPES.has(field.type);
      if (!optionsBox.hidden && !optionsBox.firstChild) renderOptions();
      appointment.hidden = field.type !== 'date';
    };
    showOptions();

    const required = frame.checkbox({
      id: frame.id('field-required'),
      name: `${key}.required`,
      labelKey: 'designer.required',
      checked: Boolean(field.required),
      onChange: (checked) => {
        field.required = checked;
        refreshSummary();
      },
    });

    // show_if: another (earlier) field and the answers that show this one.
    const showIfId = frame.id('show-if');
    const showIfSelect = el('select', {
      class: 'input staff-select',
      id: showIfId,
      name: `${key}.show_if.field`,
      'aria-describedby': `${showIfId}-hint`,
    });
    const earlier = () => {
      const names = [];
      for (const [i, s] of this.sections().entries()) {
        for (const [j, f] of (s.fields ?? []).entries()) {
          if (i > si || (i === si && j >= fi)) return names;
          if (f.name) names.push(f);
        }
      }
      return names;
    };
    const fillShowIf = () => {
      const current = field.show_if?.field ?? '';
      const choices = earlier();
      showIfSelect.replaceChildren(
        el('option', { value: '' }, t('designer.showIf.always')),
        ...choices.map((f) =>
          el(
            'option',
            { value: f.name, selected: f.name === current },
            t('designer.showIf.option', { name: f.name, label: f.label?.ja ?? '' }),
          ),
        ),
        ...(current && !choices.some((f) => f.name === current)
          ? [el('option', { value: current, selected: true }, current)]
          : []),
      );
    };
    fillShowIf();
    // Names may have changed elsewhere since: the list is made again when it is used.
    showIfSelect.addEventListener('focus', fillShowIf, { signal: ctx.signal });
    const valuesId = frame.id('show-if-values');
    const values = el('input', {
      class: 'input',
      id: valuesId,
      name: `${key}.show_if.values`,
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-describedby': `${valuesId}-hint`,
    });
    values.value = (field.show_if?.values ?? []).join(', ');
    const valuesField = el(
      'div',
      { class: 'field', 'data-field': `${key}.show_if.values`, hidden: !field.show_if?.field },
      el('label', { class: 'field__label', for: valuesId }, t('designer.showIf.values')),
      el('p', { class: 'field__hint', id: `${valuesId}-hint` }, t('designer.showIf.valuesHint')),
      el('p', { class: 'field__error', id: `${valuesId}-error`, hidden: true }),
      values,
    );
    const setShowIf = () => {
      const target = showIfSelect.value;
      valuesField.hidden = !target;
      if (!target) delete field.show_if;
      else {
        field.show_if = {
          field: target,
          values: values.value
            .split(/[,、，]/)
            .map((v) => v.trim())
            .filter(Boolean),
        };
      }
      refreshSummary();
      frame.changed();
    };
    showIfSelect.addEventListener('change', setShowIf, { signal: ctx.signal });
    values.addEventListener('input', setShowIf, { signal: ctx.signal });

    const prefill = frame.select({
      id: frame.id('prefill'),
      name: `${key}.prefill`,
      labelKey: 'designer.prefill',
      hintKey: 'designer.prefillHint',
      options: [
        { value: '', label: t('designer.prefill.none') },
        ...PREFILLS.map((value) => ({
          value,
          label: t(`designer.prefill.${value}`),
          selected: value === field.prefill,
        })),
      ],
      onChange: (value) => {
        field.prefill = value || undefined;
        refreshSummary();
      },
    });

    const lockReason = this.localized({
      holder: field,
      key: 'lock_reason',
      labelKey: 'designer.lockReason',
      hintKey: 'designer.lockReasonHint',
      field: `${key}.lock_reason`,
    });
    lockReason.hidden = !field.locked;
    const locked = frame.checkbox({
      id: frame.id('locked'),
      name: `${key}.locked`,
      labelKey: 'designer.locked',
      hintKey: 'designer.lockedHint',
      checked: Boolean(field.locked),
      onChange: (checked) => {
        field.locked = checked;
        lockReason.hidden = !field.locked;
        refreshSummary();
      },
    });

    return el(
      'li',
      { class: 'designer-field', 'data-field-editor': fi },
      frame.folded(
        field,
        [title, meta],
        [
          el('div', { class: 'designer-grid' }, name, type),
          this.localized({
            holder: field,
            key: 'label',
            labelKey: 'designer.fieldLabel',
            field: `${key}.label`,
            required: true,
            onInput: refreshSummary,
          }),
          this.localized({
            holder: field,
            key: 'help',
            labelKey: 'designer.fieldHelp',
            field: `${key}.help`,
          }),
          required,
          appointment,
          optionsBox,
          el(
            'fieldset',
            { class: 'field designer-show-if' },
            el('legend', { class: 'field__label' }, t('designer.showIf')),
            el(
              'div',
              { class: 'designer-grid' },
              el(
                'div',
                { class: 'field', 'data-field': `${key}.show_if.field` },
                el('label', { class: 'field__label', for: showIfId }, t('designer.showIf.field')),
                el(
                  'p',
                  { class: 'field__hint', id: `${showIfId}-hint` },
                  t('designer.showIf.fieldHint'),
                ),
                el('p', { class: 'field__error', id: `${showIfId}-error`, hidden: true }),
                showIfSelect,
              ),
              valuesField,
            ),
          ),
          el('div', { class: 'designer-grid' }, prefill),
          locked,
          lockReason,
        ],
      ),
      frame.tools(section.fields, fi, {
        nameKey: 'designer.fieldN',
        selector: (i) => `[data-section="${si}"] [data-field-editor="${i}"]`,
      }),
    );
  }

  // --- checking, preview, publishing ----------------------------------------------------

  /** What the screen can say before the API does, each linked to its input. */
  problems() {
    const d = this.definition;
    const items = [];
    const need = (ok, field, key, params) => {
      if (!ok) items.push({ field, text: t(key, params) });
    };
    const texts = (holder, key, field, labelKey, params = {}) => {
      for (const lang of LANGS) {
        need(
          String(holder?.[key]?.[lang] ?? '').trim(),
          `${field}.${lang}`,
          'designer.error.text',
          {
            what: t(labelKey, params),
            lang: t(`designer.lang.${lang}`),
          },
        );
      }
    };
    need(
      SLUG.test(d.slug ?? ''),
      'slug',
      d.slug ? 'designer.error.slugFormat' : 'designer.error.slug',
    );
    need(Boolean(d.department), 'department', 'designer.error.department');
    need(
      Number.isInteger(d.service_days) && d.service_days >= 0,
      'service_days',
      'designer.error.serviceDays',
    );
    need(Number.isInteger(d.fee_yen) && d.fee_yen >= 0, 'fee_yen', 'designer.error.fee');
    texts(d, 'title', 'title', 'designer.procedureTitle');
    texts(d, 'summary', 'summary', 'designer.summary');
    const seen = new Set();
    for (const [si, section] of this.sections().entries()) {
      need(/^[a-z][a-z0-9_-]*$/.test(section.id ?? ''), `s${si}.id`, 'designer.error.sectionId', {
        n: si + 1,
      });
      texts(section, 'title', `s${si}.title`, 'designer.sectionTitleN', { n: si + 1 });
      for (const [fi, field] of (section.fields ?? []).entries()) {
        const key = `s${si}.f${fi}`;
        const which = { s: si + 1, n: fi + 1 };
        if (!NAME.test(field.name ?? ''))
          need(false, `${key}.name`, 'designer.error.fieldName', which);
        else if (seen.has(field.name))
          need(false, `${key}.name`, 'designer.error.fieldNameTwice', {
            ...which,
            name: field.name,
          });
        texts(field, 'label', `${key}.label`, 'designer.fieldLabelN', which);
        if (CHOICE_TYPES.has(field.type)) {
          need(field.options?.length > 0, `${key}.options`, 'designer.error.options', which);
          for (const [oi, option] of (field.options ?? []).entries()) {
            need(
              String(option.value ?? '').trim(),
              `${key}.o${oi}.value`,
              'designer.error.optionValue',
              { ...which, o: oi + 1 },
            );
            need(
              String(option.label?.ja ?? '').trim(),
              `${key}.o${oi}.label.ja`,
              'designer.error.optionLabel',
              { ...which, o: oi + 1 },
            );
          }
        }
        if (field.show_if?.field) {
          need(
            seen.has(field.show_if.field),
            `${key}.show_if.field`,
            'designer.error.showIf',
            which,
          );
          need(
            field.show_if.values?.length > 0,
            `${key}.show_if.values`,
            'designer.error.showIfValues',
            which,
          );
        }
        if (field.name) seen.add(field.name);
      }
    }
    return items;
  }

  /** Before a preview or a publication: the JSON view reads and the checks above pass. */
  check() {
    if (!this.frame.jsonReady()) return false;
    const items = this.problems();
    if (items.length) {
      this.frame.showProblems(items);
      return false;
    }
    clearErrors(this.frame.summary, this.frame.form);
    return true;
  }

  /** After a publication: the versions, the address and the title follow; the notice's words. */
  published(published, definition) {
    this.version = published.version;
    const sameProcedure = published.slug === this.currentSlug;
    this.currentSlug = published.slug;
    this.versions = [
      { version: published.version, published_at: new Date().toISOString() },
      ...(sameProcedure ? this.versions : []),
    ];
    this.isNew = false;
    // The address names what was published (a new slug is a new procedure).
    const href = `/staff/procedures/${encodeURIComponent(published.slug)}`;
    if (location.pathname !== href) history.replaceState(null, '', href);
    this.frame.heading.textContent = t('designer.title');
    this.renderMeta();
    return {
      title: t('designer.published', { n: published.version }),
      body: t('designer.publishedBody', { title: definition.title.ja, slug: published.slug }),
    };
  }
}

// --- the preview: the form as residents get it, read-only ---------------------------------

let previews = 0;

/**
 * The form drawn by the residents' own field renderers (createForm in preview mode: nothing
 * can be typed, chosen, uploaded or reported), with notes for staff around each field: its
 * type, and when a condition shows it.
 */
function renderPreview(shown, definition, signal) {
  const run = ++previews;
  const labels = new Map();
  const optionLabels = new Map(); // "field value" → the option's words, for the conditions
  for (const section of shown.form.sections) {
    for (const field of section.fields) {
      labels.set(field.name, field.label.ja);
      for (const option of field.options ?? []) {
        optionLabels.set(`${field.name} ${option.value}`, option.label?.ja ?? option.value);
      }
    }
  }
  const conditionValues = ({ field, values }) =>
    values.map((value) => `「${optionLabels.get(`${field} ${value}`) ?? value}」`).join('、');
  const fields = createForm({
    form: {
      procedure: { slug: definition.slug },
      form: shown.form,
      prefill: previewPrefill(shown.form),
      household: [],
    },
    answers: {},
    idPrefix: `preview-${run}`,
    signal,
    preview: true,
  });

  const staffNotes = (field) =>
    el(
      'p',
      { class: 'designer-preview-field__notes' },
      el('span', { class: 'designer-preview-field__type' }, t(`designer.type.${field.type}`)),
      field.show_if
        ? el(
            'span',
            { class: 'designer-preview-field__note designer-preview-field__note--condition' },
            t('designer.preview.showIf', {
              field: labels.get(field.show_if.field) ?? field.show_if.field,
              values: conditionValues(field.show_if),
            }),
          )
        : null,
      // Which members a resident can choose depends on their household, not the form.
      MEMBER_TYPES.has(field.type)
        ? el('span', { class: 'designer-preview-field__note' }, t(`designer.preview.${field.type}`))
        : null,
    );
  const sectionFields = (section) => {
    const node = fields.sectionNode(section);
    for (const field of section.fields) {
      const wrapper = node.querySelector(`:scope > [data-field="${field.name}"]`);
      if (!wrapper) continue;
      const around = el(
        'div',
        { class: 'designer-preview-field', 'data-preview-field': field.name },
        staffNotes(field),
      );
      wrapper.before(around);
      around.append(wrapper);
    }
    return node;
  };

  return [
    el('h2', { class: 'section-title', id: 'designer-preview-title' }, t('designer.preview.title')),
    el('p', { class: 'field__hint' }, t('designer.preview.lead')),
    el(
      'div',
      { class: 'designer-preview__frame', lang: 'ja' },
      el('p', { class: 'designer-preview__eyebrow' }, t(`designer.online.${definition.online}`)),
      el('h3', { class: 'designer-preview__title', 'data-preview-title': '' }, shown.title.ja),
      el('p', { class: 'designer-preview__summary' }, shown.summary.ja),
      shown.help?.ja ? el('p', { class: 'designer-preview__help' }, shown.help.ja) : null,
      shown.form.sections.map((section, si) =>
        el(
          'section',
          { class: 'designer-preview-section', 'aria-labelledby': `preview-${run}-section-${si}` },
          el(
            'h4',
            { class: 'designer-preview-section__title', id: `preview-${run}-section-${si}` },
            section.title.ja,
          ),
          sectionFields(section),
        ),
      ),
      el(
        'div',
        { class: 'designer-preview__steps' },
        el('h4', { class: 'designer-preview-section__title' }, t('designer.preview.steps')),
        el(
          'ol',
          { class: 'designer-preview__step-list' },
          shown.steps.map((step) => el('li', {}, step.label.ja)),
        ),
      ),
    ),
  ];
}

const MEMBER_TYPES = new Set(['household_member', 'household_members']);

/**
 * What the server would pre-fill, without a resident: the registry fact each field takes,
 * so the preview shows the source note ("登録情報：住民基本台帳の氏名") and the lock residents see.
 */
function previewPrefill(form) {
  const prefill = {};
  for (const section of form.sections) {
    for (const field of section.fields) {
      if (!field.prefill) continue;
      prefill[field.name] = {
        value: null,
        source: t('designer.preview.prefillSource', {
          fact: t(`designer.prefill.${field.prefill}`),
        }),
        as_of: null,
        locked: Boolean(field.locked),
      };
    }
  }
  return prefill;
}
