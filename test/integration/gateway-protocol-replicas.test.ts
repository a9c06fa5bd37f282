// Two gateway processes (`finops-tag-compliance http`) behind one Temporal and one PostgreSQL, on the
// moto-backed stack, spoken to in the 2026-07-28 era (stateless: any request may reach any
// replica). A scan started through one is followed, paged and cancelled through the other;
// check_tag_compliance reports progress while it waits and returns the running handle when it
// stops waiting; and a task of the io.modelcontextprotocol/tasks extension created on one replica is
// polled, read and cancelled on the other. Loop detection counts the calls of both replicas.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { expectedTotals, SEEDED_TYPES } from '../support/aws-seed.js';
import { MODERN_PROTOCOL as MODERN, modernRequest, raw, rpcMessageOf } from '../support/http-gateway.js';
import { startMotoStack, type MotoStack } from '../support/moto-stack.js';
import { freePort } from '../../worker/dev-server.js';

const TASKS = 'io.modelcontextprotocol/tasks';

interface Replica { url: string; child: ChildProcess; output(): string }
interface ScanOutput {
  status: string; scan_id: string; next_cursor?: string | null; next_step?: string;
  progress?: { phase: string }; violations?: { resource_id: string }[]; scan?: { total_resources: number };
}

async function startReplica(env: Record<string, string>): Promise<Replica> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs'), 'http'], {
    env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk.toString()).slice(-20_000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}: ${output}`);
    const health = await raw(`${url}/health`).catch(() => undefined);
    if (health?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`gateway not healthy after 60 s: ${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, child, output: () => output };
}

