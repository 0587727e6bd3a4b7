// Interface text in three languages: ja (日本語), easy (やさしい日本語, lang="ja") and en
// (the staff app: staff-ja.json, with ja.json's words for the residents' form fields).
//
// Markup names its strings instead of holding them:
//   data-i18n="key"                 sets textContent (the element holds text only)
//   data-i18n-<attr>="key"          sets that attribute, e.g. data-i18n-aria-label, -placeholder
//   data-i18n-params='{"n": 3}'     JSON parameters for both, filling {n} in the message
// and data from the API, which carries every language, is bound with localize(node, value).
// Switching language re-applies all of these in place, so screens need not re-render.

export const LANGUAGES = ['ja', 'easy', 'en'];
export const DEFAULT_LANGUAGE = 'ja';
export const LANGUAGE_CHANGE_EVENT = 'todoke:languagechange';

const STORAGE_KEY = 'todoke.lang';
const ATTRIBUTE_PREFIX = 'data-i18n-';
const PARAMS_ATTRIBUTE = 'data-i18n-params';
const VALUE_ATTRIBUTE = 'data-i18n-value';

const dictionaries = new Map();
// Words every message may use: the municipality's name, kind (市/町/村/区) and office, in
// each language ({"ja": "町", "easy": "まち", "en": "town"}). Until the municipality is
// known, the words the screens had before: a city.
const common = {
  municipality: { ja: '', easy: '', en: '' },
  kind: { ja: '市', easy: 'し', en: 'city' },
  Kind: { ja: '市', easy: 'し', en: 'City' },
  office: { ja: '市役所', easy: 'しやくしょ', en: 'city office' },
};
const boundValues = new WeakMap();
let current = DEFAULT_LANGUAGE;
let messages = {};
const lent = [];
let latestRequest = 0;

/** The language in use: "ja", "easy" or "en". */
export function currentLanguage() {
  return current;
}

/** The BCP 47 tag for a language code: やさしい日本語 is still Japanese. */
export function htmlLang(code = current) {
  return code === 'en' ? 'en' : 'ja';
}

/** The saved choice, else the first of navigator.languages we speak (en* → en), else ja. */
export function preferredLanguage() {
  const saved = readStorage();
  if (LANGUAGES.includes(saved)) return saved;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const lower = String(tag).toLowerCase();
    if (lower.startsWith('ja')) return 'ja';
    if (lower.startsWith('en')) return 'en';
  }
  return DEFAULT_LANGUAGE;
}

/**
 * Load a language, make it current, remember it, and update the whole document.
 * Resolves once the page shows the new language; a newer call wins over an older one.
 * A fallback passes remember: false so it never overwrites the resident's own choice.
 * dictionary: another file under i18n/ for the language ('staff-ja').
 */
export async function loadLanguage(code, { remember = true, dictionary: name = null } = {}) {
  const language = LANGUAGES.includes(code) ? code : DEFAULT_LANGUAGE;
  const request = ++latestRequest;
  // Remember the choice at once: a resident who picks a language and moves on before the
  // dictionary arrives must still get it on the next screen.
  if (remember) writeStorage(language);
  const dictionary = await fetchDictionary(name ?? language);
  if (request !== latestRequest) return current;

  // Words lent before (lendWords) stay lent under the new dictionary.
  if (lent.length) {
    const borrowed = await Promise.all(lent.map((file) => fetchDictionary(file)));
    if (request !== latestRequest) return current;
    messages = Object.assign({}, ...borrowed, dictionary);
  } else messages = dictionary;
  current = language;
  const root = document.documentElement;
  root.lang = htmlLang(language);
  root.dataset.lang = language;
  applyTranslations(root);
  document.dispatchEvent(new CustomEvent(LANGUAGE_CHANGE_EVENT, { detail: { language } }));
  return language;
}

/**
 * Lend another file's words to the loaded dictionary where it has none of its own: the
 * staff app borrows 'ja' when its designer previews the residents' form fields, and only
 * then (ja.json is a fifth of the staff app's first load). Its own keys keep their words.
 */
export async function lendWords(name) {
  const words = await fetchDictionary(name);
  if (!lent.includes(name)) lent.push(name);
  messages = { ...words, ...messages };
}

/**
 * The message for key in the current language, with {name} placeholders filled from params.
 * A numeric params.count selects "key.one" / "key.other" by the language's plural rules;
 * a parameter given as {ja, easy, en} is filled in the current language.
 */
