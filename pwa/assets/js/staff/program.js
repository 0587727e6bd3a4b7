// /staff/programs/:slug and /staff/programs/new: one support program (支援制度) — what it
// is, its figures, the next step of its life (submit → a second person approves → close),
// the preview of whom it reaches today, and the draft editor. The API decides who may do
// what (backend/todoke/benefits/service.py); access.js only keeps buttons out of the way of
// roles that cannot use them.

import { announce, el, icon } from '../dom.js';
import { getJSON, sendJSON } from '../api.js';
import { applyTranslations, has, t } from '../i18n.js';
import { approvesPrograms, draftsPrograms } from './access.js';
import { formatDate, formatDateTime, formatNumber, formatPercent, problemText } from './words.js';
import {
  choiceGroup,
  clearErrors,
  errorSummary,
  flashNotice,
  guardBusy,
  notice,
  problemItems,
  selectField,
  showErrors,
  checkboxField,
  textareaField,
  textField,
} from './forms.js';
import { lettersSection } from './program-letters.js';
import { DELIVERIES, deliveryLabel, programStatusBadge } from './program-parts.js';
import { ruleBuilder } from './rule-builder.js';
import {
  backLink,
  confirmDialog,
  dataTable,
  loadFailed,
  myDepartments,
  sessionEnded,
  summaryRow,
} from './ui.js';

export const titleKey = 'programs.title';

const LANGS = ['ja', 'easy', 'en'];
const TEXTS = [
  { name: 'title', labelKey: 'program.editor.titleLabel', multiline: false },
  {
    name: 'summary',
    labelKey: 'program.editor.summary',
    hintKey: 'program.editor.summaryHint',
    multiline: true,
  },
  {
    name: 'action',
    labelKey: 'program.editor.action',
    hintKey: 'program.editor.actionHint',
    multiline: true,
  },
];
const SYNTAX = ['logic', 'compare', 'in', 'null', 'limits'];
const SLUG = /^[a-z0-9-]{1,64}$/;

export async function mount(outlet, ctx) {
  const slug = ctx.params.slug ?? null;
  const page = el('div', { class: 'page staff-program' });
  outlet.append(page);
  let program = null;
  let departments = [];
  let catalogue = { items: [] };
  let facts = null;
  try {
    [program, departments, catalogue, facts] = await Promise.all([
      slug
        ? getJSON(`/api/staff/programs/${encodeURIComponent(slug)}`, { signal: ctx.signal })
        : null,
      draftsPrograms(ctx.account)
        ? getJSON('/api/staff/departments', { signal: ctx.signal })
        : [],
      getJSON('/api/procedures', { signal: ctx.signal }),
      // The rule builder's facts; without them the rule is edited as JSON.
      draftsPrograms(ctx.account)
        ? getJSON('/api/staff/programs/facts', { signal: ctx.signal }).catch((error) => {
            if (ctx.signal.aborted || error.status === 401) throw error;
            return null;
          })
        : null,
    ]);
  } catch (error) {
    if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
    page.append(
      backLink('/staff/programs', t('program.back')),
      el('h1', {
        class: 'page__title',
        'data-i18n': error.status === 404 ? 'program.notFound' : 'programs.title',
      }),
      loadFailed(error, ctx),
    );
    return;
  }
  ctx.setTitle(() =>
    program
      ? t('program.pageTitle', { title: program.title?.ja || program.slug })
      : t('program.newTitle'),
  );
  new ProgramScreen(page, ctx, {
    program,
    departments,
    catalogue: catalogue.items ?? [],
    facts: facts?.items ?? null,
  }).render(flashNotice(ctx));
}

class ProgramScreen {
  constructor(page, ctx, { program, departments, catalogue, facts }) {
    this.page = page;
    this.facts = facts;
    this.ctx = ctx;
    this.program = program;
    this.departments = departments;
    this.procedures = catalogue;
    this.drafts = draftsPrograms(ctx.account);
    this.approves = approvesPrograms(ctx.account);
    this.previewed = null;
  }

