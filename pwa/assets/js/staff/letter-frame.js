// The activation letter the API returns (letter_html) shown and printed in a sandboxed
// iframe through srcdoc. Under our CSP (frame-src falls back to default-src 'self')
// about:srcdoc frames load but blob: frames are refused. The sandbox grants
// allow-same-origin, so this page may call print() on the frame and size it to its
// content, and allow-modals, which print() needs; no allow-scripts, so nothing in the
// letter can run. The letter's markup is kept as sent; only the staff stylesheet (its
// .staff-letter rules: type, A4 margins) is linked into its head.

import { el } from '../dom.js';

const STYLESHEETS = [
  new URL('../../css/tokens.css', import.meta.url).href,
  new URL('../../css/staff.css', import.meta.url).href,
];

/** The letter as srcdoc: scripts and frames dropped (none expected), our styles linked. */
export function letterDocument(html) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  for (const node of doc.querySelectorAll(
    'script, iframe, object, embed, link, style, base, meta[http-equiv]',
  )) {
    node.remove();
  }
  doc.documentElement.classList.add('staff-letter');
  for (const href of STYLESHEETS) {
    const link = doc.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    doc.head.append(link);
  }
  return `<!doctype html>\n${doc.documentElement.outerHTML}`;
}

/** An iframe showing the letter; it grows to the letter's height. */
export function letterFrame(html, { title, signal }) {
  const frame = el('iframe', {
    class: 'letter-frame',
    title,
    sandbox: 'allow-same-origin allow-modals',
    referrerpolicy: 'no-referrer',
  });
  frame.srcdoc = letterDocument(html);
  const fit = () => {
    const root = frame.contentDocument?.documentElement;
    if (root) frame.style.height = `${Math.ceil(root.scrollHeight) + 2}px`;
  };
  frame.addEventListener('load', fit, { signal });
  window.addEventListener('resize', fit, { signal });
  return frame;
}

/** Print the letter alone. If the frame cannot print, the page prints with only the letter. */
export function printLetter(frame) {
  try {
    frame.contentWindow.focus();
    frame.contentWindow.print();
  } catch (error) {
    console.warn('letter: printing the frame failed, printing the page instead', error);
    const root = document.documentElement;
    root.classList.add('is-printing-letter');
    window.addEventListener('afterprint', () => root.classList.remove('is-printing-letter'), {
      once: true,
    });
    window.print();
  }
}
