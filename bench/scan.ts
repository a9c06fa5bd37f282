// What a full AWS scan costs over the work it cannot avoid. A synthetic inventory of N resources
// (default 200k, 10 accounts x 4 regions) is served by a local endpoint speaking the Tagging
// API's GetResources and STS, so the real SDK is used; it is scanned twice: by a bare loop
// (SDK + engine in process, no Temporal, no database) and by the product (Temporal + PostgreSQL
// + worker process). Prints both times, their ratio (target <= 1.3x) and the worker's peak RSS
// (target <= 300 MB, flat in N; `--rss-sweep` runs N = 100k..1M). Prints figures only.
//
//   npm run bench:scan -- [--n 200000] [--accounts 10] [--regions 4]
//                         [--parallel-accounts 5] [--concurrent-regions 5] [--rss-sweep]
// --rss-sweep ignores --n: it runs the full scan alone at each N of SWEEP.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runBareLoop, type Concurrency } from './scan/bare-loop.js';
import { runBareLoopProcess } from './scan/bare-loop-process.js';
import { formatCpu, meterCpu } from './scan/cpu.js';
import { startEndpointProcess } from './scan/endpoint-process.js';
import { classifyServers, runFullScan, WORKER_CODE, WORKER_NODE_OPTIONS, type FullScanResult } from './scan/full-scan.js';
import { Inventory, type InventoryShape } from './scan/inventory.js';
import { closeAllOnSignal, Teardown } from './scan/teardown.js';
import { REPO_ROOT } from '../worker/temporal-cli.js';
import { callsPerThousand, totalCalls, type CloudCalls } from '../core/cloud-calls.js';

