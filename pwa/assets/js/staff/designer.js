// /staff/procedures/:slug and /staff/procedures/new「手続きの設計」: edit a procedure
// definition and publish it as a new version. The whole definition is kept as one object;
// the inputs edit parts of it in place, and a JSON view (for power users) shows the same
// object and edits it too. 「プレビュー」 asks the API to check the definition and renders
// the form the way residents get it; 「公開する」 publishes after a confirmation (published
// versions never change). Parts the editor has no inputs for (steps, effects, eligibility,
// keywords…) are kept as they are and can be changed in the JSON view.

import { announce, el, icon } from '../dom.js';
import { getJSON, sendJSON } from '../api.js';
import { applyTranslations, lendWords, t } from '../i18n.js';
import { createForm } from '../ui/form-fields.js';
import { formatDateTime } from './words.js';
import {
  checkboxField,
  choiceGroup,
  clearErrors,
  errorSummary,
  guardBusy,
  problemItems,
  selectField,
  showErrors,
  textareaField,
  textField,
} from './forms.js';
import {
  backLink,
  confirmDialog,
  loadFailed,
  myDepartments,
  sessionEnded,
  staffIcon,
} from './ui.js';

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
const LANGS = ['ja', 'easy', 'en'];
const ONLINE = ['full', 'booking', 'partial'];
const IDENTITY = ['verified', 'none'];
const SLUG = /^[A-Za-z0-9-]{1,64}$/;
const NAME = /^[a-z][a-z0-9_]*$/;

