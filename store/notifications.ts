// The sends of scheduled-scan notifications, keyed by (scan, kind, channel): claimed before a send
// and marked after it, so an activity retried after its send finds the row and sends nothing.
//
// Guarantee: at most once per key. A claim succeeds only for a new key or one whose last send was
// refused before delivery ('failed'); a row left 'sending' (the process died between the claim and
// the mark, or an earlier attempt is still mid-send) or 'unknown' (the connection broke after the
// message went out) is never claimed again, so that notification may be lost but never duplicated. Receivers can also dedupe on the notification id (scan:kind).
import type { Db } from './db.js';

export type NotificationKind = 'failed' | 'partial' | 'score_below';
export type NotificationChannel = 'email' | 'webhook';

export interface NotificationKey {
  scanId: string;
  kind: NotificationKind;
  channel: NotificationChannel;
}

export interface NotificationRecord extends NotificationKey {
  status: 'sending' | 'sent' | 'failed' | 'unknown';
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
}

export function createNotificationQueries(db: Db) {
  return {
    /** Takes the key for one send; false when it was sent already or a send of it is (or was) under way. */
    async claimNotification(key: NotificationKey): Promise<boolean> {
      const rows = await db.query(
        `insert into scan_notifications as n (scan_id, kind, channel, status) values ($1, $2, $3, 'sending')
         on conflict (scan_id, kind, channel) do update set status = 'sending', attempts = n.attempts + 1, claimed_at = now()
           where n.status = 'failed'
         returning 1`, [key.scanId, key.kind, key.channel]);
      return rows.length === 1;
    },
    async markNotificationSent(key: NotificationKey): Promise<void> {
      await db.query(
        `update scan_notifications set status = 'sent', sent_at = now(), last_error = null
         where scan_id = $1 and kind = $2 and channel = $3`, [key.scanId, key.kind, key.channel]);
    },
    /** The send raised an error, so nothing reached the receiver as far as we know: a retry may claim it. */
    async markNotificationFailed(key: NotificationKey, error: string): Promise<void> {
      await db.query(
        `update scan_notifications set status = 'failed', last_error = $4
         where scan_id = $1 and kind = $2 and channel = $3 and status = 'sending'`,
        [key.scanId, key.kind, key.channel, error.slice(0, 1000)]);
    },
    /** The connection broke after the message may have gone out: never claimed again. */
    async markNotificationUnknown(key: NotificationKey, error: string): Promise<void> {
      await db.query(
        `update scan_notifications set status = 'unknown', last_error = $4
         where scan_id = $1 and kind = $2 and channel = $3 and status = 'sending'`,
        [key.scanId, key.kind, key.channel, error.slice(0, 1000)]);
    },
    async listNotifications(scanId: string): Promise<NotificationRecord[]> {
      const rows = await db.query<{ scan_id: string; kind: NotificationKind; channel: NotificationChannel; status: NotificationRecord['status'];
        attempts: number; last_error: string | null; sent_at: Date | string | null }>(
        `select scan_id, kind, channel, status, attempts, last_error, sent_at from scan_notifications
         where scan_id = $1 order by kind, channel`, [scanId]);
      return rows.map((r) => ({
        scanId: r.scan_id, kind: r.kind, channel: r.channel, status: r.status, attempts: r.attempts, lastError: r.last_error,
        sentAt: r.sent_at === null ? null : new Date(r.sent_at).toISOString(),
      }));
    },
  };
}
