// /staff/branding「見た目と連絡先」(administrators): the municipality's emblem (PNG or WebP,
// uploaded as it is and kept as a PNG), its palette (one of the design tokens' named
// palettes, never a colour of its own) and the contact details residents see in the app's
// footer. Each change is audited by the API; bad input comes back as field errors.

import { announce, el, icon } from '../dom.js';
import { getJSON, sendBytes, sendJSON } from '../api.js';
import { applyTranslations, t } from '../i18n.js';
import {
  choiceGroup,
  clearErrors,
  errorSummary,
  guardBusy,
  problemItems,
  showErrors,
  textField,
} from './forms.js';
import { loadFailed, sessionEnded } from './ui.js';

export const titleKey = 'branding.title';

// The palettes tokens.css defines (registry/branding.py keeps the same list).
const PALETTES = ['blue', 'green', 'light-blue', 'purple', 'orange'];
const LANGUAGES = ['ja', 'easy', 'en'];
const MAX_EMBLEM_BYTES = 256 * 1024;

export async function mount(outlet, ctx) {
  const page = el(
    'div',
    { class: 'page' },
    el('h1', { class: 'page__title', 'data-i18n': 'branding.title' }),
    el('p', { class: 'page__lead staff-measure', 'data-i18n': 'branding.lead' }),
  );
  outlet.append(page);
  let branding;
  try {
    branding = await getJSON('/api/staff/branding', { signal: ctx.signal });
  } catch (error) {
    if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
    page.append(loadFailed(error, ctx));
    return;
  }
  page.append(emblemSection(branding, ctx), lookSection(branding, ctx));
  applyTranslations(page);
}

function emblemSection(branding, ctx) {
  const summary = errorSummary('branding-emblem-errors');
  const status = el('p', { class: 'form-status', role: 'status' });
  const busy = guardBusy(status);
  const done = el('div', { class: 'staff-branding__done' });
  const preview = el('div', { class: 'staff-emblem__preview' });
  showEmblem(preview, branding.emblem);
  const form = el(
    'form',
    { class: 'form form--compact', novalidate: true, 'aria-labelledby': 'branding-emblem-title' },
    textField({
      id: 'branding-emblem-file',
      name: 'emblem',
      labelKey: 'branding.emblem.file',
      hintKey: 'branding.emblem.hint',
      attributes: { type: 'file', accept: 'image/png,image/webp', class: 'input input--file' },
    }),
    el(
      'div',
      { class: 'button-row' },
      el('button', { type: 'submit', class: 'button button--solid button--sm' }, t('branding.emblem.upload')),
      el(
        'button',
        {
          type: 'button',
          class: 'button button--outline button--sm button--destructive-outline',
          'data-remove-emblem': '',
          hidden: !branding.emblem,
        },
        t('branding.emblem.remove'),
      ),
    ),
    status,
  );
  const remove = form.querySelector('[data-remove-emblem]');
  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      busy('common.sending', async () => {
        clearErrors(summary, form);
        done.replaceChildren();
        const file = form.elements.emblem.files?.[0];
        if (!file) {
          showErrors(summary, form, [{ field: 'emblem', text: t('branding.emblem.none') }]);
          return;
        }
        if (file.size > MAX_EMBLEM_BYTES) {
          showErrors(summary, form, [{ field: 'emblem', text: t('branding.emblem.tooLarge') }]);
          return;
        }
        let saved;
        try {
          saved = await sendBytes('/api/staff/branding/emblem', {
            body: file,
            contentType: file.type || 'application/octet-stream',
            method: 'PUT',
            signal: ctx.signal,
          });
        } catch (error) {
          if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
          showErrors(summary, form, problemItems(error, () => 'emblem'));
          return;
        }
        showEmblem(preview, saved.emblem);
        remove.hidden = !saved.emblem;
        form.reset();
        showDone(done, t('branding.emblem.saved'));
      });
    },
    { signal: ctx.signal },
  );
  remove.addEventListener(
    'click',
    () =>
      busy('common.sending', async () => {
        clearErrors(summary, form);
        let saved;
        try {
          saved = await sendJSON('/api/staff/branding/emblem', { method: 'DELETE', signal: ctx.signal });
        } catch (error) {
          if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
          showErrors(summary, form, problemItems(error));
          return;
        }
        showEmblem(preview, saved.emblem);
        remove.hidden = true;
        showDone(done, t('branding.emblem.removed'));
      }),
    { signal: ctx.signal },
  );
  return el(
    'section',
    { class: 'staff-section', 'aria-labelledby': 'branding-emblem-title' },
    el('h2', { class: 'section-title', id: 'branding-emblem-title', 'data-i18n': 'branding.emblem.title' }),
    preview,
    done,
    summary,
    form,
  );
}

/** A success message where the section starts, said aloud; the next one replaces it. */
function showDone(slot, text) {
  slot.replaceChildren(
    el('div', { class: 'flash flash--success' }, icon('online', 'flash__icon'), el('p', {}, text)),
  );
  announce(text);
}

