// Small pieces the support-program screens share: the status badge and the delivery words.

import { has, t } from '../i18n.js';
import { badge } from './ui.js';

export const PROGRAM_STATUSES = ['draft', 'pending', 'active', 'closed'];
export const DELIVERIES = ['inform', 'invite', 'grant'];

const TONES = { draft: 'neutral', pending: 'warning', active: 'success', closed: 'neutral' };

/** 下書き / 承認待ち / 実施中 / 終了 as a badge (words, not colour alone). */
export function programStatusBadge(status) {
  const key = `programs.status.${status}`;
  return badge(has(key) ? t(key) : status, TONES[status] ?? 'key', { 'data-status': status });
}

/** お知らせ / 申請を案内 / 自動で支給. */
export function deliveryLabel(delivery) {
  const key = `programs.delivery.${delivery}`;
  return has(key) ? t(key) : delivery;
}
