// One scan of cloud_provider `all`, asked for through the HTTP gateway's check_tag_compliance by a
// real MCP client: AWS from moto (seeded through the SDK), Azure from the ARM fake and GCP from the
// Cloud Asset fake, each read by its real SDK client in one worker. Per-cloud totals are computed
// here from the seeded inventories, with this file's own reading of the policy, never the engine's,
// and compared with the reply's by_cloud and by_account and the stored rows' cloud column.
// A second worker, whose Azure sign-in the fake refuses (HTTP 401), shows one cloud failing: the
// other two complete and the result is partial, naming Azure.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { connectTemporal, openStore, type StoreHandle, type TemporalHandle } from '../../cli/runtime.js';
import { awsClientsFrom, type AwsClients } from '../../cloud/aws/clients.js';
import { createGcpClients, type GcpSettings } from '../../cloud/gcp/clients.js';
import { createGcpScanner } from '../../cloud/gcp/scanner.js';
import { configSchema, type Config } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { createHttpGateway } from '../../mcp-gateway/http.js';
import type { DevServer } from '../../worker/dev-server.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { buildWorkflowBundle } from '../../worker/workflow-bundle.js';
import { progressQuery } from '../../workflows/contract.js';
import { expectedTotals, SCAN_POLICY_PATH, seedOrg, type SeededOrg } from '../support/aws-seed.js';
import { aSubscription, startAzureFake, type AzureFake, type FakeArmResource } from '../support/azure-fake.js';
import { createTestDatabase } from '../support/databases.js';
import { startGcpFake, type FakeAsset, type GcpFake } from '../support/gcp-fake.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../support/moto.js';
import { startTestTemporal } from '../support/temporal.js';

const GCP_TOKEN = 'all-clouds-access-token';
const SUB_A = 'aaaaaaaa-3333-4000-8000-00000000000a';
const SUB_B = 'bbbbbbbb-3333-4000-8000-00000000000b';

// ---- the policy: the AWS scan policy's three rules, extended to Azure and GCP types ---------

/** ARM types the policy names (as azure:… below); the seeded virtual networks and resource groups are out of its scope. */
const AZURE_COVERED = new Map([['Microsoft.Compute/virtualMachines', 'azure:compute/virtualmachines'], ['Microsoft.Storage/storageAccounts', 'azure:storage/storageaccounts']]);
/** Asset types the policy names; the seeded Pub/Sub topics are out of its scope. */
const GCP_COVERED = new Map([['compute.googleapis.com/Instance', 'gcp:compute/instance'], ['storage.googleapis.com/Bucket', 'gcp:storage/bucket']]);

const ENVIRONMENTS = ['production', 'staging', 'development'];
const EMAIL = /^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$/;
const COST_CENTER = /^CC-[0-9]{4}$/;
/** GCP label spellings of the same three tags: the email as a label value, cost centers lowercase. */
const GCP_KEYS = { Owner: 'owner', Environment: 'environment', CostCenter: 'cost-center' } as const;
const GCP_OWNER = /^[a-z][a-z0-9_-]{0,62}$/;
const GCP_COST_CENTER = /^cc-[0-9]{4}$/;

function multiCloudPolicy(): unknown {
  const base = JSON.parse(readFileSync(path.join(REPO_ROOT, SCAN_POLICY_PATH), 'utf8')) as { required_tags: { name: keyof typeof GCP_KEYS; applies_to: string[] }[] };
  const gcpPattern = { Owner: GCP_OWNER.source, Environment: undefined, CostCenter: GCP_COST_CENTER.source };
  return {
    ...base,
    version: 'all-clouds-1',
    required_tags: base.required_tags.map((rule) => ({
      ...rule,
      applies_to: [...rule.applies_to, ...AZURE_COVERED.values(), ...GCP_COVERED.values()],
      cloud_spellings: { gcp: { keys: [GCP_KEYS[rule.name]], ...(gcpPattern[rule.name] ? { validation_regex: gcpPattern[rule.name] } : {}) } },
    })),
  };
}

// ---- seeded Azure and GCP inventories, and what complies there ------------------------------

/** Six kinds of Azure tagging by index: two comply (one with lowercase keys: Azure keys ignore case). */
function azureTags(i: number): Record<string, string> {
  const owner = `owner${i % 7}@example.com`;
  const environment = ENVIRONMENTS[i % ENVIRONMENTS.length]!;
  switch (i % 6) {
    case 0: return { Owner: owner, Environment: environment, CostCenter: `CC-${1000 + i}` };
    case 1: return { owner, environment, costcenter: `CC-${2000 + i}` };
    case 2: return { Environment: environment, CostCenter: 'CC-3000' };
    case 3: return { Owner: owner, Environment: 'prod', CostCenter: 'CC-3000' };
    case 4: return { Owner: owner, Environment: environment, CostCenter: '3000' };
    default: return {};
  }
}

