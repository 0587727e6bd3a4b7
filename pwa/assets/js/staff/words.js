// Words and formats of the staff app only (it is Japanese only): role names, dates as
// Japanese staff read them, and what to tell staff about a failed call. The text itself
// comes from i18n/staff-ja.json through the shared i18n.js, which app.js loads.

import { ApiError } from '../api.js';
import { has, t } from '../i18n.js';

/** A role code from the API in Japanese (管理者, 係長・監督者, 担当職員, 窓口支援). */
export function roleLabel(role) {
  return has(`roles.${role}`) ? t(`roles.${role}`) : t('roles.unknown');
}

/**
 * What to tell staff about a failed call: for a refusal, what was missing (the roles that
 * may, or the department whose staff may); otherwise the API's Japanese detail.
 */
export function problemText(error) {
  if (error instanceof ApiError) {
    if (error.offline) return t('errors.offline');
    if (error.status === 403 && error.requiredRoles.length) {
      const roles = error.requiredRoles.map((role) =>
        t('errors.forbidden.role', { role: roleLabel(role) }),
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
  return error instanceof ApiError && error.status >= 500 ? error.requestId : '';
}

/** A browser-side WebAuthn failure in words staff can act on. */
export function passkeyErrorText(error) {
  switch (error?.name) {
    case 'NotAllowedError':
    case 'AbortError':
      return t('passkey.cancelled');
    case 'InvalidStateError':
      return t('passkey.exists');
    case 'SecurityError':
      return t('passkey.security');
    case 'NotSupportedError':
      return t('passkey.unsupported');
    default:
      return t('passkey.failed');
  }
}

const DATE_TIME = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', {
  era: 'long',
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'Asia/Tokyo',
});

/** An API timestamp as Japanese users read it: 令和7年12月29日 10:00 (Japan time). */
export function formatDateTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso ?? '') : DATE_TIME.format(date);
}

const DATE = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', {
  era: 'long',
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  timeZone: 'Asia/Tokyo',
});

/** An API date (2026-04-01) or timestamp as a day: 令和8年4月1日 (Japan time). */
export function formatDate(iso) {
  if (!iso) return '';
  const text = String(iso);
  // A bare date is a day in Japan, whatever the desk's own time zone.
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00+09:00` : text);
  return Number.isNaN(date.getTime()) ? text : DATE.format(date);
}

const NUMBER = new Intl.NumberFormat('ja-JP');
const PERCENT = new Intl.NumberFormat('ja-JP', { style: 'percent', maximumFractionDigits: 1 });

/** A count with thousands separators (1,234). */
export function formatNumber(value) {
  return value == null ? '' : NUMBER.format(value);
}

/** A share (0.25) as a percentage (25%). */
export function formatPercent(value) {
  return value == null ? '' : PERCENT.format(value);
}

/** Today in Japan as YYYY-MM-DD (the value of a date input). */
export function todayInJapan() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(new Date());
}
