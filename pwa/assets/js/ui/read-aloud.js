// Read aloud (読み上げ) with the browser's own speech synthesis: the header's button reads
// the screen's main content, the inbox's reads one notice. Japanese and やさしい日本語 are
// read as ja-JP, English as en-US. One reading at a time in the whole app: starting one
// stops any other, and a new screen, a language switch or leaving the page stops it.
// Where the browser has no speech synthesis the buttons stay hidden.

import { el, icon } from '../dom.js';
import { currentLanguage, LANGUAGE_CHANGE_EVENT } from '../i18n.js';

const SPEECH_LANGS = { ja: 'ja-JP', easy: 'ja-JP', en: 'en-US' };
// Some engines stop a long utterance part-way: read sentence by sentence, in pieces of
// at most this many characters, queued one after another.
const PIECE_MAX = 200;

let reading = null; // { button, last }: the button that started it, its last utterance

export function speechAvailable() {
  return (
    typeof window.speechSynthesis?.speak === 'function' &&
    typeof window.SpeechSynthesisUtterance === 'function'
  );
}

/** The BCP 47 tag speech is read in for the current language. */
export function speechLang() {
  return SPEECH_LANGS[currentLanguage()] ?? SPEECH_LANGS.ja;
}

/** Stop reading (only when started by `button`, if one is given). */
export function stopReading(button = null) {
  if (!reading || (button && reading.button !== button)) return;
  const { button: started } = reading;
  reading = null;
  window.speechSynthesis.cancel();
  showSpeaking(started, false);
}

/**
 * Make `button` toggle reading `text()` aloud: while it reads it carries data-speaking,
 * which shows its "stop" word and icon instead of its "read" ones (see readAloudButton
 * for the parts). The button is shown only where speech is available.
 */
export function bindReadAloud(button, text) {
  button.hidden = !speechAvailable();
  button.addEventListener('click', () => {
    if (reading?.button === button) {
      stopReading();
      return;
    }
    stopReading();
    const pieces = splitForSpeech(text());
    if (pieces.length === 0) return;
    const lang = speechLang();
    const utterances = pieces.map((piece) => {
      const utterance = new window.SpeechSynthesisUtterance(piece);
      utterance.lang = lang;
      utterance.onerror = () => stopReading(button);
      return utterance;
    });
    const last = utterances.at(-1);
    last.onend = () => {
      if (reading?.last !== last) return;
      reading = null;
      showSpeaking(button, false);
    };
    reading = { button, last };
    showSpeaking(button, true);
    for (const utterance of utterances) window.speechSynthesis.speak(utterance);
  });
  return button;
}

/** A new read-aloud button for `text()`, e.g. one notice of the inbox; `startKey` names
 * its "read" word (readAloud.start unless given), its "stop" word is readAloud.stop. */
export function readAloudButton(text, { startKey = 'readAloud.start' } = {}) {
  const button = el(
    'button',
    { type: 'button', class: 'button button--outline button--sm read-aloud' },
    icon('speaker', 'button__icon read-aloud__icon--start'),
    icon('stop', 'button__icon read-aloud__icon--stop'),
    el(
      'span',
      { class: 'read-aloud__labels' },
      el('span', { class: 'read-aloud__start', 'data-i18n': startKey }),
      el('span', { class: 'read-aloud__stop', 'data-i18n': 'readAloud.stop' }),
    ),
  );
  return bindReadAloud(button, text);
}

/** The header's button (index.html): reads whatever the screen shows in <main>. Once. */
export function setUpPageReading(button, main) {
  if (!button || !main) return;
  bindReadAloud(button, () => main.innerText);
  document.addEventListener(LANGUAGE_CHANGE_EVENT, () => stopReading());
  window.addEventListener('pagehide', () => stopReading());
}

function showSpeaking(button, speaking) {
  button.toggleAttribute('data-speaking', speaking);
}

/** Sentences (after 。．！？, after . ! ? and a space, at a line break), joined into
 * pieces of PIECE_MAX characters at most. */
export function splitForSpeech(text) {
  const sentences = String(text ?? '')
    .split(/(?<=[。．！？])|(?<=[.!?])\s+|\n+/)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  const pieces = [];
  for (const sentence of sentences) {
    for (let i = 0; i < sentence.length; i += PIECE_MAX) {
      const part = sentence.slice(i, i + PIECE_MAX);
      const previous = pieces.at(-1);
      if (previous && previous.length + part.length + 1 <= PIECE_MAX) {
        pieces[pieces.length - 1] = `${previous} ${part}`;
      } else {
        pieces.push(part);
      }
    }
  }
  return pieces;
}
