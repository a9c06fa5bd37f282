// Dry runs and the approval gate on real components (Temporal dev server, PostgreSQL, moto behind
// the fault proxy and a request log, the worker as its own process): a dry run sends discovery
// requests only; a scan over the thresholds waits as awaiting_approval, runs once approved, and
// closes as cancelled when rejected or when the wait expires; an approved plan hash skips the wait;
// a signal sent by name from a plain Temporal client (as the UI and CLI send it) approves too; and
// every decision is on the scan row and in the audit log.
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { openStore, type StoreHandle } from '../../cli/runtime.js';
import type { ToolContext } from '../../mcp-gateway/context.js';
import { approveScan } from '../../mcp-gateway/tools/approve-scan.js';
import { rejectScan } from '../../mcp-gateway/tools/reject-scan.js';
import { getScanStatus } from '../../mcp-gateway/tools/get-scan-status.js';
import { startComplianceScanTool } from '../../mcp-gateway/tools/start-compliance-scan.js';
import { checkTagCompliance } from '../../mcp-gateway/tools/check-tag-compliance.js';
import { scanHandle } from '../../client/scans.js';
import { APPROVAL_AUDIT_TOOL } from '../../store/scan-approval.js';
import { startMotoStack, type MotoStack } from '../support/moto-stack.js';
import { startRequestLog, type RequestLog } from '../support/request-log.js';
import { waitFor } from '../support/wait.js';

/** What discovery may ask AWS: who am I, assume a target's role, which regions it has. */
const DISCOVERY_OPERATIONS = new Set(['AssumeRole', 'GetCallerIdentity', 'DescribeRegions', 'ListAccounts']);

type Start = Parameters<typeof startComplianceScanTool.handler>[1];
type StatusReply = { status: string; scan_id: string; approval?: { plan_hash: string; reasons: string[]; expires_at: string }; next_step?: string };

