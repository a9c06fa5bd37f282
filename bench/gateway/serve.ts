// The gateway as bench/gateway.ts and bench/load.ts measure it: the real gateway process, started
// with the NODE_OPTIONS docker-compose.yml gives it, over a Temporal dev server and a fresh
// PostgreSQL database holding one completed scan (so reads answer from the cache), plus the /proc
// readings both benches print (CPU time of the gateway, its database backends and the bench).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ClientOptions } from '@modelcontextprotocol/client';
import { parse as parseYaml } from 'yaml';
import { scopeHash } from '../../core/scan-id.js';
import { normaliseScope } from '../../core/scope.js';
import { complianceScore } from '../../core/compliance/index.js';
import { createStore, migrate, openDb, type Db } from '../../store/index.js';
import { createTestDatabase } from '../../test/support/databases.js';
import { freePort, startDevServer } from '../../worker/dev-server.js';
import { findTemporalCli, REPO_ROOT } from '../../worker/temporal-cli.js';
import { buildDist } from '../dist.js';
import { hostRow } from '../machine.js';

export const RESOURCES = 2000;
export const SCOPE = { accounts: ['123456789012'], regions: ['us-east-1'], resource_types: ['ec2:instance'] };
/** The stored scan's id, which is also its workflow id, in the product's form. */
const CACHED_SCAN_ID = `scan-adhoc-${scopeHash(normaliseScope(SCOPE))}-20260101T0000Z`;
export const ERAS: Record<'2025-11-25' | '2026-07-28', ClientOptions> = {
  '2025-11-25': { supportedProtocolVersions: ['2025-11-25'] },
  '2026-07-28': { versionNegotiation: { mode: { pin: '2026-07-28' } } },
};
export type Era = keyof typeof ERAS;

/** The eras BENCH_ERAS names (default both), checked. */
export function erasFromEnv(): Era[] {
  const eras = (process.env.BENCH_ERAS?.split(',') ?? Object.keys(ERAS)) as Era[];
  for (const era of eras) if (!(era in ERAS)) throw new Error(`BENCH_ERAS: unknown era ${era}; the eras are ${Object.keys(ERAS).join(', ')}`);
  return eras;
}

export interface CpuMs { gateway: number; database: number; bench: number }

