// Where a procedure's form comes from and the addresses of its screens: the form
// (FormRead, for the resident or for a principal a delegate acts for), a draft, and the
// form, review and application screens of a draft.

import { initialAnswers } from './answers.js';
import { getJSON } from './api.js';
import { keepForOffline, offlineCopy, readLocalDraft, rememberFiles } from './drafts.js';

/** FormRead for slug; for a principal's account id when a delegate asks (on_behalf_of). */
export function loadForm(slug, onBehalfOf, signal) {
  const query = onBehalfOf != null ? `?on_behalf_of=${encodeURIComponent(onBehalfOf)}` : '';
  return getJSON(`/api/procedures/${encodeURIComponent(slug)}/form${query}`, { signal });
}

export function loadDraft(id, signal) {
  return getJSON(`/api/drafts/${encodeURIComponent(id)}`, { signal });
}

/** The form screen of a draft, at a step (section id), with a field to focus. */
export function applyHref(slug, draftId, { step, field } = {}) {
  const params = new URLSearchParams({ draft: String(draftId) });
  if (step) params.set('step', step);
  if (field) params.set('field', field);
  return `/procedures/${encodeURIComponent(slug)}/apply?${params}`;
}

export function reviewHref(slug, draftId) {
  return `/procedures/${encodeURIComponent(slug)}/review?draft=${encodeURIComponent(draftId)}`;
}

export function procedureHref(slug) {
  return `/procedures/${encodeURIComponent(slug)}`;
}

/**
 * A draft with its procedure's current form and the answers to start from: the copy kept on
 * this device when it is newer than the server's (saved while offline), else the draft's,
 * with pre-filled values for what is not answered yet.
 */
export async function loadDraftWithForm(slug, draftId, signal) {
  const draft = await loadDraft(draftId, signal);
  // Names and sizes of the draft's uploads, where the API gives them (else this device's).
  if (Array.isArray(draft.attachments)) rememberFiles(draft.attachments);
  const form = await loadForm(draft.slug ?? slug, draft.on_behalf_of ?? null, signal);
  keepForOffline(draft.id ?? draftId, draft, form);
  return withLocalAnswers(draft, form, draftId);
}

/**
 * The same from this device when the network is gone: the draft and form as last loaded
 * here, with the answers kept here since; null when this device has none for draftId.
 */
export function offlineDraftWithForm(draftId) {
  const kept = draftId ? offlineCopy(draftId) : null;
  if (!kept) return null;
  return { ...withLocalAnswers(kept.draft, kept.form, draftId), offline: true };
}

function withLocalAnswers(draft, form, draftId) {
  const local = readLocalDraft(draft.id ?? draftId);
  const newerHere =
    local != null &&
    (!draft.updated_at || Date.parse(local.savedAt) > Date.parse(draft.updated_at));
  const saved = newerHere ? local.answers : (draft.answers ?? {});
  return { draft, form, answers: initialAnswers(form, saved), newerHere };
}
