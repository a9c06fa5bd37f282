// The notification activities of scheduled scans: email over SMTP (nodemailer) and a JSON webhook
// signed with HMAC-SHA256. Each decides which kinds the outcome calls for (failed, partial, score
// below the threshold) and sends each kind once: a row claimed in scan_notifications before the
// send (store/notifications.ts) makes a retried or replayed attempt skip what went out already.
import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import nodemailer from 'nodemailer';
import type { Config } from '../config/index.js';
import type { NotificationChannel, NotificationKey, NotificationKind, Store } from '../store/index.js';
import type { ScanOutcome } from '../workflows/scheduled-audit.js';

export type NotificationSettings = Config['scheduledCompliance']['notifications'];

/** Header carrying `sha256=<hex HMAC-SHA256 of the raw body, keyed by webhookSecret>`. */
export const SIGNATURE_HEADER = 'X-Tag-Compliance-Signature';
/** Header carrying the notification id (`<scan id>:<kind>`), the same on any re-delivery: receivers may dedupe on it. */
export const NOTIFICATION_ID_HEADER = 'X-Tag-Compliance-Notification-Id';

export interface NotifyRequest {
  outcome: ScanOutcome;
  /** The schedule's own recipients, added to the configured ones. */
  recipients: string[];
}

export interface NotifyResult {
  channel: NotificationChannel;
  /** Kinds sent by this attempt. */
  sent: NotificationKind[];
  /** Kinds an earlier attempt sent (or may have sent): not sent again. */
  skipped: NotificationKind[];
  /** Why nothing could be sent on this channel, e.g. no SMTP host configured. */
  notConfigured?: string;
}

/** The kinds an outcome calls for under these settings. Pure, so the rules are tested directly. */
export function notificationKinds(outcome: ScanOutcome, settings: Pick<NotificationSettings, 'notifyOnFailure' | 'complianceScoreBelow'>): NotificationKind[] {
  const kinds: NotificationKind[] = [];
  if (settings.notifyOnFailure && outcome.status === 'failed') kinds.push('failed');
  if (settings.notifyOnFailure && (outcome.status === 'partial' || outcome.status === 'cancelled')) kinds.push('partial');
  const threshold = settings.complianceScoreBelow;
  if (threshold !== undefined && typeof outcome.score === 'number' && outcome.score < threshold) kinds.push('score_below');
  return kinds;
}

const percent = (score: number) => `${(score * 100).toFixed(2)}%`;

/** Subject and text of one notification; also the webhook's `summary`. */
export function describeNotification(kind: NotificationKind, outcome: ScanOutcome, threshold?: number): { subject: string; text: string } {
  const subject = {
    failed: `Scheduled tag-compliance scan failed (${outcome.scheduleId})`,
    partial: `Scheduled tag-compliance scan ${outcome.status === 'cancelled' ? 'was cancelled' : 'has partial data'} (${outcome.scheduleId})`,
    score_below: `Compliance score ${typeof outcome.score === 'number' ? percent(outcome.score) : '?'} is below ${threshold === undefined ? '?' : percent(threshold)} (${outcome.scheduleId})`,
  }[kind];
  const lines = [
    subject, '',
    `Schedule: ${outcome.scheduleId}`,
    `Scan id: ${outcome.scanWorkflowId}`,
    `Status: ${outcome.status}`,
    ...(typeof outcome.score === 'number' ? [`Score: ${percent(outcome.score)} of ${outcome.total ?? '?'} resources`] : []),
    ...(outcome.missing ? [`Targets or shards not read: ${outcome.missing}`] : []),
    ...(outcome.error ? [`Error: ${outcome.error}`] : []),
    '', `Details: ask get_scan_status with scan_id ${outcome.scanWorkflowId}, or open the workflow in the Temporal UI.`,
  ];
  return { subject, text: lines.join('\n') };
}

/** Whether a failed send certainly delivered nothing (so a retry may send it). */
type Verdict = 'refused' | 'ambiguous';