function showEmblem(preview, address) {
  preview.replaceChildren(
    address
      ? el('img', {
          class: 'staff-emblem__image',
          src: address,
          alt: t('branding.emblem.current'),
          width: '96',
          height: '96',
        })
      : el('p', { class: 'field__hint' }, t('branding.emblem.empty')),
  );
}

function lookSection(branding, ctx) {
  const summary = errorSummary('branding-look-errors');
  const done = el('div', { class: 'staff-branding__done' });
  const status = el('p', { class: 'form-status', role: 'status' });
  const busy = guardBusy(status);
  const contact = branding.contact;
  const palettes = choiceGroup({
    id: 'branding-palette',
    name: 'palette',
    legendKey: 'branding.palette.legend',
    hintKey: 'branding.palette.hint',
    layout: 'grid',
    options: PALETTES.map((value) => ({
      value,
      labelKey: `branding.palette.${value}`,
      checked: value === branding.palette,
    })),
  });
  // A swatch of each palette's key colour beside its name (the palette set on the swatch).
  for (const input of palettes.querySelectorAll('input[name="palette"]')) {
    input.nextElementSibling.prepend(
      el('span', { class: 'staff-swatch', 'data-palette': input.value, 'aria-hidden': 'true' }),
    );
  }
  // labelKeys: one key per language, written out (the dictionary test checks each).
  const words = (name, labelKeys, hintKey) =>
    LANGUAGES.map((language) =>
      textField({
        id: `branding-${name}-${language}`,
        name: `${name}.${language}`,
        labelKey: labelKeys[language],
        hintKey: language === 'ja' ? hintKey : null,
        attributes: { maxlength: '200', value: contact[name]?.[language] ?? '' },
      }),
    );
  const form = el(
    'form',
    { class: 'form', novalidate: true, 'aria-labelledby': 'branding-look-title' },
    palettes,
    el('h3', { class: 'section-title section-title--small', 'data-i18n': 'branding.contact.title' }),
    textField({
      id: 'branding-phone',
      name: 'phone',
      labelKey: 'branding.contact.phone',
      hintKey: 'branding.contact.phoneHint',
      attributes: { type: 'tel', autocomplete: 'off', maxlength: '20', value: contact.phone },
    }),
    textField({
      id: 'branding-postal',
      name: 'postal_code',
      labelKey: 'branding.contact.postalCode',
      hintKey: 'branding.contact.postalCodeHint',
      attributes: { inputmode: 'numeric', maxlength: '10', value: contact.postal_code },
    }),
    ...words(
      'address',
      {
        ja: 'branding.contact.address.ja',
        easy: 'branding.contact.address.easy',
        en: 'branding.contact.address.en',
      },
      'branding.contact.addressHint',
    ),
    ...words(
      'hours',
      {
        ja: 'branding.contact.hours.ja',
        easy: 'branding.contact.hours.easy',
        en: 'branding.contact.hours.en',
      },
      'branding.contact.hoursHint',
    ),
    textField({
      id: 'branding-email',
      name: 'email',
      labelKey: 'branding.contact.email',
      attributes: { type: 'email', maxlength: '254', value: contact.email },
    }),
    textField({
      id: 'branding-website',
      name: 'website',
      labelKey: 'branding.contact.website',
      hintKey: 'branding.contact.websiteHint',
      attributes: { type: 'url', maxlength: '200', value: contact.website },
    }),
    el(
      'div',
      { class: 'button-row' },
      el('button', { type: 'submit', class: 'button button--solid' }, t('branding.save')),
    ),
    status,
  );
  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      busy('common.sending', async () => {
        clearErrors(summary, form);
        done.replaceChildren();
        const value = (name) => form.elements[name].value.trim();
        const text = (name) =>
          Object.fromEntries(LANGUAGES.map((language) => [language, value(`${name}.${language}`)]));
        const body = {
          palette: form.querySelector('input[name="palette"]:checked')?.value ?? branding.palette,
          contact: {
            phone: value('phone'),
            postal_code: value('postal_code'),
            address: text('address'),
            hours: text('hours'),
            email: value('email'),
            website: value('website'),
          },
        };
        let saved;
        try {
          saved = await sendJSON('/api/staff/branding', { body, method: 'PUT', signal: ctx.signal });
        } catch (error) {
          if (ctx.signal.aborted || sessionEnded(error, ctx)) return;
          showErrors(summary, form, problemItems(error));
          return;
        }
        // As the API keeps them (a phone number grouped, a postal code with its dash).
        form.elements.phone.value = saved.contact.phone;
        form.elements.postal_code.value = saved.contact.postal_code;
        document.documentElement.dataset.palette = saved.palette;
        showDone(done, t('branding.saved'));
      });
    },
    { signal: ctx.signal },
  );
  return el(
    'section',
    { class: 'staff-section', 'aria-labelledby': 'branding-look-title' },
    el('h2', { class: 'section-title', id: 'branding-look-title', 'data-i18n': 'branding.look.title' }),
    done,
    summary,
    form,
  );
}
