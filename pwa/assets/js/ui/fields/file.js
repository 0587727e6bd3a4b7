// Documents the resident attaches: each file is uploaded as soon as it is chosen, and
// listed with its size and a button to remove it.

import { sendBytes } from '../../api.js';
import { el, icon } from '../../dom.js';
import { fileMeta, rememberFiles } from '../../drafts.js';
import { applyTranslations, localize } from '../../i18n.js';
import { fileSizeValue } from '../../jp.js';
import { busy, describeError } from '../feedback.js';
import { fieldFrame, withChanged } from './frame.js';

export const FILE_ACCEPT = '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png';

export function fileField(context) {
  const { spec, id, preview, answer, update, signal } = context;
  const max = spec.max_files ?? 3;
  const parts = fieldFrame(context, { typeHintKey: 'field.file.hint', typeHintParams: { max } });
  const input = el('input', {
    id,
    class: 'file-input',
    type: 'file',
    name: spec.name,
    accept: FILE_ACCEPT,
    multiple: max > 1,
    disabled: preview,
    'aria-required': spec.required ? 'true' : null,
  });
  const list = el('ul', { class: 'file-list' });
  const status = el('p', { class: 'file-status', role: 'status' });
  const ids = () => (Array.isArray(answer()) ? [...answer()] : []);

  function say(key, params) {
    status.setAttribute('data-i18n', key);
    status.setAttribute('data-i18n-params', JSON.stringify(params));
    applyTranslations(status);
  }

  function showList() {
    list.replaceChildren(
      ...ids().map((fileId) => {
        const meta = fileMeta(fileId);
        const name = meta?.filename ?? fileId;
        const remove = el(
          'button',
          { type: 'button', class: 'button button--danger button--sm', disabled: preview },
          icon('trash', 'button__icon'),
          el('span', { 'data-i18n': 'field.file.remove' }),
          el('span', {
            class: 'visually-hidden',
            'data-i18n': 'field.file.removeName',
            'data-i18n-params': JSON.stringify({ name }),
          }),
        );
        remove.addEventListener(
          'click',
          () => {
            const left = ids().filter((item) => item !== fileId);
            update(left.length ? left : null);
            showList();
            say('field.file.removed', { name });
            input.focus();
          },
          { signal },
        );
        return el(
          'li',
          { class: 'file-list__item' },
          icon('document', 'file-list__icon'),
          el(
            'span',
            { class: 'file-list__text' },
            el(
              'span',
              { class: 'file-list__name' },
              meta?.filename ?? el('span', { 'data-i18n': 'field.file.unnamed' }),
            ),
            meta
              ? localize(el('span', { class: 'file-list__size' }), fileSizeValue(meta.size))
              : null,
          ),
          remove,
        );
      }),
    );
    applyTranslations(list);
    list.hidden = ids().length === 0;
  }

  async function upload() {
    const chosen = [...(input.files ?? [])];
    input.value = '';
    if (chosen.length === 0) return;
    if (ids().length + chosen.length > max) {
      parts.setError({ key: 'field.error.tooManyFiles', params: { max } });
      return;
    }
    parts.setError(null);
    const done = busy(input);
    for (const file of chosen) {
      say('field.file.uploading', { name: file.name });
      let attachment;
      try {
        attachment = await sendBytes(`/api/attachments?filename=${encodeURIComponent(file.name)}`, {
          body: file,
          contentType: file.type || 'application/octet-stream',
          signal,
        });
      } catch (error) {
        if (signal.aborted) return;
        done();
        status.replaceChildren();
        status.removeAttribute('data-i18n');
        parts.setError(describeError(error));
        return;
      }
      if (signal.aborted) return;
      rememberFiles([attachment]);
      update([...ids(), attachment.id]);
      showList();
      say('field.file.uploaded', { name: attachment.filename ?? file.name });
    }
    done();
  }
  // A preview uploads nothing: its input is disabled and never listened to.
  if (!preview) input.addEventListener('change', upload, { signal });

  // The field's label names the input; this second label is the button people see.
  const picker = el(
    'div',
    { class: 'file-picker' },
    input,
    el(
      'label',
      { class: 'button button--outline file-picker__button', for: id },
      icon('upload', 'button__icon'),
      el('span', { 'data-i18n': 'field.file.choose' }),
    ),
  );
  showList();
  parts.finish(picker, list, status);
  parts.describeControls([input]);
  return withChanged(parts, {
    wrapper: parts.wrapper,
    setError: parts.setError,
    focus: () => input.focus(),
  });
}
