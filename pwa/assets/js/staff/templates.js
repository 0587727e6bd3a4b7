// /staff/templates「標準テンプレートの更新」(supervisors, administrators): each new version of a
// platform template that one of our procedures or local programmes is built on, with what would change against
// the version we run now — in words, in Japanese, やさしい日本語 or English (the residents'
// three languages) — our own changes (fee, guidance, local questions) kept. Accepting
// publishes a new version of our procedure (applications already filed keep theirs), or makes
// the programme's next draft, which a second staff member approves as any other; 見送る
// keeps the current one. The first reading of an offer is recorded in our audit trail.

import { announce, el } from '../dom.js';
import { getJSON, sendJSON } from '../api.js';
import { t } from '../i18n.js';
import { choiceGroup, flashNotice, notice } from './forms.js';
import { formatNumber, problemText } from './words.js';
import { badge, confirmDialog, emptyLine, loadStaffData } from './ui.js';

export const titleKey = 'templates.title';

const LANGUAGES = ['ja', 'easy', 'en'];
const KIND_TONES = { added: 'success', removed: 'error', changed: 'key' };

export async function mount(outlet, ctx) {
  const page = el(
    'div',
    { class: 'page' },
    el('h1', { class: 'page__title', 'data-i18n': 'templates.title' }),
    flashNotice(ctx),
    el('p', { class: 'page__lead staff-measure', 'data-i18n': 'templates.lead' }),
  );
  outlet.append(page);
  const box = el('div', { class: 'stack' });
  page.append(box);
  await loadStaffData(
    box,
    ctx,
    () =>
      Promise.all([
        getJSON('/api/staff/templates/offers', { signal: ctx.signal }),
        getJSON('/api/staff/departments', { signal: ctx.signal }),
      ]),
    ([offers, departments]) => offerList(offers.items, departments, ctx),
  );
}

function offerList(items, departments, ctx) {
  const count = el(
    'p',
    { class: 'staff-results__count', role: 'status' },
    t('templates.count', { n: formatNumber(items.length) }),
  );
  if (!items.length) return el('div', { class: 'stack' }, count, emptyLine(t('templates.none')));
  const names = new Map(departments.map((d) => [d.code, d.name.ja]));
  const language = choiceGroup({
    id: 'templates-language',
    name: 'language',
    legendKey: 'templates.language',
    hintKey: 'templates.languageHint',
    layout: 'row',
    options: LANGUAGES.map((lang) => ({
      value: lang,
      labelKey: `designer.lang.${lang}`,
      checked: lang === 'ja',
    })),
  });
  const cards = el(
    'div',
    { class: 'staff-offers' },
    items.map((offer) => offerCard(offer, names, ctx)),
  );
  const show = (lang) => {
    for (const node of cards.querySelectorAll('[data-words]')) {
      const words = JSON.parse(node.dataset.words);
      node.textContent = words[lang] ?? words.ja;
      node.lang = lang === 'en' ? 'en' : 'ja';
    }
  };
  language.addEventListener('change', (event) => show(event.target.value));
  show('ja');
  return el('div', { class: 'stack' }, count, language, cards);
}

/** A text the API gives in three languages, shown in the one chosen above. */
function words(value, className) {
  return el('span', { class: className ?? null, 'data-words': JSON.stringify(value) }, value.ja);
}