  options() {
    return { signal: this.ctx.signal };
  }

  get path() {
    return `/api/staff/programs/${encodeURIComponent(this.program.slug)}`;
  }

  /** The whole page; message (a notice) goes under the title and takes focus. */
  render(message = null) {
    const { program } = this;
    this.status = el('p', { class: 'form-status', role: 'status' });
    this.busy = guardBusy(this.status);
    const parts = [
      backLink('/staff/programs', t('program.back')),
      el(
        'h1',
        { class: 'page__title', id: 'program-title' },
        program ? program.title?.ja || program.slug : t('program.newTitle'),
      ),
      message,
      program ? this.about() : null,
      program ? this.nextStep() : null,
      program && this.drafts ? this.previewPart() : null,
      program ? this.figures() : null,
      program ? lettersSection(program, this.ctx) : null,
      this.drafts ? this.editor() : this.ruleOnly(),
      this.status,
    ];
    this.page.replaceChildren(...parts.filter(Boolean));
    applyTranslations(this.page);
    const title = message?.querySelector('.notice__title');
    if (title) {
      title.focus();
      announce(title.textContent);
    }
  }

  // --- what the program is -----------------------------------------------------------

  about() {
    const p = this.program;
    // Colleagues by name; an id only for an account whose name the API could not give.
    const staff = (id, name) => {
      if (id == null) return t('program.nobody');
      return name || t('program.staffId', { id });
    };
    const procedure = this.procedures.find((item) => item.slug === p.procedure_slug);
    return el(
      'section',
      { class: 'staff-section', 'aria-labelledby': 'program-about' },
      el('h2', { class: 'section-title', id: 'program-about' }, t('program.about')),
      p.summary?.ja ? el('p', { class: 'staff-measure' }, p.summary.ja) : null,
      el(
        'dl',
        { class: 'summary-list' },
        summaryRow(t('program.status'), programStatusBadge(p.status), { 'data-row': 'status' }),
        summaryRow(t('program.slug'), el('span', { class: 'mono' }, p.slug)),
        summaryRow(t('program.version'), t('program.versionNumber', { n: p.version })),
        summaryRow(t('program.delivery'), deliveryLabel(p.delivery)),
        p.procedure_slug
          ? summaryRow(t('program.procedure'), procedure?.title?.ja || p.procedure_slug)
          : null,
        summaryRow(t('program.department'), departmentName(p.department, this.departments)),
        summaryRow(t('program.editor.action'), p.action?.ja ?? ''),
        summaryRow(t('program.createdBy'), staff(p.created_by, p.created_by_name), {
          'data-row': 'created-by',
        }),
        summaryRow(t('program.submittedBy'), staff(p.submitted_by, p.submitted_by_name), {
          'data-row': 'submitted-by',
        }),
        summaryRow(t('program.approvedBy'), staff(p.approved_by, p.approved_by_name), {
          'data-row': 'approved-by',
        }),
        p.activated_at
          ? summaryRow(t('program.activatedAt'), formatDateTime(p.activated_at))
          : null,
        p.closed_at ? summaryRow(t('program.closedAt'), formatDateTime(p.closed_at)) : null,
      ),
    );
  }

