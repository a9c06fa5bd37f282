// The approval gate in Temporal's time-skipping test environment, with the real activities on moto
// and PostgreSQL: a day-long wait nobody answers expires (skipped in time, not waited) and cancels
// the scan; an approval signalled while it waits runs it; a scheduled audit approved with its
// schedule never waits, whatever its plan.
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { openStore, type StoreHandle } from '../../cli/runtime.js';
import { awsClientsFrom, type AwsClients } from '../../cloud/aws/clients.js';
import { configSchema } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { scopeHash } from '../../core/scan-id.js';
import { normaliseScope } from '../../core/scope.js';
import { buildWorkflowBundle } from '../../worker/workflow-bundle.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import {
  approveSignal, complianceScan, progressQuery, scheduledAudit, type ComplianceScanInput, type ScanApprovalInput,
} from '../../workflows/contract.js';
import { APPROVAL_AUDIT_TOOL } from '../../store/scan-approval.js';
import { SCAN_POLICY_PATH, seedOrg, type SeededOrg } from '../support/aws-seed.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../support/moto.js';

const TASK_QUEUE = 'scan-approval-time-skipping';
const DAY_MS = 86_400_000;

describe('approval gate (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let moto: MotoServer;
  let org: SeededOrg;
  let store: StoreHandle;
  let aws: AwsClients;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    [env, database, moto] = await Promise.all([
      TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: path.join(REPO_ROOT, '.venv-tools', 'bin', 'temporal-test-server') } },
      }),
      createTestDatabase(), startMoto(),
    ]);
    org = await seedOrg(moto.endpoint);
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = 'us-east-1';
    const config = configSchema.parse({
      database: { url: database.url }, policy: { path: path.join(REPO_ROOT, SCAN_POLICY_PATH) },
      clouds: { aws: { endpoint: moto.endpoint, accounts: org.accounts, regions: org.regions } },
      logLevel: 'silent',
    });
    store = await openStore(config, createLogger('silent'));
    aws = awsClientsFrom(config);
    worker = await Worker.create({
      connection: env.nativeConnection, taskQueue: TASK_QUEUE, workflowBundle: { codePath: await buildWorkflowBundle() },
      activities: createActivities({ store: store.store, policyPath: config.policy.path, aws, awsDefaults: { accounts: org.accounts, regions: org.regions } }),
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running?.catch(() => undefined);
    aws?.destroy();
    await store?.close();
    await env?.teardown();
    await moto?.stop();
    await database?.drop();
  });

  /** Every seeded account and region over a threshold of one: always gated. */
  const approval = (over: Partial<ScanApprovalInput> = {}): ScanApprovalInput =>
    ({ maxTargetRegionTypes: 1, maxEstimatedCalls: 20_000, maxEstimatedSpendUsd: 1, timeoutSeconds: 86_400, ...over });
  function scanInput(type: string, over: Partial<ComplianceScanInput> = {}): ComplianceScanInput {
    const scope = normaliseScope({ resource_types: [type] });
    return { scope, scopeHash: scopeHash(scope), trigger: 'adhoc', storeSnapshot: false, approval: approval(), ...over };
  }
  const decisions = async (scanId: string) => (await store.store.listAudit({ limit: 1000 }))
    .filter((a) => a.tool === APPROVAL_AUDIT_TOOL && (a.params as { scan_id?: string }).scan_id === scanId);

  it('a day without approval expires the wait in Temporal time and cancels the scan', async () => {
    const envStart = await env.currentTimeMs();
    const wallStart = Date.now();
    const result = await env.client.workflow.execute(complianceScan, {
      args: [scanInput('s3:bucket')], workflowId: 'scan-adhoc-expiry', taskQueue: TASK_QUEUE,
    });
    expect(result).toMatchObject({ status: 'cancelled', reason: 'approval expired' });
    expect(result.totals.total).toBe(0);
    expect((await env.currentTimeMs()) - envStart).toBeGreaterThanOrEqual(DAY_MS);
    expect(Date.now() - wallStart).toBeLessThan(60_000);
    const row = await store.store.getScanApproval(result.scanId);
    expect(row).toMatchObject({ status: 'cancelled', approvedBy: null });
    expect(row!.approvalExpiredAt).not.toBeNull();
    expect(await decisions(result.scanId)).toMatchObject([{ outcome: 'expired', actor: 'system' }]);
  });

  it('an approval signalled while it waits runs the scan', async () => {
    const handle = await env.client.workflow.start(complianceScan, {
      args: [scanInput('ec2:instance')], workflowId: 'scan-adhoc-approved', taskQueue: TASK_QUEUE,
    });
    // Queries do not skip time: poll until the gate holds the scan.
    let progress = await handle.query(progressQuery);
    for (let i = 0; progress.phase !== 'awaiting_approval' && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      progress = await handle.query(progressQuery);
    }
    expect(progress.phase).toBe('awaiting_approval');
    expect(progress.approval?.reasons.length).toBeGreaterThan(0);
    await handle.signal(approveSignal, { approver: 'dana', planHash: progress.approval!.planHash });
    const result = await handle.result();
    expect(result.status).toBe('completed');
    expect(result.totals.total).toBeGreaterThan(0);
    expect(await store.store.getScanApproval(result.scanId)).toMatchObject({ status: 'completed', approvedBy: 'dana' });
  });

  it('a scheduled audit approved with its schedule never waits', async () => {
    const scan = scanInput('lambda:function', {
      trigger: 'scheduled', storeSnapshot: true,
      approval: approval({ preApproved: { approver: 'erin', at: '2026-12-01T00:00:00.000Z', note: 'schedule tag-audit-x' } }),
    });
    const outcome = await env.client.workflow.execute(scheduledAudit, {
      args: [{ scheduleId: 'tag-audit-x', scan, channels: [] }], workflowId: 'audit-preapproved', taskQueue: TASK_QUEUE,
    });
    // Nobody approves here: a scan that had waited would have expired (cancelled, decision 'expired').
    // Elapsed Temporal time is no witness: the test server may skip to any idle workflow's far timer.
    expect(outcome.status).toBe('completed');
    expect(await store.store.getScanApproval(outcome.scanId)).toMatchObject({ approvedBy: 'erin' });
    expect(await decisions(outcome.scanId)).toMatchObject([{ outcome: 'approved', actor: 'erin', params: { via: 'schedule' } }]);
  });
});
