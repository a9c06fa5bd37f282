// The cloud seam on real Temporal and PostgreSQL, with the inventory scanner (no AWS at all):
// the cloud-neutral targetScan and shard activity run a non-AWS scanner exactly as they run AWS;
// evaluateInventory and complianceScan take the seam in new runs (their recorded histories
// replay the old path, see replay.test.ts); clouds that cannot be planned are reported.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTemporal, openStore, type StoreHandle, type TemporalHandle } from '../../cli/runtime.js';
import { startComplianceScan } from '../../client/scans.js';
import { INVENTORY_PAGE_SIZE } from '../../cloud/inventory/scanner.js';
import { configSchema, type Config } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { accountWorkflowId, targetKey } from '../../core/account-workflow-id.js';
import type { DevServer } from '../../worker/dev-server.js';
import { createWorker } from '../../worker/worker.js';
import { loadPolicyFile } from '../../store/policy-file.js';
import { CLOUD_SEAM_PATCH, evaluateInventory, progressQuery, targetScan } from '../../workflows/contract.js';
import { createTestDatabase } from '../support/databases.js';
import { anAwsResource, writeInventory } from '../support/inventory.js';
import { startTestTemporal } from '../support/temporal.js';

const POLICY = {
  version: 'seam-1',
  required_tags: [{ name: 'Owner', description: 'owner', allowed_values: null, validation_regex: null, applies_to: [] }],
  optional_tags: [],
  tag_naming_rules: { case_sensitivity: false, allow_special_characters: false, max_key_length: 128, max_value_length: 256 },
};

describe('the cloud seam', () => {
  let temporalServer: DevServer;
  let temporal: TemporalHandle;
  let database: { url: string; drop(): Promise<void> };
  let store: StoreHandle;
  let worker: Worker;
  let workerRun: Promise<void>;
  let config: Config;

  beforeAll(async () => {
    [temporalServer, database] = await Promise.all([startTestTemporal(), createTestDatabase()]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'seam-'));
    const policyPath = path.join(dir, 'policy.json');
    writeFileSync(policyPath, JSON.stringify(POLICY));
    config = configSchema.parse({
      temporal: { address: temporalServer.address, taskQueue: `seam-${process.pid}` },
      database: { url: database.url },
      policy: { path: policyPath },
      dataDir: dir,
      // Nothing listens here: a scan that reached AWS would fail, not pass by accident.
      clouds: { aws: { endpoint: 'http://127.0.0.1:9', sdkMaxAttempts: 1 } },
      logLevel: 'silent',
    });
    const logger = createLogger('silent');
    temporal = await connectTemporal(config, logger, false);
    store = await openStore(config, logger);
    ({ worker } = await createWorker({ config, address: temporal.address, store: store.store, logger }));
    workerRun = worker.run();
  }, 120_000);

  afterAll(async () => {
    worker?.shutdown();
    await workerRun;
    await store?.close();
    await temporal?.close();
    await temporalServer?.stop();
    await database?.drop();
  });

  async function activityTypes(workflowId: string): Promise<string[]> {
    const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((e) => {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
      return name ? [name] : [];
    });
  }

  async function markers(workflowId: string): Promise<string[]> {
    const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((e) => e.markerRecordedEventAttributes ? [JSON.stringify(e.markerRecordedEventAttributes.details)] : []);
  }

  it('runs targetScan over an inventory file of several pages: every resource evaluated and stored once', async () => {
    const total = 2 * INVENTORY_PAGE_SIZE + 101;
    const resources = Array.from({ length: total }, (_, i) => anAwsResource(i % 4 === 0 ? { tags: { Owner: 'team-a' } } : {}));
    const file = writeInventory(resources);
    const scanId = `seam-target-${Date.now()}`;
    // A scan row and policy version, as complianceScan would have made them before its children.
    const version = await loadPolicyFile(store.store, config.policy.path);
    await store.store.createScan({ id: scanId, workflowId: scanId, trigger: 'adhoc', scope: { source: 'inventory', inventoryPath: file }, scopeHash: null, policyVersionId: version.id, storeSnapshot: false });

    const result = await temporal.client.workflow.execute(targetScan, {
      taskQueue: config.temporal.taskQueue,
      workflowId: accountWorkflowId(scanId, targetKey('inventory', file)),
      args: [{ scanId, policyVersionId: version.id, cloud: 'inventory', target: file, resourceTypes: ['all'] }],
    });
    expect(result).toMatchObject({ accountId: `inventory:${file}`, shardsTotal: 1, shardsDone: 1, shardsFailed: 0, resourcesSeen: total, compliant: Math.ceil(total / 4), regions: ['*'], regionSource: 'file' });
    expect(result.failures).toEqual([]);
    const totals = await store.store.scanTotals(scanId);
    expect(totals).toMatchObject({ total, compliant: Math.ceil(total / 4) });
    expect(await activityTypes(accountWorkflowId(scanId, targetKey('inventory', file)))).toEqual(['planTargetShards', 'scanShard']);
  });

  it('records a missing inventory file as the missing target, not a crash', async () => {
    const scanId = `seam-missing-${Date.now()}`;
    const result = await temporal.client.workflow.execute(targetScan, {
      taskQueue: config.temporal.taskQueue,
      workflowId: accountWorkflowId(scanId, 'inventory:/nonexistent.json'),
      args: [{ scanId, policyVersionId: 1, cloud: 'inventory', target: '/nonexistent.json', resourceTypes: ['all'] }],
    });
    expect(result.failures).toEqual([expect.objectContaining({ account: 'inventory:/nonexistent.json', errorType: 'NotFound' })]);
  });

  it('evaluateInventory reads the file through the seam in new runs', async () => {
    const file = writeInventory([anAwsResource({ tags: { Owner: 'x' } }), anAwsResource()]);
    const workflowId = `seam-inventory-${Date.now()}`;
    const result = await temporal.client.workflow.execute(evaluateInventory, {
      taskQueue: config.temporal.taskQueue, workflowId, args: [{ inventoryPath: file }],
    });
    expect(result.totals).toMatchObject({ total: 2, compliant: 1, score: 0.5 });
    const types = await activityTypes(workflowId);
    expect(types).toContain('scanShard');
    expect(types).not.toContain('evaluateInventoryFile');
    expect((await markers(workflowId)).join()).toContain(Buffer.from(JSON.stringify(CLOUD_SEAM_PATCH)).toString('base64'));
  });

  it('fails a scan of clouds none of which can be planned, closing its row as failed with each reason', async () => {
    // This worker has no Azure credential and no GCP scope configured: both clouds are missing.
    const { handle, workflowId } = await startComplianceScan(temporal.client, config, { scope: { clouds: ['azure', 'gcp'], resource_types: ['all'] } });
    const failure = await handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const scanId = (await handle.query(progressQuery)).scanId!;
    const scan = await store.store.getScan(scanId);
    expect(scan?.status).toBe('failed');
    const missing = scan?.dataQuality?.missing ?? [];
    expect(missing.map((m) => m.account).sort()).toEqual(['azure:*', 'gcp:*']);
    // Each says what to set, and none is retried: one planning attempt per cloud.
    for (const m of missing) expect(m.reason).toMatch(/AZURE_|GCP_|GOOGLE_APPLICATION_CREDENTIALS|scopes/);
    expect(await activityTypes(workflowId)).toEqual(['resolvePolicyVersion', 'openScan', 'planTargets', 'planTargets', 'completeScan']);
  });
});