export function createNotificationActivities(store: Store, settings: NotificationSettings) {
  /** Claims, sends and records each kind; throws (for Temporal to retry) when a send was refused. */
  async function sendEach(channel: NotificationChannel, request: NotifyRequest,
    send: (kind: NotificationKind) => Promise<void>, classify: (err: unknown) => Verdict): Promise<NotifyResult> {
    const result: NotifyResult = { channel, sent: [], skipped: [] };
    let firstError: unknown;
    for (const kind of notificationKinds(request.outcome, settings)) {
      const key: NotificationKey = { scanId: request.outcome.scanId, kind, channel };
      if (!(await store.claimNotification(key))) {
        result.skipped.push(kind);
        continue;
      }
      try {
        await send(kind);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (classify(err) === 'refused') {
          await store.markNotificationFailed(key, message);
          firstError ??= err;
        } else {
          // It may have arrived: recorded, never re-sent (at most once).
          await store.markNotificationUnknown(key, message);
          result.skipped.push(kind);
        }
        continue;
      }
      await store.markNotificationSent(key);
      result.sent.push(kind);
    }
    if (firstError !== undefined) {
      throw ApplicationFailure.create({
        type: 'NotificationRefused', message: `${channel} notification refused: ${firstError instanceof Error ? firstError.message : String(firstError)}`,
      });
    }
    return result;
  }

  return {
    async emailScanNotifications(request: NotifyRequest): Promise<NotifyResult> {
      const recipients = [...new Set([...settings.emailRecipients, ...request.recipients])];
      const { host } = settings.smtp;
      if (recipients.length === 0 || !host) {
        return { channel: 'email', sent: [], skipped: [], notConfigured: !host ? 'no SMTP host (SMTP_HOST)' : 'no recipients' };
      }
      const transport = nodemailer.createTransport({
        host, port: settings.smtp.port, secure: settings.smtp.secure,
        ...(settings.smtp.user ? { auth: { user: settings.smtp.user, pass: settings.smtp.password ?? '' } } : {}),
        connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000,
      });
      try {
        return await sendEach('email', request, async (kind) => {
          const { subject, text } = describeNotification(kind, request.outcome, settings.complianceScoreBelow);
          await transport.sendMail({
            from: settings.emailFrom, to: recipients, subject, text,
            // Stable per scan and kind, so mail systems can recognise a duplicate too.
            messageId: `<${encodeURIComponent(request.outcome.scanId)}.${kind}@finops-tag-compliance>`,
          });
        }, smtpVerdict);
      } finally {
        transport.close();
      }
    },

    async webhookScanNotifications(request: NotifyRequest): Promise<NotifyResult> {
      const url = settings.webhookUrl;
      if (!url) return { channel: 'webhook', sent: [], skipped: [], notConfigured: 'no webhook URL (NOTIFICATION_WEBHOOK_URL)' };
      return sendEach('webhook', request, async (kind) => {
        const { outcome } = request;
        const body = JSON.stringify({
          id: `${outcome.scanId}:${kind}`, kind, schedule_id: outcome.scheduleId, scan_id: outcome.scanWorkflowId,
          status: outcome.status, score: outcome.score ?? null, threshold: settings.complianceScoreBelow ?? null,
          total: outcome.total ?? null, missing: outcome.missing ?? 0, error: outcome.error ?? null,
          summary: describeNotification(kind, outcome, settings.complianceScoreBelow).subject, sent_at: new Date().toISOString(),
        });
        const headers: Record<string, string> = { 'content-type': 'application/json', [NOTIFICATION_ID_HEADER]: `${outcome.scanId}:${kind}` };
        if (settings.webhookSecret) headers[SIGNATURE_HEADER] = `sha256=${signWebhookBody(settings.webhookSecret, body)}`;
        let response: Response;
        try {
          response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
        } catch (err) {
          throw new WebhookError(err instanceof Error ? err.message : String(err), connectionRefused(err) ? 'refused' : 'ambiguous');
        }
        await response.body?.cancel();
        // Any answer is the receiver's word: a non-2xx says it did not take the notification.
        if (!response.ok) throw new WebhookError(`webhook answered HTTP ${response.status}`, 'refused');
      }, (err) => (err instanceof WebhookError ? err.verdict : 'ambiguous'));
    },
  };
}

/** The signature receivers recompute: hex HMAC-SHA256 of the raw request body. */
export function signWebhookBody(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

class WebhookError extends Error {
  constructor(message: string, readonly verdict: Verdict) {
    super(message);
  }
}

/** A connection that never opened carried no request. */
function connectionRefused(err: unknown): boolean {
  const code = (err as { cause?: { code?: string } })?.cause?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH';
}

/**
 * nodemailer: an SMTP reply code means the server answered (and refused: nothing was accepted);
 * errors before the message was handed over (connect, DNS, TLS, auth, envelope) delivered nothing.
 * A socket error or timeout mid-transfer may come after the server accepted the message.
 */
function smtpVerdict(err: unknown): Verdict {
  const e = err as { code?: string; responseCode?: number };
  if (typeof e?.responseCode === 'number') return 'refused';
  return ['ECONNECTION', 'EDNS', 'ETLS', 'EAUTH', 'EENVELOPE', 'ECONFIG', 'ENOAUTH'].includes(e?.code ?? '') ? 'refused' : 'ambiguous';
}
