// JSON over HTTP to our own backend, for the resident and staff apps. Failures become
// ApiError carrying the RFC 9457 problem details, so screens can tell "offline" from "the
// server said no".
//
// Once signed in, every unsafe request carries the session's CSRF token (X-CSRF-Token).
// The token lives in this module's memory only: never in storage, gone with the page.

const TIMEOUT_MS = 20000;
const UPLOAD_TIMEOUT_MS = 120000;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
let csrfToken = '';

/** Remember the CSRF token from the sign-in answer or GET /api/me ('' forgets it). */
export function setCsrfToken(token) {
  csrfToken = typeof token === 'string' ? token : '';
}

export class ApiError extends Error {
  /**
   * @param {object} problem
   * @param {number} problem.status  HTTP status; 0 when no answer came (offline, timeout)
   * @param {string} [problem.title]
   * @param {string} [problem.detail]     in English
   * @param {string} [problem.detail_ja]  the same in Japanese
   * @param {string} [problem.type]
   * @param {string} [problem.instance]
   * @param {number} [problem.retryAfter] seconds, from the Retry-After header
   * and errors (by field), requestId, requiredRoles / requiredDepartment (a refusal's why)
   */
  constructor({
    status,
    title = '',
    detail = '',
    type = 'about:blank',
    instance,
    detail_ja: detailJa = '',
    retryAfter = null,
    errors = [],
    requestId = '',
    requiredRoles = [],
    requiredDepartment = null,
    ...extra
  }) {
    super(detail || title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.detailJa = detailJa;
    this.retryAfter = retryAfter;
    this.type = type;
    this.instance = instance;
    this.errors = errors;
    this.requestId = requestId;
    this.requiredRoles = requiredRoles;
    this.requiredDepartment = requiredDepartment;
    this.extra = extra; // what else the problem carried (title_ja)
  }

  /** No answer from the server: no network, or it took too long. */
  get offline() {
    return this.status === 0;
  }
}

/**
 * GET path and return its JSON body. Throws ApiError for a network failure, a timeout,
 * a non-2xx answer (with the problem details when the body has them) or a body that is
 * not JSON. An abort through the caller's signal rejects with the AbortError as usual.
 */
export function getJSON(path, { signal } = {}) {
  return request(path, { method: 'GET', signal });
}

/**
 * Send body (as JSON, when given) with method and return the JSON answer, or null for an
 * answer without a body (204). Unsafe methods carry the CSRF token; headers adds others
 * (e.g. Idempotency-Key). Errors as getJSON.
 */
export function sendJSON(path, { method = 'POST', body, signal, headers } = {}) {
  return request(path, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    contentType: body === undefined ? null : 'application/json',
    signal,
    headers,
  });
}

/**
 * Send raw bytes (a File or Blob, e.g. an upload) as the request body with its own content
 * type, and return the JSON answer. Carries the CSRF token like sendJSON; errors as getJSON.
 * Uploads from a phone can be slow, so the time limit is longer than for JSON.
 */
export function sendBytes(path, { body, contentType, method = 'POST', signal } = {}) {
  return request(path, {
    method,
    body,
    contentType: contentType || body?.type || 'application/octet-stream',
    signal,
    timeoutMs: UPLOAD_TIMEOUT_MS,
  });
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

async function request(
  path,
  { method, body, contentType = null, signal, headers: extraHeaders, timeoutMs = TIMEOUT_MS },
) {
  const timeout = AbortSignal.timeout ? AbortSignal.timeout(timeoutMs) : undefined;
  const combined =
    signal && timeout && AbortSignal.any ? AbortSignal.any([signal, timeout]) : signal ?? timeout;

  const headers = { Accept: 'application/json', ...extraHeaders };
  if (contentType) headers['Content-Type'] = contentType;
  if (UNSAFE_METHODS.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: combined,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError({ status: 0, title: error.name, detail: error.message });
  }

  if (!response.ok) throw new ApiError(await readProblem(response));
  if (response.status === 204 || response.status === 205) return null;

  try {
    return await response.json();
  } catch {
    throw new ApiError({ status: response.status, title: 'Invalid JSON' });
  }
}

async function readProblem(response) {
  const problem = { status: response.status, title: response.statusText };
  // Seconds to wait (429, 503); an HTTP date is turned into seconds too.
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  if (retryAfter != null) problem.retryAfter = retryAfter;
  const type = response.headers.get('Content-Type') ?? '';
  if (type.includes('json')) {
    try {
      const body = await response.json();
      if (body && typeof body === 'object') {
        // title_ja / detail_ja: our API answers in Japanese as well as English.
        for (const field of ['title', 'detail', 'type', 'instance', 'title_ja', 'detail_ja']) {
          if (typeof body[field] === 'string') problem[field] = body[field];
        }
        if (Array.isArray(body.errors)) problem.errors = body.errors;
        if (typeof body.request_id === 'string') problem.requestId = body.request_id;
        if (Array.isArray(body.required_roles)) {
          problem.requiredRoles = body.required_roles.filter((role) => typeof role === 'string');
        }
        const { code, name } = body.required_department ?? {};
        if (typeof name === 'string') problem.requiredDepartment = { code: String(code), name };
      }
    } catch {
      // A broken error body still leaves us the status.
    }
  }
  return problem;
}

function parseRetryAfter(value) {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.round((date - Date.now()) / 1000));
}
