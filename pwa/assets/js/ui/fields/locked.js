// A locked value that is not typed text (a choice, household members…): shown, not asked.

import { answerNode } from '../../answers.js';
import { el } from '../../dom.js';
import { fileMeta } from '../../drafts.js';
import { fieldFrame } from './frame.js';

export function lockedDisplay(context) {
  const { spec, id, household, answer } = context;
  const parts = fieldFrame(context, { labelFor: null });
  // Not a <label>: there is no control to label; the value is text, read in order.
  const heading = el('p', { class: 'field__label' }, [...parts.label.childNodes]);
  if (parts.label.isConnected || parts.label.parentNode) parts.label.replaceWith(heading);
  else parts.wrapper.prepend(heading);
  const value = el(
    'p',
    { class: 'field__readonly', id, tabindex: '-1' },
    answerNode(spec, answer(), { household, files: fileMeta }),
  );
  parts.finish(value);
  return { wrapper: parts.wrapper, setError: parts.setError, focus: () => value.focus() };
}