const blank = () => ({ ja: '', easy: '', en: '' });

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
    this.open = new WeakSet(); // field objects whose editor is unfolded
    this.currentSlug = isNew ? null : definition.slug; // the procedure the versions belong to
    this.ids = 0;
    this.jsonBroken = false; // the JSON view holds text that is not JSON
  }

  mount() {
    const { ctx } = this;
    this.summary = errorSummary('designer-errors');
    this.result = el('div', { class: 'designer__result' });
    this.structured = el('div', { class: 'designer__structured' });
    this.status = el('p', { class: 'form-status', role: 'status' });
    this.busy = guardBusy(this.status);
    this.preview = el(
      'section',
      { class: 'designer-preview', 'aria-labelledby': 'designer-preview-title', tabindex: '-1' },
      el(
        'h2',
        { class: 'section-title', id: 'designer-preview-title' },
        t('designer.preview.title'),
      ),
      el('p', { class: 'placeholder' }, t('designer.preview.placeholder')),
    );

    // The JSON view: the same definition, for power users; it edits the inputs above too.
    this.jsonError = el('p', {
      class: 'staff-inline-error',
      id: 'designer-json-parse',
      'aria-live': 'polite',
    });
    const json = textareaField({
      id: 'designer-json',
      name: 'definition',
      labelKey: 'designer.json.label',
      hintKey: 'designer.json.hint',
      attributes: {
        class: 'input input--code-block',
        rows: '18',
        spellcheck: 'false',
        autocomplete: 'off',
      },
    });
    this.json = json.querySelector('textarea');
    json.append(this.jsonError);
    // Read when typing pauses (a paste of many lines is many input events), and before a
    // preview or a publication; not on leaving the field, whose re-render would move the
    // button being pressed.
    let pending = null;
    const apply = () => {
      clearTimeout(pending);
      pending = null;
      let parsed;
      try {
        parsed = JSON.parse(this.json.value);
      } catch (error) {
        this.jsonBroken = true;
        this.jsonError.textContent = t('designer.json.invalid', { reason: error.message });
        this.json.setAttribute('aria-invalid', 'true');
        return;
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        this.jsonBroken = true;
        this.jsonError.textContent = t('designer.json.notObject');
        this.json.setAttribute('aria-invalid', 'true');
        return;
      }
      this.jsonBroken = false;
      this.jsonError.textContent = '';
      this.json.removeAttribute('aria-invalid');
      this.definition = parsed;
      this.renderMeta();
      this.renderStructured();
    };
    this.json.addEventListener(
      'input',
      () => {
        clearTimeout(pending);
        pending = setTimeout(apply, 300);
      },
      { signal: ctx.signal },
    );
    this.flushJson = () => pending !== null && apply();

    const previewButton = el(
      'button',
      { type: 'button', class: 'button button--outline' },
      t('designer.previewButton'),
    );
    previewButton.addEventListener('click', () => this.runPreview(), { signal: ctx.signal });
    const publishButton = el(
      'button',
      { type: 'submit', class: 'button button--solid' },
      t('designer.publish'),
    );

    this.form = el(
      'form',
      { class: 'designer__form', novalidate: true, 'aria-labelledby': 'designer-title' },
      this.structured,
      // Folded away: most edits need no JSON, and the page stays short.
      el(
        'details',
        { class: 'designer-part designer-json', 'data-json-view': '' },
        el(
          'summary',
          { class: 'designer-json__summary' },
          el('h2', { class: 'section-title', id: 'designer-json-title' }, t('designer.json.title')),
        ),
        json,
      ),
      el(
        'div',
        { class: 'designer__actions' },
        el('p', { class: 'field__hint' }, t('designer.publishHint')),
        el('div', { class: 'button-row' }, previewButton, publishButton),
        this.status,
      ),
    );
    this.form.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        this.publish();
      },
      { signal: ctx.signal },
    );

    this.meta = el('div', { class: 'designer__meta' });
    this.page.append(
      backLink('/staff/procedures', t('designer.back')),
      el(
        'h1',
        { class: 'page__title', id: 'designer-title' },
        this.isNew ? t('designer.newTitle') : t('designer.title'),
      ),
      this.meta,
      this.result,
      this.summary,
      el(
        'div',
        { class: 'designer__layout' },
        this.form,
        el('div', { class: 'designer__aside' }, this.preview),
      ),
    );
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
              t('designer.templateLocal', { parts: local.join('、') || t('designer.templateNone') }),
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
    this.meta.replaceChildren(...parts);
  }

  id(part) {
    this.ids += 1;
    return `designer-${part}-${this.ids}`;
  }

  /** After any edit: the JSON view follows (unless it is the one being typed in). */
  changed() {
    if (document.activeElement !== this.json) {
      this.json.value = JSON.stringify(cleaned(this.definition), null, 2);
      this.json.removeAttribute('aria-invalid');
      this.jsonError.textContent = '';
      this.jsonBroken = false;
    }
  }

  renderStructured() {
    this.structured.replaceChildren(this.basicPart(), this.textsPart(), this.sectionsPart());
    applyTranslations(this.structured);
    this.changed();
  }

  // --- inputs bound to the definition ---------------------------------------------------

  bindInput(input, get, set, onInput) {
    input.value = get() ?? '';
    input.addEventListener(
      'input',
      () => {
        set(input.value);
        onInput?.(input.value);
        this.changed();
      },
      { signal: this.ctx.signal },
    );
    return input;
  }

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
      el(
        'legend',
        { class: 'field__label' },
        el('span', {}, t(labelKey)),
        required ? el('span', { class: 'field__required' }, t('common.required')) : null,
      ),
      hintKey ? el('p', { class: 'field__hint' }, t(hintKey)) : null,
      el('p', { class: 'field__error', id: this.id('error'), hidden: true }),
    );
    const row = el('div', {
      class: `designer-localized__inputs${multiline ? ' designer-localized__inputs--stacked' : ''}`,
    });
    for (const lang of LANGS) {
      const id = this.id(`${field}-${lang}`);
      const input = el(multiline ? 'textarea' : 'input', {
        class: multiline ? 'input input--textarea' : 'input',
        id,
        name: `${field}.${lang}`,
        rows: multiline ? '3' : null,
        type: multiline ? null : 'text',
        lang: lang === 'en' ? 'en' : 'ja',
        autocomplete: 'off',
      });
      this.bindInput(
        input,
        () => holder[key]?.[lang],
        (value) => {
          holder[key] = { ...blank(), ...(holder[key] ?? {}), [lang]: value };
        },
        onInput,
      );
      row.append(
        el(
          'div',
          { class: 'designer-localized__item', 'data-field': `${field}.${lang}` },
          el('label', { class: 'designer-localized__label', for: id }, t(`designer.lang.${lang}`)),
          el('p', { class: 'field__error', id: `${id}-error`, hidden: true }),
          input,
        ),
      );
    }
    group.append(row);
    return group;
  }

  basicPart() {
    const { definition: d, ctx } = this;
    const slugField = textField({
      id: 'designer-slug',
      name: 'slug',
      labelKey: 'designer.slug',
      hintKey: this.isNew ? 'designer.slugHintNew' : 'designer.slugHint',
      required: true,
      attributes: {
        class: 'input input--slug',
        autocomplete: 'off',
        spellcheck: 'false',
        maxlength: '64',
      },
    });
    this.bindInput(
      slugField.querySelector('input'),
      () => d.slug,
      (v) => (d.slug = v.trim()),
    );

    const known = this.departments.some((dep) => dep.code === d.department);
    const department = selectField({
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
    });
    const select = department.querySelector('select');
    select.addEventListener(
      'change',
      () => {
        d.department = select.value;
        this.changed();
      },
      { signal: ctx.signal },
    );

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
          this.changed();
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
      const input = field.querySelector('input');
      const wrapper = el('div', { class: 'input-with-suffix' });
      input.replaceWith(wrapper);
      wrapper.append(input, el('span', { class: 'input-suffix' }, t(suffixKey)));
      this.bindInput(
        input,
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
    const add = el(
      'button',
      { type: 'button', class: 'button button--outline button--sm' },
      icon('plus', 'button__icon'),
      el('span', {}, t('designer.addSection')),
    );
    add.addEventListener(
      'click',
      () => {
        const n = sections.length + 1;
        sections.push({ id: `section_${n}`, title: blank(), fields: [] });
        this.renderStructured();
        this.structured.querySelector(`[data-section="${n - 1}"] input`)?.focus();
      },
      { signal: this.ctx.signal },
    );
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

  /** Up, down and remove for item i of list; the moved item keeps the focus. */
  tools(list, i, { nameKey, n, focusSelector }) {
    const { ctx } = this;
    const button = (action, iconNode, disabled) =>
      el(
        'button',
        {
          type: 'button',
          class: `button button--text button--sm designer-tool designer-tool--${action}`,
          disabled,
          'data-tool': action,
        },
        iconNode,
        el(
          'span',
          { class: 'visually-hidden' },
          t(`designer.tool.${action}`, { what: t(nameKey, { n }) }),
        ),
        el(
          'span',
          { class: 'designer-tool__label', 'aria-hidden': 'true' },
          t(`designer.tool.${action}Short`),
        ),
      );
    const up = button('up', staffIcon('arrowUp', 'button__icon'), i === 0);
    const down = button('down', staffIcon('arrowDown', 'button__icon'), i === list.length - 1);
    const remove = button('remove', icon('trash', 'button__icon'), false);
    const move = (to, action) => {
      const [item] = list.splice(i, 1);
      list.splice(to, 0, item);
      this.renderStructured();
      const moved = this.structured.querySelector(focusSelector(to));
      const same = moved?.querySelector(`[data-tool="${action}"]:not([disabled])`);
      (same ?? moved?.querySelector('[data-tool]:not([disabled])'))?.focus();
      announce(t('designer.moved', { what: t(nameKey, { n: i + 1 }), n: to + 1 }));
    };
    up.addEventListener('click', () => move(i - 1, 'up'), { signal: ctx.signal });
    down.addEventListener('click', () => move(i + 1, 'down'), { signal: ctx.signal });
    remove.addEventListener(
      'click',
      () => {
        list.splice(i, 1);
        this.renderStructured();
        const next = this.structured.querySelector(focusSelector(Math.min(i, list.length - 1)));
        (
          next?.querySelector('summary, input') ??
          this.structured.querySelector('#designer-sections-title')
        )?.focus();
        announce(t('designer.removed', { what: t(nameKey, { n: i + 1 }) }));
      },
      { signal: ctx.signal },
    );
    return el(
      'div',
      {
        class: 'designer-tools',
        role: 'group',
        'aria-label': t('designer.tool.group', { what: t(nameKey, { n }) }),
      },
      up,
      down,
      remove,
    );
  }

  sectionEditor(section, si) {
    const sections = this.sections();
    if (!Array.isArray(section.fields)) section.fields = [];
    const idField = textField({
      id: this.id('section-id'),
      name: `s${si}.id`,
      labelKey: 'designer.sectionId',
      hintKey: 'designer.sectionIdHint',
      required: true,
      attributes: { class: 'input input--slug', autocomplete: 'off', spellcheck: 'false' },
    });
    this.bindInput(
      idField.querySelector('input'),
      () => section.id,
      (v) => (section.id = v.trim()),
    );
    const add = el(
      'button',
      { type: 'button', class: 'button button--outline button--sm' },
      icon('plus', 'button__icon'),
      el('span', {}, t('designer.addField', { n: si + 1 })),
    );
    add.addEventListener(
      'click',
      () => {
        const count = sections.reduce((sum, s) => sum + (s.fields?.length ?? 0), 0);
        const field = newField(count + 1);
        section.fields.push(field);
        this.open.add(field);
        this.renderStructured();
        this.structured
          .querySelector(
            `[data-section="${si}"] [data-field-editor="${section.fields.length - 1}"] summary`,
          )
          ?.focus();
      },
      { signal: this.ctx.signal },
    );
    return el(
      'li',
      { class: 'designer-section', 'data-section': si },
      el(
        'fieldset',
        { class: 'designer-section__box' },
        el('legend', { class: 'designer-section__legend' }, t('designer.sectionN', { n: si + 1 })),
        this.tools(sections, si, {
          nameKey: 'designer.sectionN',
          n: si + 1,
          focusSelector: (i) => `[data-section="${i}"]`,
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
    const { ctx } = this;
    const key = `s${si}.f${fi}`;
    if (!field.label) field.label = blank();
    const title = el('span', { class: 'designer-field__title' });
    const meta = el('span', { class: 'designer-field__meta' });
    const refreshSummary = () => {
      title.textContent =
        t('designer.fieldN', { n: fi + 1 }) + '　' + (field.label?.ja || field.name || '');
      meta.textContent = this.fieldSummary(field);
    };
    refreshSummary();

    const name = textField({
      id: this.id('field-name'),
      name: `${key}.name`,
      labelKey: 'designer.fieldName',
      hintKey: 'designer.fieldNameHint',
      required: true,
      attributes: {
        class: 'input input--slug',
        autocomplete: 'off',
        spellcheck: 'false',
        maxlength: '64',
      },
    });
    this.bindInput(
      name.querySelector('input'),
      () => field.name,
      (v) => (field.name = v.trim()),
      refreshSummary,
    );

    const type = selectField({
      id: this.id('field-type'),
      name: `${key}.type`,
      labelKey: 'designer.fieldType',
      required: true,
      options: TYPES.map((value) => ({
        value,
        label: t(`designer.type.${value}`),
        selected: value === field.type,
      })),
    });

    // Options, for the choice types only.
    const optionsBox = el('div', { class: 'designer-options-box' });
    const renderOptions = (focusIndex = null) => {
      if (!Array.isArray(field.options)) field.options = [];
      const list = field.options;
      const add = el(
        'button',
        { type: 'button', class: 'button button--outline button--sm' },
        icon('plus', 'button__icon'),
        el('span', {}, t('designer.addOption')),
      );
      add.addEventListener(
        'click',
        () => {
          list.push({ value: `option_${list.length + 1}`, label: blank() });
          this.changed();
          renderOptions(list.length - 1);
        },
        { signal: ctx.signal },
      );
      const fieldset = el(
        'fieldset',
        { class: 'field designer-options', 'data-field': `${key}.options` },
        el('legend', { class: 'field__label' }, t('designer.options')),
        el('p', { class: 'field__error', id: this.id('options-error'), hidden: true }),
        list.length
          ? el(
              'ol',
              { class: 'designer-options__list' },
              list.map((option, oi) => {
                const valueId = this.id('option-value');
                const value = el('input', {
                  class: 'input input--slug',
                  id: valueId,
                  name: `${key}.o${oi}.value`,
                  autocomplete: 'off',
                  spellcheck: 'false',
                });
                this.bindInput(
                  value,
                  () => option.value,
                  (v) => (option.value = v.trim()),
                );
                const remove = el(
                  'button',
                  { type: 'button', class: 'button button--text button--sm' },
                  icon('trash', 'button__icon'),
                  el('span', {}, t('designer.removeOption', { n: oi + 1 })),
                );
                remove.addEventListener(
                  'click',
                  () => {
                    list.splice(oi, 1);
                    this.changed();
                    renderOptions(Math.min(oi, list.length - 1));
                  },
                  { signal: ctx.signal },
                );
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
    const appointment = checkboxField({
      id: this.id('field-appointment'),
      name: `${key}.appointment`,
      labelKey: 'designer.appointment',
      hintKey: 'designer.appointmentHint',
      checked: Boolean(field.appointment),
    });
    const appointmentInput = appointment.querySelector('input');
    appointmentInput.addEventListener(
      'change',
      () => {
        field.appointment = appointmentInput.checked;
        refreshSummary();
        this.changed();
      },
      { signal: ctx.signal },
    );
    const showOptions = () => {
      optionsBox.hidden = !CHOICE_TYPES.has(field.type);
      if (!optionsBox.hidden && !optionsBox.firstChild) renderOptions();
      appointment.hidden = field.type !== 'date';
    };
    showOptions();
    const typeSelect = type.querySelector('select');
    typeSelect.addEventListener(
      'change',
      () => {
        field.type = typeSelect.value;
        showOptions();
        refreshSummary();
        this.changed();
      },
      { signal: ctx.signal },
    );

    const required = checkboxField({
      id: this.id('field-required'),
      name: `${key}.required`,
      labelKey: 'designer.required',
      checked: Boolean(field.required),
    });
    const requiredInput = required.querySelector('input');
    requiredInput.addEventListener(
      'change',
      () => {
        field.required = requiredInput.checked;
        refreshSummary();
        this.changed();
      },
      { signal: ctx.signal },
    );

    // show_if: another (earlier) field and the answers that show this one.
    const showIfId = this.id('show-if');
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
    const valuesId = this.id('show-if-values');
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
      this.changed();
    };
    showIfSelect.addEventListener('change', setShowIf, { signal: ctx.signal });
    values.addEventListener('input', setShowIf, { signal: ctx.signal });

    const prefill = selectField({
      id: this.id('prefill'),
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
    });
    const prefillSelect = prefill.querySelector('select');
    prefillSelect.addEventListener(
      'change',
      () => {
        field.prefill = prefillSelect.value || undefined;
        refreshSummary();
        this.changed();
      },
      { signal: ctx.signal },
    );

    const lockReason = this.localized({
      holder: field,
      key: 'lock_reason',
      labelKey: 'designer.lockReason',
      hintKey: 'designer.lockReasonHint',
      field: `${key}.lock_reason`,
    });
    lockReason.hidden = !field.locked;
    const locked = checkboxField({
      id: this.id('locked'),
      name: `${key}.locked`,
      labelKey: 'designer.locked',
      hintKey: 'designer.lockedHint',
      checked: Boolean(field.locked),
    });
    const lockedInput = locked.querySelector('input');
    lockedInput.addEventListener(
      'change',
      () => {
        field.locked = lockedInput.checked;
        lockReason.hidden = !field.locked;
        refreshSummary();
        this.changed();
      },
      { signal: ctx.signal },
    );

    const details = el(
      'details',
      { class: 'designer-field__details', open: this.open.has(field) },
      el('summary', { class: 'designer-field__summary' }, title, meta),
      el(
        'div',
        { class: 'designer-field__body' },
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
      ),
    );
    details.addEventListener(
      'toggle',
      () => {
        if (details.open) this.open.add(field);
        else this.open.delete(field);
      },
      { signal: ctx.signal },
    );
    return el(
      'li',
      { class: 'designer-field', 'data-field-editor': fi },
      details,
      this.tools(section.fields, fi, {
        nameKey: 'designer.fieldN',
        n: fi + 1,
        focusSelector: (i) => `[data-section="${si}"] [data-field-editor="${i}"]`,
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

  /** Show problems; the folded field editors holding one are unfolded first. */
  showProblems(items) {
    for (const item of items) {
      const container = item.field
        ? this.form.querySelector(`[data-field="${CSS.escape(item.field)}"]`)
        : null;
      const details = container?.closest('details');
      if (details) details.open = true;
    }
    showErrors(this.summary, this.form, items);
  }

  check() {
    this.flushJson();
    if (this.jsonBroken) {
      this.showProblems([{ field: 'definition', text: t('designer.error.json') }]);
      return false;
    }
    const items = this.problems();
    if (items.length) {
      this.showProblems(items);
      return false;
    }
    clearErrors(this.summary, this.form);
    return true;
  }

  runPreview() {
    this.busy('designer.previewing', async () => {
      if (!this.check()) return;
      let shown;
      try {
        // The residents' words, for the residents' field renderers, come with the first one.
        [shown] = await Promise.all([
          sendJSON('/api/staff/procedures/preview', {
            body: { definition: cleaned(this.definition) },
            signal: this.ctx.signal,
          }),
          lendWords('ja'),
        ]);
      } catch (error) {
        if (this.ctx.signal.aborted || sessionEnded(error, this.ctx)) return;
        this.showProblems(problemItems(error));
        return;
      }
      // A new preview ends the listeners of the one it replaces.
      this.previewRun?.abort();
      this.previewRun = new AbortController();
      const signal = AbortSignal.any([this.ctx.signal, this.previewRun.signal]);
      this.preview.replaceChildren(...renderPreview(shown, this.definition, signal));
      applyTranslations(this.preview);
      this.preview.focus();
      announce(t('designer.preview.ready'));
    });
  }

  publish() {
    this.busy(null, async () => {
      if (!this.check()) return;
      const definition = cleaned(this.definition);
      const sure = await confirmDialog({
        title: t('designer.confirm.title', { title: definition.title.ja }),
        body: [t('designer.confirm.body'), t('designer.confirm.immutable')],
        confirm: t('designer.confirm.button'),
      });
      if (!sure) return;
      this.status.textContent = t('designer.publishing');
      let published;
      try {
        published = await sendJSON('/api/staff/procedures', {
          body: { definition },
          signal: this.ctx.signal,
        });
      } catch (error) {
        if (this.ctx.signal.aborted || sessionEnded(error, this.ctx)) return;
        this.showProblems(problemItems(error));
        return;
      }
      clearErrors(this.summary, this.form);
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
      this.page.querySelector('#designer-title').textContent = t('designer.title');
      this.renderMeta();
      const title = el(
        'h2',
        { class: 'notice__title', tabindex: '-1' },
        t('designer.published', { n: published.version }),
      );
      this.result.replaceChildren(
        el(
          'div',
          { class: 'notice notice--success', 'data-published': published.version },
          icon('online', 'notice__icon'),
          title,
          el(
            'div',
            { class: 'notice__body' },
            el(
              'p',
              {},
              t('designer.publishedBody', { title: definition.title.ja, slug: published.slug }),
            ),
          ),
        ),
      );
      title.focus();
    });
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
        ? el(
            'span',
            { class: 'designer-preview-field__note' },
            t(`designer.preview.${field.type}`),
          )
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
