// /applications/:id[?new=1|?amended=1] — one application: right after filing, a receipt
// panel (受付番号, the target date, 受付票を印刷, what happens next); then its status as
// steps, the answers as filed, attachments, where an approved change reached, the
// timeline, messages with the department, and amend / withdraw when the status allows.
// The parts are built in application/: receipt.js, status.js, record.js, actions.js.

import { getJSON } from '../api.js';
import { el } from '../dom.js';
import { applyTranslations, localize, pick } from '../i18n.js';
import { backLink } from '../ui/back-link.js';
import { messageArea } from '../ui/feedback.js';
import { loadSignedIn } from '../ui/signed-in-data.js';
import { messagePanel, withdrawPanel } from './application/actions.js';
import { receiptLine, receiptPanel } from './application/receipt.js';
import {
  answersPanel,
  attachmentsPanel,
  detailsPanel,
  timelinePanel,
  trackerPanel,
} from './application/record.js';
import { statusPanel } from './application/status.js';

export { statusSteps } from './application/status.js';

export const titleKey = 'application.title';

export async function mount(outlet, ctx) {
  const id = ctx.params.id;
  const isNew = ctx.query.get('new') === '1';
  const heading = el('h1', { class: 'page__title', 'data-i18n': 'application.title' });
  const top = el('div', { class: 'stack' }, heading);
  const content = el('div', { class: 'page__content' });
  outlet.append(
    el('div', { class: 'page' }, backLink('/applications', 'applications.title'), top, content),
  );
  applyTranslations(outlet);

  let messages = null;

  /** Loads (again, after an action: what is shown stays until the answer) and shows. */
  async function load({ message } = {}) {
    const application = await loadSignedIn(content, ctx, {
      signInKey: 'application.signInNeeded',
      errorKey: 'application.loadError',
      notFound: () => el('p', { 'data-i18n': 'application.notFound' }),
      load: () => getJSON(`/api/applications/${encodeURIComponent(id)}`, { signal: ctx.signal }),
      show: (found) => {
        showTitle(found);
        messages = messageArea();
        return panels(found, messages);
      },
    });
    // Said once the panels are on the page: a message may take focus.
    if (application && message) messages.show(message);
  }

  /** The h1 becomes the procedure's name; or, right after filing, the receipt's heading. */
  function showTitle(application) {
    const title = application.procedure?.title;
    ctx.setTitle(() => pick(title).text);
    if (isNew) {
      top.replaceChildren(receiptPanel(application, heading));
    } else {
      heading.removeAttribute('data-i18n');
      localize(heading, title);
      top.replaceChildren(heading, receiptLine(application));
    }
    applyTranslations(top);
  }

  function panels(application, messageNode) {
    const actions = { signal: ctx.signal, reload: load };
    return [
      messageNode.node,
      statusPanel(application),
      detailsPanel(application),
      answersPanel(application),
      application.attachments?.length ? attachmentsPanel(application) : null,
      application.tracker?.length ? trackerPanel(application) : null,
      timelinePanel(application),
      messagePanel(application, actions),
      application.can_withdraw ? withdrawPanel(application, actions) : null,
    ];
  }

  const amended = ctx.query.get('amended') === '1';
  await load({ message: amended ? { tone: 'success', key: 'application.amend.done' } : null });
}
