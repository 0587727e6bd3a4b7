// Staff calls to the API. Unsafe methods carry the session's CSRF token (passed in by the
// caller, from GET /api/me); failures become StaffApiError with the whole RFC 9457
// problem: detail_ja to show, errors[] to put next to fields, request_id for the help desk.
// Self-contained on purpose: the shared api.js serves the resident app and its error
// shape is free to change with it.

import { has, t } from './i18n.js';

const TIMEOUT_MS = 20000;

export class StaffApiError extends Error {
  constructor({
    status,
    title = '',
    detail = '',
    detailJa = '',
    errors = [],
    requestId = '',
    requiredRoles = [],
    requiredDepartment = null,
  }) {
    super(detail || title || `HTTP ${status}`);
    this.name = 'StaffApiError';
    this.status = status; // 0: no answer (offline, timeout)
    this.title = title;
    this.detail = detail;
    this.detailJa = detailJa;
    this.errors = errors;
    this.requestId = requestId;
    // A refusal of staff names what was missing: roles that may, or the department.
    this.requiredRoles = requiredRoles;
    this.requiredDepartment = requiredDepartment;
  }

  get offline() {
    return this.status === 0;
  }
}

/** GET path and return its JSON body. */
export function getJSON(path, { signal } = {}) {
  return send(path, undefined, { method: 'GET', signal });
}

/**
 * POST (or another method) a JSON body and return the JSON answer (null for 204).
 * @param {string} path
 * @param {object} [body]
 * @param {object} [options]
 * @param {string} [options.csrf]    the session's CSRF token (from GET /api/me)
 * @param {string} [options.method]  POST unless told
 * @param {AbortSignal} [options.signal]
 */
export async function send(path, body, { csrf, method = 'POST', signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (csrf) headers['X-CSRF-Token'] = csrf;
  const timeout = AbortSignal.timeout?.(TIMEOUT_MS);
  const combined =
    signal && timeout && AbortSignal.any ? AbortSignal.any([signal, timeout]) : (signal ?? timeout);

  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal: combined,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new StaffApiError({ status: 0, title: error.name, detail: error.message });
  }
  if (!response.ok) throw await readProblem(response);
  if (response.status === 204) return null;
  try {
    return await response.json();
  } catch {
    throw new StaffApiError({ status: response.status, title: 'Invalid JSON' });
  }
}

/**
 * POST a file (or any Blob) as the raw request body, the way the registry import takes it,
 * and return the JSON answer.
 */
export async function sendFile(path, file, { csrf, signal } = {}) {
  const headers = {
    Accept: 'application/json',
    'Content-Type': file.type || 'application/octet-stream',
  };
  if (csrf) headers['X-CSRF-Token'] = csrf;
  let response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers,
      body: file,
      credentials: 'same-origin',
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new StaffApiError({ status: 0, title: error.name, detail: error.message });
  }
  if (!response.ok) throw await readProblem(response);
  try {
    return await response.json();
  } catch {
    throw new StaffApiError({ status: response.status, title: 'Invalid JSON' });
  }
}

/** path with the query parameters that have a value (empty ones are left out). */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

async function readProblem(response) {
  const problem = { status: response.status, title: response.statusText };
  if ((response.headers.get('Content-Type') ?? '').includes('json')) {
    try {
      const body = await response.json();
      if (body && typeof body === 'object') {
        const text = (value) => (typeof value === 'string' ? value : '');
        problem.title = text(body.title) || problem.title;
        problem.detail = text(body.detail);
        problem.detailJa = text(body.detail_ja);
        problem.requestId = text(body.request_id);
        if (Array.isArray(body.errors)) problem.errors = body.errors;
        if (Array.isArray(body.required_roles)) {
          problem.requiredRoles = body.required_roles.filter((role) => typeof role === 'string');
        }
        const department = body.required_department;
        if (department && typeof department === 'object') {
          problem.requiredDepartment = { code: text(department.code), name: text(department.name) };
        }
      }
    } catch {
      // A broken error body still leaves us the status.
    }
  }
  return new StaffApiError(problem);
}

/**
 * What to tell staff about a failed call: for a refusal, what was missing (the roles that
 * may, or the department whose staff may); otherwise the API's Japanese detail.
 */
export function problemText(error) {
  if (error instanceof StaffApiError) {
    if (error.offline) return t('errors.offline');
    if (error.status === 403 && error.requiredRoles.length) {
      const roles = error.requiredRoles.map((role) =>
        t('errors.forbidden.role', {
          role: t(has(`roles.${role}`) ? `roles.${role}` : 'roles.unknown'),
        }),
      );
      return t('errors.forbidden.roles', { roles: roles.join(t('errors.forbidden.or')) });
    }
    if (error.status === 403 && error.requiredDepartment?.name) {
      return t('errors.forbidden.department', { department: error.requiredDepartment.name });
    }
    if (error.detailJa) return error.detailJa;
  }
  return t('errors.unexpected');
}

/** The request id of a server failure, for a call to the help desk (5xx only). */
export function problemReference(error) {
  return error instanceof StaffApiError && error.status >= 500 ? error.requestId : '';
}