  figures() {
    const f = this.program.figures ?? {};
    const people = (n) => t('programs.people', { n: formatNumber(n ?? 0) });
    const channels = f.by_channel ?? {};
    const notTold = Object.entries(f.not_told ?? {}).filter(([, n]) => n > 0);
    this.toCheck = el('div', { class: 'staff-program-to-check', tabindex: '-1' });
    return el(
      'section',
      { class: 'staff-section', 'aria-labelledby': 'program-figures' },
      el('h2', { class: 'section-title', id: 'program-figures' }, t('program.figures')),
      el('p', { class: 'field__hint staff-measure' }, t('program.figuresLead')),
      funnel(f.matched ?? 0, [
        ['program.funnel.matched', f.matched, 'matched'],
        ['program.funnel.told', f.notified, 'told'],
        ['program.funnel.app', channels.app, 'app', true],
        ['program.funnel.email', channels.email, 'email', true],
        ['program.funnel.letter', channels.letter, 'letter', true],
        ['program.funnel.opened', f.opened, 'opened'],
        ['program.funnel.applied', f.applied, 'applied'],
        ['program.funnel.granted', f.granted, 'granted'],
      ]),
      el(
        'dl',
        { class: 'staff-program-counts', 'data-not-told': '' },
        count(t('programs.column.rate'),
          f.delivery_rate == null ? t('programs.noFigure') : formatPercent(f.delivery_rate)),
        ...notTold.map(([reason, n]) =>
          count(t(`program.notTold.${reason}`), people(n), { 'data-reason': reason })),
        count(t('program.funnel.cannotTell'), people(f.cannot_tell), { 'data-cannot-tell': '' }),
        count(t('program.funnel.stopped'), people(f.stopped), { 'data-stopped': '' }),
      ),
      this.drafts && (f.cannot_tell || f.stopped)
        ? row(
            f.cannot_tell
              ? this.button('program.toCheck.cannotTell', 'button--outline',
                  () => this.loadToCheck('cannot_tell'), 'data-to-check')
              : null,
            f.stopped
              ? this.button('program.toCheck.stopped', 'button--outline',
                  () => this.loadToCheck('stopped'), 'data-to-check-stopped')
              : null,
          )
        : null,
      this.toCheck,
    );
  }

  /** Whom staff check by hand: names are personal data, so read on request (audited). */
  loadToCheck(kind) {
    this.busy('program.busy', async () => {
      let result;
      try {
        result = await getJSON(`${this.path}/to-check?kind=${kind}`, { signal: this.ctx.signal });
      } catch (error) {
        if (this.ctx.signal.aborted || sessionEnded(error, this.ctx)) return;
        this.toCheck.replaceChildren(el('p', { role: 'alert' }, problemText(error)));
        return;
      }
      this.toCheck.replaceChildren(
        el('h3', { class: 'section-title section-title--small' },
          t(`program.toCheck.${kind === 'stopped' ? 'stoppedTitle' : 'cannotTellTitle'}`,
            { n: formatNumber(result.total) })),
        el('p', { class: 'field__hint staff-measure' }, t('program.toCheck.audited')),
        el('ul', { class: 'staff-list' },
          result.items.map((item) =>
            el('li', {},
              el('p', {}, el('span', { class: 'mono' }, item.registry_id), ' ', item.name,
                ' ', t('program.toCheck.since', { date: formatDate(item.since) })),
              el('ul', {}, item.why.map((why) => el('li', {}, why))),
            ),
          ),
        ),
      );
      this.toCheck.focus();
    });
  }

  // --- submit, approve, close --------------------------------------------------------

