// Shown when a screen cannot load or render (e.g. offline before it was ever cached).

import { el } from '../dom.js';
import { errorPanel } from '../ui/status.js';

export const titleKey = 'error.screen.title';

export function mount(outlet) {
  outlet.append(
    el(
      'div',
      { class: 'page' },
      errorPanel({
        titleKey: 'error.screen.title',
        headingLevel: 'h1',
        error: { offline: !navigator.onLine, status: 0 },
        onRetry: () => location.reload(),
      }),
    ),
  );
}
