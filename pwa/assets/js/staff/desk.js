// /staff/desk「書かない窓口」: support staff find the resident in front of the desk by the
// reading and birth date on their identity document (or the 住民コード), start a procedure
// for them already filled from the registry, and file it; the resident then reads it and
// confirms with their own passkey on their phone (or, without an account, staff attest the
// document they checked). The visit's list shows what still waits. The form is drawn by the
// residents' own field renderers, with the residents' words lent for it. A life event can be
// started instead (desk-life-event.js): its plan opens each procedure's form from here.

import { el } from '../dom.js';
import { getJSON, sendJSON, withQuery } from '../api.js';
import { answersToSend, initialAnswers } from '../answers.js';
import { applyTranslations, lendWords, t } from '../i18n.js';
import { createForm } from '../ui/form-fields.js';
import { uuid } from '../drafts.js';
import {
  clearErrors,
  errorSummary,
  guardBusy,
  normalise,
  notice,
  problemItems,
  selectField,
  showErrors,
  textField,
} from './forms.js';
import { badge, emptyLine, sessionEnded } from './ui.js';
import { lifeEventDesk } from './desk-life-event.js';
import { formatDate, formatDateTime } from './words.js';

export const titleKey = 'desk.title';

const DOCUMENTS = ['mynumber', 'license', 'passport', 'residence'];
const POLL_MS = 5000; // the visit list, while a filing waits for the resident
const FOUR_HOURS = 4 * 3600; // the API's bound for how long ago the visit started