function offerCard(offer, names, ctx) {
  const headingId = `offer-${offer.slug}`;
  return el(
    'section',
    {
      class: 'staff-case-card staff-offer',
      'aria-labelledby': headingId,
      'data-offer': offer.slug,
      'data-kind': offer.kind,
    },
    el(
      'h2',
      { class: 'staff-case-card__title', id: headingId },
      words(offer.title),
      el(
        'span',
        { class: 'staff-case-card__procedure' },
        t('templates.versions', { from: offer.running_version, to: offer.offered_version }),
      ),
    ),
    el(
      'p',
      { class: 'staff-offer__meta' },
      t('templates.department', { name: names.get(offer.department) ?? offer.department }),
      offer.declined ? badge(t('templates.declinedBadge'), 'neutral') : null,
    ),
    offer.note
      ? el(
          'p',
          { class: 'staff-offer__note' },
          el('span', { class: 'staff-offer__label' }, t('templates.note')),
          words(offer.note),
        )
      : null,
    el('h3', { class: 'section-title section-title--small' }, t('templates.changes')),
    offer.changes.length
      ? el(
          'ul',
          { class: 'staff-offer__changes' },
          offer.changes.map((change) => changeItem(change)),
        )
      : emptyLine(t('templates.noVisibleChange')),
    el('p', { class: 'staff-offer__kept' }, t('templates.kept')),
    offer.kind === 'programme'
      ? el(
          'p',
          { class: 'staff-offer__kept' },
          t('templates.programmeNote'),
          ' ',
          el(
            'a',
            { class: 'link', href: `/staff/programs/${encodeURIComponent(offer.slug)}` },
            t('templates.toProgramme'),
          ),
        )
      : null,
    offer.dropped.length
      ? el(
          'div',
          { class: 'staff-callout staff-callout--warning' },
          el('p', {}, t('templates.dropped', { parts: offer.dropped.map(partName).join('、') })),
        )
      : null,
    offer.editable ? actions(offer, ctx) : badge(t('procedures.readOnly'), 'neutral'),
  );
}

function partName(part) {
  return t(`templates.part.${part}`);
}

/** 「変更前／変更後」 for a change; 「内容」 for a question added or removed. */
function labelOf(change, side) {
  return change.kind === 'changed' ? `templates.${side}` : 'templates.content';
}

function changeItem(change) {
  return el(
    'li',
    { class: 'staff-offer__change', 'data-change': change.kind },
    badge(t(`templates.kind.${change.kind}`), KIND_TONES[change.kind] ?? 'neutral'),
    words(change.part, 'staff-offer__part'),
    change.before || change.after
      ? el(
          'span',
          { class: 'staff-offer__values' },
          change.before
            ? el(
                'span',
                { class: 'staff-offer__before' },
                el('span', { class: 'staff-offer__label' }, t(labelOf(change, 'before'))),
                words(change.before),
              )
            : null,
          change.after
            ? el(
                'span',
                { class: 'staff-offer__after' },
                el('span', { class: 'staff-offer__label' }, t(labelOf(change, 'after'))),
                words(change.after),
              )
            : null,
        )
      : null,
  );
}

function actions(offer, ctx) {
  const status = el('p', { class: 'visually-hidden', role: 'status' });
  const error = el('div', {});
  let busy = false;
  const run = async (path, flash) => {
    if (busy) return;
    busy = true;
    error.replaceChildren();
    status.textContent = t('common.sending');
    try {
      await sendJSON(path, {
        body: { version: offer.offered_version, kind: offer.kind },
        signal: ctx.signal,
      });
      announce(t(flash));
      ctx.rerender({ flash });
    } catch (failure) {
      if (ctx.signal.aborted) return;
      error.replaceChildren(
        notice({ tone: 'error', title: t('templates.failed'), body: [problemText(failure)] }),
      );
    } finally {
      busy = false;
      status.textContent = '';
    }
  };
  const slug = encodeURIComponent(offer.slug);
  const accept = el(
    'button',
    { type: 'button', class: 'button button--solid', 'data-accept': offer.slug },
    t(offer.kind === 'programme' ? 'templates.acceptDraft' : 'templates.accept'),
  );
  accept.addEventListener('click', async () => {
    const programme = offer.kind === 'programme';
    const confirmed = await confirmDialog({
      title: t('templates.confirm.title', { title: offer.title.ja, n: offer.offered_version }),
      body: programme
        ? [t('templates.confirm.programme')]
        : [t('templates.confirm.body'), t('templates.confirm.filed')],
      confirm: t(programme ? 'templates.confirm.draft' : 'templates.confirm.button'),
    });
    if (!confirmed) return;
    await run(
      `/api/staff/templates/${slug}/accept`,
      programme ? 'templates.acceptedDraft' : 'templates.accepted',
    );
  });
  const decline = el(
    'button',
    { type: 'button', class: 'button button--outline', 'data-decline': offer.slug },
    t('templates.decline'),
  );
  decline.addEventListener('click', () =>
    run(`/api/staff/templates/${slug}/decline`, 'templates.declined'),
  );
  return el(
    'div',
    { class: 'staff-offer__actions' },
    error,
    el('div', { class: 'button-row' }, accept, offer.declined ? null : decline),
    status,
  );
}