  nextStep() {
    const p = this.program;
    this.stepAlert = el('div', { class: 'staff-program-alert', role: 'alert' });
    const parts = [];
    if (p.status === 'draft' && this.drafts) {
      parts.push(
        el('p', { class: 'staff-measure' }, t('program.submitHint')),
        row(this.button('program.submit', 'button--solid', () => this.submit(), 'data-submit')),
      );
    }
    if (p.status === 'pending') {
      parts.push(el('p', { class: 'staff-measure' }, t('program.pendingNote')));
      // Four eyes: whoever drafted or submitted it is not offered the approval (the API
      // refuses it too); they are told who approves instead.
      const own = [p.created_by, p.submitted_by].includes(this.ctx.account?.id);
      if (this.approves && own) {
        parts.push(this.whoDecides('program.ownApproval', { 'data-own-program': '' }));
      } else if (this.approves && !this.inDepartment()) {
        parts.push(this.whoDecides('program.otherApproval', { 'data-other-department': '' }));
      } else if (this.approves) {
        this.letters = checkboxField({
          id: 'program-letters',
          name: 'letters',
          labelKey: 'program.letters.label',
          hintKey: 'program.letters.hint',
          checked: (p.channels ?? []).includes('letter'),
        });
        this.basis = textareaField({
          id: 'program-letter-basis',
          name: 'letter_basis',
          labelKey: 'program.letters.basis',
          hintKey: 'program.letters.basisHint',
          attributes: { maxlength: '500', rows: '2' },
        });
        this.basis.querySelector('textarea').value = t('program.letters.basisDefault');
        parts.push(
          el('p', { class: 'staff-measure' }, t('program.approveHint')),
          (p.channels ?? []).includes('letter') ? this.letters : null,
          (p.channels ?? []).includes('letter') ? this.basis : null,
          row(
            this.button('program.approve', 'button--solid', () => this.approve(), 'data-approve'),
          ),
        );
      }
    }
    if (p.status === 'active') {
      parts.push(el('p', { class: 'staff-measure' }, t('program.activeNote')));
      if (this.approves && !this.inDepartment()) {
        parts.push(this.whoDecides('program.otherClose', { 'data-other-department': '' }));
      } else if (this.approves) {
        parts.push(
          el('p', { class: 'staff-measure' }, t('program.closeHint')),
          row(
            this.button(
              'program.close',
              'button--destructive-outline',
              () => this.close(),
              'data-close',
            ),
          ),
        );
      }
    }
    if (p.status === 'closed') {
      parts.push(el('p', { class: 'staff-measure' }, t('program.closedNote')));
    }
    return el(
      'section',
      { class: 'staff-section', 'aria-labelledby': 'program-next' },
      el('h2', { class: 'section-title', id: 'program-next' }, t('program.steps')),
      parts,
      this.stepAlert,
    );
  }

  /** Whether this staff member works for the programme's department (administrators: all). */
  inDepartment() {
    if (this.ctx.account?.staff_role === 'administrator') return true;
    return this.departments.some((d) => d.code === this.program.department && d.mine);
  }

  /** Instead of a step this staff member may not take: who takes it. */
  whoDecides(key, attributes) {
    const department = departmentName(this.program.department, this.departments);
    return el(
      'p',
      { class: 'staff-program-own', ...attributes },
      icon('info', 'staff-program-own__icon'),
      el('span', {}, t(key, { department })),
    );
  }

  button(key, kind, onClick, marker) {
    const button = el('button', { type: 'button', class: `button ${kind}`, [marker]: '' }, t(key));
    button.addEventListener('click', onClick, { signal: this.ctx.signal });
    return button;
  }

  /** Run a lifecycle call; a refusal is said in the API's words next to the buttons. */
  async step(path, done, body = undefined) {
    this.stepAlert.replaceChildren();
    let result;
    try {
      result = await sendJSON(`${this.path}/${path}`, { body, ...this.options() });
    } catch (error) {
      if (this.ctx.signal.aborted || sessionEnded(error, this.ctx)) return;
      this.stepAlert.append(
        el(
          'div',
          { class: 'notice notice--error' },
          icon('alert', 'notice__icon'),
          el('p', { class: 'notice__title' }, problemText(error)),
        ),
      );
      return;
    }
    this.program = result;
    this.render(notice({ tone: 'success', title: done(result) }));
  }

  submit() {
    this.busy('program.busy', () => this.step('submit', () => t('program.submitted')));
  }

  approve() {
    this.busy(null, async () => {
      const sure = await confirmDialog({
        title: t('program.confirm.approve.title', { title: this.program.title?.ja ?? '' }),
        body: [t('program.confirm.approve.body'), t('program.confirm.approve.final')],
        confirm: t('program.approve'),
      });
      if (!sure) return;
      this.status.textContent = t('program.busy');
      const letters = this.letters?.querySelector('input')?.checked;
      const basis = letters ? this.basis.querySelector('textarea').value.trim() : '';
      await this.step(
        'approve',
        (result) => t('program.approved', { n: formatNumber(result.told ?? 0) }),
        { letter_basis: basis },
      );
    });
  }

