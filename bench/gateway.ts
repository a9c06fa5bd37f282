// Latency of a cached check_tag_compliance under load: 50 concurrent MCP clients over Streamable
// HTTP against the real gateway process, for 30 s per protocol era after 5 s of warm-up: 2025-11-25
// (a session per client) and 2026-07-28 (stateless requests, the call guard counted in PostgreSQL). Prints p50,
// p99 and errors per era, and the CPU time each call cost the gateway, its database backends and the
// bench's clients (Linux /proc; a figure the machine's other load disturbs far less than latency).
// Asserts nothing about time.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport, type ClientOptions } from '@modelcontextprotocol/client';
import { parse as parseYaml } from 'yaml';
import { scopeHash } from '../core/scan-id.js';
import { normaliseScope } from '../core/scope.js';
import { complianceScore } from '../core/compliance/index.js';
import { createStore, migrate, openDb } from '../store/index.js';
import { createTestDatabase } from '../test/support/databases.js';
import { freePort, startDevServer } from '../worker/dev-server.js';
import { findTemporalCli, REPO_ROOT } from '../worker/temporal-cli.js';

/** The gateway's NODE_OPTIONS as docker-compose.yml deploys it, so the bench measures what runs. */
async function deployedGatewayNodeOptions(): Promise<string> {
  const compose = parseYaml(await readFile(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as
    { services?: { gateway?: { environment?: Record<string, string> } } };
  return compose.services?.gateway?.environment?.NODE_OPTIONS ?? '';
}

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const RESOURCES = 2000;
const SCOPE = { accounts: ['123456789012'], regions: ['us-east-1'], resource_types: ['ec2:instance'] };
const ERAS: Record<'2025-11-25' | '2026-07-28', ClientOptions> = {
  '2025-11-25': { supportedProtocolVersions: ['2025-11-25'] },
  '2026-07-28': { versionNegotiation: { mode: { pin: '2026-07-28' } } },
};

interface CpuMs { gateway: number; database: number; bench: number }
interface EraRun { era: string; calls: number; p50: number; p99: number; max: number; errors: number; cpu: CpuMs | undefined }

/** CPU time (user + system, ms) of a process so far, from /proc; undefined where there is none. */
async function processCpuMs(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // Fields after the command (which may hold spaces) start at state; utime and stime are the 12th and 13th.
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields ? (Number(fields[11]) + Number(fields[12])) * 10 : undefined; // USER_HZ is 100 on Linux
}

/** Reads the CPU time used by the gateway, the database backends serving it, and this process. */
async function cpuSnapshot(gatewayPid: number, backendPids: () => Promise<number[]>): Promise<Map<string, number> | undefined> {
  const gateway = await processCpuMs(gatewayPid);
  if (gateway === undefined) return undefined;
  const times = new Map<string, number>([['gateway', gateway], ['bench', process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000]]);
  for (const pid of await backendPids()) times.set(`pg:${pid}`, (await processCpuMs(pid)) ?? 0);
  return times;
}

function cpuSpent(before: Map<string, number> | undefined, after: Map<string, number> | undefined): CpuMs | undefined {
  if (!before || !after) return undefined;
  const spent = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  const database = [...after.keys()].filter((k) => k.startsWith('pg:')).reduce((sum, k) => sum + spent(k), 0);
  return { gateway: spent('gateway'), database, bench: spent('bench') };
}

/** SESSIONS clients of one era calling the cached check for WARMUP_SECONDS, then SECONDS timed. */
async function runEra(url: URL, era: keyof typeof ERAS, cpu: () => Promise<Map<string, number> | undefined>): Promise<EraRun> {
  const clients = await Promise.all(Array.from({ length: SESSIONS }, async () => {
    const client = new Client({ name: 'bench', version: '1.0.0' }, ERAS[era]);
    await client.connect(new StreamableHTTPClientTransport(url));
    if (client.getProtocolEra() !== (era === '2026-07-28' ? 'modern' : 'legacy')) throw new Error(`client did not speak ${era}`);
    return client;
  }));
  const latencies: number[] = [];
  let errors = 0;
  // Calls during the warm-up run alike but are not timed: the first seconds of each era pay for JIT
  // compilation of its code paths and the database's first plans, once per process, not per call.
  const measureFrom = performance.now() + WARMUP_SECONDS * 1000;
  const end = measureFrom + SECONDS * 1000;
  const cpuBefore = new Promise<Map<string, number> | undefined>((resolve) => {
    setTimeout(() => resolve(cpu()), WARMUP_SECONDS * 1000);
  });
  await Promise.all(clients.map(async (client) => {
    while (performance.now() < end) {
      const started = performance.now();
      try {
        const result = await client.callTool({ name: 'check_tag_compliance', arguments: { ...SCOPE, limit: 50 } });
        const cached = (result.structuredContent as { scan?: { cached?: boolean } } | undefined)?.scan?.cached;
        if (result.isError || cached !== true) errors++;
      } catch {
        errors++;
      }
      if (started >= measureFrom) latencies.push(performance.now() - started);
    }
  }));
  const cpuAfter = await cpu();
  await Promise.allSettled(clients.map((c) => c.close()));
  latencies.sort((a, b) => a - b);
  return {
    era, calls: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN, errors,
    cpu: cpuSpent(await cpuBefore, cpuAfter),
  };
}

async function seedCachedScan(databaseUrl: string): Promise<void> {
  const db = await openDb({ databaseUrl });
  await migrate(db);
  const store = createStore(db);
  const scope = normaliseScope(SCOPE);
  const id = 'scan-adhoc-bench';
  await store.createScan({ id, workflowId: id, trigger: 'adhoc', scope, scopeHash: scopeHash(scope), storeSnapshot: false });
  await store.upsertScanResources(id, Array.from({ length: RESOURCES }, (_, i) => ({
    resourceId: `arn:aws:ec2:us-east-1:123456789012:instance/i-${String(i).padStart(17, '0')}`,
    cloud: 'aws' as const, account: '123456789012', region: 'us-east-1', resourceType: 'ec2:instance', name: `web-${i}`,
    tags: (i % 3 ? { Owner: 'a@example.com' } : {}) as Record<string, string>, state: 'running', createdAt: null, compliant: i % 3 !== 0,
    violations: i % 3 ? [] : [{ kind: 'missing_required_tag', tag: 'Owner', severity: 'error', message: 'Owner is missing' }],
    monthlyCost: null,
  })));
  const totals = await store.scanTotals(id);
  await store.completeScan(id, { status: 'completed', totals: { ...totals, score: complianceScore(totals.compliant, totals.total) }, dataQuality: { status: 'complete', missing: [] } });
  await db.close();
}

function perCall(ms: number, calls: number): string {
  return `${((ms / Math.max(1, calls)) * 1000).toFixed(0)} µs`;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-gateway-'));
  const [temporal, database] = await Promise.all([
    startDevServer({ cliPath: findTemporalCli(process.env.TEMPORAL_CLI_PATH), headless: true }),
    createTestDatabase(),
  ]);
  const port = await freePort();
  let gateway: ReturnType<typeof spawn> | undefined;
  // Finds the database backends serving the gateway, whose CPU time counts per call.
  const monitor = await openDb({ databaseUrl: database.url, poolMax: 1 });
  try {
    await seedCachedScan(database.url);
    const policyPath = path.join(dir, 'policy.json');
    await writeFile(policyPath, JSON.stringify({ version: 'bench', required_tags: [{ name: 'Owner', applies_to: [] }] }));
    // BENCH_GATEWAY_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the gateway.
    // The default is the gateway's NODE_OPTIONS in docker-compose.yml (a larger young generation).
    const nodeArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? await deployedGatewayNodeOptions()).split(' ').filter(Boolean);
    gateway = spawn(process.execPath, [...nodeArgs, path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs'), 'http'], {
      env: {
        ...process.env, TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: database.url, POLICY_PATH: policyPath, PORT: String(port),
        LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '1000000', SESSION_CALL_BUDGET: '100000', MAX_IDENTICAL_CALLS: '100000',
        PRINCIPAL_CALL_BUDGET: '10000000',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const url = new URL(`http://127.0.0.1:${port}/mcp`);
    const dbName = new URL(database.url).pathname.slice(1);
    const backendPids = async (): Promise<number[]> => {
      const rows = await monitor.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName]);
      return rows.map((r) => r.pid);
    };
    for (const deadline = Date.now() + 60_000; ;) {
      const health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
      if (health?.ok) break;
      if (Date.now() > deadline) throw new Error(`gateway did not become healthy: ${await health?.text()}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    const runs: EraRun[] = [];
    // BENCH_ERAS=2026-07-28 runs one era only (profiling one path at a time).
    const eras = (process.env.BENCH_ERAS?.split(',') ?? Object.keys(ERAS)) as (keyof typeof ERAS)[];
    for (const era of eras) {
      if (!(era in ERAS)) throw new Error(`BENCH_ERAS: unknown era ${era}; the eras are ${Object.keys(ERAS).join(', ')}`);
      runs.push(await runEra(url, era, () => cpuSnapshot(gateway!.pid!, backendPids)));
    }
    const rows: [string, string][] = [
      ['clients', `${SESSIONS} per era`],
      ['duration', `${SECONDS} s per era, after ${WARMUP_SECONDS} s of warm-up calls (not timed)`],
      ...runs.flatMap((r): [string, string][] => [
        [`${r.era} calls`, `${r.calls.toLocaleString('en-US')} (${(r.calls / SECONDS).toFixed(0)} calls/s)`],
        [`${r.era} p50`, `${r.p50.toFixed(1)} ms`],
        [`${r.era} p99`, `${r.p99.toFixed(1)} ms  (target <= 100 ms)`],
        [`${r.era} max`, `${r.max.toFixed(1)} ms`],
        [`${r.era} errors`, `${r.errors}  (target 0; warm-up included)`],
        ...(r.cpu ? [[`${r.era} CPU/call`, `gateway ${perCall(r.cpu.gateway, r.calls)}, database ${perCall(r.cpu.database, r.calls)}, ` +
          `bench clients ${perCall(r.cpu.bench, r.calls)}`] as [string, string]] : []),
      ]),
      ['load average', os.loadavg().map((l) => l.toFixed(2)).join(' ') + '  (1, 5, 15 min; at the end)'],
      ['cached scan', `${RESOURCES} resources, 50 violations per page`],
      ['node', process.version],
      ['cpu', `${os.cpus()[0]?.model ?? 'unknown'} x ${os.cpus().length}`],
    ];
    for (const [k, v] of rows) process.stdout.write(`${k.padEnd(20)} ${v}\n`);
  } finally {
    gateway?.kill('SIGTERM');
    await monitor.close();
    await temporal.stop();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
