// A compliance scan of scope clouds ['gcp'] through the real Temporal dev server and PostgreSQL:
// the GCP scanner (real @google-cloud/asset client) reads two scopes from the local Cloud Asset
// fake over several pages, and the stored totals equal the seeded inventory counted here.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { connectTemporal, openStore, type StoreHandle, type TemporalHandle } from '../../cli/runtime.js';
import { startComplianceScan } from '../../client/scans.js';
import { awsClientsFrom, type AwsClients } from '../../cloud/aws/clients.js';
import { createGcpClients, type GcpSettings } from '../../cloud/gcp/clients.js';
import { createGcpScanner } from '../../cloud/gcp/scanner.js';
import { configSchema, type Config } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import type { DevServer } from '../../worker/dev-server.js';
import { buildWorkflowBundle } from '../../worker/workflow-bundle.js';
import { progressQuery } from '../../workflows/contract.js';
import { createTestDatabase } from '../support/databases.js';
import { seedProject, startGcpFake, type FakeAsset, type GcpFake } from '../support/gcp-fake.js';
import { startTestTemporal } from '../support/temporal.js';

const TOKEN = 'scan-access-token';
const POLICY = {
  version: 'gcp-1',
  required_tags: [{ name: 'owner', description: 'owner', allowed_values: null, validation_regex: null, applies_to: [] }],
  optional_tags: [],
  tag_naming_rules: { case_sensitivity: false, allow_special_characters: false, max_key_length: 128, max_value_length: 256 },
};
const INVENTORY: Record<string, FakeAsset[]> = {
  'projects/alpha': seedProject('alpha', 23),
  'folders/900': [...seedProject('beta', 11), ...seedProject('gamma', 6)],
};

describe('a GCP compliance scan on real Temporal and PostgreSQL', () => {
  let temporalServer: DevServer;
  let temporal: TemporalHandle;
  let database: { url: string; drop(): Promise<void> };
  let store: StoreHandle;
  let connection: NativeConnection;
  let worker: Worker;
  let workerRun: Promise<void>;
  let config: Config;
  let fake: GcpFake;
  let aws: AwsClients;
  let settings: GcpSettings;

  beforeAll(async () => {
    [temporalServer, database, fake] = await Promise.all([startTestTemporal(), createTestDatabase(), startGcpFake(INVENTORY, TOKEN)]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gcp-scan-'));
    const policyPath = path.join(dir, 'policy.json');
    writeFileSync(policyPath, JSON.stringify(POLICY));
    config = configSchema.parse({
      temporal: { address: temporalServer.address, taskQueue: `gcp-${process.pid}` },
      database: { url: database.url },
      policy: { path: policyPath },
      dataDir: dir,
      // Nothing listens here: a scan that reached AWS would fail, not pass by accident.
      clouds: {
        aws: { endpoint: 'http://127.0.0.1:9', sdkMaxAttempts: 1 },
        gcp: { scopes: Object.keys(INVENTORY), apiEndpoint: '127.0.0.1', port: fake.port, protocol: 'http', pageSize: 5 },
      },
      logLevel: 'silent',
    });
    settings = config.clouds.gcp;
    const logger = createLogger('silent');
    temporal = await connectTemporal(config, logger, false);
    store = await openStore(config, logger);
    aws = awsClientsFrom(config);
    // The config's settings, with a static token in place of ADC (nothing to sign in to here).
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: TOKEN });
    connection = await NativeConnection.connect({ address: temporal.address });
    worker = await Worker.create({
      connection, taskQueue: config.temporal.taskQueue, workflowBundle: { codePath: await buildWorkflowBundle() },
      activities: createActivities({
        store: store.store, policyPath, aws, gcp: settings,
        scanners: [createGcpScanner(createGcpClients(settings, auth), settings)],
      }),
    });
    workerRun = worker.run();
  }, 180_000);

  afterAll(async () => {
    worker?.shutdown();
    await workerRun;
    await connection?.close();
    aws?.destroy();
    await store?.close();
    await temporal?.close();
    await temporalServer?.stop();
    await database?.drop();
    await fake?.close();
  });

  it('scans every configured scope, every page, and the totals equal the seeded inventory', async () => {
    const { handle } = await startComplianceScan(temporal.client, config, { scope: { clouds: ['gcp'], resource_types: ['all'] } });
    const result = await handle.result();
    const scanId = (await handle.query(progressQuery)).scanId!;

    // Counted here from the seed, independently of the scanner's mapping.
    const all = Object.values(INVENTORY).flat();
    const expected = { total: all.length, compliant: all.filter((a) => a.labels?.owner).length };
    const byAccount: Record<string, number> = {};
    for (const a of all) byAccount[a.project.replace('projects/', '')] = (byAccount[a.project.replace('projects/', '')] ?? 0) + 1;

    expect(result.status).toBe('completed');
    expect(result.dataQuality).toMatchObject({ status: 'complete', missing: [] });
    const totals = await store.store.scanTotals(scanId);
    expect(totals).toMatchObject(expected);
    expect(Object.fromEntries(Object.entries(totals.byAccount).map(([k, v]) => [k, v.total]))).toEqual(byAccount);
    expect(Object.keys(totals.byResourceType).sort()).toEqual(['gcp:compute/instance', 'gcp:storage/bucket']);

    // Each scope was read page by page (page size 5), each page once.
    for (const [scope, assets] of Object.entries(INVENTORY)) {
      const calls = fake.requests.filter((r) => r.path === `/v1/${scope}:searchAllResources`);
      expect(calls.map((r) => r.query.get('pageSize'))).toEqual(Array(Math.ceil(assets.length / 5)).fill('5'));
      expect(calls[0]!.query.get('pageToken')).toBeNull();
      expect(new Set(calls.map((r) => r.query.get('pageToken'))).size).toBe(calls.length);
    }
  }, 120_000);

  it('registers the GCP scanner from config: without credentials, planning GCP fails typed and non-retryable', async () => {
    // The worker's built-in scanner, with a key file that is not there (no network is tried).
    const activities = createActivities({
      store: store.store, policyPath: config.policy.path, aws,
      gcp: { ...settings, keyFile: path.join(os.tmpdir(), `no-such-key-${process.pid}.json`) },
    });
    await expect(activities.planTargets({ cloud: 'gcp' })).rejects.toMatchObject({ type: 'AccessDenied', nonRetryable: true, message: expect.stringMatching(/GOOGLE_APPLICATION_CREDENTIALS/) });
  });
});