export function mount(outlet, ctx) {
  const summary = errorSummary('desk-errors');
  const status = el('p', { class: 'form-status', role: 'status' });
  const busy = guardBusy(status);
  const results = el('div', { class: 'desk-results', id: 'desk-results' });
  const work = el('div', { class: 'desk-work', id: 'desk-work' });
  const visitBox = el(
    'section',
    { class: 'desk-visit', 'aria-labelledby': 'desk-visit-title', hidden: true },
    el('h2', { class: 'section-title', id: 'desk-visit-title' }, t('desk.visit.title')),
    el('div', { class: 'desk-visit__list', 'aria-live': 'polite' }),
  );
  let visit = null; // {registryId, resident}
  let pollTimer = null;
  ctx.signal.addEventListener('abort', () => clearTimeout(pollTimer));
  const lifeEvent = lifeEventDesk({
    ctx,
    busy,
    summary,
    show: (nodes) => work.replaceChildren(residentCard(visit.resident), ...nodes),
    registryId: () => visit.registryId,
    openProcedure: (slug, answers, back) => startProcedure(slug, { answers, back }),
    showStart: () => showStart(),
  });

  const find = el(
    'form',
    { class: 'form desk-find', novalidate: true, role: 'search', 'aria-labelledby': 'desk-find' },
    el('h2', { class: 'section-title', id: 'desk-find' }, t('desk.find.title')),
    el('p', { class: 'form-hint' }, t('desk.find.lead')),
    el(
      'div',
      { class: 'desk-find__names' },
      textField({
        id: 'desk-family-kana',
        name: 'family_name_kana',
        labelKey: 'desk.find.familyKana',
        attributes: { autocomplete: 'off', maxlength: '64', lang: 'ja' },
      }),
      textField({
        id: 'desk-given-kana',
        name: 'given_name_kana',
        labelKey: 'desk.find.givenKana',
        hintKey: 'desk.find.givenKanaHint',
        attributes: { autocomplete: 'off', maxlength: '64', lang: 'ja' },
      }),
    ),
    textField({
      id: 'desk-birth-date',
      name: 'birth_date',
      labelKey: 'desk.find.birthDate',
      attributes: { type: 'date', class: 'input input--short', min: '1900-01-01' },
    }),
    textField({
      id: 'desk-registry-id',
      name: 'registry_id',
      labelKey: 'desk.find.registryId',
      hintKey: 'desk.find.registryIdHint',
      attributes: {
        class: 'input input--code',
        autocomplete: 'off',
        inputmode: 'numeric',
        spellcheck: 'false',
        maxlength: '32',
      },
    }),
    el(
      'div',
      { class: 'button-row' },
      el('button', { type: 'submit', class: 'button button--solid' }, t('desk.find.submit')),
    ),
    status,
  );

  find.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      busy('desk.find.searching', () => search());
    },
    { signal: ctx.signal },
  );

  async function search() {
    const registryId = normalise(find.elements.registry_id.value);
    const family = find.elements.family_name_kana.value.trim();
    const given = find.elements.given_name_kana.value.trim();
    const birth = find.elements.birth_date.value;
    if (registryId) {
      clearErrors(summary, find);
      await openVisit(registryId);
      return;
    }
    const problems = [];
    if (!family) problems.push({ field: 'family_name_kana', text: t('desk.error.familyKana') });
    if (!birth) problems.push({ field: 'birth_date', text: t('desk.error.birthDate') });
    if (problems.length) {
      showErrors(summary, find, problems);
      return;
    }
    clearErrors(summary, find);
    let found;
    try {
      found = await getJSON(
        withQuery('/api/staff/counter/residents', {
          family_name_kana: family,
          given_name_kana: given,
          birth_date: birth,
        }),
        { signal: ctx.signal },
      );
    } catch (error) {
      if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
      showErrors(summary, find, problemItems(error, searchField));
      return;
    }
    showMatches(found);
  }

  function showMatches(found) {
    if (!found.items.length) {
      results.replaceChildren(emptyLine(t('desk.find.none')));
      return;
    }
    const list = el('ul', { class: 'desk-matches', 'aria-label': t('desk.find.matches') });
    for (const person of found.items) {
      const choose = el(
        'button',
        { type: 'button', class: 'button button--outline' },
        t('desk.find.choose', { name: person.name }),
      );
      choose.addEventListener(
        'click',
        () => busy('common.loading', () => openVisit(person.registry_id)),
        { signal: ctx.signal },
      );
      list.append(
        el(
          'li',
          { class: 'desk-match', 'data-registry-id': person.registry_id },
          residentFacts(person),
          choose,
        ),
      );
    }
    results.replaceChildren(
      list,
      found.more ? el('p', { class: 'form-hint' }, t('desk.find.more')) : null,
    );
    list.querySelector('button')?.focus();
  }

  // --- the visit: the resident, a procedure to start, what was filed -----------------------

  async function openVisit(registryId) {
    let read;
    try {
      read = await readVisit(registryId);
    } catch (error) {
      if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
      showErrors(
        summary,
        find,
        problemItems(error, (e) => (e.status === 404 ? 'registry_id' : null)),
      );
      return;
    }
    visit = { registryId, resident: read.resident, bookings: read.bookings ?? [] };
    find.hidden = true;
    results.replaceChildren();
    showVisit(read);
    await showStart();
  }

  async function showStart() {
    let catalogue;
    let events;
    try {
      [catalogue, events] = await Promise.all([
        getJSON('/api/procedures', { signal: ctx.signal }),
        lifeEvent.loadEvents(),
      ]);
    } catch (error) {
      if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
      showErrors(summary, null, problemItems(error));
      return;
    }
    const choose = el(
      'form',
      { class: 'form desk-start', novalidate: true, 'aria-labelledby': 'desk-start-title' },
      el('h2', { class: 'section-title', id: 'desk-start-title' }, t('desk.start.title')),
      selectField({
        id: 'desk-procedure',
        name: 'procedure',
        labelKey: 'desk.start.procedure',
        options: catalogue.items.map((item) => ({ value: item.slug, label: item.title.ja })),
      }),
      el(
        'div',
        { class: 'button-row' },
        el('button', { type: 'submit', class: 'button button--solid' }, t('desk.start.submit')),
        el(
          'button',
          { type: 'button', class: 'button button--outline', 'data-end': '' },
          t('desk.end'),
        ),
      ),
    );
    choose.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        const slug = choose.elements.procedure.value;
        if (slug) busy('common.loading', () => startProcedure(slug));
      },
      { signal: ctx.signal },
    );
    choose.querySelector('[data-end]').addEventListener('click', endVisit, { signal: ctx.signal });
    work.replaceChildren(
      residentCard(visit.resident),
      bookingsNode(),
      choose,
      lifeEvent.chooser(events),
    );
    applyTranslations(work);
    (work.querySelector('[data-open-booking]') ?? work.querySelector('#desk-procedure'))?.focus();
  }

  /** The counter visits the resident booked online: opened here, confirmed by them. */
  function bookingsNode() {
    if (!visit.bookings.length) return null;
    return el(
      'section',
      { class: 'desk-bookings', 'aria-labelledby': 'desk-bookings-title' },
      el('h2', { class: 'section-title', id: 'desk-bookings-title' }, t('desk.bookings.title')),
      el('p', { class: 'form-hint' }, t('desk.bookings.lead')),
      el(
        'ul',
        { class: 'desk-matches' },
        visit.bookings.map((booking) => {
          const open = el(
            'button',
            { type: 'button', class: 'button button--solid', 'data-open-booking': booking.slug },
            t('desk.bookings.open', { title: booking.title.ja }),
          );
          open.addEventListener(
            'click',
            () => busy('desk.form.filing', () => openBooking(booking)),
            { signal: ctx.signal },
          );
          const day = booking.visit_date
            ? t('desk.bookings.day', {
                date: formatDate(booking.visit_date),
                time: booking.visit_time_label?.ja ?? '',
              })
            : t('desk.bookings.noDay');
          return el(
            'li',
            { class: 'desk-match', 'data-booking': booking.application_id },
            el(
              'div',
              { class: 'desk-person' },
              el('span', { class: 'desk-person__name' }, booking.title.ja),
              el('span', {}, day),
              el('span', {}, t('desk.visit.receipt', { n: booking.receipt_number })),
            ),
            open,
          );
        }),
      ),
    );
  }

  async function openBooking(booking) {
    let pending;
    try {
      pending = await sendJSON(
        `/api/staff/counter/bookings/${booking.application_id}/confirmation`,
        {
          signal: ctx.signal,
        },
      );
    } catch (error) {
      if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
      showErrors(summary, null, problemItems(error));
      return;
    }
    showPending({ procedure: { title: booking.title } }, pending);
    await refreshVisit();
  }

  function endVisit() {
    clearTimeout(pollTimer);
    visit = null;
    lifeEvent.reset();
    work.replaceChildren();
    visitBox.hidden = true;
    find.hidden = false;
    find.reset();
    find.elements.family_name_kana.focus();
  }

  /**
   * The procedure's form filled from the registry; from a life event's plan, its answers over
   * the registry's (a locked registry value stays), and back() returns to the plan.
   */
  async function startProcedure(slug, { answers: planned = {}, back = null } = {}) {
    let shown;
    try {
      [shown] = await Promise.all([
        getJSON(
          `/api/staff/counter/residents/${encodeURIComponent(visit.registryId)}/forms/${encodeURIComponent(slug)}`,
          { signal: ctx.signal },
        ),
        lendWords('ja'), // the residents' field renderers speak the residents' words
      ]);
    } catch (error) {
      if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
      showErrors(summary, null, problemItems(error));
      return;
    }
    const form = shown.form;
    const openedAt = Date.now(); // this filing's time, for the time-saved figures
    const answers = initialAnswers(form, planned);
    const fields = createForm({
      form,
      answers,
      idPrefix: 'desk',
      signal: ctx.signal,
      corrections: false,
    });
    const sections = (form.form.sections ?? []).map((section) =>
      el(
        'fieldset',
        { class: 'desk-section' },
        el('legend', { class: 'desk-section__title' }, section.title?.ja ?? ''),
        fields.sectionNode(section),
      ),
    );
    const file = el(
      'button',
      { type: 'submit', class: 'button button--solid' },
      t('desk.form.file'),
    );
    const leave = el(
      'button',
      { type: 'button', class: 'button button--outline' },
      t(back ? 'desk.life.toPlan' : 'desk.form.back'),
    );
    leave.addEventListener('click', () => (back ?? showStart)(), { signal: ctx.signal });
    const formNode = el(
      'form',
      { class: 'form desk-form', novalidate: true, 'aria-labelledby': 'desk-form-title' },
      el('h2', { class: 'section-title', id: 'desk-form-title' }, form.procedure.title.ja),
      el('p', { class: 'form-hint' }, t('desk.form.lead')),
      fields.extras,
      ...sections,
      el('div', { class: 'button-row' }, file, leave),
    );
    formNode.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        busy('desk.form.filing', () => fileIt(form, answers, fields, openedAt, back));
      },
      { signal: ctx.signal },
    );
    work.replaceChildren(residentCard(visit.resident), formNode);
    applyTranslations(work);
    formNode.querySelector('h2').setAttribute('tabindex', '-1');
    formNode.querySelector('h2').focus();
  }

  async function fileIt(form, answers, fields, openedAt, back) {
    const problems = fields.check();
    if (problems.length) {
      showErrors(
        summary,
        null,
        problems.map((p) => ({
          text: `${p.label?.ja ?? p.name}: ${t(p.message.key, p.message.params)}`,
        })),
      );
      fields.focusField(problems[0].name);
      return;
    }
    clearErrors(summary, null);
    const seconds = Math.min(FOUR_HOURS, Math.max(0, Math.round((Date.now() - openedAt) / 1000)));
    let pending;
    try {
      pending = await sendJSON('/api/staff/assisted-applications', {
        body: {
          person_registry_id: visit.registryId,
          slug: form.procedure.slug,
          version: form.version,
          answers: answersToSend(form, answers),
          started_seconds_ago: seconds,
        },
        headers: { 'Idempotency-Key': uuid() },
        signal: ctx.signal,
      });
    } catch (error) {
      if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
      const items = problemItems(error);
      fields.showErrors(
        (error.errors ?? []).map((e) => ({ field: e.field, message: e.message?.ja ?? '' })),
      );
      showErrors(summary, null, items);
      return;
    }
    showPending(form, pending, back);
    await refreshVisit();
  }

  function showPending(form, pending, back = null) {
    const another = el(
      'button',
      { type: 'button', class: 'button button--outline' },
      t(back ? 'desk.life.toPlan' : 'desk.pending.another'),
    );
    another.addEventListener('click', () => (back ?? showStart)(), { signal: ctx.signal });
    const body = visit.resident.has_account
      ? [
          el('p', {}, t('desk.pending.passkey')),
          qrCode(pending.confirm_qr, t('desk.pending.qr')),
          el(
            'p',
            { class: 'desk-code', 'data-confirmation-code': pending.confirmation_code },
            pending.confirmation_code,
          ),
          el(
            'p',
            { class: 'form-hint' },
            t('desk.pending.expires', { time: formatDateTime(pending.expires_at) }),
          ),
        ]
      : [el('p', {}, t('desk.pending.noAccount')), attestForm(pending)];
    const panel = notice({
      tone: 'success',
      title: t('desk.pending.title', {
        title: form.procedure.title.ja,
        receipt: pending.receipt_number,
      }),
      body,
      actions: [another],
      id: 'desk-pending',
    });
    work.replaceChildren(residentCard(visit.resident), panel);
    applyTranslations(work);
    panel.querySelector('.notice__title').focus();
  }

  /** A resident without an account: the staff member attests the document they checked. */
  function attestForm(pending) {
    const form = el(
      'form',
      { class: 'form desk-attest', novalidate: true },
      selectField({
        id: 'desk-attest-document',
        name: 'document',
        labelKey: 'desk.attest.document',
        options: DOCUMENTS.map((value) => ({ value, label: t(`documents.${value}`) })),
      }),
      el(
        'div',
        { class: 'button-row' },
        el('button', { type: 'submit', class: 'button button--solid' }, t('desk.attest.submit')),
      ),
    );
    form.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        busy('desk.form.filing', async () => {
          try {
            await sendJSON(
              `/api/staff/assisted-applications/${pending.application_id}/attestation`,
              {
                body: {
                  method: 'staff_attestation',
                  document: t(`documents.${form.elements.document.value}`),
                },
                signal: ctx.signal,
              },
            );
          } catch (error) {
            if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
            showErrors(summary, null, problemItems(error));
            return;
          }
          form.replaceWith(el('p', { class: 'desk-attested' }, t('desk.attest.done')));
          await refreshVisit();
        });
      },
      { signal: ctx.signal },
    );
    return form;
  }

  /** The resident and the day's filings and bookings, as the counter sees them. */
  function readVisit(registryId) {
    return getJSON(`/api/staff/counter/residents/${encodeURIComponent(registryId)}`, {
      signal: ctx.signal,
    });
  }

  async function refreshVisit() {
    if (!visit) return;
    clearTimeout(pollTimer);
    let read;
    try {
      read = await readVisit(visit.registryId);
    } catch (error) {
      if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
      return; // the list stays as it was; the next action reads it again
    }
    showVisit(read);
  }

  function showVisit(read) {
    visitBox.hidden = false;
    if (visit) visit.bookings = read.bookings ?? [];
    const box = visitBox.querySelector('.desk-visit__list');
    // What waits counts opened bookings too; the list is what was filed or accepted today.
    const remaining = read.waiting
      ? t('desk.visit.waiting', { n: read.waiting })
      : read.filings.length
        ? t('desk.visit.allDone')
        : t('desk.visit.none');
    const list = [
      el('p', { class: 'desk-visit__remaining', 'data-waiting': read.waiting }, remaining),
      read.filings.length
        ? el(
            'ul',
            { class: 'desk-visit__items' },
            read.filings.map((filing) =>
              el(
                'li',
                { class: 'desk-filing', 'data-state': filing.state, 'data-slug': filing.slug },
                el('span', { class: 'desk-filing__title' }, filing.title.ja),
                badge(t(`desk.state.${filing.state}`), STATE_TONES[filing.state]),
                el(
                  'span',
                  { class: 'desk-filing__receipt' },
                  t('desk.visit.receipt', { n: filing.receipt_number }),
                ),
              ),
            ),
          )
        : null,
    ];
    box.replaceChildren(...list.filter(Boolean));
    lifeEvent.updateFilings(read.filings);
    if (read.waiting && visit) pollTimer = setTimeout(refreshVisit, POLL_MS);
  }

  outlet.append(
    el(
      'div',
      { class: 'page staff-form-page' },
      el('h1', { class: 'page__title', id: 'desk-title' }, t('desk.title')),
      el('p', { class: 'page__lead staff-measure' }, t('desk.lead')),
      el(
        'div',
        { class: 'work-layout work-layout--aside' },
        el('div', { class: 'work-layout__main' }, summary, find, results, work),
        el('aside', { class: 'work-layout__aside' }, visitBox),
      ),
    ),
  );
  find.elements.family_name_kana.focus();
}

