// scheduledAudit in Temporal's time-skipping test environment (the temporal-test-server binary
// from .venv-tools), with the real activities on moto and PostgreSQL: notification retries and
// their backoff (fast-forwarded), a retry after a send that went out sending nothing, and a failed
// scan notified then failing the run. The test server has no Schedules API: the schedule itself,
// its overlap policy and catch-up window are covered on the dev server (schedules.test.ts).
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import type { NotifyRequest } from '../../activities/notifications.js';
import { openStore, type StoreHandle } from '../../cli/runtime.js';
import { awsClientsFrom, type AwsClients } from '../../cloud/aws/clients.js';
import { configSchema } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { scopeHash } from '../../core/scan-id.js';
import { normaliseScope } from '../../core/scope.js';
import { buildWorkflowBundle } from '../../worker/workflow-bundle.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { scheduledAudit, type ScheduledAuditInput } from '../../workflows/contract.js';
import { SCAN_POLICY_PATH, SEEDED_TYPES, seedOrg, type SeededOrg } from '../support/aws-seed.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../support/moto.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/notification-sinks.js';

const TASK_QUEUE = 'scheduled-audit-time-skipping';

describe('scheduledAudit (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let moto: MotoServer;
  let org: SeededOrg;
  let hook: WebhookReceiver;
  let store: StoreHandle;
  let aws: AwsClients;
  let worker: Worker;
  let running: Promise<void>;
  /** Attempts of the webhook activity, per scan, as the worker saw them. */
  const webhookAttempts = new Map<string, number[]>();
  /** Scans whose first webhook attempt "loses" its completion after the send, as a worker crash would. */
  const loseFirstCompletion = new Set<string>();

  beforeAll(async () => {
    [env, database, moto, hook] = await Promise.all([
      TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: path.join(REPO_ROOT, '.venv-tools', 'bin', 'temporal-test-server') } },
      }),
      createTestDatabase(), startMoto(), startWebhookReceiver(),
    ]);
    org = await seedOrg(moto.endpoint);
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = 'us-east-1';
    const config = configSchema.parse({
      database: { url: database.url }, policy: { path: path.join(REPO_ROOT, SCAN_POLICY_PATH) },
      clouds: { aws: { endpoint: moto.endpoint, accounts: org.accounts, regions: org.regions } },
      scheduledCompliance: { notifications: { complianceScoreBelow: 1, webhookUrl: hook.url } },
      logLevel: 'silent',
    });
    store = await openStore(config, createLogger('silent'));
    aws = awsClientsFrom(config);
    const real = createActivities({
      store: store.store, policyPath: config.policy.path, aws,
      awsDefaults: { accounts: org.accounts, regions: org.regions }, notifications: config.scheduledCompliance.notifications,
    });
    worker = await Worker.create({
      connection: env.nativeConnection, taskQueue: TASK_QUEUE, workflowBundle: { codePath: await buildWorkflowBundle() },
      activities: {
        ...real,
        // The real activity, observed; for chosen scans the first attempt fails after its send.
        async webhookScanNotifications(request: NotifyRequest) {
          const { attempt } = Context.current().info;
          webhookAttempts.set(request.outcome.scanId, [...(webhookAttempts.get(request.outcome.scanId) ?? []), attempt]);
          const result = await real.webhookScanNotifications(request);
          if (attempt === 1 && loseFirstCompletion.has(request.outcome.scanWorkflowId.split('-')[2]!)) {
            throw ApplicationFailure.retryable('the worker lost this attempt after the send', 'WorkerLost');
          }
          return result;
        },
      },
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running?.catch(() => undefined);
    aws?.destroy();
    await store?.close();
    await env?.teardown();
    await Promise.all([moto?.stop(), hook?.stop()]);
    await database?.drop();
  });

  function input(scheduleId: string, scope: Parameters<typeof normaliseScope>[0]): ScheduledAuditInput {
    const normalised = normaliseScope(scope);
    return { scheduleId, scan: { scope: normalised, scopeHash: scopeHash(normalised), trigger: 'scheduled', storeSnapshot: true } };
  }

  it('retries refused webhooks with backoff (skipped in time) and delivers once', async () => {
    const req = input('tag-audit-backoff', { resource_types: ['s3:bucket'] });
    hook.script(503, 503, 503);
    const before = hook.requests.length;
    const start = Date.now();
    const envStart = await env.currentTimeMs();
    const outcome = await env.client.workflow.execute(scheduledAudit, { args: [req], workflowId: 'audit-backoff', taskQueue: TASK_QUEUE });
    expect(outcome).toMatchObject({ status: 'completed' });
    // 10 s + 20 s + 40 s of backoff passed in Temporal's time, not in ours.
    expect((await env.currentTimeMs()) - envStart).toBeGreaterThanOrEqual(70_000);
    expect(Date.now() - start).toBeLessThan(60_000);
    const got = hook.requests.slice(before);
    expect(got.map((r) => JSON.parse(r.body).kind)).toEqual(['score_below', 'score_below', 'score_below', 'score_below']);
    expect(webhookAttempts.get(outcome.scanId)).toEqual([1, 2, 3, 4]);
    expect(await store.store.listNotifications(outcome.scanId)).toMatchObject([{ kind: 'score_below', channel: 'webhook', status: 'sent', attempts: 4 }]);
  });

  it('a retry after a send that went out sends nothing', async () => {
    const req = input('tag-audit-lost', { resource_types: ['ec2:instance'] });
    loseFirstCompletion.add(req.scan.scopeHash!);
    const before = hook.requests.length;
    const outcome = await env.client.workflow.execute(scheduledAudit, { args: [req], workflowId: 'audit-lost', taskQueue: TASK_QUEUE });
    expect(webhookAttempts.get(outcome.scanId)).toEqual([1, 2]);
    expect(hook.requests.length - before).toBe(1);
    expect(await store.store.listNotifications(outcome.scanId)).toMatchObject([{ status: 'sent', attempts: 1 }]);
  });

  it('notifies a failed scan, then fails the run', async () => {
    // An account outside the worker's allowed set: nothing can be planned, the scan fails.
    const req = input('tag-audit-failed', { resource_types: [...SEEDED_TYPES], accounts: ['999999999999'] });
    const before = hook.requests.length;
    const err = await env.client.workflow.execute(scheduledAudit, { args: [req], workflowId: 'audit-failed', taskQueue: TASK_QUEUE })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe('ScanFailed');
    const posted = hook.requests.slice(before).map((r) => JSON.parse(r.body) as { kind: string; status: string; error: string });
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ kind: 'failed', status: 'failed' });
    expect(posted[0]!.error).toMatch(/999999999999|allowed/);
  });
  it('a schedule notifying by email only posts no webhook', async () => {
    const req = { ...input('tag-audit-email-only', { resource_types: ['lambda:function'] }), channels: ['email' as const] };
    const before = hook.requests.length;
    const outcome = await env.client.workflow.execute(scheduledAudit, { args: [req], workflowId: 'audit-email-only', taskQueue: TASK_QUEUE });
    expect(outcome.score).toBeLessThan(1);
    expect(webhookAttempts.get(outcome.scanId)).toBeUndefined();
    expect(hook.requests.length).toBe(before);
  });
});