  close() {
    this.busy(null, async () => {
      const sure = await confirmDialog({
        title: t('program.confirm.close.title', { title: this.program.title?.ja ?? '' }),
        body: [t('program.confirm.close.body')],
        confirm: t('program.close'),
        danger: true,
      });
      if (!sure) return;
      this.status.textContent = t('program.busy');
      await this.step('close', () => t('program.closed'));
    });
  }

  // --- preview -----------------------------------------------------------------------

  previewPart() {
    this.previewBox = el('div', { class: 'staff-program-preview', tabindex: '-1' });
    this.previewAlert = el('div', { role: 'alert' });
    if (this.previewed) this.previewBox.append(...this.previewResult(this.previewed));
    return el(
      'section',
      { class: 'staff-section', 'aria-labelledby': 'program-preview' },
      el('h2', { class: 'section-title', id: 'program-preview' }, t('program.preview.title')),
      el('p', { class: 'staff-measure' }, t('program.preview.lead')),
      el(
        'p',
        { class: 'staff-callout staff-callout--internal' },
        icon('info', 'staff-callout__icon'),
        el('span', {}, t('program.preview.audited')),
      ),
      el(
        'div',
        { class: 'button-row' },
        this.button(
          'program.preview.button',
          'button--outline',
          () => this.preview(),
          'data-preview',
        ),
      ),
      this.previewAlert,
      this.previewBox,
    );
  }

  preview() {
    this.busy('program.preview.running', async () => {
      this.previewAlert.replaceChildren();
      let result;
      try {
        result = await sendJSON(`${this.path}/preview`, this.options());
      } catch (error) {
        if (this.ctx.signal.aborted || sessionEnded(error, this.ctx)) return;
        this.previewAlert.append(
          el(
            'div',
            { class: 'notice notice--error' },
            icon('alert', 'notice__icon'),
            el('p', { class: 'notice__title' }, problemText(error)),
          ),
        );
        return;
      }
      this.previewed = result;
      this.previewBox.replaceChildren(...this.previewResult(result));
      this.previewBox.focus();
      announce(t('program.preview.ready'));
    });
  }

