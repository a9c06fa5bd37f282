// The durability paths of the org-wide AWS scan, on real components: shards of many pages that
// resume from their heartbeated checkpoint after a SIGKILLed worker, a Tagging API shard whose
// checkpoint token has expired, Temporal's own cancel mid-shard, continue-as-new across accounts,
// a child account workflow that fails, and an invalid policy file. A recording proxy between the
// worker and moto logs every request (and can hold one), so the tests read which page tokens
// each attempt sent; expectations come from what the test seeded, never from the engine.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, defaultPayloadConverter } from '@temporalio/common';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { openStore, type StoreHandle } from '../../cli/runtime.js';
import { accountWorkflowId } from '../../core/account-workflow-id.js';
import { scanProgress, startComplianceScan, type StartScanOptions } from '../../client/scans.js';
import type { DevServer } from '../../worker/dev-server.js';
import type { ComplianceScanResult } from '../../workflows/types.js';
import { accountCredentials, MANAGEMENT_ACCOUNT } from '../support/aws-seed.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { awsClientConfig, MOTO_CREDENTIALS, startMoto, type AwsCredentials, type MotoServer } from '../support/moto.js';
import { startRequestLog, type LoggedRequest, type RequestLog } from '../support/request-log.js';
import { startTestTemporal } from '../support/temporal.js';
import { spawnWorker, type WorkerProcess } from '../support/worker-process.js';
import { waitUntil } from '../support/wait.js';

const MEMBER_A = '111111111111';
const MEMBER_B = '222222222222';
const ACCOUNTS = [MANAGEMENT_ACCOUNT, MEMBER_A, MEMBER_B];
const HOME = 'us-east-1';
const OTHER = 'eu-west-1';

/** Pages: ListTables is 100 per page; the shard writes every 1,000 rows; 1,500 tables = 15 pages, writes after 10 and 15. */
const BULK_TABLES = 1500;
const TABLES_PER_PAGE = 100;
/**
 * moto pages GetResources by tags (under 100 a page): 99 one-tag resources on the first page, then
 * 100 (the item that overflowed a page leads the next). 1,300 groups = 14 pages; the shard writes
 * after 11 pages (1,099 rows) and at the end.
 */
const BULK_GROUPS = 1300;
const groupRowsAfter = (pages: number) => 99 + (pages - 1) * 100;
const GROUP_PAGES = 1 + Math.ceil((BULK_GROUPS - 99) / 100);

/** One tag, Owner, against the test policy: an example.com address is compliant, anything else is `invalid_format`. */
const POLICY = {
  version: '1.0',
  required_tags: [{
    name: 'Owner', description: 'Email of the owner', allowed_values: null, validation_regex: '^[a-z0-9.]+@example\\.com$',
    applies_to: ['dynamodb:table', 'ec2:security-group'], severity: 'error',
  }],
  optional_tags: [],
  tag_naming_rules: { case_sensitivity: true, allow_special_characters: false, max_key_length: 128, max_value_length: 256 },
};

interface Seeded {
  arn: string;
  account: string;
  region: string;
  type: 'dynamodb:table' | 'ec2:security-group';
  compliant: boolean;
}

const ownerOf = (i: number) => (i % 3 === 0 ? 'nobody' : `owner${i % 7}@example.com`);

/** Runs `fn` over `items`, `lanes` at a time. */
async function pool<T, R>(items: T[], lanes: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

async function seedTables(endpoint: string, account: string, credentials: AwsCredentials, region: string, prefix: string, n: number): Promise<Seeded[]> {
  const dynamodb = new DynamoDBClient(awsClientConfig(endpoint, region, credentials));
  try {
    return await pool(Array.from({ length: n }, (_, i) => i), 16, async (i) => {
      const name = `${prefix}-${String(i).padStart(5, '0')}`;
      await dynamodb.send(new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        Tags: [{ Key: 'Owner', Value: ownerOf(i) }],
      }));
      return { arn: `arn:aws:dynamodb:${region}:${account}:table/${name}`, account, region, type: 'dynamodb:table' as const, compliant: i % 3 !== 0 };
    });
  } finally {
    dynamodb.destroy();
  }
}

