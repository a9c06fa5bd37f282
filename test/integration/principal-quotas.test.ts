// Per-principal quotas (mcp-gateway/quotas/): two replicas sharing one PostgreSQL database, one
// PGlite, or one Redis agree on every count, under concurrency too; a refusal says when to retry;
// through real gateways and MCP clients, calls per minute are shared by both eras and replicas,
// and scans per day count only scans that actually start (a join of a running scan is free).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../config/index.js';
import { principalDigest } from '../../mcp-gateway/guard/fingerprint.js';
import { createHttpGateway } from '../../mcp-gateway/http.js';
import {
  databaseQuotaCounters, PrincipalQuotas, QuotaExceeded, quotaWindow, redisQuotaCounters, type QuotaCounters,
} from '../../mcp-gateway/quotas/index.js';
import { createStore, migrate, openDb, type Db } from '../../store/index.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { createTestDatabase, createTestPglite } from '../support/databases.js';
import { startGatewayStack, type GatewayStack } from '../support/http-gateway.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// 2027-01-15T08:00:00Z plus 17.5 s into its minute: windows are fixed, so the retry time is known.
const T0 = 1_800_000_000_000 + 17_500;

type Quotas = Config['gateway']['quotas'];
const quotasConfig = (q: Partial<Quotas>): Quotas => ({ callsPerMinute: 0, scansPerDay: 0, perPrincipal: {}, ...q });

interface Backend {
  name: string;
  /** Two counter stores sharing one backing store, one per replica. */
  pair(): Promise<[QuotaCounters, QuotaCounters]>;
  close(): Promise<void>;
}

const backends: { name: string; make(): Promise<Backend> }[] = [
  { name: 'PostgreSQL', async make() {
    const database = await createTestDatabase();
    const dbs: Db[] = [];
    const open = async () => { const db = await openDb({ databaseUrl: database.url, poolMax: 4 }); dbs.push(db); return db; };
    await migrate(await open());
    return {
      name: 'PostgreSQL',
      pair: async () => [databaseQuotaCounters(createStore(await open())), databaseQuotaCounters(createStore(await open()))],
      async close() { for (const db of dbs) await db.close(); await database.drop(); },
    };
  } },
  { name: 'PGlite', async make() {
    // One process's embedded database: both "replicas" share its connection.
    const dir = await createTestPglite();
    const db = await openDb({ dataDir: dir.dataDir });
    await migrate(db);
    const store = createStore(db);
    return {
      name: 'PGlite',
      pair: async () => [databaseQuotaCounters(store), databaseQuotaCounters(store)],
      async close() { await db.close(); await dir.cleanup(); },
    };
  } },
  { name: 'Redis', async make() {
    const keyPrefix = `finops-test-quota:${process.pid}:${randomBytes(4).toString('hex')}:`;
    const admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
    await admin.connect();
    const made: QuotaCounters[] = [];
    return {
      name: 'Redis',
      async pair() {
        const pair: [QuotaCounters, QuotaCounters] = [redisQuotaCounters(REDIS_URL, { keyPrefix }), redisQuotaCounters(REDIS_URL, { keyPrefix })];
        made.push(...pair);
        return pair;
      },
      async close() {
        for (const c of made) await c.close();
        const left = await admin.keys(`${keyPrefix}*`);
        if (left.length) await admin.del(...left);
        await admin.quit();
      },
    };
  } },
];