  previewResult(result) {
    const people = (n) => t('programs.people', { n: formatNumber(n) });
    const rows = (entries) =>
      entries.map(([name, n]) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, name),
          el('td', { class: 'staff-table__numeric' }, people(n)),
        ),
      );
    return [
      el(
        'p',
        { class: 'staff-metrics__as-of' },
        t('program.preview.asOf', { date: formatDate(result.evaluated_on) }),
      ),
      el(
        'dl',
        { class: 'staff-program-counts', 'data-preview-counts': '' },
        count(t('program.preview.matched'), people(result.matched), { 'data-matched': '' }),
        count(t('program.preview.reachable'), people(result.reachable), {
          'data-reachable': '',
        }),
      ),
      el('p', { class: 'field__hint staff-measure' }, t('program.preview.reachableHint')),
      el('h3', { class: 'section-title section-title--small' }, t('program.forecast.title')),
      el('p', { class: 'field__hint staff-measure' }, t('program.forecast.lead')),
      funnel(result.matched, Object.entries(result.forecast ?? {})
        .filter(([, n]) => n > 0)
        .map(([key, n]) => [`program.forecast.${key}`, n, key])),
      el(
        'div',
        { class: 'staff-program-tables' },
        dataTable({
          caption: t('program.preview.byDistrict'),
          captionVisible: true,
          headers: [
            { text: t('program.preview.district') },
            { text: t('program.preview.count'), numeric: true },
          ],
          rows: rows(Object.entries(result.by_district ?? {})),
        }),
        dataTable({
          caption: t('program.preview.byAge'),
          captionVisible: true,
          headers: [
            { text: t('program.preview.age') },
            { text: t('program.preview.count'), numeric: true },
          ],
          rows: rows(
            Object.entries(result.by_age_band ?? {}).map(([band, n]) => [
              band === '—' ? band : t('program.preview.ageBand', { band }),
              n,
            ]),
          ),
        }),
      ),
      el('h3', { class: 'section-title section-title--small' }, t('program.preview.examples')),
      result.examples?.length
        ? el(
            'ul',
            { class: 'staff-program-examples' },
            result.examples.map((example) =>
              el(
                'li',
                { class: 'staff-program-example', 'data-example': example.registry_id },
                el(
                  'p',
                  { class: 'staff-program-example__name' },
                  el('span', {}, example.name),
                  ' ',
                  el('span', { class: 'mono staff-program-example__id' }, example.registry_id),
                ),
                el('p', { class: 'visually-hidden' }, t('program.preview.why')),
                el(
                  'ul',
                  { class: 'bullet-list staff-program-example__why' },
                  (example.why ?? []).map((sentence) => el('li', {}, sentence)),
                ),
              ),
            ),
          )
        : el('p', { class: 'staff-empty' }, t('program.preview.noExamples')),
    ];
  }

  // --- the draft editor --------------------------------------------------------------

  ruleOnly() {
    if (!this.program) return null;
    return el(
      'section',
      { class: 'staff-section', 'aria-labelledby': 'program-rule' },
      el('h2', { class: 'section-title', id: 'program-rule' }, t('program.rule')),
      el('p', { class: 'field__hint' }, t('program.editor.readOnly')),
      el('pre', { class: 'staff-program-rule' }, JSON.stringify(this.program.rule, null, 2)),
    );
  }

  editor() {
    const p = this.program;
    const isNew = !p;
    this.summary = errorSummary('program-errors');
    const mine = myDepartments(this.departments, this.ctx.account);
    const departmentOptions = [...mine];
    if (p && !departmentOptions.some((d) => d.code === p.department)) {
      const theirs = this.departments.find((d) => d.code === p.department);
      if (theirs) departmentOptions.push(theirs);
    }
    const chosenDepartment = p?.department ?? (mine.length === 1 ? mine[0].code : '');
    const delivery = p?.delivery ?? 'inform';

    const procedureField = selectField({
      id: 'program-procedure',
      name: 'procedure_slug',
      labelKey: 'program.editor.procedure',
      required: true,
      options: [
        { value: '', label: t('program.editor.chooseProcedure') },
        ...this.procedures.map((item) => ({
          value: item.slug,
          label: item.title?.ja || item.slug,
          selected: item.slug === p?.procedure_slug,
        })),
      ],
    });
    procedureField.hidden = delivery !== 'invite';

    // The rule as conditions, with a live count; the JSON stays there for experts.
    this.rule = ruleBuilder({
      id: 'program-rule',
      facts: this.facts,
      rule: p?.rule ?? null,
      count: (rule, signal) =>
        sendJSON('/api/staff/programs/rule-count', { body: { rule }, signal }),
      signal: this.ctx.signal,
    });

    const deliveryGroup = choiceGroup({
      id: 'program-delivery',
      name: 'delivery',
      legendKey: 'program.editor.delivery',
      required: true,
      options: DELIVERIES.map((value) => ({
        value,
        labelKey: `programs.delivery.${value}`,
        hintKey: `programs.delivery.${value}Hint`,
        checked: value === delivery,
      })),
    });

    const form = el(
      'form',
      { class: 'form staff-program-form', novalidate: true, 'aria-labelledby': 'program-editor' },
      isNew
        ? textField({
            id: 'program-slug',
            name: 'slug',
            labelKey: 'program.slug',
            hintKey: 'program.editor.slugHint',
            required: true,
            attributes: {
              class: 'input input--slug',
              autocomplete: 'off',
              spellcheck: 'false',
              maxlength: '64',
              autocapitalize: 'off',
            },
          })
        : null,
      selectField({
        id: 'program-department',
        name: 'department',
        labelKey: 'program.editor.department',
        required: true,
        options: [
          { value: '', label: t('program.editor.chooseDepartment') },
          ...departmentOptions.map((d) => ({
            value: d.code,
            label: d.name?.ja || departmentName(d.code, []),
            selected: d.code === chosenDepartment,
          })),
        ],
      }),
      TEXTS.map((text) => localized(text, p?.[text.name])),
      deliveryGroup,
      procedureField,
      this.rule.element,
      el(
        'details',
        { class: 'designer-json staff-program-syntax' },
        el('summary', { class: 'designer-json__summary' }, t('program.editor.syntax')),
        el(
          'ul',
          { class: 'bullet-list' },
          SYNTAX.map((key) => el('li', {}, t(`program.editor.syntax.${key}`))),
        ),
      ),
      el('p', { class: 'field__hint' }, t('program.editor.saveHint')),
      el(
        'div',
        { class: 'button-row' },
        el(
          'button',
          { type: 'submit', class: 'button button--solid', 'data-save': '' },
          t('program.editor.save'),
        ),
      ),
    );
    form.addEventListener(
      'change',
      (event) => {
        if (event.target.name === 'delivery') {
          procedureField.hidden = event.target.value !== 'invite';
        }
      },
      { signal: this.ctx.signal },
    );
    form.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        this.save(form);
      },
      { signal: this.ctx.signal },
    );
    return el(
      'section',
      { class: 'staff-section', 'aria-labelledby': 'program-editor' },
      el('h2', { class: 'section-title', id: 'program-editor' }, t('program.editor.title')),
      this.summary,
      form,
    );
  }

  save(form) {
    this.busy('program.editor.saving', async () => {
      const { draft, items } = readDraft(form, this.program, this.rule);
      if (items.length) {
        if (items.some((item) => item.field === 'rule')) this.rule.openJson();
        showErrors(this.summary, form, items);
        return;
      }
      let saved;
      try {
        saved = await sendJSON('/api/staff/programs', {
          body: draft,
          ...this.options(),
          method: 'PUT',
        });
      } catch (error) {
        if (this.ctx.signal.aborted || sessionEnded(error, this.ctx)) return;
        // The API names the rule's faults in the rule's own terms (paths, fact names).
        const items = problemItems(error).map((item) =>
          item.field === 'rule'
            ? { ...item, text: t('program.error.ruleFrom', { message: item.text }) }
            : item,
        );
        if (items.some((item) => item.field === 'rule')) this.rule.openJson();
        showErrors(this.summary, form, items);
        return;
      }
      clearErrors(this.summary, form);
      if (!this.program) {
        this.ctx.navigate(`/staff/programs/${encodeURIComponent(saved.slug)}`, {
          flash: 'program.saved',
        });
        return;
      }
      this.program = saved;
      this.previewed = null;
      this.render(notice({ tone: 'success', title: t('program.saved') }));
    });
  }
}

