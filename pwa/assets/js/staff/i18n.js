// Interface text of the staff app, from i18n/staff-ja.json (the staff app is Japanese only
// for now). The shared i18n.js loads only the resident app's three dictionaries, so this
// module loads the staff one and follows the same markup conventions:
//   data-i18n="key"              sets textContent
//   data-i18n-<attr>="key"       sets that attribute (data-i18n-aria-label, -title…)
//   data-i18n-params='{"n": 3}'  JSON parameters filling {n} in the message

const PREFIX = 'data-i18n-';
const PARAMS = 'data-i18n-params';

let messages = {};

/** Load the staff dictionary and apply it to the whole document. */
export async function loadStaffMessages() {
  const url = new URL('../../i18n/staff-ja.json', import.meta.url);
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`i18n: staff-ja.json answered ${response.status}`);
  messages = await response.json();
  document.documentElement.lang = 'ja';
  document.documentElement.dataset.lang = 'ja';
  applyTranslations(document.documentElement);
}

/** The message for key with {name} placeholders filled from params. */
export function t(key, params = {}) {
  const message = messages[key];
  if (typeof message !== 'string') {
    console.warn(`i18n: missing staff message "${key}"`);
    return key;
  }
  return message.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

/** Whether the dictionary has key (for values such as a role the API may add later). */
export function has(key) {
  return typeof messages[key] === 'string';
}

/** Fill every data-i18n* attribute in root (root included). */
export function applyTranslations(root) {
  const nodes = root.querySelectorAll ? [root, ...root.querySelectorAll('*')] : [];
  for (const node of nodes) {
    if (!node.attributes) continue;
    let params;
    for (const { name, value } of [...node.attributes]) {
      if (name === 'data-i18n') {
        params ??= readParams(node);
        node.textContent = t(value, params);
      } else if (name.startsWith(PREFIX) && name !== PARAMS) {
        params ??= readParams(node);
        node.setAttribute(name.slice(PREFIX.length), t(value, params));
      }
    }
  }
}

function readParams(node) {
  const raw = node.getAttribute(PARAMS);
  if (!raw) return {};
  try {
    return JSON.parse(raw);
  } catch {
    return {};
  }
}

/** A role code from the API in Japanese (管理者, 係長・監督者, 担当職員, 窓口支援). */
export function roleLabel(role) {
  return has(`roles.${role}`) ? t(`roles.${role}`) : t('roles.unknown');
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