export function t(key, params = {}) {
  let message;
  if (typeof params.count === 'number') {
    const category = new Intl.PluralRules(htmlLang()).select(params.count);
    message = messages[`${key}.${category}`] ?? messages[`${key}.other`];
  }
  message ??= messages[key];
  if (typeof message !== 'string') {
    console.warn(`i18n: missing message "${key}" for ${current}`);
    return key;
  }
  return message.replace(/\{(\w+)\}/g, (whole, name) => {
    if (Object.hasOwn(params, name)) return paramText(params[name]);
    return Object.hasOwn(common, name) ? paramText(common[name]) : whole;
  });
}

/**
 * The municipality this app serves, for every message's {municipality}, {kind}, {Kind} and
 * {office}: name as the API gives it, kind and office from its branding. Shown at once.
 */
export function setMunicipalityWords({ name, kind, office }) {
  if (name) common.municipality = name;
  if (kind) {
    common.kind = kind;
    common.Kind = { ...kind, en: capitalise(kind.en ?? '') };
  }
  if (office) common.office = office;
  if (Object.keys(messages).length) applyTranslations(document.documentElement);
}

/** Whether the municipality's name is known (the title names it then). */
export function municipalityKnown() {
  return pick(common.municipality).text !== '';
}

function capitalise(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Whether the dictionary has key (for codes such as a role the API may add later). */
export function has(key) {
  return typeof messages[key] === 'string';
}

// A parameter may itself be in every language ({"ja": "2026年4月1日", "en": "1 April
// 2026"}): it is then shown in the current one, and follows a language switch.
function paramText(value) {
  return value && typeof value === 'object' ? pick(value).text : String(value);
}

/** Fill every data-i18n* attribute and localize()d node in root (root included). */
export function applyTranslations(root) {
  const nodes = root.querySelectorAll ? [root, ...root.querySelectorAll('*')] : [];
  for (const node of nodes) {
    if (!node.attributes) continue;
    let params;
    for (const { name, value } of [...node.attributes]) {
      if (name === 'data-i18n') {
        params ??= readParams(node);
        node.textContent = t(value, params);
      } else if (
        name.startsWith(ATTRIBUTE_PREFIX) &&
        name !== PARAMS_ATTRIBUTE &&
        name !== VALUE_ATTRIBUTE
      ) {
        params ??= readParams(node);
        node.setAttribute(name.slice(ATTRIBUTE_PREFIX.length), t(value, params));
      } else if (name === VALUE_ATTRIBUTE) {
        writeLocalized(node, boundValues.get(node));
      }
    }
  }
}

/**
 * The text of an API value such as {"ja": "市民課", "easy": "しみんか", "en": "Citizens
 * Division"} in the current language, falling back to ja, with the language it is in.
 */
export function pick(value) {
  if (value == null) return { text: '', lang: htmlLang() };
  if (typeof value === 'string') return { text: value, lang: htmlLang() };
  for (const code of [current, DEFAULT_LANGUAGE]) {
    if (typeof value[code] === 'string' && value[code] !== '') {
      return { text: value[code], lang: htmlLang(code) };
    }
  }
  return { text: '', lang: htmlLang() };
}

/** Show an API value in node, in the current language now and after every switch. */
export function localize(node, value) {
  boundValues.set(node, value);
  node.setAttribute(VALUE_ATTRIBUTE, '');
  writeLocalized(node, value);
  return node;
}

function writeLocalized(node, value) {
  const { text, lang } = pick(value);
  node.textContent = text;
  // A fallback in another language is marked, so screen readers pronounce it right.
  if (lang !== htmlLang()) node.lang = lang;
  else node.removeAttribute('lang');
}

function readParams(node) {
  const raw = node.getAttribute(PARAMS_ATTRIBUTE);
  if (!raw) return {};
  try {
    return JSON.parse(raw);
  } catch {
    return {};
  }
}

async function fetchDictionary(name) {
  if (!dictionaries.has(name)) {
    const url = new URL(`../i18n/${name}.json`, import.meta.url);
    const loading = fetch(url, { credentials: 'same-origin' }).then((response) => {
      if (!response.ok) throw new Error(`i18n: ${name}.json answered ${response.status}`);
      return response.json();
    });
    dictionaries.set(name, loading);
    loading.catch(() => dictionaries.delete(name));
  }
  return dictionaries.get(name);
}

function readStorage() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function writeStorage(language) {
  try {
    localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // Storage can be off (private mode, policy); the choice then lasts for this page only.
  }
}