/** Three inputs (ja, easy, en) for one text, in a fieldset the API's errors can name. */
function localized({ name, labelKey, hintKey, multiline }, value) {
  return el(
    'fieldset',
    {
      class: 'field designer-localized',
      'data-field': name,
      'aria-describedby': hintKey ? `program-${name}-hint` : null,
    },
    el(
      'legend',
      { class: 'field__label' },
      el('span', {}, t(labelKey)),
      el('span', { class: 'field__required' }, t('common.required')),
    ),
    hintKey ? el('p', { class: 'field__hint', id: `program-${name}-hint` }, t(hintKey)) : null,
    el('p', { class: 'field__error', id: `program-${name}-error`, hidden: true }),
    el(
      'div',
      {
        class: `designer-localized__inputs${multiline ? ' designer-localized__inputs--stacked' : ''}`,
      },
      LANGS.map((lang) => {
        const id = `program-${name}-${lang}`;
        const input = el(multiline ? 'textarea' : 'input', {
          class: multiline ? 'input input--textarea' : 'input',
          id,
          name: `${name}.${lang}`,
          rows: multiline ? '2' : null,
          type: multiline ? null : 'text',
          lang: lang === 'en' ? 'en' : 'ja',
          autocomplete: 'off',
        });
        input.value = value?.[lang] ?? '';
        return el(
          'div',
          { class: 'designer-localized__item' },
          el('label', { class: 'designer-localized__label', for: id }, t(`designer.lang.${lang}`)),
          input,
        );
      }),
    ),
  );
}

