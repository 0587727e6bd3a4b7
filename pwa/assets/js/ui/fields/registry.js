// Which renderer draws a field: one module per field type, the same for residents' forms
// and the designer's preview.

import { bankAccount } from './bank-account.js';
import { consentField } from './consent.js';
import { fileField } from './file.js';
import { lockedDisplay } from './locked.js';
import { optionGroup } from './options.js';
import { selectField } from './select.js';
import { TEXT_TYPES, textInput } from './text.js';
import { textArea } from './textarea.js';

const RENDERERS = {
  textarea: textArea,
  choice: (context) =>
    context.spec.widget === 'select' ? selectField(context) : optionGroup(context, { multiple: false }),
  choices: (context) => optionGroup(context, { multiple: true }),
  household_member: (context) => optionGroup(context, { multiple: false, members: true }),
  household_members: (context) => optionGroup(context, { multiple: true, members: true }),
  consent: consentField,
  bank_account: bankAccount,
  file: fileField,
};

/**
 * The renderer for a field: (context) → controller {wrapper, setError, focus, syncChanged…}.
 * A locked typed value stays a read-only input (it can still be read and copied); any other
 * locked value is shown as text.
 */
export function fieldRenderer(spec, locked) {
  if (locked && spec.type !== 'textarea' && !TEXT_TYPES.has(spec.type)) return lockedDisplay;
  return RENDERERS[spec.type] ?? textInput;
}
