// Building DOM without innerHTML: text goes in as text, never parsed as markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * el('p', {class: 'hint', 'data-i18n': 'x.y'}, 'text', childNode)
 * Attribute values true/false add/omit a boolean attribute; null/undefined are skipped.
 * Children may be nodes or strings (added as text), nested arrays are flattened.
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  setAttributes(node, attributes);
  node.append(...children.flat(Infinity).filter((child) => child != null && child !== false));
  return node;
}

function setAttributes(node, attributes) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value == null || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
}

// 24 × 24 outline icons, drawn with currentColor so they follow the text colour.
const ICONS = {
  search: ['circle:11,11,7', 'M16.2 16.2 21 21'],
  chevronRight: ['M9 5.5 15.5 12 9 18.5'],
  speaker: ['M4 9.5h3.5L12 5.5v13l-4.5-4H4z', 'M15.5 9a4 4 0 0 1 0 6M18 6.5a7.5 7.5 0 0 1 0 11'],
  stop: ['M7 7h10v10H7z'],
  online: ['circle:12,12,9', 'm7.8 12.3 3 3 5.6-6.4'],
  booking: ['M4 6.5h16V20H4z', 'M4 10.5h16M8.5 3.5v5M15.5 3.5v5M8 14h3M13 14h3M8 17h3'],
  interview: ['M3.5 5.5h13v9h-7l-4 3.5v-3.5h-2z', 'M16.5 9h4v8.5h-2V20l-3-2.5H11'],
  alert: ['circle:12,12,9', 'M12 7.5v6M12 16.3v.2'],
  info: ['circle:12,12,9', 'M12 11v5.5M12 7.8v.2'],
  emptyBox: ['M3.5 8 12 4l8.5 4v9L12 21l-8.5-4z', 'M3.5 8 12 12l8.5-4M12 12v9'],
  refresh: ['M20 12a8 8 0 1 1-2.3-5.7', 'M20 4v4.5h-4.5'],
  home: ['M3.5 10.5 12 3.5l8.5 7V20a1 1 0 0 1-1 1H15v-6H9v6H4.5a1 1 0 0 1-1-1z'],
  check: ['circle:12,12,9', 'm7.8 12.3 3 3 5.6-6.4'],
  passkey: ['circle:8,8,4.5', 'M11.2 11.2 20 20M16.5 16.5l2.5-2.5M14 14l2-2'],
  person: ['circle:12,8,4', 'M4 20.5c1.2-4 4.3-6 8-6s6.8 2 8 6'],
  plus: ['M12 5v14M5 12h14'],
  pencil: ['M4 20h4L19 9l-4-4L4 16z', 'M13.5 6.5l4 4'],
  trash: ['M4.5 6.5h15M9.5 6.5V4h5v2.5M6.5 6.5 7.5 20h9l1-13.5', 'M10 10.5v6M14 10.5v6'],
  signOut: ['M14 4H5v16h9', 'M10 12h10M16.5 8.5 20 12l-3.5 3.5'],
  shield: ['M12 3 4.5 6v5.5c0 4.6 3.2 8.2 7.5 9.5 4.3-1.3 7.5-4.9 7.5-9.5V6z', 'm8.8 12 2.2 2.2 4.2-4.4'],
  bell: ['M6 16.5V11a6 6 0 0 1 12 0v5.5l1.5 2h-15z', 'M10 20.5a2 2 0 0 0 4 0'],
  sync: ['M19.5 9A7.5 7.5 0 0 0 5.8 7.2M4.5 15a7.5 7.5 0 0 0 13.7 1.8', 'M5.5 3.5v4h4M18.5 20.5v-4h-4'],
  device: ['M7 2.5h10v19H7z', 'M11 18.5h2'],
  store: ['M3.5 9.5 5 4h14l1.5 5.5', 'M3.5 9.5h17M5 9.5V20h14V9.5M9.5 20v-5h5v5'],
  chevronLeft: ['M15 5.5 8.5 12 15 18.5'],
  lock: ['M6 10.5h12V20H6z', 'M8.5 10.5V8a3.5 3.5 0 0 1 7 0v2.5'],
  document: ['M6 3h8.5L19 7.5V21H6z', 'M14 3v5h5M9 12h7M9 15.5h7'],
  upload: ['M12 15.5V4M7.5 8.5 12 4l4.5 4.5', 'M4.5 15v5h15v-5'],
  printer: ['M7 9V3.5h10V9', 'M7 17H4.5V9h15v8H17', 'M7 14h10v6.5H7z'],
  send: ['M3.5 11.5 20.5 4l-5 16.5-4-7z', 'm11.5 13.5 9-9.5'],
  people: [
    'circle:9,8,3.5',
    'M2.5 20c.8-3.6 3.3-5.5 6.5-5.5s5.7 1.9 6.5 5.5',
    'M15.5 4.8a3.5 3.5 0 0 1 0 6.4M18 14.8c1.9.8 3 2.5 3.5 5.2',
  ],
  clock: ['circle:12,12,9', 'M12 7v5.5l3.5 2'],
  gift: [
    'M4.5 11h15v9.5h-15zM3.5 7.5h17V11h-17zM12 7.5v13',
    'M12 7.5C10.5 4 7 3.5 7 5.5S10 7.5 12 7.5c2 0 5 0 5-2s-3.5-1.5-5 2',
  ],
  eye: ['M2.5 12C4.8 7.8 8.1 5.5 12 5.5s7.2 2.3 9.5 6.5c-2.3 4.2-5.6 6.5-9.5 6.5S4.8 16.2 2.5 12z', 'circle:12,12,3'],
  checklist: [
    'M10 6.5h10M10 12h10M10 17.5h10',
    'm3.8 6.5 1.5 1.5 2.5-2.7M3.8 12l1.5 1.5 2.5-2.7M3.8 17.5l1.5 1.5 2.5-2.7',
  ],
};

/** An inline SVG icon, hidden from assistive technology (its meaning is in nearby text). */
export function icon(name, className = '') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', `icon ${className}`.trim());
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const shape of ICONS[name] ?? []) {
    if (shape.startsWith('circle:')) {
      const [cx, cy, r] = shape.slice(7).split(',');
      const circle = document.createElementNS(SVG_NS, 'circle');
      circle.setAttribute('cx', cx);
      circle.setAttribute('cy', cy);
      circle.setAttribute('r', r);
      svg.append(circle);
    } else {
      const path = document.createElementNS(SVG_NS, 'path');
      path.setAttribute('d', shape);
      svg.append(path);
    }
  }
  return svg;
}

/** Say message through the page's polite live region (one shared region, in index.html). */
export function announce(message) {
  const region = document.querySelector('[data-announcer]');
  if (!region) return;
  region.textContent = '';
  // A fresh text node after a tick makes screen readers read a repeated message again.
  setTimeout(() => {
    region.textContent = message;
  }, 50);
}