describe.each(backends)('quotas shared by two replicas ($name)', ({ make }) => {
  let backend: Backend;
  beforeAll(async () => { backend = await make(); }, 60_000);
  afterAll(async () => { await backend?.close(); });

  async function replicas(q: Partial<Quotas>, clock: { now: number }) {
    const [a, b] = await backend.pair();
    const opts = { now: () => clock.now };
    return [new PrincipalQuotas(a, quotasConfig(q), opts), new PrincipalQuotas(b, quotasConfig(q), opts)] as const;
  }

  it('admits exactly the limit of concurrent calls across both replicas, and says when to retry', async () => {
    const clock = { now: T0 };
    const [one, two] = await replicas({ callsPerMinute: 10 }, clock);
    const principal = `key:${randomBytes(32).toString('hex')}`;
    const outcomes = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => (i % 2 ? one : two).for(principal).admitCall()));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    const refusals = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as unknown);
    expect(refusals).toHaveLength(15);
    for (const refusal of refusals) expect(refusal).toBeInstanceOf(QuotaExceeded);
    const refusal = refusals[0] as QuotaExceeded;
    // 17.5 s into the minute: the window frees in 42.5 s, rounded up.
    expect(refusal.meta).toMatchObject({
      retry_after_seconds: 43, retry_at: '2027-01-15T08:01:00Z',
      quota: { name: 'callsPerMinute', limit: 10, config_key: 'gateway.quotas.callsPerMinute', window: 'minute' },
    });
    expect(refusal.message).toMatch(/^quota exceeded: 10 tool calls per minute for this principal \(gateway\.quotas\.callsPerMinute\)\. Retry in 43 s \(at 2027-01-15T08:01:00Z\)/);
    expect(refusal.outcome).toBe('quota_exceeded');
    // Another principal has its own window; the next minute is a new one.
    await one.for(`key:${randomBytes(32).toString('hex')}`).admitCall();
    clock.now = T0 + 60_000;
    await two.for(principal).admitCall();
  });

  it('gives back a reserved scan, so only scans that started count', async () => {
    const clock = { now: T0 };
    const [one, two] = await replicas({ scansPerDay: 2 }, clock);
    const principal = `ip:10.0.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;
    const first = await one.for(principal).reserveScan();
    const joined = await two.for(principal).reserveScan();
    await joined.release(); // a join: the unit goes back
    await two.for(principal).reserveScan();
    const refused = await one.for(principal).reserveScan().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(QuotaExceeded);
    expect((refused as QuotaExceeded).meta).toMatchObject({ quota: { name: 'scansPerDay', limit: 2, window: 'UTC day' }, retry_at: '2027-01-16T00:00:00Z' });
    expect((refused as QuotaExceeded).message).toMatch(/2 new scans per UTC day .*gateway\.quotas\.scansPerDay.*Retry in \d+ s \(at 2027-01-16T00:00:00Z\)/);
    await first.release();
    await (await two.for(principal).reserveScan()).release();
  });

  it('honours a per-principal override, by principal or by API key identity', async () => {
    const clock = { now: T0 };
    const hash = randomBytes(32).toString('hex');
    const [one] = await replicas({ callsPerMinute: 1, perPrincipal: { [`key:${hash.slice(0, 8)}`]: { callsPerMinute: 3 }, 'ip:10.9.9.9': { callsPerMinute: 0 } } }, clock);
    expect(one.limitsOf(`key:${hash}`)).toEqual({ callsPerMinute: 3, scansPerDay: 0 });
    expect(one.limitsOf('ip:10.9.9.9').callsPerMinute).toBe(0);
    for (let i = 0; i < 3; i++) await one.for(`key:${hash}`).admitCall();
    await expect(one.for(`key:${hash}`).admitCall()).rejects.toBeInstanceOf(QuotaExceeded);
    for (let i = 0; i < 5; i++) await one.for('ip:10.9.9.9').admitCall(); // 0: off
  });
});

describe('quotas through real gateways and MCP clients', () => {
  let stack: GatewayStack;
  const urls: string[] = [];
  let scansUrl: string;

  beforeAll(async () => {
    stack = await startGatewayStack('principal-quotas');
    const withQuotas = (q: Partial<Quotas>): Config => configSchema.parse({ ...stack.deps.config, gateway: { ...stack.deps.config.gateway, quotas: quotasConfig(q) } });
    // Two replicas on one database: calls per minute are shared.
    for (let i = 0; i < 2; i++) {
      const app = await createHttpGateway({ ...stack.deps, config: withQuotas({ callsPerMinute: 4 }) }, { dbKind: stack.store.db.kind });
      urls.push(await app.listen({ host: '127.0.0.1', port: 0 }));
      const close = stack.close;
      stack.close = async () => { await app.close(); await close(); };
    }
    const scans = await createHttpGateway({ ...stack.deps, config: withQuotas({ scansPerDay: 1 }) }, { dbKind: stack.store.db.kind });
    scansUrl = await scans.listen({ host: '127.0.0.1', port: 0 });
    const close = stack.close;
    stack.close = async () => { await scans.close(); await close(); };
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  async function connect(url: string, era: 'modern' | 'legacy') {
    const client = new Client({ name: `quota-${era}`, version: '1.0.0' },
      era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : { supportedProtocolVersions: ['2025-11-25'] });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
    return client;
  }

  const textOf = (r: CallToolResult) => (r.content[0] as { text: string }).text;
  const used = (quota: 'calls' | 'scans', principal = 'ip:127.0.0.1') => stack.deps.store.quotaUsed({
    quota, principalDigest: principalDigest({ principal }), windowStartMs: quotaWindow(quota, Date.now()).startMs,
  });

  /** Waits, if need be, for a fresh minute window with room for a few calls. */
  async function earlyInAMinute(): Promise<void> {
    const into = Date.now() % 60_000;
    if (into > 40_000) await new Promise((r) => setTimeout(r, 60_500 - into));
  }

  it('counts calls per minute across replicas and eras, then refuses with the retry time, audited', async () => {
    // Fixed minute windows: start early in one so the five calls share it.
    await earlyInAMinute();
    const modern = await connect(urls[0]!, 'modern');
    const legacy = await connect(urls[1]!, 'legacy');
    try {
      const results: CallToolResult[] = [];
      for (let i = 0; i < 5; i++) {
        results.push(await (i % 2 ? legacy : modern).callTool({ name: 'get_tagging_policy', arguments: {} }) as CallToolResult);
      }
      expect(results.slice(0, 4).map((r) => r.isError ?? false)).toEqual([false, false, false, false]);
      const refused = results[4]!;
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(/^quota exceeded: 4 tool calls per minute for this principal \(gateway\.quotas\.callsPerMinute\)\. Retry in \d+ s \(at \d{4}-\d\d-\d\dT\d\d:\d\d:00Z\)/);
      const meta = refused._meta as { retry_after_seconds: number; correlation_id: string; quota: { config_key: string } };
      expect(meta.retry_after_seconds).toBeGreaterThanOrEqual(1);
      expect(meta.retry_after_seconds).toBeLessThanOrEqual(60);
      expect(meta.quota.config_key).toBe('gateway.quotas.callsPerMinute');
      expect(await used('calls')).toBe(4);
      await stack.deps.store.flushAudit();
      const row = (await stack.deps.store.listAudit({ limit: 50 })).find((a) => a.correlationId === meta.correlation_id);
      expect(row).toMatchObject({ tool: 'get_tagging_policy', outcome: 'quota_exceeded' });
    } finally {
      await modern.close();
      await legacy.close();
    }
  });

  it('counts a scan per day only when one starts: a join of the running scan is free, and passes a spent quota', async () => {
    const client = await connect(scansUrl, 'modern');
    const started: string[] = [];
    try {
      const scope = { resource_types: ['ec2:instance'], accounts: ['111111111111'], regions: ['us-east-1'] };
      const first = await client.callTool({ name: 'start_compliance_scan', arguments: scope }) as CallToolResult;
      expect(first.isError).toBeFalsy();
      const scanId = (first.structuredContent as { scan_id: string }).scan_id;
      started.push(scanId);
      expect(await used('scans')).toBe(1);
      // The same request joins the running scan (same id): nothing starts, nothing is counted, even
      // though today's one scan is spent; check_tag_compliance joins it too.
      const again = await client.callTool({ name: 'start_compliance_scan', arguments: scope }) as CallToolResult;
      expect(again.isError).toBeFalsy();
      expect((again.structuredContent as { scan_id: string; workflow_run_id: string })).toMatchObject({
        scan_id: scanId, workflow_run_id: (first.structuredContent as { workflow_run_id: string }).workflow_run_id,
      });
      const check = await client.callTool({ name: 'check_tag_compliance', arguments: { ...scope, wait_seconds: 0 } }) as CallToolResult;
      expect(check.isError).toBeFalsy();
      expect((check.structuredContent as { scan_id: string }).scan_id).toBe(scanId);
      expect(await used('scans')).toBe(1);
      // Another scope would start a new scan: refused, with when to retry, and nothing started.
      const other = await client.callTool({ name: 'start_compliance_scan', arguments: { ...scope, regions: ['us-west-2'] } }) as CallToolResult;
      expect(other.isError).toBe(true);
      expect(textOf(other)).toMatch(/^quota exceeded: 1 new scans per UTC day for this principal \(gateway\.quotas\.scansPerDay\)\. Retry in \d+ s \(at \d{4}-\d\d-\d\dT00:00:00Z\)/);
      expect((other._meta as { retry_after_seconds: number }).retry_after_seconds).toBeGreaterThan(0);
      expect(await used('scans')).toBe(1);
      let running = 0;
      for await (const _ of stack.deps.temporal.workflow.list({ query: "ExecutionStatus = 'Running'" })) running++;
      expect(running).toBe(1);
    } finally {
      for (const id of started) await stack.deps.temporal.workflow.getHandle(id).terminate('test done').catch(() => {});
      await client.close();
    }
  });
  it('counts a stdio client as the local user (local:stdio), with the same refusal', async () => {
    const { config } = stack.deps;
    await earlyInAMinute();
    const client = new Client({ name: 'quota-stdio', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StdioClientTransport({
      command: process.execPath,
      args: [path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs'), 'stdio'],
      env: {
        ...process.env as Record<string, string>,
        TEMPORAL_ADDRESS: config.temporal.address ?? '', TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
        DATABASE_URL: config.database.url ?? '', POLICY_PATH: config.policy.path, LOG_LEVEL: 'warn',
        QUOTA_CALLS_PER_MINUTE: '2',
      },
      stderr: 'pipe',
    }));
    try {
      const results: CallToolResult[] = [];
      for (let i = 0; i < 3; i++) results.push(await client.callTool({ name: 'list_scans', arguments: { limit: i + 1 } }) as CallToolResult);
      expect(results.map((r) => r.isError ?? false)).toEqual([false, false, true]);
      expect(textOf(results[2]!)).toMatch(/^quota exceeded: 2 tool calls per minute for this principal \(gateway\.quotas\.callsPerMinute\)\. Retry in \d+ s/);
      expect(await used('calls', 'local:stdio')).toBe(2);
    } finally {
      await client.close();
    }
  }, 60_000);
});
