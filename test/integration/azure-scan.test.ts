// An Azure scan end to end on real Temporal and PostgreSQL: complianceScan with scope clouds
// ['azure'] plans the tenant's subscriptions and their shards through the Azure scanner, whose
// real SDK clients read a local ARM fake; the stored totals equal the seeded inventory, counted
// here independently. Without credentials the scan records Azure as missing, naming what to set.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { connectTemporal, openStore, type StoreHandle, type TemporalHandle } from '../../cli/runtime.js';
import { startComplianceScan } from '../../client/scans.js';
import { awsClientsFrom } from '../../cloud/aws/clients.js';
import { configSchema, type Config } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import type { DevServer } from '../../worker/dev-server.js';
import { buildWorkflowBundle } from '../../worker/workflow-bundle.js';
import { progressQuery } from '../../workflows/contract.js';
import { createTestDatabase } from '../support/databases.js';
import { aSubscription, startAzureFake, type AzureFake, type FakeArmResource } from '../support/azure-fake.js';
import { startTestTemporal } from '../support/temporal.js';

const POLICY = {
  version: 'azure-1',
  required_tags: [{ name: 'Owner', description: 'owner', allowed_values: null, validation_regex: null, applies_to: [] }],
  optional_tags: [],
  tag_naming_rules: { case_sensitivity: false, allow_special_characters: false, max_key_length: 128, max_value_length: 256 },
};
const SUB_A = 'aaaaaaaa-1111-4000-8000-00000000000a';
const SUB_B = 'bbbbbbbb-1111-4000-8000-00000000000b';

describe('an Azure scan through Temporal', () => {
  let temporalServer: DevServer;
  let temporal: TemporalHandle;
  let database: { url: string; drop(): Promise<void> };
  let store: StoreHandle;
  let fake: AzureFake;
  let config: Config;
  let bundleDir: string;
  let connection: NativeConnection;
  const workers: { worker: Worker; run: Promise<void> }[] = [];
  const seeded = [
    aSubscription(SUB_A, 4, 30, (i): Record<string, string> => (i % 4 === 0 ? { Owner: `team-${i}` } : i % 4 === 1 ? { owner: 'lowercase-key' } : {})),
    aSubscription(SUB_B, 2, 11, (i): Record<string, string> => (i % 2 === 0 ? { Owner: 'b' } : { env: 'prod' })),
  ];

  beforeAll(async () => {
    [temporalServer, database, fake] = await Promise.all([startTestTemporal(), createTestDatabase(), startAzureFake(seeded, { pageSize: 25 })]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'azure-scan-'));
    const policyPath = path.join(dir, 'policy.json');
    writeFileSync(policyPath, JSON.stringify(POLICY));
    config = configSchema.parse({
      temporal: { address: temporalServer.address, taskQueue: `azure-${process.pid}` },
      database: { url: database.url },
      policy: { path: policyPath },
      dataDir: dir,
      clouds: {
        // Nothing listens here: a scan that reached AWS would fail, not pass by accident.
        aws: { endpoint: 'http://127.0.0.1:9', sdkMaxAttempts: 1 },
        azure: { tenantId: fake.tenantId, clientId: fake.clientId, clientSecret: fake.clientSecret, endpoint: fake.url, authorityHost: fake.url, caFile: fake.caFile, maxConcurrentShards: 2 },
      },
      logLevel: 'silent',
    });
    const logger = createLogger('silent');
    temporal = await connectTemporal(config, logger, false);
    store = await openStore(config, logger);
    const bundle = await buildWorkflowBundle();
    bundleDir = path.dirname(bundle);
    connection = await NativeConnection.connect({ address: temporalServer.address });
    // Two workers of one bundle: one with the fake's credential, one with none configured.
    for (const [taskQueue, azure] of [[config.temporal.taskQueue, config.clouds.azure], [`${config.temporal.taskQueue}-bare`, {}]] as const) {
      const worker = await Worker.create({
        connection, namespace: config.temporal.namespace, taskQueue, workflowBundle: { codePath: bundle },
        activities: createActivities({ store: store.store, policyPath, aws: awsClientsFrom(config), azure }),
      });
      workers.push({ worker, run: worker.run() });
    }
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) w.worker.shutdown();
    await Promise.all(workers.map((w) => w.run));
    await connection?.close();
    await store?.close();
    await temporal?.close();
    await temporalServer?.stop();
    await database?.drop();
    await fake?.close();
    if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  });

  it('scans every subscription of the tenant: stored totals equal the seeded inventory', async () => {
    fake.requests.length = 0;
    const { handle } = await startComplianceScan(temporal.client, config, { scope: { clouds: ['azure'], resource_types: ['all'] } });
    const result = await handle.result();
    expect(result.dataQuality).toMatchObject({ status: 'complete', missingTotal: 0 });

    const everything: (FakeArmResource & { sub: string })[] = seeded.flatMap((s) => [...s.resources, ...s.groups].map((r) => ({ ...r, sub: s.subscriptionId })));
    // The policy is case-insensitive, so `owner` counts as `Owner` (Azure tag keys are case-insensitive too).
    const compliant = everything.filter((r) => Object.keys(r.tags ?? {}).some((k) => k.toLowerCase() === 'owner')).length;
    const totals = await store.store.scanTotals(result.scanId);
    expect(totals).toMatchObject({ total: everything.length, compliant, nonCompliant: everything.length - compliant });
    expect(totals.byAccount).toEqual({
      [SUB_A]: expect.objectContaining({ total: seeded[0]!.resources.length + seeded[0]!.groups.length }),
      [SUB_B]: expect.objectContaining({ total: seeded[1]!.resources.length + seeded[1]!.groups.length }),
    });
    const byType = (t: string) => everything.filter((r) => r.type === t).length;
    expect(totals.byResourceType['azure:resources/resourcegroups']).toMatchObject({ total: byType('Microsoft.Resources/resourceGroups') });
    expect(totals.byResourceType['azure:compute/virtualmachines']).toMatchObject({ total: byType('Microsoft.Compute/virtualMachines') });

    // The SDK paged each subscription's resources by nextLink ($skiptoken), once per page.
    const pagesA = fake.requests.filter((r) => r.path === `/subscriptions/${SUB_A}/resources`).map((r) => r.query.$skiptoken ?? '0');
    expect([...pagesA].sort((a, b) => Number(a) - Number(b))).toEqual(['0', '25', '50', '75', '100']);
    expect(fake.requests.filter((r) => r.path === '/subscriptions')).toHaveLength(1);
    expect(fake.requests.filter((r) => r.path === `/subscriptions/${SUB_B}/resourcegroups`)).toHaveLength(1);
  }, 120_000);

  it('records Azure as missing, naming what to set, when the worker has no Azure credential', async () => {
    const bare = { ...config, temporal: { ...config.temporal, taskQueue: `${config.temporal.taskQueue}-bare` } };
    // Another scope than the first test's, so this starts a new scan instead of joining that one.
    const { handle } = await startComplianceScan(temporal.client, bare, { scope: { clouds: ['azure'], resource_types: ['azure:*'] } });
    await handle.result().catch(() => undefined);
    const scanId = (await handle.query(progressQuery)).scanId!;
    const scan = await store.store.getScan(scanId);
    expect(scan?.status).toBe('failed');
    expect(scan?.dataQuality?.missing).toEqual([expect.objectContaining({ account: 'azure:*', errorType: 'NoCredentials', reason: expect.stringMatching(/AZURE_CLIENT_SECRET/) })]);
    expect(JSON.stringify(scan?.dataQuality)).not.toContain(fake.clientSecret);
  }, 60_000);
});