async function stopReplica(replica: Replica): Promise<void> {
  if (replica.child.exitCode !== null) return;
  const exited = new Promise((resolve) => replica.child.once('exit', resolve));
  replica.child.kill('SIGTERM');
  const timer = setTimeout(() => replica.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** A raw 2026-07-28 request (declaring the tasks extension unless told not to), and its JSON-RPC reply. */
async function modern(url: string, method: string, params: Record<string, unknown>, declareTasks = true) {
  const { body, headers } = modernRequest(method, params, { declareTasks });
  const reply = await raw(`${url}/mcp`, { method: 'POST', headers, body });
  return { status: reply.status, ...rpcMessageOf(reply.body) };
}

describe('two gateway replicas, 2026-07-28', () => {
  let stack: MotoStack;
  let a: Replica;
  let b: Replica;
  const clients: Client[] = [];

  beforeAll(async () => {
    stack = await startMotoStack({ name: 'replicas' });
    [a, b] = await Promise.all([startReplica(stack.env), startReplica(stack.env)]);
  }, 180_000);

  afterEach(() => stack.proxy.setRules([]));

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled([a, b].filter(Boolean).map(stopReplica));
    await stack?.stop();
  });

  async function client(replica: Replica): Promise<Client> {
    const c = new Client({ name: 'replicas', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN } } });
    await c.connect(new StreamableHTTPClientTransport(new URL(`${replica.url}/mcp`)));
    clients.push(c);
    expect(c.getProtocolEra()).toBe('modern');
    return c;
  }

  const fullScope = () => ({ accounts: stack.org.accounts, regions: stack.org.regions, resource_types: [...SEEDED_TYPES] });

  it('waits with progress on one replica and pages the violations on the other', async () => {
    const [onA, onB] = [await client(a), await client(b)];
    const progress: string[] = [];
    const first = await onA.callTool({ name: 'check_tag_compliance', arguments: { ...fullScope(), force_refresh: true, wait_seconds: 120, limit: 3 } },
      { timeout: 180_000, onprogress: (p) => { progress.push(p.message ?? ''); } });
    expect(first.isError, JSON.stringify(first.content)).toBeFalsy();
    const page1 = first.structuredContent as unknown as ScanOutput;
    expect(page1.status).toBe('completed');
    expect(page1.scan?.total_resources).toBe(expectedTotals(stack.org).total);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.some((m) => m.includes(page1.scan_id))).toBe(true);
    expect(page1.next_cursor).toBeTruthy();

    const second = await onB.callTool({ name: 'get_scan_status', arguments: { scan_id: page1.scan_id, limit: 3, cursor: page1.next_cursor! } });
    const page2 = second.structuredContent as unknown as ScanOutput;
    expect(page2.status).toBe('completed');
    expect(page2.violations).toHaveLength(3);
    const ids = (page: ScanOutput) => page.violations!.map((v) => v.resource_id);
    expect(ids(page2).some((id) => !ids(page1).includes(id))).toBe(true);
  }, 240_000);

  it('starts a scan on one replica, follows it as a running handle and cancels it on the other', async () => {
    stack.proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 1500 } }]);
    const [onA, onB] = [await client(a), await client(b)];
    const started = await onA.callTool({ name: 'start_compliance_scan', arguments: { ...fullScope(), force_refresh: true } });
    expect(started.isError, JSON.stringify(started.content)).toBeFalsy();
    const scanId = (started.structuredContent as { scan_id: string }).scan_id;

    const followed = await onB.callTool({ name: 'get_scan_status', arguments: { scan_id: scanId } });
    expect((followed.structuredContent as unknown as ScanOutput)).toMatchObject({ status: 'running', scan_id: scanId });
    // check_tag_compliance that stops waiting answers with the running handle (joining the scan of its scope).
    const handled = await onB.callTool({ name: 'check_tag_compliance', arguments: { ...fullScope(), force_refresh: true, wait_seconds: 0 } });
    const handle = handled.structuredContent as unknown as ScanOutput;
    expect(handle).toMatchObject({ status: 'running', scan_id: scanId, next_step: 'call get_scan_status with scan_id' });
    expect(handle.progress).toBeDefined();

    const cancelled = await onB.callTool({ name: 'cancel_scan', arguments: { scan_id: scanId, reason: 'replica test' } });
    expect(cancelled.isError, JSON.stringify(cancelled.content)).toBeFalsy();
    expect((cancelled.structuredContent as { cancelled: boolean }).cancelled).toBe(true);
    const ended = await onA.callTool({ name: 'get_scan_status', arguments: { scan_id: scanId, wait_seconds: 60 } }, { timeout: 90_000 });
    expect((ended.structuredContent as unknown as ScanOutput).status).toBe('cancelled');
    // The scan row says cancelled a moment before its workflow closes; a forced call of the same
    // scope in that moment would join it. The next test starts one: let this run close first.
    const temporal = new TemporalClient({ connection: await Connection.connect({ address: stack.temporalServer.address }) });
    try {
      for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
        if ((await temporal.workflow.getHandle(scanId).describe()).status.name !== 'RUNNING') break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await temporal.connection.close();
    }
  }, 180_000);

  it('creates a tasks-extension task on one replica; the other polls, reads and cancels', async () => {
    const discovered = await modern(b.url, 'server/discover', {});
    expect((discovered.result?.capabilities as { extensions: object }).extensions).toEqual({ [TASKS]: {} });

    // A fresh stored answer is returned as the ordinary result: no task is worth creating.
    const cached = await modern(a.url, 'tools/call', { name: 'check_tag_compliance', arguments: { ...fullScope(), limit: 2 } });
    expect(cached.result).toMatchObject({ resultType: 'complete', structuredContent: { status: 'completed', scan: { cached: true } } });

    // A client that does not declare the extension never gets a task, and may not use tasks/*.
    const undeclared = await modern(b.url, 'tasks/get', { taskId: 'scan-adhoc-000000000000-20200101T0000Z' }, false);
    expect(undeclared.error?.code).toBe(-32021);
    expect(undeclared.error?.data).toEqual({ requiredCapabilities: { extensions: { [TASKS]: {} } } });

    // Forced runs of one scope started in the same second share a workflow id (so concurrent forced
    // requests join): start this one in a second of its own, apart from the previous test's run.
    await new Promise((r) => setTimeout(r, 1100));
    stack.proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 300 } }]);
    const created = await modern(a.url, 'tools/call', { name: 'check_tag_compliance', arguments: { ...fullScope(), force_refresh: true, limit: 4 } });
    expect(created.result, JSON.stringify(created)).toMatchObject({ resultType: 'task', status: 'working', ttlMs: null });
    const taskId = created.result!.taskId as string;
    expect(taskId).toMatch(/^scan-adhoc-/);

    const deadline = Date.now() + 120_000;
    let polled: Record<string, unknown> | undefined;
    for (;;) {
      polled = (await modern(b.url, 'tasks/get', { taskId })).result;
      expect(polled).toMatchObject({ resultType: 'complete', taskId });
      if (polled!.status !== 'working' || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, Number(polled!.pollIntervalMs ?? 500)));
    }
    expect(polled!.status).toBe('completed');
    const result = polled!.result as { structuredContent: ScanOutput };
    expect(result.structuredContent.status).toBe('completed');
    expect(result.structuredContent.violations).toHaveLength(4);
    expect(result.structuredContent.scan_id).toBe(taskId.split('~')[0]);

    // Cancel a running one through the other replica: the ack is immediate, the scan ends cancelled.
    stack.proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 1500 } }]);
    const running = await modern(b.url, 'tools/call', { name: 'check_tag_compliance', arguments: { ...fullScope(), force_refresh: true } });
    const runningId = running.result!.taskId as string;
    expect((await modern(a.url, 'tasks/cancel', { taskId: runningId })).result).toMatchObject({ resultType: 'complete' });
    const end = Date.now() + 60_000;
    let status = 'working';
    while (status === 'working' && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 500));
      status = (await modern(b.url, 'tasks/get', { taskId: runningId })).result!.status as string;
    }
    expect(status).toBe('cancelled');
    expect((await modern(a.url, 'tasks/get', { taskId: 'scan-adhoc-000000000000-20200101T0000Z' })).error?.code).toBe(-32602);
  }, 240_000);

  it('counts loop detection across both replicas for one principal', async () => {
    const [onA, onB] = [await client(a), await client(b)];
    // maxIdenticalCalls is 3 (the default): three identical calls, alternating replicas, are served.
    for (const c of [onA, onB, onA]) {
      const served = await c.callTool({ name: 'get_tagging_policy', arguments: {} });
      expect(served.isError, JSON.stringify(served.content)).toBeFalsy();
    }
    const refused = await onB.callTool({ name: 'get_tagging_policy', arguments: {} });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toMatch(/loop detected: get_tagging_policy was called 3 times/);
  });
});
