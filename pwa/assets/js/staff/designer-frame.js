// What the two staff designers share: the procedures' (designer.js) and the life events'
// (life-event-designer.js). Both edit one definition object in place, show the same object in
// a folded JSON view that edits it too, preview it and publish it as a new version. The frame
// builds that page (back link, title, meta, error summary, result, the editors' box, the JSON
// view, the preview and publish buttons, the preview box) and the flows around it; the
// designers draw their own editors into it with the small helpers it returns. Ids and words
// are the designer's own: idPrefix ('designer', 'life-designer') and words, the i18n key
// prefix ('designer.', 'lifeEventDesigner.').

import { announce, el, icon } from '../dom.js';
import { sendJSON } from '../api.js';
import { applyTranslations, lendWords, t } from '../i18n.js';
import {
  checkboxField,
  clearErrors,
  errorSummary,
  guardBusy,
  problemItems,
  selectField,
  showErrors,
  textareaField,
  textField,
} from './forms.js';
import { backLink, confirmDialog, sessionEnded, staffIcon } from './ui.js';

export const LANGS = ['ja', 'easy', 'en'];

export const blank = () => ({ ja: '', easy: '', en: '' });

/**
 * Build the designer's page into `page` and return its parts and helpers.
 *
 * - ids: { errors, title, preview, json } and, where the designer has them, jsonError and
 *   jsonTitle; jsonViewMark puts data-json-view on the JSON view.
 * - cleaned(): the definition fit to send (what the JSON view shows); onJson(parsed): the JSON
 *   view holds a new definition; render(): draw the editors again.
 * - check(): may a preview or a publication go on (default: the JSON view reads);
 *   jsonProblemField: the field a broken JSON view is said on; place(items): where problems go.
 * - preview: { ask(definition), draw(shown, definition, signal) }; publish: { url,
 *   confirm(definition) → confirmDialog's options, done(published, definition) → { title,
 *   body } of the notice }.
 * - emptyFocus: a selector focused when the last entry of a list is removed.
 */
