// Scheduled audits on the Temporal dev server, with the worker as its own process on moto: the
// default schedule created at worker start and updated in place after a config change; the tool's
// create twice giving one schedule; trigger-now running a scheduled scan whose snapshot reaches
// history and whose notifications reach a local SMTP sink and webhook; overlap skipped; pause/resume.
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../config/logger.js';
import { openStore, type StoreHandle } from '../../cli/runtime.js';
import { DEFAULT_SCHEDULE_ID, describeAuditSchedule, listAuditSchedules } from '../../client/schedules.js';
import type { ToolContext } from '../../mcp-gateway/context.js';
import { checkHealth } from '../../mcp-gateway/health.js';
import { createMcpServer } from '../../mcp-gateway/server.js';
import { TOOLS } from '../../mcp-gateway/tools/index.js';
import { scheduleComplianceAudit } from '../../mcp-gateway/tools/schedule-compliance-audit.js';
import { getViolationHistory } from '../../mcp-gateway/tools/get-violation-history.js';
import { SCAN_TRIGGER_ATTRIBUTE, type ScanOutcome } from '../../workflows/contract.js';
import { DEFAULT_REGIONS, SEEDED_TYPES, expectedTotals } from '../support/aws-seed.js';
import { startMotoStack, type MotoStack } from '../support/moto-stack.js';
import { startSmtpSink, startWebhookReceiver, type SmtpSink, type WebhookReceiver } from '../support/notification-sinks.js';
import { waitFor } from '../support/wait.js';

