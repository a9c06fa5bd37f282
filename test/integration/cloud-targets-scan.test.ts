// Scope fields naming Azure subscriptions and GCP scopes, through real Temporal and PostgreSQL: a
// complianceScan of clouds azure + gcp whose scope names one subscription and one GCP scope reads
// only those (the fakes' request logs say so), its totals break down by cloud to the seeded
// inventory of those targets (counted here), and a scope without them reads every configured one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { connectTemporal, openStore, type StoreHandle, type TemporalHandle } from '../../cli/runtime.js';
import { startComplianceScan } from '../../client/scans.js';
import { awsClientsFrom } from '../../cloud/aws/clients.js';
import { createGcpClients } from '../../cloud/gcp/clients.js';
import { createGcpScanner } from '../../cloud/gcp/scanner.js';
import { configSchema, type Config } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import type { DevServer } from '../../worker/dev-server.js';
import { buildWorkflowBundle } from '../../worker/workflow-bundle.js';
import { aSubscription, startAzureFake, type AzureFake, type FakeSubscription } from '../support/azure-fake.js';
import { createTestDatabase } from '../support/databases.js';
import { seedProject, startGcpFake, type FakeAsset, type GcpFake } from '../support/gcp-fake.js';
import { startTestTemporal } from '../support/temporal.js';

const POLICY = {
  version: 'targets-1',
  required_tags: [{ name: 'Owner', description: 'owner', allowed_values: null, validation_regex: null, applies_to: [] }],
  optional_tags: [],
  tag_naming_rules: { case_sensitivity: false, allow_special_characters: false, max_key_length: 128, max_value_length: 256 },
};
const SUB_A = 'aaaaaaaa-4444-4000-8000-00000000000a';
const SUB_B = 'bbbbbbbb-4444-4000-8000-00000000000b';
const TOKEN = 'targets-token';