describe('dry runs and approval gates', () => {
  let stack: MotoStack;
  let log: RequestLog;
  let temporal: Client;
  let store: StoreHandle;
  let A0: string, A1: string, R0: string, R1: string;

  beforeAll(async () => {
    // The request log sits between the worker and the fault proxy: every AWS request is seen.
    log = await startRequestLog();
    stack = await startMotoStack({ name: 'scan-approval', workerEnv: { AWS_ENDPOINT_URL: log.endpoint } });
    log.setTarget(stack.proxy.endpoint);
    store = await openStore(stack.config, createLogger('silent'));
    temporal = new Client({ connection: await Connection.connect({ address: stack.temporalServer.address }) });
    [A0, A1] = stack.org.accounts as [string, string];
    [R0, R1] = stack.org.regions as [string, string];
  });

  afterAll(async () => {
    await temporal?.connection.close();
    await store?.close();
    await stack?.stop();
    await log?.stop();
  });

  /** Two accounts × two regions is over a threshold of one target-region-type. */
  function gated(approval: Partial<Config['approval']> = {}): Config {
    const c = stack.config;
    return { ...c, approval: { ...c.approval, maxTargetRegionTypes: 1, ...approval } };
  }

  function ctxOf(config: Config, actor = 'alice'): ToolContext {
    return { config, store: store.store, temporal, logger: createLogger('silent'), correlationId: 'test', actor, progress: async () => {} };
  }

  const scopeOf = (type: string) => ({ accounts: [A0, A1], regions: [R0, R1], resource_types: [type] });
  const start = (ctx: ToolContext, input: Partial<Start> & Pick<Start, 'resource_types'>) =>
    startComplianceScanTool.handler(ctx, startComplianceScanTool.inputSchema.parse(input));
  const status = async (ctx: ToolContext, scanId: string, waitSeconds = 0) =>
    (await getScanStatus.handler(ctx, getScanStatus.inputSchema.parse({ scan_id: scanId, wait_seconds: waitSeconds }))).structured as StatusReply;
  const awaiting = (ctx: ToolContext, scanId: string) => waitFor(async () => {
    const s = await status(ctx, scanId);
    return s.status === 'awaiting_approval' ? s : undefined;
  }, 60_000, `scan ${scanId} awaiting approval`, { intervalMs: 300 });
  const storedScan = async (workflowId: string) => (await store.store.listScans({ limit: 100 })).find((s) => s.workflowId === workflowId);
  const decisions = async (scanId: string) => (await store.store.listAudit({ limit: 1000 }))
    .filter((a) => a.tool === APPROVAL_AUDIT_TOOL && (a.params as { scan_id?: string }).scan_id === scanId);
  /** Requests that read resources (anything but discovery) logged since `from`. */
  const readsSince = (from: number) => log.entries.slice(from).filter((e) => !DISCOVERY_OPERATIONS.has(e.operation ?? ''));

  it('a dry run sends discovery requests only, stores nothing, and returns the plan with its hash', async () => {
    const ctx = ctxOf(gated());
    const before = log.entries.length;
    const scansBefore = (await store.store.listScans({ limit: 1000 })).length;
    // No regions named: discovery asks the first target which regions it has.
    const discover = { accounts: [A0, A1], resource_types: ['ec2:instance'] };
    const reply = await start(ctx, { ...discover, dry_run: true });
    const dry = reply.structured as Record<string, unknown> & { plan_hash: string; estimates: { target_region_types: number; api_calls: number } };
    expect(dry).toMatchObject({ dry_run: true, requires_approval: true, thresholds: { max_target_region_types: 1 } });
    expect(dry.plan_hash).toMatch(/^[0-9a-f]{16}$/);
    expect(dry.estimates.target_region_types).toBeGreaterThanOrEqual(4);
    expect(dry.plan).toMatchObject({ clouds: [{ cloud: 'aws', target_count: 2 }] });
    expect((dry.plan as { clouds: { regions: string[] }[] }).clouds[0]!.regions).toEqual(expect.arrayContaining([R0, R1]));
    expect(reply.text).toMatch(/Dry run \(nothing scanned\)/);
    expect(startComplianceScanTool.outputSchema.safeParse(reply.structured).success).toBe(true);
    const sent = log.entries.slice(before);
    expect(sent.map((e) => e.operation)).toContain('DescribeRegions'); // discovery did happen
    expect(readsSince(before)).toEqual([]);
    expect((await store.store.listScans({ limit: 1000 })).length).toBe(scansBefore);

    // check_tag_compliance's dry run plans the same scope to the same hash.
    const viaCheck = await checkTagCompliance.handler(ctx, checkTagCompliance.inputSchema.parse({ ...discover, dry_run: true }));
    expect(viaCheck.structured).toMatchObject({ status: 'dry_run', dry_run: true, plan_hash: dry.plan_hash });
    expect(checkTagCompliance.outputSchema.safeParse(viaCheck.structured).success).toBe(true);
  });

  it('a scan over the thresholds waits without reading, runs once approved, and records who approved', async () => {
    const ctx = ctxOf(gated());
    const dry = (await start(ctx, { ...scopeOf('s3:bucket'), dry_run: true })).structured as { plan_hash: string };
    const started = await start(ctx, scopeOf('s3:bucket'));
    const scanId = started.structured.scan_id;
    const before = log.entries.length;
    const waiting = await awaiting(ctx, scanId);
    expect(waiting.approval).toMatchObject({ plan_hash: dry.plan_hash });
    expect(waiting.approval!.reasons[0]).toMatch(/targets × regions × types/);
    expect(waiting.next_step).toMatch(/approve_scan/);
    expect(getScanStatus.outputSchema.safeParse(waiting).success).toBe(true);
    expect((await storedScan(scanId))?.status).toBe('awaiting_approval');
    // Waiting, it reads nothing (give a wrongly running scan time to start its shards).
    await new Promise((r) => setTimeout(r, 1500));
    expect(readsSince(before)).toEqual([]);

    // A stale hash is refused; the right one approves.
    await expect(approveScan.handler(ctx, approveScan.inputSchema.parse({ scan_id: scanId, plan_hash: '0000000000000000' })))
      .rejects.toThrow(/plan changed/);
    const approved = await approveScan.handler(ctx, approveScan.inputSchema.parse({ scan_id: scanId, plan_hash: dry.plan_hash, note: 'ok for today' }));
    expect(approved.structured).toMatchObject({ approved: true, approver: 'alice' });
    const done = await status(ctx, scanId, 120);
    expect(done.status).toBe('completed');
    expect(readsSince(before).length).toBeGreaterThan(0);

    const row = await storedScan(scanId);
    const approval = await store.store.getScanApproval(row!.id);
    expect(approval).toMatchObject({ status: 'completed', planHash: dry.plan_hash, approvedBy: 'alice', approvalNote: 'ok for today', rejectedBy: null });
    expect(approval!.approvedAt).not.toBeNull();
    expect(await decisions(row!.id)).toMatchObject([{ actor: 'alice', outcome: 'approved', params: { via: 'signal', plan_hash: dry.plan_hash } }]);
  });

  it('a rejected scan closes as cancelled without reading, with who and why recorded', async () => {
    const ctx = ctxOf(gated(), 'bob');
    // check_tag_compliance stops waiting as soon as the scan waits for a person, plan in hand.
    const began = Date.now();
    const checked = await checkTagCompliance.handler(ctx, checkTagCompliance.inputSchema.parse({ ...scopeOf('rds:db'), wait_seconds: 120 }));
    expect(checked.structured).toMatchObject({ status: 'awaiting_approval', approval: { reasons: [expect.stringMatching(/targets/)] } });
    expect(Date.now() - began).toBeLessThan(60_000);
    expect(checked.text).toMatch(/awaiting approval/);
    const scanId = checked.structured.scan_id;
    const before = log.entries.length;
    await awaiting(ctx, scanId);
    await rejectScan.handler(ctx, rejectScan.inputSchema.parse({ scan_id: scanId, reason: 'too big for a Friday' }));
    const result = await scanHandle(temporal, scanId).result();
    expect(result).toMatchObject({ status: 'cancelled', reason: 'rejected by bob: too big for a Friday' });
    expect(readsSince(before)).toEqual([]);
    const approval = await store.store.getScanApproval(result.scanId);
    expect(approval).toMatchObject({ status: 'cancelled', rejectedBy: 'bob', rejectionReason: 'too big for a Friday', approvedBy: null });
    expect(await decisions(result.scanId)).toMatchObject([{ actor: 'bob', outcome: 'rejected', params: { reason: 'too big for a Friday' } }]);
    // Nothing left to decide.
    await expect(approveScan.handler(ctx, approveScan.inputSchema.parse({ scan_id: scanId }))).rejects.toThrow(/not awaiting approval/);
  });

  it('a scan nobody approves is cancelled when the wait expires', async () => {
    const ctx = ctxOf(gated({ timeoutSeconds: 3 }));
    const scanId = (await start(ctx, scopeOf('lambda:function'))).structured.scan_id;
    const before = log.entries.length;
    const result = await scanHandle(temporal, scanId).result();
    expect(result).toMatchObject({ status: 'cancelled', reason: 'approval expired' });
    expect(readsSince(before)).toEqual([]);
    const approval = await store.store.getScanApproval(result.scanId);
    expect(approval).toMatchObject({ status: 'cancelled', approvedBy: null, rejectedBy: null });
    expect(approval!.approvalExpiredAt).not.toBeNull();
    expect(await decisions(result.scanId)).toMatchObject([{ actor: 'system', outcome: 'expired' }]);
  });

  it('an approved plan hash from a dry run skips the wait while the plan is unchanged', async () => {
    const ctx = ctxOf(gated(), 'carol');
    const dry = (await start(ctx, { ...scopeOf('dynamodb:table'), dry_run: true })).structured as { plan_hash: string };
    const scanId = (await start(ctx, { ...scopeOf('dynamodb:table'), approved_plan_hash: dry.plan_hash })).structured.scan_id;
    const result = await scanHandle(temporal, scanId).result();
    expect(result.status).toBe('completed');
    expect(result.progress.phase).toBe('completed');
    expect(await store.store.getScanApproval(result.scanId)).toMatchObject({ approvedBy: 'carol', planHash: dry.plan_hash });
    expect(await decisions(result.scanId)).toMatchObject([{ actor: 'carol', outcome: 'approved', params: { via: 'pre-approved plan hash' } }]);

    // A hash of another plan does not: the scan waits (then is rejected to clean up).
    const other = (await start(ctx, { ...scopeOf('ec2:volume'), approved_plan_hash: dry.plan_hash })).structured.scan_id;
    await awaiting(ctx, other);
    await rejectScan.handler(ctx, rejectScan.inputSchema.parse({ scan_id: other, reason: 'test done' }));
    expect((await scanHandle(temporal, other).result()).status).toBe('cancelled');
  });

  it('an approve signal sent by name, as the Temporal UI and CLI send it, is recorded as the tool\'s is', async () => {
    const ctx = ctxOf(gated());
    const scanId = (await start(ctx, { ...scopeOf('ec2:instance'), force_refresh: true })).structured.scan_id;
    await awaiting(ctx, scanId);
    // The UI's "Send signal" and `temporal workflow signal --name approve --input '{...}'` send JSON by name.
    await temporal.workflow.getHandle(scanId).signal('approve', { approver: 'ops@example.com', note: 'from the UI' });
    const result = await scanHandle(temporal, scanId).result();
    expect(result.status).toBe('completed');
    expect(await store.store.getScanApproval(result.scanId)).toMatchObject({ approvedBy: 'ops@example.com', approvalNote: 'from the UI' });
    expect(await decisions(result.scanId)).toMatchObject([{ actor: 'ops@example.com', outcome: 'approved', params: { via: 'signal' } }]);
  });

  it('below the thresholds a scan runs without waiting, its plan kept with it', async () => {
    const ctx = ctxOf(stack.config);
    const scanId = (await start(ctx, { accounts: [A0], regions: [R0], resource_types: ['s3:bucket'] })).structured.scan_id;
    const result = await scanHandle(temporal, scanId).result();
    expect(result.status).toBe('completed');
    const approval = await store.store.getScanApproval(result.scanId);
    expect(approval).toMatchObject({ approvedBy: null, rejectedBy: null });
    expect(approval!.planHash).toMatch(/^[0-9a-f]{16}$/);
    expect(await decisions(result.scanId)).toEqual([]);
  });
});
