// Japanese text and dates as residents write them: the era (和暦) of a date, width and
// kana folding, digits typed in full width. The server normalises again; these only help
// the resident see and fix things before sending.

// Each era from its first day; year 1 of an era is written 元年.
const ERAS = [
  { start: '2019-05-01', ja: '令和', en: 'Reiwa' },
  { start: '1989-01-08', ja: '平成', en: 'Heisei' },
  { start: '1926-12-25', ja: '昭和', en: 'Showa' },
  { start: '1912-07-30', ja: '大正', en: 'Taisho' },
];

/** Parse "YYYY-MM-DD" into {year, month, day}, or null when it is not a real date. */
export function parseIsoDate(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value ?? ''));
  if (!match) return null;
  const [year, month, day] = match.slice(1).map(Number);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1) return null;
  return { year, month, day };
}

/**
 * The Japanese-era form of an ISO date as {ja, easy, en} (e.g. 令和8年12月1日 / Reiwa 8),
 * or null for a date before 大正 or not a date.
 */
export function warekiValue(iso) {
  const date = parseIsoDate(iso);
  if (!date) return null;
  const key = String(iso);
  const era = ERAS.find((candidate) => key >= candidate.start);
  if (!era) return null;
  const year = date.year - Number(era.start.slice(0, 4)) + 1;
  const ja = `${era.ja}${year === 1 ? '元' : year}年${date.month}月${date.day}日`;
  return { ja, easy: ja, en: `${era.en} ${year}` };
}

/** A calendar date (ISO "YYYY-MM-DD", no time zone) as {ja, easy, en} text. */
export function dateValue(iso) {
  const date = parseIsoDate(String(iso ?? '').slice(0, 10));
  if (!date) return { ja: String(iso ?? ''), easy: String(iso ?? ''), en: String(iso ?? '') };
  const ja = `${date.year}年${date.month}月${date.day}日`;
  const en = new Intl.DateTimeFormat('en-GB', {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(Date.UTC(date.year, date.month - 1, date.day)));
  return { ja, easy: ja, en };
}

/**
 * A date answered on a form as residents read it back: Gregorian, with the era beside it in
 * Japanese ("1988年2月8日（昭和63年）"); やさしい日本語 and English keep the Gregorian year only.
 * The receipt and staff screens write it the same way (the server's jp.display_date).
 */
export function answerDateValue(iso) {
  const value = dateValue(iso);
  const era = warekiValue(String(iso ?? '').slice(0, 10));
  if (!era) return value;
  const eraYear = era.ja.slice(0, era.ja.indexOf('年') + 1);
  return { ...value, ja: `${value.ja}（${eraYear}）` };
}

/**
 * A Japanese phone number grouped as it is read ("090-1234-5678"), from digits with or
 * without hyphens. Only where the grouping follows from the number alone: mobiles, 050,
 * 0800, 0120, and Tokyo's and Osaka's 03/06; other landlines' area codes run from two to
 * five digits, so they keep the hyphens the resident wrote (or none).
 */
export function phoneValue(text) {
  const written = normalizeWidth(text).trim();
  const digits = written.replace(/[^0-9]/g, '');
  const groups = (...sizes) => {
    const parts = [];
    let at = 0;
    for (const size of sizes) {
      parts.push(digits.slice(at, at + size));
      at += size;
    }
    return parts.join('-');
  };
  if (digits.length === 11 && /^(0[5789]0|0800)/.test(digits)) {
    return digits.startsWith('0800') ? groups(4, 3, 4) : groups(3, 4, 4);
  }
  if (digits.length === 10 && digits.startsWith('0120')) return groups(4, 3, 3);
  if (digits.length === 10 && /^0[36]/.test(digits)) return groups(2, 4, 4);
  return written;
}

/** Katakana as it is printed: half-width ｶﾅ to full width (ﾅｶﾑﾗ → ナカムラ). */
export function fullWidthKana(text) {
  return String(text ?? '').normalize('NFKC');
}

/** Full-width letters and digits to half width (ＡＢＣ１２３ → ABC123), as the server does. */
export function normalizeWidth(text) {
  return String(text ?? '').normalize('NFKC');
}

/** Only the digits of text, full-width ones included ("１２３-4567" → "1234567"). */
export function digitsOnly(text) {
  return normalizeWidth(text).replace(/[^0-9]/g, '');
}

/** Whether text is written in kana only (katakana or hiragana, spaces and ー allowed). */
export function isKana(text) {
  const value = normalizeWidth(text).trim();
  return (
    value !== '' &&
    /^[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc-\u30fe\u30fb\u3000 ]+$/u.test(value)
  );
}

/** 1234567 → "1,234,567" (digits grouped the Japanese way, which is also the English one). */
export function formatNumber(value) {
  const number = Number(value);
  return Number.isFinite(number) ? new Intl.NumberFormat('ja-JP').format(number) : String(value);
}

/** A file size in bytes as {ja, easy, en} text (KB and MB, one decimal under 10). */
export function fileSizeValue(bytes) {
  const size = Number(bytes) || 0;
  let text;
  if (size < 1024) text = `${size} B`;
  else if (size < 1024 * 1024) text = `${roundSize(size / 1024)} KB`;
  else text = `${roundSize(size / (1024 * 1024))} MB`;
  return { ja: text, easy: text, en: text };
}

function roundSize(value) {
  return value < 10 ? value.toFixed(1) : String(Math.round(value));
}