async function seedGroups(endpoint: string, account: string, credentials: AwsCredentials, region: string, prefix: string, n: number): Promise<Seeded[]> {
  const ec2 = new EC2Client(awsClientConfig(endpoint, region, credentials));
  try {
    return await pool(Array.from({ length: n }, (_, i) => i), 16, async (i) => {
      const out = await ec2.send(new CreateSecurityGroupCommand({
        GroupName: `${prefix}-${i}`, Description: 'durability test',
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'Owner', Value: ownerOf(i) }] }],
      }));
      return { arn: `arn:aws:ec2:${region}:${account}:security-group/${out.GroupId}`, account, region, type: 'ec2:security-group' as const, compliant: i % 3 !== 0 };
    });
  } finally {
    ec2.destroy();
  }
}

/** Polls `ready` every 100 ms until it holds; fails with `what` after `timeoutMs`. */
const jsonBody = (req: LoggedRequest) => JSON.parse(req.body || '{}') as Record<string, unknown>;

// Seeding ~2,800 resources and SIGKILL/retry cycles take minutes on a loaded 2-core machine.
describe('scan durability on moto', { timeout: 300_000 }, () => {
  let temporalServer: DevServer;
  let database: TestDatabase;
  let moto: MotoServer;
  let proxy: FaultProxy;
  let log: RequestLog;
  let worker: WorkerProcess;
  let env: Record<string, string>;
  let config: Config;
  let client: Client;
  let store: StoreHandle;
  let policyDir: string;
  let policyPath: string;
  let bulkTables: Seeded[];
  let bulkGroups: Seeded[];
  /** A few tables in OTHER per account, for the multi-account tests. */
  let smallTables: Seeded[];
  let bucket = 0;

  beforeAll(async () => {
    policyDir = await mkdtemp(path.join(os.tmpdir(), 'finops-durability-'));
    policyPath = path.join(policyDir, 'policy.json');
    await writeFile(policyPath, JSON.stringify(POLICY));
    [temporalServer, database, moto] = await Promise.all([startTestTemporal(), createTestDatabase(), startMoto()]);
    proxy = await startFaultProxy(moto.endpoint, []);
    log = await startRequestLog(proxy.endpoint);

    const member = await accountCredentials(moto.endpoint, MEMBER_A);
    const memberB = await accountCredentials(moto.endpoint, MEMBER_B);
    const seeded = await Promise.all([
      seedTables(moto.endpoint, MANAGEMENT_ACCOUNT, MOTO_CREDENTIALS, HOME, 'bulk-table', BULK_TABLES),
      seedGroups(moto.endpoint, MANAGEMENT_ACCOUNT, MOTO_CREDENTIALS, HOME, 'bulk-sg', BULK_GROUPS),
      seedTables(moto.endpoint, MANAGEMENT_ACCOUNT, MOTO_CREDENTIALS, OTHER, 'small-table', 3),
      seedTables(moto.endpoint, MEMBER_A, member, OTHER, 'small-table', 4),
      seedTables(moto.endpoint, MEMBER_B, memberB, OTHER, 'small-table', 5),
    ]);
    [bulkTables, bulkGroups] = seeded;
    smallTables = seeded.slice(2).flat();

    env = {
      TEMPORAL_ADDRESS: temporalServer.address,
      TEMPORAL_TASK_QUEUE: `durability-${process.pid}`,
      DATABASE_URL: database.url,
      POLICY_PATH: policyPath,
      AWS_ENDPOINT_URL: log.endpoint,
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_REGION: HOME,
      SCAN_ACCOUNTS: ACCOUNTS.join(','),
      AWS_SDK_MAX_ATTEMPTS: '1',
    };
    config = configSchema.parse({
      temporal: { address: env.TEMPORAL_ADDRESS, taskQueue: env.TEMPORAL_TASK_QUEUE },
      database: { url: database.url },
      policy: { path: policyPath },
      aws: { accounts: ACCOUNTS },
      logLevel: 'silent',
    });
    worker = spawnWorker(env);
    store = await openStore(config, createLogger('silent'));
    client = new Client({ connection: await Connection.connect({ address: temporalServer.address }) });
  }, 600_000);

  afterAll(async () => {
    await client?.connection.close();
    await store?.close();
    await worker?.kill();
    await log?.stop();
    await proxy?.stop();
    await Promise.all([moto?.stop(), temporalServer?.stop()]);
    await database?.drop();
    if (policyDir) await rm(policyDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    proxy.setRules([]);
    log.hold(undefined);
    log.release();
    await writeFile(policyPath, JSON.stringify(POLICY));
    // A test that killed the worker and failed before respawning must not starve the next one.
    if (worker.child.exitCode !== null || worker.child.signalCode !== null) worker = spawnWorker(env);
  });

  function start(opts: Omit<StartScanOptions, 'now'>) {
    return startComplianceScan(client, config, { ...opts, now: new Date(Date.UTC(2026, 0, 1) + ++bucket * 3_600_000) });
  }

  async function scanIdOf(workflowId: string): Promise<string> {
    let scanId = '';
    await waitUntil(async () => {
      scanId = (await scanProgress(client, workflowId).catch(() => undefined))?.scanId ?? '';
      return scanId !== '';
    }, 60_000, () => `scan ${workflowId} never planned: ${worker.output()}`);
    return scanId;
  }

  /** The heartbeat details Temporal holds for the running shard activity of `account`. */
  async function shardCheckpoint(scanId: string, account: string) {
    const described = await client.workflowService.describeWorkflowExecution({
      namespace: config.temporal.namespace, execution: { workflowId: accountWorkflowId(scanId, account) },
    }).catch(() => undefined);
    const activity = described?.pendingActivities?.find((a) => a.activityType?.name === 'scanShard');
    const payload = activity?.heartbeatDetails?.payloads?.[0];
    const details = payload ? defaultPayloadConverter.fromPayload<{ token?: string; pages: number; resources: number; compliant: number }>(payload) : undefined;
    const beat = activity?.lastHeartbeatTime;
    const lastHeartbeatMs = beat ? Number(beat.seconds ?? 0) * 1000 + Math.floor((beat.nanos ?? 0) / 1e6) : 0;
    return { attempt: activity?.attempt ?? 0, details, lastHeartbeatMs };
  }

  /**
   * The checkpoint once Temporal holds the shard's latest one: heartbeats are throttled (to 0.8 x
   * the 3 s timeout), so wait for one recorded well after `since` (when the shard stopped moving).
   */
  async function settledCheckpoint(scanId: string, account: string, since: number) {
    let last: Awaited<ReturnType<typeof shardCheckpoint>> | undefined;
    await waitUntil(async () => {
      last = await shardCheckpoint(scanId, account);
      return last.lastHeartbeatMs > since + 3000;
    }, 60_000, () => `no heartbeat after the shard stopped: ${JSON.stringify(last)}`);
    return last!.details;
  }

  async function expectRows(scanId: string, seeded: Seeded[]) {
    const rows = await store.store.listScanResources(scanId, { limit: 10_000 });
    expect(rows.length).toBe(seeded.length);
    const byId = new Map(rows.map((r) => [r.resourceId, r]));
    const wrong = seeded.filter((s) => {
      const row = byId.get(s.arn);
      return !row || row.account !== s.account || row.region !== s.region || row.resourceType !== s.type || row.compliant !== s.compliant;
    });
    expect(wrong.map((s) => s.arn)).toEqual([]);
  }

  const compliantOf = (seeded: Seeded[]) => seeded.filter((s) => s.compliant).length;
  const after = (from: number, pred: (r: LoggedRequest) => boolean) => log.entries.slice(from).filter(pred);
  const isListTables = (r: LoggedRequest) => r.service === 'dynamodb' && r.operation === 'ListTables';
  const isGroupPage = (r: LoggedRequest) => r.service === 'tagging' && r.operation === 'GetResources' && r.body.includes('ec2:security-group');

  it('resumes a SIGKILLed shard from its last written page, not from the start, with exact totals', async () => {
    // Hold the 13th page request: pages 1-10 are written (1,000 rows), 11-12 are read but not written.
    const from = log.entries.length;
    let pages = 0;
    log.hold((r) => isListTables(r) && r.seq >= from && ++pages === 13);
    const { handle, workflowId } = await start({
      scope: { accounts: [MANAGEMENT_ACCOUNT], regions: [HOME], resource_types: ['dynamodb:table'] },
      overrides: { shardHeartbeatSeconds: 3 },
    });
    const scanId = await scanIdOf(workflowId);
    await waitUntil(() => log.held().length === 1, 120_000, () => `page 13 was never requested: ${worker.output()}`);
    expect(await store.store.countScanResources(scanId)).toBe(10 * TABLES_PER_PAGE);
    // The checkpoint Temporal holds must be the last written page before the worker dies.
    const checkpoint = await settledCheckpoint(scanId, MANAGEMENT_ACCOUNT, log.held()[0]!.at);
    const firstAttempt = after(from, isListTables);
    expect(firstAttempt).toHaveLength(13);
    const tokenAfterPage10 = jsonBody(firstAttempt[10]!).ExclusiveStartTableName as string;
    expect(tokenAfterPage10).toMatch(/^bulk-table-/);
    expect(checkpoint).toMatchObject({ pages: 10, resources: 1000, token: tokenAfterPage10 });
    // It also carries the calls sent so far, past the written pages: all 13 ListTables went out.
    expect(checkpoint).toMatchObject({ calls: { 'dynamodb:ListTables': 13 } });

    await worker.kill('SIGKILL');
    const killedAt = log.entries.length;
    log.hold(undefined);
    log.release();
    worker = spawnWorker(env);

    const result = await handle.result() as ComplianceScanResult;
    const retried = after(killedAt, isListTables);
    // The retried attempt starts at the checkpoint's token, never at the first page, and reads only pages 11-15.
    expect(retried.map((r) => jsonBody(r).ExclusiveStartTableName ?? null)[0]).toBe(tokenAfterPage10);
    expect(retried.filter((r) => !jsonBody(r).ExclusiveStartTableName)).toHaveLength(0);
    expect(retried).toHaveLength(BULK_TABLES / TABLES_PER_PAGE - 10);
    expect((await shardCheckpoint(scanId, MANAGEMENT_ACCOUNT)).attempt).toBe(0); // nothing pending any more

    expect(result).toMatchObject({ status: 'completed', dataQuality: { status: 'complete', missingTotal: 0 } });
    expect(result.totals).toMatchObject({ total: BULK_TABLES, compliant: compliantOf(bulkTables), nonCompliant: BULK_TABLES - compliantOf(bulkTables) });
    // The shard's own counts (carried in the checkpoint) add up to the same: none lost, none twice.
    expect(result.progress.resourcesSeen).toBe(BULK_TABLES);
    await expectRows(scanId, bulkTables);
    // The resumed attempt kept counting from its checkpoint: the scan row has both attempts' calls.
    expect((await store.store.getScan(scanId))!.cloudCalls).toMatchObject({ 'dynamodb:ListTables': firstAttempt.length + retried.length });
  });

  it('starts a Tagging API shard over when its checkpoint token has expired, with exact totals', async () => {
    // moto's GetResources tokens are single-use: the killed attempt already spent the checkpoint's token
    // (fetching page 12), so the retry's resume is refused and the shard must start over.
    const from = log.entries.length;
    let pages = 0;
    log.hold((r) => isGroupPage(r) && r.seq >= from && ++pages === 13);
    const { handle, workflowId } = await start({
      scope: { accounts: [MANAGEMENT_ACCOUNT], regions: [HOME], resource_types: ['ec2:security-group'] },
      overrides: { shardHeartbeatSeconds: 3 },
    });
    const scanId = await scanIdOf(workflowId);
    await waitUntil(() => log.held().length === 1, 120_000, () => `page 13 was never requested: ${worker.output()}`);
    expect(await store.store.countScanResources(scanId)).toBe(groupRowsAfter(11));
    const checkpoint = await settledCheckpoint(scanId, MANAGEMENT_ACCOUNT, log.held()[0]!.at);
    const firstAttempt = after(from, isGroupPage);
    const tokenAfterPage11 = jsonBody(firstAttempt[11]!).PaginationToken as string;
    expect(tokenAfterPage11).toBeTruthy();
    expect(checkpoint).toMatchObject({ pages: 11, resources: groupRowsAfter(11), token: tokenAfterPage11 });

    await worker.kill('SIGKILL');
    const killedAt = log.entries.length;
    log.hold(undefined);
    log.release();
    worker = spawnWorker(env);

    const result = await handle.result() as ComplianceScanResult;
    const retried = after(killedAt, isGroupPage).map((r) => (jsonBody(r).PaginationToken as string | undefined) ?? null);
    // First the spent checkpoint token (refused), then a fresh start with no token and every page after it.
    expect(retried[0]).toBe(tokenAfterPage11);
    expect(retried[1]).toBeNull();
    expect(retried).toHaveLength(1 + GROUP_PAGES);

    expect(result).toMatchObject({ status: 'completed', dataQuality: { status: 'complete', missingTotal: 0 } });
    expect(result.totals).toMatchObject({
      total: BULK_GROUPS, compliant: compliantOf(bulkGroups),
      byResourceType: { 'ec2:security-group': { total: BULK_GROUPS, compliant: compliantOf(bulkGroups) } },
    });
    // The restart dropped the stale counts: 1,300 seen, not 1,099 + 1,300.
    expect(result.progress.resourcesSeen).toBe(BULK_GROUPS);
    await expectRows(scanId, bulkGroups);
  });

  it('scans Tagging API types beside listed ones, in every account and region, each from its own source', async () => {
    const member = await accountCredentials(moto.endpoint, MEMBER_A);
    const groups = [
      ...await seedGroups(moto.endpoint, MEMBER_A, member, HOME, 'mixed-sg', 4),
      ...await seedGroups(moto.endpoint, MEMBER_A, member, OTHER, 'mixed-sg', 5),
    ];
    const from = log.entries.length;
    const { handle } = await start({ scope: { accounts: [MEMBER_A], regions: [HOME, OTHER], resource_types: ['ec2:security-group', 'dynamodb:table'] } });
    const result = await handle.result() as ComplianceScanResult;
    const tables = smallTables.filter((t) => t.account === MEMBER_A);
    expect(result).toMatchObject({ status: 'completed', dataQuality: { status: 'complete' } });
    // Per region: one ListTables shard and one Tagging API shard.
    expect(result.progress.shardsTotal).toBe(4);
    expect(result.totals.byResourceType).toEqual({
      'ec2:security-group': { total: groups.length, compliant: compliantOf(groups) },
      'dynamodb:table': { total: tables.length, compliant: compliantOf(tables) },
    });
    expect(result.totals.byRegion).toEqual({
      [HOME]: { total: 4, compliant: compliantOf(groups.filter((g) => g.region === HOME)) },
      [OTHER]: { total: 5 + tables.length, compliant: compliantOf([...groups.filter((g) => g.region === OTHER), ...tables]) },
    });
    await expectRows(result.scanId, [...groups, ...tables]);
    // The Tagging API shard asked only for the unlisted type; tables came from ListTables.
    const filtered = after(from, (r) => r.service === 'tagging' && r.operation === 'GetResources' && !('ResourceARNList' in jsonBody(r)));
    expect(filtered.length).toBeGreaterThanOrEqual(2);
    for (const r of filtered) expect(jsonBody(r).ResourceTypeFilters).toEqual(['ec2:security-group']);
    expect(new Set(after(from, isListTables).map((r) => r.region))).toEqual(new Set([HOME, OTHER]));
  });

  it("stops a running shard on Temporal's own cancel and closes the scan as cancelled", async () => {
    // Slow pages, so the shard is mid-way (15 pages, no write yet) when the cancel arrives.
    proxy.setRules([{ name: 'slow-tables', service: 'dynamodb', target: 'ListTables', fault: { kind: 'delay', ms: 1000 } }]);
    const from = log.entries.length;
    const { handle, workflowId } = await start({
      scope: { accounts: [MANAGEMENT_ACCOUNT], regions: [HOME], resource_types: ['dynamodb:table'] },
      overrides: { shardHeartbeatSeconds: 3 },
    });
    const scanId = await scanIdOf(workflowId);
    await waitUntil(() => after(from, isListTables).length >= 2, 60_000, () => 'the shard never started paging');
    await handle.cancel();
    const err = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await store.store.getScan(scanId))?.status).toBe('cancelled');

    // The activity must notice the cancel and stop paging: wait until no page was asked for in 4 s.
    await waitUntil(() => {
      const pages = after(from, isListTables);
      return pages.length >= BULK_TABLES / TABLES_PER_PAGE || Date.now() - pages.at(-1)!.at > 4000;
    }, 120_000, () => 'the shard kept paging');
    expect(after(from, isListTables).length).toBeLessThan(BULK_TABLES / TABLES_PER_PAGE);
    expect(await store.store.countScanResources(scanId)).toBeLessThan(BULK_TABLES);
  });

  it('continues as new every accountsPerRun accounts and keeps one scan with every account', async () => {
    const { handle } = await start({
      scope: { accounts: ACCOUNTS, regions: [OTHER], resource_types: ['dynamodb:table'] },
      overrides: { accountsPerRun: 1, maxParallelAccounts: 1 },
    });
    const result = await handle.result() as ComplianceScanResult;
    expect(result).toMatchObject({ status: 'completed', dataQuality: { status: 'complete' } });
    expect(result.progress).toMatchObject({ accountsTotal: 3, accountsDone: 3, shardsTotal: 3, shardsDone: 3, resourcesSeen: smallTables.length });
    const byAccount = Object.fromEntries(ACCOUNTS.map((a) => {
      const own = smallTables.filter((t) => t.account === a);
      return [a, { total: own.length, compliant: compliantOf(own) }];
    }));
    expect(result.totals.byAccount).toEqual(byAccount);
    await expectRows(result.scanId, smallTables);

    // Three runs chained by continue-as-new: the first ended so, and the last is another run.
    const described = await handle.describe();
    expect(described.runId).not.toBe(handle.firstExecutionRunId);
    const firstRun = await client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory();
    expect(firstRun.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    const scans = await store.store.getScan(result.scanId);
    expect(scans).toMatchObject({ status: 'completed' });
  });

  it('records an account whose child workflow fails and completes the scan with the other accounts', async () => {
    // One account at a time: hold the second account's page so its child is running, terminate
    // that child from outside, and keep the page held until the scan is done (the orphaned shard
    // activity would otherwise still write its rows into the closed scan; see the report).
    const from = log.entries.length;
    let pages = 0;
    log.hold((r) => isListTables(r) && r.seq >= from && ++pages === 2);
    const { handle, workflowId } = await start({
      scope: { accounts: ACCOUNTS, regions: [OTHER], resource_types: ['dynamodb:table'] }, overrides: { maxParallelAccounts: 1 },
    });
    const scanId = await scanIdOf(workflowId);
    await waitUntil(() => log.held().length === 1, 60_000, () => `the second account never paged: ${worker.output()}`);
    const running = (await scanProgress(client, workflowId)).runningAccounts;
    expect(running).toHaveLength(1);
    const failing = running[0]!;
    await client.workflow.getHandle(accountWorkflowId(scanId, failing)).terminate('test: a failing account');
    const result = await handle.result() as ComplianceScanResult;
    log.hold(undefined);
    log.release();

    expect(result).toMatchObject({ status: 'completed', dataQuality: { status: 'partial', missingTotal: 1 } });
    expect(result.dataQuality.missing).toEqual([expect.objectContaining({ account: failing })]);
    expect(result.dataQuality.missing[0]!.region).toBeUndefined();
    expect(result.progress).toMatchObject({ accountsTotal: 3, accountsDone: 3 });
    const others = smallTables.filter((t) => t.account !== failing);
    expect(result.totals.total).toBe(others.length);
    expect(Object.keys(result.totals.byAccount ?? {}).sort()).toEqual(ACCOUNTS.filter((a) => a !== failing).sort());
    expect(await store.store.listScanFailures(scanId)).toEqual([expect.objectContaining({ account: failing })]);
    expect((await store.store.getScan(scanId))?.dataQuality).toMatchObject({ status: 'partial' });
  });

  it('fails the scan with PolicyInvalid, and scans nothing, when the policy file turns invalid', async () => {
    await writeFile(policyPath, '{"version": "1.0", "required_tags": [ {"name": ');
    const from = log.entries.length;
    const { handle } = await start({ scope: { accounts: [MEMBER_B], regions: [OTHER], resource_types: ['dynamodb:table'] } });
    const err = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    let cause = (err as WorkflowFailedError).cause;
    while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as { cause?: Error }).cause;
    expect((cause as ApplicationFailure).type).toBe('PolicyInvalid');
    expect(after(from, isListTables)).toHaveLength(0);
  });
});