describe('scans narrowed to named subscriptions and GCP scopes', () => {
  let temporalServer: DevServer;
  let temporal: TemporalHandle;
  let database: { url: string; drop(): Promise<void> };
  let store: StoreHandle;
  let azure: AzureFake;
  let gcp: GcpFake;
  let config: Config;
  let dir: string;
  let connection: NativeConnection;
  let worker: { worker: Worker; run: Promise<void> } | undefined;
  const subscriptions: FakeSubscription[] = [
    aSubscription(SUB_A, 2, 9, (i): Record<string, string> => (i % 3 === 0 ? { owner: `t${i}` } : {})),
    aSubscription(SUB_B, 1, 5, (): Record<string, string> => ({ Owner: 'b' })),
  ];
  const projects: Record<string, FakeAsset[]> = { 'projects/alpha': seedProject('alpha', 11), 'projects/beta': seedProject('beta', 4) };

  beforeAll(async () => {
    [temporalServer, database, azure, gcp] = await Promise.all([
      startTestTemporal(), createTestDatabase(), startAzureFake(subscriptions, { pageSize: 4 }), startGcpFake(projects, TOKEN),
    ]);
    dir = mkdtempSync(path.join(os.tmpdir(), 'cloud-targets-'));
    writeFileSync(path.join(dir, 'policy.json'), JSON.stringify(POLICY));
    config = configSchema.parse({
      temporal: { address: temporalServer.address, taskQueue: `targets-${process.pid}` },
      database: { url: database.url },
      policy: { path: path.join(dir, 'policy.json') },
      dataDir: dir,
      clouds: {
        aws: { endpoint: 'http://127.0.0.1:9', sdkMaxAttempts: 1 },
        azure: { subscriptions: [SUB_A, SUB_B], tenantId: azure.tenantId, clientId: azure.clientId, clientSecret: azure.clientSecret, endpoint: azure.url, authorityHost: azure.url, caFile: azure.caFile },
        gcp: { scopes: Object.keys(projects), apiEndpoint: '127.0.0.1', port: gcp.port, protocol: 'http', pageSize: 5 },
      },
      logLevel: 'silent',
    });
    const logger = createLogger('silent');
    temporal = await connectTemporal(config, logger, false);
    store = await openStore(config, logger);
    connection = await NativeConnection.connect({ address: temporalServer.address });
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: TOKEN });
    const w = await Worker.create({
      connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, workflowBundle: { codePath: await buildWorkflowBundle() },
      activities: createActivities({
        store: store.store, policyPath: config.policy.path, aws: awsClientsFrom(config), azure: config.clouds.azure, gcp: config.clouds.gcp,
        scanners: [createGcpScanner(createGcpClients(config.clouds.gcp, auth), config.clouds.gcp)],
      }),
    });
    worker = { worker: w, run: w.run() };
  }, 180_000);

  afterAll(async () => {
    worker?.worker.shutdown();
    await worker?.run;
    await connection?.close();
    await store?.close();
    await temporal?.close();
    await temporalServer?.stop();
    await database?.drop();
    await Promise.all([azure?.close(), gcp?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const azureCount = (subs: FakeSubscription[]) => {
    const all = subs.flatMap((s) => [...s.resources, ...s.groups]);
    return { total: all.length, compliant: all.filter((r) => Object.keys(r.tags ?? {}).some((k) => k.toLowerCase() === 'owner')).length };
  };
  const gcpCount = (assets: FakeAsset[]) => ({ total: assets.length, compliant: assets.filter((a) => Object.keys(a.labels ?? {}).some((k) => k.toLowerCase() === 'owner')).length });

  it('reads only the named subscription and scope, and breaks the totals down by cloud', async () => {
    azure.requests.length = 0;
    gcp.requests.length = 0;
    // Upper case on purpose: a subscription id is the same id in any case.
    const { handle } = await startComplianceScan(temporal.client, config, {
      scope: { clouds: ['azure', 'gcp'], resource_types: ['all'], subscriptions: [SUB_B.toUpperCase()], gcp_scopes: ['projects/beta'] },
    });
    const result = await handle.result();
    expect(result.dataQuality).toMatchObject({ status: 'complete', missingTotal: 0 });
    expect(result.totals.byCloud).toEqual({ azure: azureCount([subscriptions[1]!]), gcp: gcpCount(projects['projects/beta']!) });
    expect(Object.keys(result.totals.byAccount ?? {}).sort()).toEqual(['beta', SUB_B].sort());
    expect(azure.requests.filter((r) => r.path.startsWith(`/subscriptions/${SUB_A}`))).toEqual([]);
    expect(azure.requests.some((r) => r.path === `/subscriptions/${SUB_B}/resources`)).toBe(true);
    expect(new Set(gcp.requests.map((r) => r.path))).toEqual(new Set(['/v1/projects/beta:searchAllResources']));
  }, 120_000);

  it('without them reads every configured subscription and scope', async () => {
    gcp.requests.length = 0;
    const { handle } = await startComplianceScan(temporal.client, config, { scope: { clouds: ['azure', 'gcp'], resource_types: ['all'] } });
    const result = await handle.result();
    expect(result.totals.byCloud).toEqual({ azure: azureCount(subscriptions), gcp: gcpCount(Object.values(projects).flat()) });
    expect(new Set(gcp.requests.map((r) => r.path))).toEqual(new Set(Object.keys(projects).map((p) => `/v1/${p}:searchAllResources`)));
  }, 120_000);

  it('fails a scope naming a subscription outside the worker\'s configured ones, reading nothing of it', async () => {
    const outside = 'cccccccc-4444-4000-8000-00000000000c';
    azure.requests.length = 0;
    const { handle } = await startComplianceScan(temporal.client, config, { scope: { clouds: ['azure'], resource_types: ['all'], subscriptions: [outside] } });
    await expect(handle.result()).rejects.toThrow();
    expect(azure.requests.filter((r) => r.path.includes(outside))).toEqual([]);
  }, 120_000);
});