function azureCompliant(r: FakeArmResource): boolean {
  if (!AZURE_COVERED.has(r.type)) return true;
  const tags = new Map(Object.entries(r.tags ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const owner = tags.get('owner');
  const environment = tags.get('environment');
  const costCenter = tags.get('costcenter');
  return owner !== undefined && EMAIL.test(owner) && environment !== undefined && ENVIRONMENTS.includes(environment)
    && costCenter !== undefined && COST_CENTER.test(costCenter);
}

const GCP_TYPES = ['compute.googleapis.com/Instance', 'storage.googleapis.com/Bucket', 'pubsub.googleapis.com/Topic'];

function gcpLabels(i: number): Record<string, string> {
  const environment = ENVIRONMENTS[i % ENVIRONMENTS.length]!;
  switch (i % 5) {
    case 0: return { owner: 'jane_doe_example_com', environment, 'cost-center': `cc-${1000 + i}` };
    case 1: return { environment, 'cost-center': 'cc-2000' };
    case 2: return { owner: 'ops', environment: 'prod', 'cost-center': 'cc-2000' };
    case 3: return { owner: 'ops', environment, 'cost-center': 'cc2000' };
    default: return {};
  }
}

function gcpAssets(project: string, count: number): FakeAsset[] {
  return Array.from({ length: count }, (_, i): FakeAsset => {
    const assetType = GCP_TYPES[i % GCP_TYPES.length]!;
    const [service] = assetType.split('.');
    return {
      name: `//${service}.googleapis.com/projects/${project}/things/r${i}`, assetType, project: `projects/${project}`,
      location: i % 2 ? 'europe-west1' : 'us-central1', displayName: `r${i}`, labels: gcpLabels(i),
    };
  });
}

function gcpCompliant(a: FakeAsset): boolean {
  if (!GCP_COVERED.has(a.assetType)) return true;
  const labels = a.labels ?? {};
  const owner = labels[GCP_KEYS.Owner];
  const environment = labels[GCP_KEYS.Environment];
  const costCenter = labels[GCP_KEYS.CostCenter];
  return owner !== undefined && GCP_OWNER.test(owner) && environment !== undefined && ENVIRONMENTS.includes(environment)
    && costCenter !== undefined && GCP_COST_CENTER.test(costCenter);
}

const AZURE = [aSubscription(SUB_A, 3, 20, azureTags), aSubscription(SUB_B, 2, 7, azureTags)];
const GCP: Record<string, FakeAsset[]> = { 'projects/alpha': gcpAssets('alpha', 31), 'folders/77': [...gcpAssets('beta', 12), ...gcpAssets('gamma', 8)] };

interface Count { total: number; compliant: number }
const count = <T>(items: T[], compliant: (item: T) => boolean): Count => ({ total: items.length, compliant: items.filter(compliant).length });
const sum = (counts: Count[]): Count => counts.reduce((a, c) => ({ total: a.total + c.total, compliant: a.compliant + c.compliant }), { total: 0, compliant: 0 });

// ---- the structured reply of check_tag_compliance -------------------------------------------

interface CheckReply {
  status: string;
  scan_id: string;
  scan: {
    status: string;
    total_resources: number;
    compliant_resources: number;
    non_compliant_resources: number;
    by_account: Record<string, Count>;
    by_cloud: Record<string, Count>;
    data_quality: { status: string; missing_total: number; missing: { account: string | null; error_type: string | null; reason: string | null }[] };
  };
}

describe('one scan of all three clouds through the gateway', () => {
  let temporalServer: DevServer;
  let temporal: TemporalHandle;
  let database: { url: string; drop(): Promise<void> };
  let moto: MotoServer;
  let azure: AzureFake;
  let gcp: GcpFake;
  let org: SeededOrg;
  let store: StoreHandle;
  let aws: AwsClients;
  let connection: NativeConnection;
  let config: Config;
  let dir: string;
  const workers: { worker: Worker; run: Promise<void> }[] = [];
  const gateways: FastifyInstance[] = [];
  const env = { ...process.env };

  beforeAll(async () => {
    [temporalServer, database, moto, azure, gcp] = await Promise.all([
      startTestTemporal(), createTestDatabase(), startMoto(), startAzureFake(AZURE, { pageSize: 15 }), startGcpFake(GCP, GCP_TOKEN),
    ]);
    org = await seedOrg(moto.endpoint);
    // The worker's AWS default credential chain: moto's keys.
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    dir = mkdtempSync(path.join(os.tmpdir(), 'all-clouds-'));
    const policyPath = path.join(dir, 'policy.json');
    writeFileSync(policyPath, JSON.stringify(multiCloudPolicy()));
    config = configSchema.parse({
      temporal: { address: temporalServer.address, taskQueue: `all-clouds-${process.pid}` },
      database: { url: database.url },
      policy: { path: policyPath },
      dataDir: dir,
      clouds: {
        aws: { endpoint: moto.endpoint, accounts: org.accounts, regions: org.regions },
        azure: { tenantId: azure.tenantId, clientId: azure.clientId, clientSecret: azure.clientSecret, endpoint: azure.url, authorityHost: azure.url, caFile: azure.caFile },
        gcp: { scopes: Object.keys(GCP), apiEndpoint: '127.0.0.1', port: gcp.port, protocol: 'http', pageSize: 7 },
      },
      logLevel: 'silent',
    });
    const logger = createLogger('silent');
    temporal = await connectTemporal(config, logger, false);
    store = await openStore(config, logger);
    aws = awsClientsFrom(config);
    const bundle = await buildWorkflowBundle();
    connection = await NativeConnection.connect({ address: temporalServer.address });
    // As the worker command builds its activities, with a static GCP token in place of ADC.
    const gcpAuth = new OAuth2Client();
    gcpAuth.setCredentials({ access_token: GCP_TOKEN });
    const settings: GcpSettings = config.clouds.gcp;
    const healthy = config.clouds.azure;
    const refused = { ...healthy, clientSecret: 'not-the-secret' };
    for (const [taskQueue, azureSettings] of [[config.temporal.taskQueue, healthy], [`${config.temporal.taskQueue}-azure-refused`, refused]] as const) {
      const worker = await Worker.create({
        connection, namespace: config.temporal.namespace, taskQueue, workflowBundle: { codePath: bundle },
        activities: createActivities({
          store: store.store, policyPath, aws, awsDefaults: { accounts: org.accounts, regions: org.regions },
          azure: azureSettings, gcp: settings, scanners: [createGcpScanner(createGcpClients(settings, gcpAuth), settings)],
        }),
      });
      workers.push({ worker, run: worker.run() });
    }
    rmSync(path.dirname(bundle), { recursive: true, force: true });
  }, 240_000);

  afterAll(async () => {
    process.env = env;
    await Promise.allSettled(gateways.map((g) => g.close()));
    for (const w of workers) w.worker.shutdown();
    await Promise.all(workers.map((w) => w.run));
    await connection?.close();
    aws?.destroy();
    await store?.close();
    await temporal?.close();
    await Promise.allSettled([temporalServer?.stop(), moto?.stop(), azure?.close(), gcp?.close()]);
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** check_tag_compliance of every type in all three clouds, through an HTTP gateway whose scans run on `taskQueue`. */
  async function checkAllClouds(taskQueue: string, extra: Record<string, unknown> = {}): Promise<CheckReply> {
    const gatewayConfig = { ...config, temporal: { ...config.temporal, taskQueue } };
    const app = await createHttpGateway({ config: gatewayConfig, store: store.store, temporal: temporal.client, logger: createLogger('silent') }, { dbKind: store.db.kind });
    gateways.push(app);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const client = new McpClient({ name: 'all-clouds-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
    try {
      const reply = await client.callTool({
        name: 'check_tag_compliance',
        arguments: { cloud_provider: 'all', resource_types: ['all'], regions: org.regions, confirm_scope: true, wait_seconds: 240, ...extra },
      }, undefined, { timeout: 280_000 });
      expect(reply.isError, JSON.stringify(reply.content)).toBeFalsy();
      const structured = reply.structuredContent as unknown as CheckReply;
      expect(structured.status).toBe('completed');
      return structured;
    } finally {
      await client.close();
    }
  }

  /** Stored rows of a scan, counted per cloud from the rows' own `cloud` column. */
  async function rowsPerCloud(workflowId: string): Promise<Record<string, Count>> {
    const scanId = (await temporal.client.workflow.getHandle(workflowId).query(progressQuery)).scanId!;
    const rows = await store.store.listScanResources(scanId, { limit: 10_000 });
    const out: Record<string, Count> = {};
    for (const row of rows) {
      const c = (out[row.cloud] ??= { total: 0, compliant: 0 });
      c.total++;
      if (row.compliant) c.compliant++;
    }
    return out;
  }

  const awsExpected = (): Count => {
    const t = expectedTotals(org);
    return { total: t.total, compliant: t.compliant };
  };
  const azureExpected = () => count(AZURE.flatMap((s) => [...s.resources, ...s.groups]), azureCompliant);
  const gcpExpected = () => count(Object.values(GCP).flat(), gcpCompliant);
  /** Totals of the reply's by_account entries that belong to one cloud's seeded targets. */
  const byAccountOf = (reply: CheckReply, accounts: string[]): Count => sum(accounts.map((a) => reply.scan.by_account[a] ?? { total: 0, compliant: 0 }));
  const gcpProjects = () => [...new Set(Object.values(GCP).flat().map((a) => a.project.replace('projects/', '')))];

  it('scans AWS, Azure and GCP in one scan: each cloud\'s totals equal its seeded inventory, and the overall totals their sum', async () => {
    const reply = await checkAllClouds(config.temporal.taskQueue);
    const expected = { aws: awsExpected(), azure: azureExpected(), gcp: gcpExpected() };
    // Each cloud's inventory mixes compliant and non-compliant resources, so a wrong verdict shows.
    for (const c of Object.values(expected)) {
      expect(c.compliant).toBeGreaterThan(0);
      expect(c.compliant).toBeLessThan(c.total);
    }

    expect(reply.scan.data_quality).toMatchObject({ status: 'complete', missing_total: 0 });
    const overall = sum(Object.values(expected));
    expect({ total: reply.scan.total_resources, compliant: reply.scan.compliant_resources, nonCompliant: reply.scan.non_compliant_resources })
      .toEqual({ ...overall, nonCompliant: overall.total - overall.compliant });

    expect(reply.scan.by_cloud).toEqual(expected);
    expect(byAccountOf(reply, org.accounts)).toEqual(expected.aws);
    expect(byAccountOf(reply, [SUB_A, SUB_B])).toEqual(expected.azure);
    expect(byAccountOf(reply, gcpProjects())).toEqual(expected.gcp);
    // Nothing counted under any other account.
    expect(Object.keys(reply.scan.by_account).sort()).toEqual([...org.accounts, SUB_A, SUB_B, ...gcpProjects()].sort());
    expect(await rowsPerCloud(reply.scan_id)).toEqual(expected);

    // Each fake was read page by page by its SDK: Azure by nextLink, GCP by page token.
    expect(azure.requests.filter((r) => r.path === `/subscriptions/${SUB_A}/resources`).length).toBe(Math.ceil(AZURE[0]!.resources.length / 15));
    expect(gcp.requests.filter((r) => r.path === '/v1/projects/alpha:searchAllResources').length).toBe(Math.ceil(GCP['projects/alpha']!.length / 7));
  }, 300_000);

  it('with Azure sign-in refused (HTTP 401), AWS and GCP still complete and the result is partial, naming Azure', async () => {
    // force_refresh: the same scope's result from the first test is fresh and would be served from cache.
    azure.requests.length = 0;
    const reply = await checkAllClouds(`${config.temporal.taskQueue}-azure-refused`, { force_refresh: true });
    const expected = { aws: awsExpected(), gcp: gcpExpected() };

    expect(reply.scan.data_quality.status).toBe('partial');
    expect(reply.scan.data_quality.missing).toEqual([expect.objectContaining({ account: 'azure:*', error_type: 'AccessDenied', reason: expect.stringMatching(/Azure sign-in failed.*clientSecret/) })]);
    // The refusal came from the fake's token endpoint: no ARM listing was even tried.
    expect(azure.requests.some((r) => r.method === 'POST' && r.path.endsWith('/oauth2/v2.0/token'))).toBe(true);
    expect(azure.requests.filter((r) => r.path.startsWith('/subscriptions'))).toEqual([]);
    expect(JSON.stringify(reply)).not.toContain('not-the-secret');
    const overall = sum(Object.values(expected));
    expect({ total: reply.scan.total_resources, compliant: reply.scan.compliant_resources }).toEqual(overall);
    expect(reply.scan.by_cloud).toEqual(expected);
    expect(byAccountOf(reply, org.accounts)).toEqual(expected.aws);
    expect(byAccountOf(reply, gcpProjects())).toEqual(expected.gcp);
    expect(await rowsPerCloud(reply.scan_id)).toEqual(expected);
  }, 300_000);
});