/** The gateway's NODE_OPTIONS as docker-compose.yml deploys it, so the bench measures what runs. */
async function deployedGatewayNodeOptions(): Promise<string> {
  const compose = parseYaml(await readFile(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as
    { services?: { gateway?: { environment?: Record<string, string> } } };
  return compose.services?.gateway?.environment?.NODE_OPTIONS ?? '';
}

/**
 * The Node the gateway runs on as deployed: the Dockerfile's (ARG NODE_IMAGE=node:<major>-…), which
 * scripts/setup-node24.sh puts in .node<major>/ here; this process's Node when that is the same major
 * or when that folder is missing (the figure then says so). BENCH_GATEWAY_NODE names another binary.
 */
async function deployedGatewayNode(): Promise<{ path: string; note: string }> {
  if (process.env.BENCH_GATEWAY_NODE) return { path: process.env.BENCH_GATEWAY_NODE, note: 'BENCH_GATEWAY_NODE' };
  const dockerfile = await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const major = /^ARG NODE_IMAGE=node:(\d+)/m.exec(dockerfile)?.[1];
  if (!major || process.versions.node.split('.')[0] === major) return { path: process.execPath, note: 'as deployed' };
  const local = path.join(REPO_ROOT, `.node${major}`, 'bin', 'node');
  if (await access(local, constants.X_OK).then(() => true, () => false)) return { path: local, note: `as deployed (Dockerfile: Node ${major})` };
  return { path: process.execPath, note: `not as deployed: the Dockerfile runs Node ${major}, and .node${major}/ is missing (bash scripts/setup-node24.sh)` };
}

/** CPU time (user + system, ms) of a process so far, from /proc; undefined where there is none. */
async function processCpuMs(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // Fields after the command (which may hold spaces) start at state; utime and stime are the 12th and 13th.
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields ? (Number(fields[11]) + Number(fields[12])) * 10 : undefined; // USER_HZ is 100 on Linux
}

/** VmRSS of a process in KiB, or undefined when it is gone. */
export async function processRssKiB(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const m = status ? /^VmRSS:\s+(\d+) kB/m.exec(status) : null;
  return m ? Number(m[1]) : undefined;
}

export function cpuSpent(before: Map<string, number> | undefined, after: Map<string, number> | undefined): CpuMs | undefined {
  if (!before || !after) return undefined;
  const spent = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  const database = [...after.keys()].filter((k) => k.startsWith('pg:')).reduce((sum, k) => sum + spent(k), 0);
  return { gateway: spent('gateway'), database, bench: spent('bench') };
}

export function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

/** The host rows; `speedMicros` is hostSpeedMicros() measured before the load began. */
export const machineRows = (speedMicros?: number): [string, string][] => [
  ['date', new Date().toISOString()],
  ['load average', os.loadavg().map((l) => l.toFixed(2)).join(' ') + '  (1, 5, 15 min; at the end)'],
  ['node', process.version],
  hostRow(speedMicros),
];

async function seedCachedScan(databaseUrl: string): Promise<void> {
  const db = await openDb({ databaseUrl });
  await migrate(db);
  const store = createStore(db);
  const scope = normaliseScope(SCOPE);
  const id = CACHED_SCAN_ID;
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

export interface BenchGateway {
  /** The first replica's /mcp. */
  url: URL;
  /** Every replica's /mcp: BENCH_GATEWAY_REPLICAS (1) gateway processes on one Temporal and one database. */
  urls: URL[];
  /** The first replica's process. */
  process: ChildProcess;
  /** The gateway's node flags (compose's NODE_OPTIONS unless BENCH_GATEWAY_NODE_ARGS). */
  nodeArgs: string[];
  /** What the gateway runs: dist/ or the sources. */
  code: string;
  /** The gateway's Node: its version, and whether it is the one the Dockerfile deploys. */
  node: string;
  /** CPU time so far of the gateway (every replica), its database backends and this process. */
  cpu(): Promise<Map<string, number> | undefined>;
  stop(): Promise<void>;
}

/**
 * Temporal, a database with the cached scan, and the gateway process, healthy; with `replicas` > 1
 * (BENCH_GATEWAY_REPLICAS), that many gateway processes sharing the Temporal and the database, as a
 * team deploys several behind a load balancer.
 */
export async function startBenchGateway(replicas = Number(process.env.BENCH_GATEWAY_REPLICAS ?? 1)): Promise<BenchGateway> {
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 8) throw new Error(`BENCH_GATEWAY_REPLICAS must be 1-8, not ${replicas}`);
  const code = buildDist();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-gateway-'));
  const [temporal, database] = await Promise.all([
    startDevServer({ cliPath: findTemporalCli(process.env.TEMPORAL_CLI_PATH), headless: true }),
    createTestDatabase(),
  ]);
  const gateways: ChildProcess[] = [];
  let monitor: Db | undefined;
  const stop = async () => {
    for (const gateway of gateways) gateway.kill('SIGTERM');
    await monitor?.close();
    await temporal.stop();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // Finds the database backends serving the gateway, whose CPU time counts per call.
    monitor = await openDb({ databaseUrl: database.url, poolMax: 1 });
    await seedCachedScan(database.url);
    const policyPath = path.join(dir, 'policy.json');
    await writeFile(policyPath, JSON.stringify({ version: 'bench', required_tags: [{ name: 'Owner', applies_to: [] }] }));
    // BENCH_GATEWAY_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the gateway.
    // The default is the gateway's NODE_OPTIONS in docker-compose.yml (a larger young generation).
    const nodeArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? await deployedGatewayNodeOptions()).split(' ').filter(Boolean);
    const node = await deployedGatewayNode();
    const spawnGateway = async (): Promise<URL> => {
      const port = await freePort();
      const gateway = spawn(node.path, [...nodeArgs, path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs'), 'http'], {
        env: {
          ...process.env, TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: database.url, POLICY_PATH: policyPath, PORT: String(port),
          LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '1000000', SESSION_CALL_BUDGET: '100000', MAX_IDENTICAL_CALLS: '100000',
          PRINCIPAL_CALL_BUDGET: '10000000', QUOTA_CALLS_PER_MINUTE: '0', QUOTA_SCANS_PER_DAY: '0',
          // The accounts a scan may reach, so a forced check starts its scan without asking AWS (none here).
          SCAN_ACCOUNTS: SCOPE.accounts.join(','),
        },
        // Its start-up banner is not a figure; its last words are kept for a failure to become healthy.
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      gateways.push(gateway);
      let stderr = '';
      gateway.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
      for (const deadline = Date.now() + 60_000; ;) {
        const health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
        if (health?.ok) break;
        if (Date.now() > deadline) throw new Error(`gateway did not become healthy: ${await health?.text()}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      return new URL(`http://127.0.0.1:${port}/mcp`);
    };
    // One after another: the first applies the migrations the others then find done.
    const urls: URL[] = [];
    for (let i = 0; i < replicas; i++) urls.push(await spawnGateway());
    const dbName = new URL(database.url).pathname.slice(1);
    const db = monitor;
    const backendPids = async (): Promise<number[]> => {
      const rows = await db.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName]);
      return rows.map((r) => r.pid);
    };
    return {
      url: urls[0]!,
      urls,
      process: gateways[0]!,
      nodeArgs,
      code,
      node: `${execFileSync(node.path, ['--version'], { encoding: 'utf8' }).trim()}, ${node.note}`,
      async cpu() {
        let own = 0;
        for (const gateway of gateways) {
          const ms = await processCpuMs(gateway.pid!);
          if (ms === undefined) return undefined;
          own += ms;
        }
        const usage = process.cpuUsage();
        const times = new Map<string, number>([['gateway', own], ['bench', usage.user / 1000 + usage.system / 1000]]);
        for (const backend of await backendPids()) times.set(`pg:${backend}`, (await processCpuMs(backend)) ?? 0);
        return times;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
