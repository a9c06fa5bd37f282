// The org-wide AWS scan on real components: moto (2 accounts x 2 regions, seeded through the
// SDK), a Temporal dev server, PostgreSQL, and the worker as its own process, behind a fault
// proxy for access-denied, throttling and crash tests. Expectations come from the seeder, which
// knows what it created, never from the engine.
import { Client, Connection } from '@temporalio/client';
import { cancelSignal } from '../../workflows/contract.js';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { openStore, type StoreHandle } from '../../cli/runtime.js';
import { accountWorkflowId } from '../../core/account-workflow-id.js';
import { scanProgress, startComplianceScan, type StartScanOptions } from '../../client/scans.js';
import { totalCalls } from '../../core/cloud-calls.js';
import type { ComplianceScanResult } from '../../workflows/types.js';
import { DEFAULT_ACCOUNTS, expectedTotals, SEEDED_TYPES, type SeededOrg, type SeededResource } from '../support/aws-seed.js';
import type { FaultProxy } from '../support/fault-proxy.js';
import { startMotoStack, type MotoStack } from '../support/moto-stack.js';
import { waitUntil } from '../support/wait.js';

const DENIED_ACCOUNT = '222222222222';
/** The starter's (this process's) shard concurrency; the worker's own setting is what applies. */
const STARTER_SHARDS = 9;