/** The form as the API's ProgramDraft (the rule from the builder), and what is missing or
 * unreadable in it. */
function readDraft(form, program, builder) {
  const f = form.elements;
  const items = [];
  const slug = program ? program.slug : f.slug.value.trim();
  if (!program) {
    if (!slug) items.push({ field: 'slug', text: t('program.error.slug') });
    else if (!SLUG.test(slug)) items.push({ field: 'slug', text: t('program.error.slugFormat') });
  }
  const department = f.department.value;
  if (!department) items.push({ field: 'department', text: t('program.error.department') });
  const texts = {};
  for (const { name, labelKey } of TEXTS) {
    texts[name] = Object.fromEntries(
      LANGS.map((lang) => [lang, f[`${name}.${lang}`].value.trim()]),
    );
    if (LANGS.some((lang) => !texts[name][lang])) {
      items.push({ field: name, text: t('program.error.text', { what: t(labelKey) }) });
    }
  }
  const delivery = form.querySelector('input[name="delivery"]:checked')?.value ?? '';
  if (!delivery) items.push({ field: 'delivery', text: t('program.error.delivery') });
  const procedure = delivery === 'invite' ? f.procedure_slug.value : '';
  if (delivery === 'invite' && !procedure) {
    items.push({ field: 'procedure_slug', text: t('program.error.procedure') });
  }
  const { rule, items: ruleItems } = builder.read();
  items.push(...ruleItems);
  return {
    items,
    draft: {
      slug,
      department,
      title: texts.title,
      summary: texts.summary,
      action: texts.action,
      rule,
      delivery,
      procedure_slug: procedure,
    },
  };
}

function row(...buttons) {
  return el('div', { class: 'button-row' }, buttons);
}

/**
 * Counts drawn as bars against a whole (a funnel): each row its label, a bar and the
 * number; the bar is decoration (the number says it), so screen readers skip it.
 */
function funnel(whole, stages) {
  return el(
    'dl',
    { class: 'staff-funnel', 'data-funnel': '' },
    stages.map(([key, n, marker, sub]) =>
      el(
        'div',
        { class: `staff-funnel__row${sub ? ' staff-funnel__row--sub' : ''}`, 'data-stage': marker },
        el('dt', { class: 'staff-funnel__label' }, t(key)),
        el(
          'dd',
          { class: 'staff-funnel__value' },
          el('progress', {
            class: 'staff-funnel__bar',
            max: String(Math.max(whole, 1)),
            value: String(n ?? 0),
            'aria-hidden': 'true',
          }),
          el('span', { class: 'staff-funnel__count' },
            t('programs.people', { n: formatNumber(n ?? 0) })),
        ),
      ),
    ),
  );
}

function count(label, value, attributes = {}) {
  return el(
    'div',
    { class: 'staff-program-count', ...attributes },
    el('dt', { class: 'staff-program-count__label' }, label),
    el('dd', { class: 'staff-program-count__value' }, value),
  );
}

function departmentName(code, departments) {
  const found = departments.find((d) => d.code === code);
  if (found?.name?.ja) return found.name.ja;
  return has(`departments.${code}`) ? t(`departments.${code}`) : code;
}