export function designerFrame(page, ctx, options) {
  const { words, ids, back, isNew, cleaned, render } = options;
  const { signal } = ctx;
  const frame = {
    open: new WeakSet(), // entries whose folded editor is unfolded
    jsonBroken: false, // the JSON view holds text that is not JSON
  };
  let count = 0;
  let previewRun = null;

  const summary = errorSummary(ids.errors);
  const result = el('div', { class: 'designer__result' });
  const structured = el('div', { class: 'designer__structured' });
  const status = el('p', { class: 'form-status', role: 'status' });
  const busy = guardBusy(status);
  const preview = el(
    'section',
    { class: 'designer-preview', 'aria-labelledby': ids.preview, tabindex: '-1' },
    el('h2', { class: 'section-title', id: ids.preview }, t(`${words}preview.title`)),
    el('p', { class: 'placeholder' }, t(`${words}preview.placeholder`)),
  );

  // The JSON view: the same definition, for power users; it edits the inputs above too.
  const jsonError = el('p', {
    class: 'staff-inline-error',
    id: ids.jsonError,
    'aria-live': 'polite',
  });
  const jsonField = textareaField({
    id: ids.json,
    name: 'definition',
    labelKey: `${words}json.label`,
    hintKey: `${words}json.hint`,
    attributes: {
      class: 'input input--code-block',
      rows: '18',
      spellcheck: 'false',
      autocomplete: 'off',
    },
  });
  const json = jsonField.querySelector('textarea');
  jsonField.append(jsonError);
  // Read when typing pauses (a paste of many lines is many input events), and before a
  // preview or a publication; not on leaving the field, whose re-render would move the
  // button being pressed.
  let pending = null;
  const apply = () => {
    clearTimeout(pending);
    pending = null;
    let parsed;
    try {
      parsed = JSON.parse(json.value);
    } catch (error) {
      frame.jsonBroken = true;
      jsonError.textContent = t(`${words}json.invalid`, { reason: error.message });
      json.setAttribute('aria-invalid', 'true');
      return;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      frame.jsonBroken = true;
      jsonError.textContent = t(`${words}json.notObject`);
      json.setAttribute('aria-invalid', 'true');
      return;
    }
    frame.jsonBroken = false;
    jsonError.textContent = '';
    json.removeAttribute('aria-invalid');
    options.onJson(parsed);
  };
  json.addEventListener(
    'input',
    () => {
      clearTimeout(pending);
      pending = setTimeout(apply, 300);
    },
    { signal },
  );
  const flushJson = () => pending !== null && apply();

  const previewButton = el(
    'button',
    { type: 'button', class: 'button button--outline' },
    t(`${words}previewButton`),
  );
  previewButton.addEventListener('click', () => frame.runPreview(), { signal });
  const publishButton = el(
    'button',
    { type: 'submit', class: 'button button--solid' },
    t(`${words}publish`),
  );
  const form = el(
    'form',
    { class: 'designer__form', novalidate: true, 'aria-labelledby': ids.title },
    structured,
    // Folded away: most edits need no JSON, and the page stays short.
    el(
      'details',
      { class: 'designer-part designer-json', 'data-json-view': options.jsonViewMark },
      el(
        'summary',
        { class: 'designer-json__summary' },
        el('h2', { class: 'section-title', id: ids.jsonTitle }, t(`${words}json.title`)),
      ),
      jsonField,
    ),
    el(
      'div',
      { class: 'designer__actions' },
      el('p', { class: 'field__hint' }, t(`${words}publishHint`)),
      el('div', { class: 'button-row' }, previewButton, publishButton),
      status,
    ),
  );
  form.addEventListener(
    'submit',
    (event) => {
      event.preventDefault();
      frame.publish();
    },
    { signal },
  );

  const meta = el('div', { class: 'designer__meta' });
  const heading = el(
    'h1',
    { class: 'page__title', id: ids.title },
    isNew ? t(`${words}newTitle`) : t(`${words}title`),
  );
  page.append(
    backLink(back, t(`${words}back`)),
    heading,
    meta,
    result,
    summary,
    el(
      'div',
      { class: 'designer__layout' },
      form,
      el('div', { class: 'designer__aside' }, preview),
    ),
  );

  /** Problems beside their inputs; the folded editors holding one are unfolded first. */
  const showProblems = (items) => {
    const placed = options.place ? options.place(items) : items;
    for (const item of placed) {
      const container = item.field
        ? form.querySelector(`[data-field="${CSS.escape(item.field)}"]`)
        : null;
      let details = container?.closest('details');
      while (details) {
        details.open = true;
        details = details.parentElement?.closest('details');
      }
    }
    showErrors(summary, form, placed);
  };

  /** The JSON view read (a pause in typing may not have come yet); false if it is broken. */
  const jsonReady = () => {
    flushJson();
    if (frame.jsonBroken) {
      showProblems([{ field: options.jsonProblemField ?? null, text: t(`${words}error.json`) }]);
      return false;
    }
    return true;
  };
  const check = () => (options.check ? options.check() : jsonReady());

  /** Have the API check the definition, then draw what it gave in the preview box. */
  const runPreview = () => {
    busy(`${words}previewing`, async () => {
      if (!check()) return;
      const definition = cleaned();
      let shown;
      try {
        // The residents' words, for the residents' renderers, come with the first one.
        [shown] = await Promise.all([options.preview.ask(definition), lendWords('ja')]);
      } catch (error) {
        if (signal.aborted || sessionEnded(error, ctx)) return;
        showProblems(problemItems(error));
        return;
      }
      // A new preview ends the listeners of the one it replaces.
      previewRun?.abort();
      previewRun = new AbortController();
      options.preview.draw(shown, definition, AbortSignal.any([signal, previewRun.signal]));
      preview.focus();
      announce(t(`${words}preview.ready`));
    });
  };

  /** Publish after a confirmation (published versions never change), then say so. */
  const publish = () => {
    busy(null, async () => {
      if (!check()) return;
      const definition = cleaned();
      const sure = await confirmDialog(options.publish.confirm(definition));
      if (!sure) return;
      status.textContent = t(`${words}publishing`);
      let published;
      try {
        published = await sendJSON(options.publish.url, { body: { definition }, signal });
      } catch (error) {
        if (signal.aborted || sessionEnded(error, ctx)) return;
        showProblems(problemItems(error));
        return;
      }
      clearErrors(summary, form);
      const notice = await options.publish.done(published, definition);
      const title = el('h2', { class: 'notice__title', tabindex: '-1' }, notice.title);
      result.replaceChildren(
        el(
          'div',
          { class: 'notice notice--success', 'data-published': published.version },
          icon('online', 'notice__icon'),
          title,
          el('div', { class: 'notice__body' }, el('p', {}, notice.body)),
        ),
      );
      title.focus();
    });
  };

  /** After any edit: the JSON view follows (unless it is the one being typed in). */
  const changed = () => {
    if (document.activeElement !== json) {
      json.value = JSON.stringify(cleaned(), null, 2);
      json.removeAttribute('aria-invalid');
      jsonError.textContent = '';
      frame.jsonBroken = false;
    }
  };

  /** Draw the editors (the designer's parts) again; the JSON view follows. */
  const drawEditors = (...parts) => {
    structured.replaceChildren(...parts);
    applyTranslations(structured);
    changed();
  };

  const id = (part) => {
    count += 1;
    return `${options.idPrefix}-${part}-${count}`;
  };

  // --- inputs bound to the definition ----------------------------------------------------

  const bindInput = (input, get, set, onInput) => {
    input.value = get() ?? '';
    input.addEventListener(
      'input',
      () => {
        set(input.value);
        onInput?.(input.value);
        changed();
      },
      { signal },
    );
    return input;
  };

  /** A code (slug, id, name): holder[key], trimmed. */
  const codeField = ({
    id: inputId,
    name,
    labelKey,
    hintKey,
    required = false,
    maxlength = '64',
    readonly = false,
    holder,
    key,
    onInput,
  }) => {
    const field = textField({
      id: inputId,
      name,
      labelKey,
      hintKey,
      required,
      attributes: {
        class: 'input input--slug',
        autocomplete: 'off',
        spellcheck: 'false',
        maxlength,
        readonly,
      },
    });
    bindInput(
      field.querySelector('input'),
      () => holder[key],
      (v) => (holder[key] = v.trim()),
      onInput,
    );
    return field;
  };

  /** The input of a text field, followed by a unit (日, 円); returns the input. */
  const withSuffix = (field, suffix) => {
    const input = field.querySelector('input');
    const wrapper = el('div', { class: 'input-with-suffix' });
    input.replaceWith(wrapper);
    wrapper.append(input, el('span', { class: 'input-suffix' }, suffix));
    return input;
  };

  /** The row of three inputs (ja, easy, en) for holder[key], created when first typed. */
  const langInputs = ({ holder, key, name, idPart, multiline, rows, onInput }) => {
    const row = el('div', {
      class: `designer-localized__inputs${multiline ? ' designer-localized__inputs--stacked' : ''}`,
    });
    for (const lang of LANGS) {
      const inputId = id(`${idPart}-${lang}`);
      const input = el(multiline ? 'textarea' : 'input', {
        class: multiline ? 'input input--textarea' : 'input',
        id: inputId,
        name: `${name}.${lang}`,
        rows: multiline ? rows : null,
        type: multiline ? null : 'text',
        lang: lang === 'en' ? 'en' : 'ja',
        autocomplete: 'off',
      });
      bindInput(
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
          { class: 'designer-localized__item', 'data-field': `${name}.${lang}` },
          el(
            'label',
            { class: 'designer-localized__label', for: inputId },
            t(`designer.lang.${lang}`),
          ),
          el('p', { class: 'field__error', id: `${inputId}-error`, hidden: true }),
          input,
        ),
      );
    }
    return row;
  };

  /** The legend of a group of inputs, marked ※必須 when required. */
  const legend = (labelKey, required) =>
    el(
      'legend',
      { class: 'field__label' },
      el('span', {}, t(labelKey)),
      required ? el('span', { class: 'field__required' }, t('common.required')) : null,
    );

  /** A select; onChange(value) after a choice, then the JSON view follows. */
  const select = ({ value, options: choices, onChange, ...field }) => {
    const node = selectField({
      ...field,
      options:
        value === undefined ? choices : choices.map((o) => ({ ...o, selected: o.value === value })),
    });
    const input = node.querySelector('select');
    input.addEventListener(
      'change',
      () => {
        onChange(input.value);
        changed();
      },
      { signal },
    );
    return node;
  };

  /** A checkbox; onChange(checked), then the JSON view follows. */
  const checkbox = ({ onChange, ...field }) => {
    const node = checkboxField(field);
    const input = node.querySelector('input');
    input.addEventListener(
      'change',
      () => {
        onChange(input.checked);
        changed();
      },
      { signal },
    );
    return node;
  };

  const button = (variant, iconName, textKey, params, onClick) => {
    const node = el(
      'button',
      { type: 'button', class: `button button--${variant} button--sm` },
      icon(iconName, 'button__icon'),
      el('span', {}, t(textKey, params)),
    );
    node.addEventListener('click', onClick, { signal });
    return node;
  };
  const addButton = (textKey, params, onClick) =>
    button('outline', 'plus', textKey, params, onClick);
  const removeButton = (textKey, params, onClick) =>
    button('text', 'trash', textKey, params, onClick);

  /** A summary line (title, flags) and what makes it follow the edits. */
  const headline = (titleText, metaText) => {
    const title = el('span', { class: 'designer-field__title' });
    const meta = el('span', { class: 'designer-field__meta' });
    const refresh = () => {
      title.textContent = titleText();
      meta.textContent = metaText();
    };
    refresh();
    return { title, meta, refresh };
  };

  /** A folded editor (summary line, body) whose open state survives a re-render. */
  const folded = (entry, summaryParts, body) => {
    const details = el(
      'details',
      { class: 'designer-field__details', open: frame.open.has(entry) },
      el('summary', { class: 'designer-field__summary' }, summaryParts),
      el('div', { class: 'designer-field__body' }, body),
    );
    details.addEventListener(
      'toggle',
      () => (details.open ? frame.open.add(entry) : frame.open.delete(entry)),
      { signal },
    );
    return details;
  };

  /** Up, down and remove for entry i of list; the moved entry keeps the focus. */
  const tools = (list, i, { nameKey, selector }) => {
    const what = t(nameKey, { n: i + 1 });
    const tool = (action, iconNode, disabled) =>
      el(
        'button',
        {
          type: 'button',
          class: `button button--text button--sm designer-tool designer-tool--${action}`,
          disabled,
          'data-tool': action,
        },
        iconNode,
        el('span', { class: 'visually-hidden' }, t(`designer.tool.${action}`, { what })),
        el(
          'span',
          { class: 'designer-tool__label', 'aria-hidden': 'true' },
          t(`designer.tool.${action}Short`),
        ),
      );
    const up = tool('up', staffIcon('arrowUp', 'button__icon'), i === 0);
    const down = tool('down', staffIcon('arrowDown', 'button__icon'), i === list.length - 1);
    const remove = tool('remove', icon('trash', 'button__icon'), false);
    const move = (to, action) => {
      const [entry] = list.splice(i, 1);
      list.splice(to, 0, entry);
      render();
      const moved = structured.querySelector(selector(to));
      (
        moved?.querySelector(`[data-tool="${action}"]:not([disabled])`) ??
        moved?.querySelector('[data-tool]:not([disabled])')
      )?.focus();
      announce(t('designer.moved', { what, n: to + 1 }));
    };
    up.addEventListener('click', () => move(i - 1, 'up'), { signal });
    down.addEventListener('click', () => move(i + 1, 'down'), { signal });
    remove.addEventListener(
      'click',
      () => {
        list.splice(i, 1);
        render();
        const next = structured.querySelector(selector(Math.min(i, list.length - 1)));
        (
          next?.querySelector('summary, input') ??
          (options.emptyFocus ? structured.querySelector(options.emptyFocus) : null)
        )?.focus();
        announce(t('designer.removed', { what }));
      },
      { signal },
    );
    return el(
      'div',
      { class: 'designer-tools', role: 'group', 'aria-label': t('designer.tool.group', { what }) },
      up,
      down,
      remove,
    );
  };

  return Object.assign(frame, {
    summary,
    result,
    structured,
    status,
    busy,
    preview,
    json,
    form,
    meta,
    heading,
    flushJson,
    jsonReady,
    showProblems,
    runPreview,
    publish,
    changed,
    drawEditors,
    id,
    bindInput,
    codeField,
    withSuffix,
    langInputs,
    legend,
    select,
    checkbox,
    addButton,
    removeButton,
    headline,
    folded,
    tools,
  });
}