/** Polls `ready` every 100 ms until it holds; fails with `what` after `timeoutMs`. */
describe('complianceScan on moto', () => {
  let stack: MotoStack;
  let proxy: FaultProxy;
  let org: SeededOrg;
  let client: Client;
  let store: StoreHandle;
  let config: Config;
  let bucket = 0;

  beforeAll(async () => {
    // One SDK attempt: injected throttling must be survived by Temporal's retry policy.
    // The denied account is in the allowed set: its AssumeRole is tried, and denied by the proxy.
    stack = await startMotoStack({ name: 'scan', workerEnv: { AWS_SDK_MAX_ATTEMPTS: '1', SCAN_ACCOUNTS: [...DEFAULT_ACCOUNTS, DENIED_ACCOUNT].join(',') } });
    ({ proxy, org } = stack);
    config = { ...stack.config, clouds: { ...stack.config.clouds, aws: { ...stack.config.clouds.aws, maxConcurrentShards: STARTER_SHARDS } } };
    store = await openStore(config, createLogger('silent'));
    client = new Client({ connection: await Connection.connect({ address: stack.temporalServer.address }) });
  });

  afterAll(async () => {
    await client?.connection.close();
    await store?.close();
    await stack?.stop();
  });

  afterEach(() => proxy.setRules([]));

  /** Replaces the worker (drained first) with one whose config runs `shards` shards at once. */
  async function useWorkerWithShards(shards: number): Promise<void> {
    if (stack.env.MAX_CONCURRENT_SHARDS === String(shards)) return;
    await stack.worker.kill();
    stack.env.MAX_CONCURRENT_SHARDS = String(shards);
    stack.respawnWorker();
  }

  /** Each test gets its own time bucket, so identical scopes in different tests don't join. */
  function start(opts: Omit<StartScanOptions, 'now'>) {
    return startComplianceScan(client, config, { ...opts, now: new Date(Date.UTC(2026, 0, 1) + ++bucket * 3_600_000) });
  }

  const fullScope = () => ({ accounts: org.accounts, regions: org.regions, resource_types: [...SEEDED_TYPES] });

  function kindsOf(violations: unknown): string[] {
    return (violations as { kind: string }[]).map((v) => v.kind).sort();
  }

  async function rowsOf(scanId: string) {
    const rows = await store.store.listScanResources(scanId, { limit: 10_000 });
    return new Map(rows.map((row) => [row.resourceId, row]));
  }

  function expectRowsMatch(rows: Awaited<ReturnType<typeof rowsOf>>, seeded: SeededResource[]) {
    expect(rows.size).toBe(seeded.length);
    for (const resource of seeded) {
      const row = rows.get(resource.arn);
      expect(row, resource.arn).toBeDefined();
      expect({ arn: resource.arn, account: row!.account, region: row!.region, type: row!.resourceType, compliant: row!.compliant, kinds: kindsOf(row!.violations) })
        .toEqual({ arn: resource.arn, account: resource.account, region: resource.region, type: resource.type, compliant: resource.expectedCompliant, kinds: [...resource.expectedKinds].sort() });
    }
  }

  let baseline: ComplianceScanResult;

  it('scans 2 accounts x 2 regions x 6 types and reports exactly what was seeded', async () => {
    const { handle, workflowId } = await start({ scope: fullScope() });
    expect(workflowId).toMatch(/^scan-adhoc-[0-9a-f]{12}-\d{8}T\d{4}Z$/);
    const result = await handle.result() as ComplianceScanResult;
    baseline = result;

    const expected = expectedTotals(org);
    expect(result.status).toBe('completed');
    expect(result.dataQuality).toMatchObject({ status: 'complete', missingTotal: 0 });
    expect(result.totals).toMatchObject({
      total: expected.total, compliant: expected.compliant, nonCompliant: expected.nonCompliant,
      byAccount: expected.byAccount, byRegion: expected.byRegion, byResourceType: expected.byResourceType,
    });
    expect(result.progress).toMatchObject({ accountsTotal: 2, accountsDone: 2, shardsFailed: 0 });
    // 2 regions x 5 regional listed types + S3 once, per account.
    expect(result.progress.shardsTotal).toBe(2 * (2 * 5 + 1));

    const rows = await rowsOf(result.scanId);
    expectRowsMatch(rows, org.resources);
    const stopped = org.resources.find((r) => r.state === 'stopped')!;
    expect(rows.get(stopped.arn)!.state).toBe('stopped');
    expect(org.resources.some((r) => r.variant === 'never_tagged' && r.type === 'dynamodb:table')).toBe(true);

    const scan = await store.store.getScan(result.scanId);
    expect(scan).toMatchObject({ status: 'completed', dataQuality: { status: 'complete' } });

    // What an operator sees in the Web UI: the scope as memo, the trigger and clouds as search attributes.
    const described = await handle.describe();
    expect(await described.memo).toMatchObject({ scope: { accounts: [...org.accounts].sort(), resourceTypes: [...SEEDED_TYPES].sort() } });
    expect(described.searchAttributes).toMatchObject({ ScanTrigger: ['adhoc'], Clouds: ['aws'], AccountCount: [2] });
  });

  it('records its cloud calls per API on the scan row: what AWS received, and no tag read per bucket', async () => {
    const before = proxy.stats.forwarded;
    const { handle } = await start({ scope: { accounts: org.accounts, regions: org.regions, resource_types: ['s3:bucket'] } });
    const result = await handle.result() as ComplianceScanResult;
    const buckets = org.resources.filter((r) => r.type === 's3:bucket');
    expect(result.totals.total).toBe(buckets.length);
    const calls = (await store.store.getScan(result.scanId))!.cloudCalls!;
    // Every request the worker sent through the proxy for this scan, each counted once.
    expect(totalCalls(calls)).toBe(proxy.stats.forwarded - before);
    expect(result.progress.calls).toEqual(calls);
    expect(calls['s3:GetBucketTagging']).toBeUndefined();
    // One listing page per account; one GetResources per region holding the account's buckets.
    expect(calls['s3:ListBuckets']).toBe(org.accounts.length);
    expect(calls['tagging:GetResources']).toBe(org.accounts.length * org.regions.length);
    // moto leaves ListBuckets' BucketRegion empty, so each bucket is located; AWS fills it in, and then none is.
    expect(calls['s3:GetBucketLocation']).toBe(buckets.length);
  });

  it('joins one workflow when identical requests arrive together', async () => {
    const scope = { accounts: [org.accounts[1]!], regions: [org.regions[0]!], resource_types: ['dynamodb:table'] };
    const now = new Date(Date.UTC(2026, 5, 1, 12, 3));
    const [a, b] = await Promise.all([
      startComplianceScan(client, config, { scope, now }),
      startComplianceScan(client, config, { scope: { ...scope, resource_types: ['dynamodb:table', 'dynamodb:table'] }, now }),
    ]);
    expect(a.workflowId).toBe(b.workflowId);
    expect(a.handle.firstExecutionRunId).toBe(b.handle.firstExecutionRunId);
    const result = await a.handle.result() as ComplianceScanResult;
    const expected = org.resources.filter((r) => r.account === org.accounts[1] && r.region === org.regions[0] && r.type === 'dynamodb:table');
    expect(result.totals.total).toBe(expected.length);
  });

  it('reports an account whose AssumeRole is denied and a region whose EC2 API is denied as partial, and scans the rest', async () => {
    proxy.setRules([
      { name: 'assume-denied', service: 'sts', body: `RoleArn=arn%3Aaws%3Aiam%3A%3A${DENIED_ACCOUNT}`, fault: { kind: 'deny' } },
      { name: 'ec2-denied', service: 'ec2', region: 'eu-west-1', fault: { kind: 'deny' } },
    ]);
    const sent = () => proxy.stats.forwarded + Object.values(proxy.stats.injected).reduce((a, b) => a + b, 0);
    const before = sent();
    const { handle } = await start({ scope: { ...fullScope(), accounts: [...org.accounts, DENIED_ACCOUNT] } });
    const result = await handle.result() as ComplianceScanResult;
    expect(result.status).toBe('completed');
    // Requests of shards and plans that failed for good are counted too: every request sent, once.
    const calls = (await store.store.getScan(result.scanId))!.cloudCalls!;
    expect(totalCalls(calls)).toBe(sent() - before);
    expect(calls['ec2:DescribeInstances']).toBeGreaterThanOrEqual(org.accounts.length * org.regions.length);
    expect(result.dataQuality.status).toBe('partial');
    const missing = result.dataQuality.missing;
    expect(missing).toContainEqual(expect.objectContaining({ account: DENIED_ACCOUNT, errorType: 'AccessDenied' }));
    for (const account of org.accounts) {
      for (const type of ['ec2:instance', 'ec2:volume']) {
        expect(missing).toContainEqual(expect.objectContaining({ account, region: 'eu-west-1', resourceType: type, errorType: 'AccessDenied' }));
      }
    }
    expect(result.dataQuality.missingTotal).toBe(1 + 2 * 2);
    expect(JSON.stringify(missing)).not.toMatch(/arn:aws:sts::\d{12}:assumed-role/);

    const seen = org.resources.filter((r) => !(r.region === 'eu-west-1' && r.type.startsWith('ec2:')));
    expect(result.totals.total).toBe(seen.length);
    expectRowsMatch(await rowsOf(result.scanId), seen);
    expect(await store.store.listScanFailures(result.scanId)).toHaveLength(5);
    expect(proxy.stats.injected['assume-denied']).toBeGreaterThan(0);
  });

  it('gets the right totals through injected throttling', async () => {
    // Every third Tagging API call, not every second: the S3 shard reads tags with one call per
    // region of its buckets, and a strict alternation would throttle one of each attempt's two.
    proxy.setRules([
      { name: 'tagging-throttled', service: 'tagging', fault: { kind: 'throttle', every: 3 } },
      { name: 'ec2-throttled', service: 'ec2', fault: { kind: 'throttle', every: 3 } },
      { name: 'rds-throttled', service: 'rds', fault: { kind: 'throttle', every: 2 } },
    ]);
    const { handle } = await start({ scope: fullScope() });
    const result = await handle.result() as ComplianceScanResult;
    expect(result.dataQuality.status).toBe('complete');
    expect(result.totals).toEqual(baseline.totals);
    expectRowsMatch(await rowsOf(result.scanId), org.resources);
    expect(proxy.stats.injected['tagging-throttled']).toBeGreaterThan(0);
    expect(proxy.stats.injected['ec2-throttled']).toBeGreaterThan(0);
  });

  it("runs at most the worker's maxConcurrentShards shards at once, whatever the starter's config says", async () => {
    await useWorkerWithShards(2);
    expect(config.clouds.aws.maxConcurrentShards).toBe(STARTER_SHARDS);
    const { handle } = await start({ scope: fullScope() });
    const result = await handle.result() as ComplianceScanResult;
    expect(result.status).toBe('completed');
    const history = await client.workflow.getHandle(accountWorkflowId(result.scanId, org.accounts[0]!)).fetchHistory();
    const events = history.events ?? [];
    const planId = String(events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'planTargetShards')?.eventId);
    const planned = events.find((e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === planId)
      ?.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
    expect(defaultPayloadConverter.fromPayload<{ maxConcurrentShards?: number }>(planned!)).toMatchObject({ maxConcurrentShards: 2 });
    // Shard activities scheduled and not yet closed, at each point of the child's history.
    const open = new Set<string>();
    let shards = 0;
    let most = 0;
    for (const e of events) {
      if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'scanShard') {
        shards++;
        open.add(String(e.eventId));
        most = Math.max(most, open.size);
      }
      const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes
        ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
      if (closed) open.delete(String(closed.scheduledEventId));
    }
    expect(shards).toBe(2 * 5 + 1);
    expect(most).toBe(2);
  });

  it('survives a SIGKILLed worker mid-scan: same totals, no row twice', async () => {
    await useWorkerWithShards(2);
    // Slow every AWS call down so the kill lands while shards are running.
    proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 150 } }]);
    const { handle, workflowId } = await start({ scope: fullScope(), overrides: { shardHeartbeatSeconds: 3 } });
    // Wait until some rows are written and the scan is still running, watching the progress query.
    let sawProgress = false;
    let scanId = '';
    await waitUntil(async () => {
      const progress = await scanProgress(client, workflowId).catch(() => undefined);
      if (progress && progress.shardsTotal > 0) sawProgress = true;
      scanId = progress?.scanId ?? '';
      const written = scanId ? await store.store.countScanResources(scanId) : 0;
      return written > 0 && !!progress && progress.shardsDone < progress.shardsTotal;
    }, 60_000, () => `scan never got under way: ${stack.worker.output()}`);
    expect(sawProgress).toBe(true);
    await stack.worker.kill('SIGKILL');
    const writtenAtKill = await store.store.countScanResources(scanId);
    expect(writtenAtKill).toBeLessThan(org.resources.length);

    stack.respawnWorker();
    const result = await handle.result() as ComplianceScanResult;
    expect(result.status).toBe('completed');
    expect(result.totals).toEqual(baseline.totals);
    expectRowsMatch(await rowsOf(scanId), org.resources);
    expect(await store.store.countScanResources(scanId)).toBe(org.resources.length);
  });

  it('stops new shards and marks the scan cancelled on the cancel signal', async () => {
    await useWorkerWithShards(1);
    proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 200 } }]);
    const { handle, workflowId } = await start({ scope: fullScope(), overrides: { maxParallelAccounts: 1 } });
    let scanId = '';
    await waitUntil(async () => {
      scanId = (await scanProgress(client, workflowId).catch(() => undefined))?.scanId ?? '';
      return scanId !== '' && (await store.store.countScanResources(scanId)) > 0;
    }, 30_000, () => 'scan never wrote a row');
    await handle.signal(cancelSignal, 'test');
    const result = await handle.result() as ComplianceScanResult;
    expect(result.status).toBe('cancelled');
    expect(result.dataQuality.status).toBe('partial');
    expect(result.progress.shardsDone).toBeLessThan(2 * (2 * 5 + 1));
    expect(result.scanId).toBe(scanId);
    expect((await store.store.getScan(scanId))?.status).toBe('cancelled');
  });
});