const STATE_TONES = { waiting: 'warning', expired: 'error', confirmed: 'success' };

function searchField(problem) {
  return problem.status === 422 ? 'family_name_kana' : null;
}

/** Who the counter found: name, reading, birth date, district and whether they have the app. */
function residentFacts(person) {
  return el(
    'dl',
    { class: 'desk-person' },
    el('dt', { class: 'desk-person__name' }, person.name),
    el('dd', { class: 'desk-person__kana' }, person.kana),
    el(
      'dd',
      {},
      t('desk.person.born', { date: person.birth_date ? formatDate(person.birth_date) : '—' }),
    ),
    el('dd', {}, t('desk.person.district', { district: person.district })),
    el('dd', {}, t(person.has_account ? 'desk.person.hasAccount' : 'desk.person.noAccount')),
  );
}

const SVG = 'http://www.w3.org/2000/svg';

/**
 * The confirmation page's QR code (rows of "1" dark / "0" light modules) as an SVG with its
 * quiet zone, one path of dark runs; labelled for screen readers (the code is also shown).
 */
function qrCode(rows, label) {
  if (!rows?.length) return null;
  const quiet = 4;
  const size = rows.length + 2 * quiet;
  const runs = [];
  rows.forEach((row, y) => {
    for (const match of row.matchAll(/1+/g)) {
      runs.push(`M${match.index + quiet} ${y + quiet}h${match[0].length}v1h-${match[0].length}z`);
    }
  });
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('class', 'desk-qr');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const background = document.createElementNS(SVG, 'rect');
  background.setAttribute('width', String(size));
  background.setAttribute('height', String(size));
  background.setAttribute('fill', '#fff');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', runs.join(''));
  path.setAttribute('fill', '#000');
  svg.append(background, path);
  return svg;
}

function residentCard(resident) {
  return el(
    'section',
    { class: 'desk-resident', 'aria-label': t('desk.person.label') },
    residentFacts(resident),
  );
}