const SWEEP = [100_000, 200_000, 500_000, 1_000_000];
// The SDK's notice about Node 20 support, printed by this process and the worker: not a figure.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '200000' },
    accounts: { type: 'string', default: '10' },
    regions: { type: 'string', default: '4' },
    'parallel-accounts': { type: 'string', default: '5' },
    'concurrent-regions': { type: 'string', default: '5' },
    'rss-sweep': { type: 'boolean', default: false },
  },
});
const int = (name: keyof typeof args) => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${String(args[name])}`);
  return value;
};
const shape: InventoryShape = { n: int('n'), accounts: int('accounts'), regions: int('regions') };
const limits: Concurrency = { parallelAccounts: int('parallel-accounts'), concurrentRegions: int('concurrent-regions') };

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (kib: number | undefined) => (kib === undefined ? 'n/a' : `${(kib / 1024).toFixed(0)} MiB`);
const perSecond = (count: number, seconds: number) => `${fmt(count / seconds)} resources/s`;
const machine = (): [string, string][] => [
  ['node', process.version],
  ['cpu', `${os.cpus()[0]?.model ?? 'unknown'} x ${os.cpus().length}`],
];

/** `1,234 calls, 5.6 per 1,000 resources (tagging:GetResources 1,200, sts:AssumeRole 10, ...)`, from the scan row. */
function formatCalls(calls: CloudCalls | null, resources: number): string {
  if (!calls) return 'not recorded';
  const per = callsPerThousand(calls, resources);
  const byApi = Object.entries(calls).sort(([, a], [, b]) => b - a).map(([api, n]) => `${api} ${fmt(n)}`).join(', ');
  return `${fmt(totalCalls(calls))} calls, ${per ?? 'n/a'} per 1,000 resources  (${byApi})`;
}

function printRows(rows: [string, string][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [key, value] of rows) console.log(`${key.padEnd(width)}  ${value}`);
}

/** Correctness, not speed: a scan that lost or misjudged resources would make the times meaningless. */
function checkScan(label: string, inventory: Inventory, total: number, compliant: number, expectedCompliant: number): string[] {
  const problems: string[] = [];
  if (total !== inventory.shape.n) problems.push(`${label}: ${fmt(total)} resources, expected ${fmt(inventory.shape.n)}`);
  if (compliant !== expectedCompliant) problems.push(`${label}: ${fmt(compliant)} compliant, expected ${fmt(expectedCompliant)}`);
  return problems;
}

function scanProblems(full: FullScanResult, inventory: Inventory, expectedCompliant: number): string[] {
  const { result } = full;
  const problems = checkScan('full scan', inventory, result.totals.total, result.totals.compliant, expectedCompliant);
  if (result.status !== 'completed' || result.dataQuality.status !== 'complete') {
    problems.push(`full scan: status ${result.status}, data ${result.dataQuality.status}; missing: ` +
      JSON.stringify(result.dataQuality.missing.slice(0, 5)));
  }
  return problems;
}

async function withEndpoint<T>(inventory: Inventory, fn: (endpoint: { url: string; pid: number }) => Promise<T>): Promise<T> {
  const teardown = new Teardown();
  try {
    const endpoint = await startEndpointProcess(inventory.shape);
    teardown.defer('synthetic AWS endpoint', endpoint.stop);
    return await fn(endpoint);
  } finally {
    await teardown.close();
  }
}

async function compare(): Promise<string[]> {
  const inventory = new Inventory(shape);
  const expectedCompliant = inventory.expectedCompliant();
  const perShard = shape.n / (shape.accounts * shape.regions);
  return withEndpoint(inventory, async (endpoint) => {
    console.error(`bare loop: ${fmt(shape.n)} resources ...`);
    const bareCpu = meterCpu(classifyServers({ [process.pid]: 'bare loop', [endpoint.pid]: 'endpoint' }));
    const bare = await runBareLoop(endpoint.url, inventory, limits);
    const bareCpuSeconds = bareCpu.stop();
    // The same loop under the worker's heap flags (V8 flags only; NODE_OPTIONS-style string).
    const constrainedFlags = WORKER_NODE_OPTIONS.split(' ').filter(Boolean);
    const constrained = constrainedFlags.length
      ? await runBareLoopProcess({ endpoint: endpoint.url, shape, limits }, constrainedFlags)
      : undefined;
    console.error(`full scan: ${fmt(shape.n)} resources (Temporal + PostgreSQL + worker process) ...`);
    // A failing scan still leaves the bare loop's figures worth printing.
    const full = await runFullScan(endpoint, inventory, limits).catch((err: unknown) => err as Error);
    const failed = full instanceof Error ? `FAILED (${full.message.split('\n')[0]})` : undefined;
    printRows([
      ['N resources', `${fmt(shape.n)} (${shape.accounts} accounts x ${shape.regions} regions, ~${fmt(perShard)} each)`],
      ['bare loop', `${bare.seconds.toFixed(2)} s  ${perSecond(bare.resources, bare.seconds)}  (${fmt(bare.pages)} pages)`],
      ['bare loop CPU s', `${formatCpu(bareCpuSeconds)}  (${os.cpus().length} cores)`],
      ...(constrained ? [['bare, worker flags', `${constrained.seconds.toFixed(2)} s  ${perSecond(constrained.resources, constrained.seconds)}  ` +
        `(${constrained.cpuSeconds.toFixed(2)} CPU s; the loop in its own process with the worker's heap flags)`] as [string, string]] : []),
      ...(full instanceof Error ? [['full scan', failed!] as [string, string]] : [
        ['full scan', `${full.seconds.toFixed(2)} s  ${perSecond(full.result.totals.total, full.seconds)}  (totals.total ${fmt(full.result.totals.total)})`],
        ['ratio full/bare', `${(full.seconds / bare.seconds).toFixed(2)}x  (target <= 1.3x)` +
          (constrained ? `; ${(full.seconds / constrained.seconds).toFixed(2)}x against the bare loop with the worker's flags` : '')],
        ['full scan phases', `planning ${full.phases.planning.toFixed(2)} s, accounts ${full.phases.accounts.toFixed(2)} s, ` +
          `closing ${full.phases.closing.toFixed(2)} s (from the workflow history)`],
        ['full scan CPU s', `${formatCpu(full.cpu)}  (${os.cpus().length} cores)`],
        ['cloud calls', formatCalls(full.cloudCalls, full.result.totals.total)],
        ['worker threads', formatCpu(full.workerThreads)],
        ['worker peak RSS', `${mib(full.peakKiB)}  (VmRSS every 100 ms during the scan; target <= 300 MB)`],
        ['worker flags', WORKER_NODE_OPTIONS || '(none)'],
        ['worker code', WORKER_CODE],
        ['worker VmHWM', `${mib(full.hwmKiB)}  (whole life, start-up included)`],
        ['worker idle RSS', `${mib(full.idleKiB)}  (polling, before the scan)`],
      ] as [string, string][]),
      ['compliant', `${fmt(expectedCompliant)} expected, ${fmt(bare.compliant)} bare` +
        (full instanceof Error ? '' : `, ${fmt(full.result.totals.compliant)} full`)],
      ['concurrency', `${limits.parallelAccounts} accounts x ${limits.concurrentRegions} regions`],
      ...machine(),
    ]);
    const bareProblems = checkScan('bare loop', inventory, bare.resources, bare.compliant, expectedCompliant);
    if (constrained) bareProblems.push(...checkScan('bare loop (worker flags)', inventory, constrained.resources, constrained.compliant, expectedCompliant));
    if (full instanceof Error) return [...bareProblems, `full scan: ${full.stack ?? full.message}`];
    return [...bareProblems, ...scanProblems(full, inventory, expectedCompliant)];
  });
}

async function rssSweep(): Promise<string[]> {
  const rows: string[][] = [['N', 'full scan s', 'resources/s', 'peak RSS', 'VmHWM', 'idle RSS']];
  const problems: string[] = [];
  for (const n of SWEEP) {
    const inventory = new Inventory({ ...shape, n });
    console.error(`full scan: ${fmt(n)} resources ...`);
    const full = await withEndpoint(inventory, (endpoint) => runFullScan(endpoint, inventory, limits));
    problems.push(...scanProblems(full, inventory, inventory.expectedCompliant()));
    rows.push([fmt(n), full.seconds.toFixed(2), fmt(full.result.totals.total / full.seconds), mib(full.peakKiB), mib(full.hwmKiB), mib(full.idleKiB)]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
  console.log();
  printRows([
    ['inventory', `${shape.accounts} accounts x ${shape.regions} regions`],
    ['concurrency', `${limits.parallelAccounts} accounts x ${limits.concurrentRegions} regions`],
    ['target', 'peak RSS <= 300 MB and flat as N grows'],
    ...machine(),
  ]);
  return problems;
}

closeAllOnSignal();
if (process.env.FINOPS_FROM_SOURCE !== '1') {
  console.error('building dist/ for the worker (npm run build) ...');
  execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'build.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
}
const problems = args['rss-sweep'] ? await rssSweep() : await compare();
for (const problem of problems) console.error(`CHECK FAILED ${problem}`);
if (problems.length > 0) process.exitCode = 1;
