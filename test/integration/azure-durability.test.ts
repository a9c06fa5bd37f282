// An Azure shard survives its worker: the worker (the real `worker` command, configured for Azure by
// its AZURE_* variables) is SIGKILLed while the shard waits on a page; the retried attempt on a new worker resumes from
// the nextLink heartbeated after the last written page, not from the first page, and the stored
// totals equal the seeded inventory.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type StoreHandle } from '../../cli/runtime.js';
import { startComplianceScan } from '../../client/scans.js';
import { configSchema, type Config } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { accountWorkflowId, targetKey } from '../../core/account-workflow-id.js';
import type { DevServer } from '../../worker/dev-server.js';
import { progressQuery } from '../../workflows/contract.js';
import { createTestDatabase } from '../support/databases.js';
import { aSubscription, startAzureFake, type AzureFake } from '../support/azure-fake.js';
import { startTestTemporal } from '../support/temporal.js';
import { spawnWorker, type WorkerProcess } from '../support/worker-process.js';

const POLICY = {
  version: 'azure-durable-1',
  required_tags: [{ name: 'Owner', description: 'owner', allowed_values: null, validation_regex: null, applies_to: [] }],
  optional_tags: [],
  tag_naming_rules: { case_sensitivity: false, allow_special_characters: false, max_key_length: 128, max_value_length: 256 },
};
const SUB = 'cccccccc-2222-4000-8000-00000000000c';
const PAGE = 100;

async function waitUntil(ready: () => Promise<boolean> | boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}


describe('an Azure shard after its worker is killed', () => {
  let temporalServer: DevServer;
  let database: { url: string; drop(): Promise<void> };
  let fake: AzureFake;
  let store: StoreHandle;
  let client: Client;
  let config: Config;
  let dir: string;
  let env: Record<string, string>;
  let worker: WorkerProcess | undefined;
  const seeded = [aSubscription(SUB, 1, 1450, (i): Record<string, string> => (i % 5 === 0 ? { Owner: 'x' } : {}))];

  beforeAll(async () => {
    [temporalServer, database, fake] = await Promise.all([startTestTemporal(), createTestDatabase(), startAzureFake(seeded, { pageSize: PAGE })]);
    dir = mkdtempSync(path.join(os.tmpdir(), 'azure-durable-'));
    const policyPath = path.join(dir, 'policy.json');
    writeFileSync(policyPath, JSON.stringify(POLICY));
    env = {
      TEMPORAL_ADDRESS: temporalServer.address, TEMPORAL_TASK_QUEUE: `azure-durable-${process.pid}`, DATABASE_URL: database.url,
      POLICY_PATH: policyPath, DATA_DIR: dir, LOG_LEVEL: 'warn', CONFIG_FILE: '',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AZURE_TENANT_ID: fake.tenantId, AZURE_CLIENT_ID: fake.clientId, AZURE_CLIENT_SECRET: fake.clientSecret,
      AZURE_ENDPOINT_URL: fake.url, AZURE_AUTHORITY_HOST: fake.url, AZURE_CA_FILE: fake.caFile, AZURE_SUBSCRIPTIONS: SUB,
    };
    config = configSchema.parse({ temporal: { address: temporalServer.address, taskQueue: env.TEMPORAL_TASK_QUEUE }, database: { url: database.url }, policy: { path: policyPath }, logLevel: 'silent' });
    store = await openStore(config, createLogger('silent'));
    client = new Client({ connection: await Connection.connect({ address: temporalServer.address }) });
    worker = spawnWorker(env);
  }, 180_000);

  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await client?.connection.close();
    await store?.close();
    await temporalServer?.stop();
    await database?.drop();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('resumes from the heartbeated nextLink, not the first page, with exact totals', async () => {
    const resourcesPath = `/subscriptions/${SUB}/resources`;
    let pages = 0;
    // Pages 1-10 are written (1,000 rows, one flush); 11-12 are read but not written; 13 waits.
    const hold = fake.hold((r) => r.path === resourcesPath && ++pages === 13);
    const { handle } = await startComplianceScan(client, config, { scope: { clouds: ['azure'], resource_types: ['all'] }, overrides: { shardHeartbeatSeconds: 3 } });
    let scanId = '';
    await waitUntil(async () => (scanId = (await handle.query(progressQuery).catch(() => undefined))?.scanId ?? '') !== '', 120_000, () => worker!.output());
    await waitUntil(() => hold.held() === 1, 120_000, () => `page 13 never requested: ${worker!.output()}`);
    expect(await store.store.countScanResources(scanId)).toBeGreaterThanOrEqual(10 * PAGE);

    // The checkpoint Temporal holds: the nextLink after page 10, as a plain string.
    const since = Date.now();
    let details: { token?: string; pages: number; resources: number } | undefined;
    await waitUntil(async () => {
      const described = await client.workflowService.describeWorkflowExecution({
        namespace: config.temporal.namespace, execution: { workflowId: accountWorkflowId(scanId, targetKey('azure', SUB)) },
      }).catch(() => undefined);
      const activity = described?.pendingActivities?.find((a) => a.activityType?.name === 'scanShard' && a.heartbeatDetails?.payloads?.length);
      const beat = activity?.lastHeartbeatTime;
      const at = beat ? Number(beat.seconds ?? 0) * 1000 + Math.floor((beat.nanos ?? 0) / 1e6) : 0;
      const payload = activity?.heartbeatDetails?.payloads?.[0];
      details = payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
      return at > since + 1000 && details?.pages === 10;
    }, 60_000, () => `no settled checkpoint: ${JSON.stringify(details)}`);
    expect(details).toMatchObject({ pages: 10, resources: 10 * PAGE });
    expect(new URL(details!.token!).searchParams.get('$skiptoken')).toBe(String(10 * PAGE));

    await worker!.kill('SIGKILL');
    const killedAt = fake.requests.length;
    hold.release();
    worker = spawnWorker(env);
    const result = await handle.result();

    const retried = fake.requests.slice(killedAt).filter((r) => r.path === resourcesPath).map((r) => r.query.$skiptoken);
    expect(retried[0]).toBe(String(10 * PAGE));
    expect(retried).not.toContain(undefined);
    expect(retried).toHaveLength(Math.ceil(1450 / PAGE) - 10);
    const all = [...seeded[0]!.resources, ...seeded[0]!.groups];
    const compliant = all.filter((r) => r.tags && 'Owner' in r.tags).length;
    expect(result.dataQuality.status).toBe('complete');
    expect(await store.store.scanTotals(result.scanId)).toMatchObject({ total: all.length, compliant });
  }, 300_000);
});
