// The notification activities against a local SMTP sink and webhook receiver, on a real
// PostgreSQL store: message content, the HMAC signature, and at-most-once delivery per scan and
// kind when an attempt is retried after its send, refused before it, or cut off mid-send.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { openStore, type StoreHandle } from '../../cli/runtime.js';
import { createNotificationActivities, NOTIFICATION_ID_HEADER, SIGNATURE_HEADER, type NotifyRequest } from '../../activities/notifications.js';
import type { ScanOutcome } from '../../workflows/contract.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startSmtpSink, startWebhookReceiver, type SmtpSink, type WebhookReceiver } from '../support/notification-sinks.js';

const SECRET = 'a-webhook-secret-of-some-length';

describe('scheduled-scan notifications', () => {
  let database: TestDatabase;
  let store: StoreHandle;
  let smtp: SmtpSink;
  let hook: WebhookReceiver;
  let acts: ReturnType<typeof createNotificationActivities>;
  let n = 0;

  beforeAll(async () => {
    [database, smtp, hook] = await Promise.all([createTestDatabase(), startSmtpSink(), startWebhookReceiver()]);
    const config = configSchema.parse({ database: { url: database.url }, logLevel: 'silent' });
    store = await openStore(config, createLogger('silent'));
    const settings = configSchema.parse({
      scheduledCompliance: { notifications: {
        complianceScoreBelow: 0.8, emailRecipients: ['finops@example.com'], emailFrom: 'audit@example.com',
        smtp: { host: '127.0.0.1', port: smtp.port, secure: false }, webhookUrl: hook.url, webhookSecret: SECRET,
      } },
    }).scheduledCompliance.notifications;
    acts = createNotificationActivities(store.store, settings);
  });

  afterAll(async () => {
    await store?.close();
    await Promise.all([smtp?.stop(), hook?.stop()]);
    await database?.drop();
  });

  /** A fresh scan per test, so notification keys never collide across tests. */
  function request(outcome: Partial<ScanOutcome>, recipients: string[] = []): NotifyRequest {
    const scanId = `scan-scheduled-aaaaaaaaaaaa-20261205T020${n++}Z.deadbeef`;
    return {
      outcome: { scheduleId: 'tag-audit-default', scanWorkflowId: scanId.split('.')[0]!, scanId, status: 'completed', ...outcome },
      recipients,
    };
  }

  it('mails a partial scan with a low score once per kind, to the configured and the schedule\'s recipients', async () => {
    const req = request({ status: 'partial', score: 0.5, total: 10, missing: 2 }, ['owner@example.com']);
    const before = smtp.messages.length;
    expect(await acts.emailScanNotifications(req)).toMatchObject({ channel: 'email', sent: ['partial', 'score_below'], skipped: [] });
    const mails = smtp.messages.slice(before);
    expect(mails).toHaveLength(2);
    for (const mail of mails) {
      expect(mail.from).toBe('audit@example.com');
      expect(mail.to.sort()).toEqual(['finops@example.com', 'owner@example.com']);
      expect(mail.text).toContain(`Scan id: ${req.outcome.scanWorkflowId}`);
    }
    expect(mails[0]!.raw).toMatch(/Subject: Scheduled tag-compliance scan has partial data \(tag-audit-default\)/);
    expect(mails[1]!.raw).toMatch(/Subject: Compliance score 50\.00% is below 80\.00%/);
    expect(mails[1]!.text).toContain('Targets or shards not read: 2');
    // The retry after a send that was not reported (a worker crash, a timeout): nothing goes out again.
    expect(await acts.emailScanNotifications(req)).toMatchObject({ sent: [], skipped: ['partial', 'score_below'] });
    expect(smtp.messages.length).toBe(before + 2);
    expect((await store.store.listNotifications(req.outcome.scanId)).map((r) => [r.kind, r.channel, r.status]))
      .toEqual([['partial', 'email', 'sent'], ['score_below', 'email', 'sent']]);
  });

  it('retries a mail the SMTP server refused, and delivers it once', async () => {
    const req = request({ status: 'failed', error: 'AccessDenied: no role' });
    const before = smtp.messages.length;
    smtp.refuseNext(451);
    await expect(acts.emailScanNotifications(req)).rejects.toThrow(/email notification refused/);
    expect(smtp.messages.length).toBe(before);
    expect(await acts.emailScanNotifications(req)).toMatchObject({ sent: ['failed'] });
    expect(await acts.emailScanNotifications(req)).toMatchObject({ sent: [], skipped: ['failed'] });
    expect(smtp.messages.length).toBe(before + 1);
    expect(smtp.messages.at(-1)!.text).toContain('Error: AccessDenied: no role');
    const [row] = await store.store.listNotifications(req.outcome.scanId);
    expect(row).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
  });

  it('posts signed JSON; a 5xx is retried, a success is never re-sent', async () => {
    const req = request({ status: 'completed', score: 0.25, total: 4 });
    const before = hook.requests.length;
    hook.script(503);
    await expect(acts.webhookScanNotifications(req)).rejects.toThrow(/webhook answered HTTP 503/);
    expect(await acts.webhookScanNotifications(req)).toMatchObject({ channel: 'webhook', sent: ['score_below'] });
    expect(await acts.webhookScanNotifications(req)).toMatchObject({ sent: [], skipped: ['score_below'] });
    const got = hook.requests.slice(before);
    expect(got).toHaveLength(2); // the refused one and the delivered one, nothing after
    const delivered = got[1]!;
    expect(delivered.headers['content-type']).toBe('application/json');
    expect(delivered.headers[NOTIFICATION_ID_HEADER.toLowerCase()]).toBe(`${req.outcome.scanId}:score_below`);
    expect(delivered.headers[SIGNATURE_HEADER.toLowerCase()])
      .toBe(`sha256=${createHmac('sha256', SECRET).update(delivered.body).digest('hex')}`);
    expect(JSON.parse(delivered.body)).toMatchObject({
      id: `${req.outcome.scanId}:score_below`, kind: 'score_below', schedule_id: 'tag-audit-default',
      scan_id: req.outcome.scanWorkflowId, status: 'completed', score: 0.25, threshold: 0.8, total: 4,
    });
  });

  it('never re-sends a webhook whose connection broke after the request went out', async () => {
    const req = request({ status: 'failed', error: 'boom' });
    const before = hook.requests.length;
    hook.script('drop');
    expect(await acts.webhookScanNotifications(req)).toMatchObject({ sent: [], skipped: ['failed'] });
    expect(await acts.webhookScanNotifications(req)).toMatchObject({ sent: [], skipped: ['failed'] });
    expect(hook.requests.length).toBe(before + 1);
    const [row] = await store.store.listNotifications(req.outcome.scanId);
    expect(row).toMatchObject({ status: 'unknown' });
  });

  it('sends once when two attempts race (an attempt timed out but is still running)', async () => {
    const req = request({ status: 'failed', error: 'boom' });
    const before = hook.requests.length;
    const results = await Promise.all([acts.webhookScanNotifications(req), acts.webhookScanNotifications(req)]);
    expect(results.flatMap((r) => r.sent)).toEqual(['failed']);
    expect(hook.requests.length).toBe(before + 1);
  });

  it('sends nothing for a clean scan above the threshold', async () => {
    const req = request({ status: 'completed', score: 0.95, total: 20 });
    const mails = smtp.messages.length;
    const posts = hook.requests.length;
    expect(await acts.emailScanNotifications(req)).toMatchObject({ sent: [], skipped: [] });
    expect(await acts.webhookScanNotifications(req)).toMatchObject({ sent: [], skipped: [] });
    expect([smtp.messages.length, hook.requests.length]).toEqual([mails, posts]);
  });
});