describe('scheduled audits', () => {
  let stack: MotoStack;
  let client: Client;
  let store: StoreHandle;
  let smtp: SmtpSink;
  let hook: WebhookReceiver;

  beforeAll(async () => {
    [smtp, hook] = await Promise.all([startSmtpSink(), startWebhookReceiver()]);
    stack = await startMotoStack({
      name: 'schedules',
      workerEnv: {
        SCHEDULED_COMPLIANCE_RESOURCE_TYPES: SEEDED_TYPES.join(','), SCHEDULED_COMPLIANCE_REGIONS: DEFAULT_REGIONS.join(','),
        // Every seeded org has non-compliant resources: a threshold of 1 makes every scan notify.
        COMPLIANCE_SCORE_BELOW: '1', NOTIFICATION_EMAIL: 'finops@example.com', SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port),
        NOTIFICATION_WEBHOOK_URL: hook.url, NOTIFICATION_WEBHOOK_SECRET: 'a-webhook-secret-of-some-length',
      },
    });
    store = await openStore(stack.config, createLogger('silent'));
    client = new Client({ connection: await Connection.connect({ address: stack.temporalServer.address }) });
  });

  afterAll(async () => {
    await client?.connection.close();
    await store?.close();
    await stack?.stop();
    await Promise.all([smtp?.stop(), hook?.stop()]);
  });

  const ctx = (): ToolContext => ({
    config: stack.config, store: store.store, temporal: client, logger: createLogger('silent'), correlationId: 'test-corr', progress: async () => {},
  });
  async function call(input: Record<string, unknown>) {
    const result = await scheduleComplianceAudit.handler(ctx(), scheduleComplianceAudit.inputSchema.parse(input));
    if (!('structured' in result)) throw new Error('unexpected input request');
    return result;
  }

  it('creates the default schedule at worker start and updates it in place when the config changes', async () => {
    const first = await waitFor(() => describeAuditSchedule(client, DEFAULT_SCHEDULE_ID), 60_000, 'the default schedule', { ignoreErrors: true });
    expect(first).toMatchObject({ cron: '0 2 * * *', timezone: 'UTC', paused: false, overlap: 'SKIP', catchupWindowSeconds: 6 * 3600 });
    expect(first.scope).toMatchObject({ resourceTypes: [...SEEDED_TYPES].sort() });
    expect(new Date(first.nextRuns[0]!).getUTCHours()).toBe(2);

    await stack.worker.kill();
    stack.env.SCHEDULED_COMPLIANCE_CRON = '30 3 * * *';
    stack.env.SCHEDULED_COMPLIANCE_TIMEZONE = 'Europe/Paris';
    stack.respawnWorker();
    const updated = await waitFor(async () => {
      const d = await describeAuditSchedule(client, DEFAULT_SCHEDULE_ID);
      return d.cron === '30 3 * * *' ? d : undefined;
    }, 60_000, 'the updated default schedule', { ignoreErrors: true });
    expect(updated.timezone).toBe('Europe/Paris');
    const next = new Date(updated.nextRuns[0]!);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' }).format(next)).toBe('03:30');
    expect((await listAuditSchedules(client)).filter((s) => s.scheduleId === DEFAULT_SCHEDULE_ID)).toHaveLength(1);

    // enabled: false pauses it (its history stays); enabling again unpauses it.
    await stack.worker.kill();
    stack.env.SCHEDULED_COMPLIANCE_ENABLED = 'false';
    stack.respawnWorker();
    const paused = await waitFor(async () => {
      const d = await describeAuditSchedule(client, DEFAULT_SCHEDULE_ID);
      return d.paused ? d : undefined;
    }, 60_000, 'the paused default schedule', { ignoreErrors: true });
    expect(paused.note).toMatch(/disabled by config/);
    await stack.worker.kill();
    delete stack.env.SCHEDULED_COMPLIANCE_ENABLED;
    stack.respawnWorker();
    await waitFor(async () => ((await describeAuditSchedule(client, DEFAULT_SCHEDULE_ID)).paused ? undefined : true), 60_000, 'unpaused', { ignoreErrors: true });
  }, 300_000); // four worker starts (bundling included) on a shared machine

  it('creating the same schedule twice gives one; pause and resume', async () => {
    const params = { schedule: 'weekly', time: '06:15', timezone: 'America/New_York', resource_types: ['s3:bucket'] };
    const a = await call({ action: 'create', ...params });
    const b = await call({ action: 'create', ...params, resource_types: ['s3:bucket', 's3:bucket'] });
    expect(a.structured).toMatchObject({ created: true });
    expect(b.structured).toMatchObject({ created: false, schedule_id: a.structured.schedule_id });
    expect((await listAuditSchedules(client)).filter((s) => s.scheduleId === a.structured.schedule_id)).toHaveLength(1);
    expect(a.structured.schedule!.nextRuns[0]).toBeDefined();
    expect(new Date(a.structured.schedule!.nextRuns[0]!).getUTCDay()).toBe(1);

    await call({ action: 'pause', schedule_id: a.structured.schedule_id, note: 'maintenance' });
    expect(await describeAuditSchedule(client, a.structured.schedule_id!)).toMatchObject({ paused: true, note: 'maintenance' });
    await call({ action: 'resume', schedule_id: a.structured.schedule_id });
    expect(await describeAuditSchedule(client, a.structured.schedule_id!)).toMatchObject({ paused: false });

    // update keeps the id (and the run history) and replaces what it does.
    const u = await call({ action: 'update', schedule_id: a.structured.schedule_id, schedule: 'monthly', time: '07:45', timezone: 'UTC', resource_types: ['s3:bucket'], recipients: ['x@example.com'] });
    expect(u.structured.schedule).toMatchObject({ scheduleId: a.structured.schedule_id, cron: '45 7 1 * *', timezone: 'UTC' });
    expect(new Date(u.structured.schedule!.nextRuns[0]!).getUTCDate()).toBe(1);
    await expect(call({ action: 'update', schedule_id: 'tag-audit-000000000000', resource_types: ['s3:bucket'] })).rejects.toThrow(/no scheduled audit with id/);

    await call({ action: 'delete', schedule_id: a.structured.schedule_id });
    await expect(call({ action: 'describe', schedule_id: a.structured.schedule_id })).rejects.toThrow(/no scheduled audit with id/);
    await expect(call({ action: 'create', ...params, timezone: 'Nowhere/Land' })).rejects.toThrow(/unknown timezone/);
  });

  it('refuses to schedule an account outside the allowed set, on create and on update, and creates nothing', async () => {
    const aws = { ...stack.config.clouds.aws, accounts: ['111111111111'] };
    const narrowed: ToolContext = { ...ctx(), config: { ...stack.config, clouds: { ...stack.config.clouds, aws } } };
    const run = (input: Record<string, unknown>) => scheduleComplianceAudit.handler(narrowed, scheduleComplianceAudit.inputSchema.parse(input));
    const before = (await listAuditSchedules(client)).length;
    await expect(run({ action: 'create', resource_types: ['s3:bucket'], accounts: ['111111111111', '222222222222'] }))
      .rejects.toThrow(/222222222222/);
    expect((await listAuditSchedules(client)).length).toBe(before);
    const ok = await run({ action: 'create', resource_types: ['s3:bucket'], accounts: ['111111111111'], time: '05:05' });
    if (!('structured' in ok)) throw new Error('unexpected input request');
    await expect(run({ action: 'update', schedule_id: ok.structured.schedule_id, resource_types: ['s3:bucket'], accounts: ['333333333333'] }))
      .rejects.toThrow(/333333333333/);
    expect((await describeAuditSchedule(client, ok.structured.schedule_id!)).scope).toMatchObject({ accounts: ['111111111111'] });
    await run({ action: 'delete', schedule_id: ok.structured.schedule_id });
  });

  it('trigger now runs a scheduled scan: stored snapshot in history, ScanTrigger=scheduled, notified once; an overlapping trigger is skipped', async () => {
    const { org } = stack;
    const created = await call({ action: 'create', schedule: 'daily', time: '04:00', resource_types: [...SEEDED_TYPES], regions: org.regions, recipients: ['owner@example.com'] });
    const scheduleId = created.structured.schedule_id!;
    const mailsBefore = smtp.messages.length;
    const postsBefore = hook.requests.length;
    // AWS answers slowly until the second trigger is in, so the first run is surely still running.
    stack.proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 200 } }]);
    await call({ action: 'trigger', schedule_id: scheduleId });
    // Once the first run has started (not before: two triggers in one go may be taken as one), a
    // second trigger while it runs is skipped.
    await waitFor(async () => ((await describeAuditSchedule(client, scheduleId)).running.length === 1 ? true : undefined), 60_000, 'the first run started', { ignoreErrors: true });
    await call({ action: 'trigger', schedule_id: scheduleId });
    stack.proxy.setRules([]);

    const done = await waitFor(async () => {
      const d = await describeAuditSchedule(client, scheduleId);
      return d.recentRuns[0]?.status === 'COMPLETED' ? d : undefined;
    }, 120_000, 'the triggered run', { ignoreErrors: true });
    expect(done.recentRuns).toHaveLength(1);
    expect(done.skippedOverlap).toBe(1);
    const outcome = done.recentRuns[0]!.outcome as ScanOutcome;
    const totals = expectedTotals(org, { regions: org.regions });
    expect(outcome).toMatchObject({ scheduleId, status: 'completed', total: totals.total });
    expect(outcome.scanWorkflowId).toMatch(/^scan-scheduled-[0-9a-f]{12}-\d{8}T\d{4}Z$/);

    // The run and its scan carry ScanTrigger=scheduled; the run is the schedule's.
    const run = await client.workflow.getHandle(done.recentRuns[0]!.workflowId).describe();
    expect(run.typedSearchAttributes.get(SCAN_TRIGGER_ATTRIBUTE)).toBe('scheduled');
    const scan = await client.workflow.getHandle(outcome.scanWorkflowId).describe();
    expect(scan.typedSearchAttributes.get(SCAN_TRIGGER_ATTRIBUTE)).toBe('scheduled');

    // The snapshot is stored and history (stored snapshots only) shows it.
    const row = await store.store.getScan(outcome.scanId);
    expect(row).toMatchObject({ trigger: 'scheduled', storeSnapshot: true, status: 'completed' });
    const history = await getViolationHistory.handler(ctx(), getViolationHistory.inputSchema.parse({ days_back: 1 }));
    if (!('structured' in history)) throw new Error('unexpected input request');
    expect(history.structured.points.map((p) => p.snapshot_id)).toContain(outcome.scanWorkflowId);

    // One score_below notification per channel; the content names the scan.
    expect(smtp.messages.length - mailsBefore).toBe(1);
    const mail = smtp.messages.at(-1)!;
    expect(mail.to.sort()).toEqual(['finops@example.com', 'owner@example.com']);
    expect(mail.text).toContain(outcome.scanWorkflowId);
    expect(hook.requests.length - postsBefore).toBe(1);
    expect(JSON.parse(hook.requests.at(-1)!.body)).toMatchObject({ kind: 'score_below', scan_id: outcome.scanWorkflowId, threshold: 1 });
    expect((await store.store.listNotifications(outcome.scanId)).map((n) => `${n.kind}/${n.channel}/${n.status}`).sort())
      .toEqual(['score_below/email/sent', 'score_below/webhook/sent']);
  });

  it('/health shows the default schedule\'s next run, then its last scan (status, time, score)', async () => {
    const before = await checkHealth(ctx(), 'postgres');
    expect(before.scheduledAudit).toMatchObject({ scheduleId: DEFAULT_SCHEDULE_ID, paused: false, lastRun: null });
    expect((before.scheduledAudit as { nextRun: string }).nextRun).toMatch(/^\d{4}-\d\d-\d\dT/);

    await client.schedule.getHandle(DEFAULT_SCHEDULE_ID).trigger();
    const report = await waitFor(async () => {
      const r = await checkHealth(ctx(), 'postgres');
      return (r.scheduledAudit as { lastRun?: { status: string } | null }).lastRun?.status === 'COMPLETED' ? r : undefined;
    }, 120_000, 'the default schedule\'s run in /health', { ignoreErrors: true });
    const totals = expectedTotals(stack.org, { regions: DEFAULT_REGIONS });
    expect(report.scheduledAudit).toMatchObject({
      lastRun: { scanStatus: 'completed', score: Math.round((totals.compliant / totals.total) * 10_000) / 10_000 },
    });
    expect(Date.parse((report.scheduledAudit as { lastRun: { startedAt: string } }).lastRun.startedAt)).toBeGreaterThan(Date.now() - 180_000);
  });
  it('through an MCP client: listed as a state-changing tool, audited, bad input answered as a clear tool error', async () => {
    const server = createMcpServer({ config: stack.config, store: store.store, temporal: client, logger: createLogger('silent') },
      { sessionId: 'schedules-test', actor: 'tester' }, TOOLS);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const mcp = new McpClient({ name: 'schedules-test', version: '1.0.0' });
    await mcp.connect(clientSide);
    try {
      const { tools } = await mcp.listTools();
      const tool = tools.find((t) => t.name === 'schedule_compliance_audit');
      expect(tool?.annotations).toMatchObject({ readOnlyHint: false });
      expect(Object.keys((tool?.inputSchema as { properties: object }).properties)).toEqual(expect.arrayContaining(
        ['action', 'schedule', 'time', 'timezone', 'resource_types', 'recipients', 'cron', 'accounts', 'regions', 'cloud_provider']));

      const bad = await mcp.callTool({ name: 'schedule_compliance_audit', arguments: { action: 'create', cron: '* * * * *' } }, CallToolResultSchema);
      expect(bad.isError).toBe(true);
      expect(JSON.stringify(bad.content)).toMatch(/at most one run an hour/);
      const listed = await mcp.callTool({ name: 'schedule_compliance_audit', arguments: { action: 'list' } }, CallToolResultSchema);
      expect(listed.isError).toBeFalsy();
      expect((listed.structuredContent as { schedules: { scheduleId: string }[] }).schedules.map((s) => s.scheduleId)).toContain(DEFAULT_SCHEDULE_ID);
      const audit = (await store.store.listAudit({ limit: 20 })).filter((a) => a.tool === 'schedule_compliance_audit' && a.sessionId === 'schedules-test');
      // Rows for both calls (state-changing tools write theirs before running), the refused one included.
      expect([...new Set(audit.map((a) => (a.params as { action: string }).action))].sort()).toEqual(['create', 'list']);
      expect(audit.some((a) => (a.params as { action: string }).action === 'create' && a.outcome !== 'ok')).toBe(true);
    } finally {
      await mcp.close();
    }
  });
});
