// What a full AWS scan costs over the work it cannot avoid. A synthetic inventory of N resources
// (default 200k, 10 accounts x 4 regions) is served by a local endpoint speaking the Tagging
// API's GetResources and STS, so the real SDK is used; it is scanned twice: by a bare loop
// (SDK + engine in process, no Temporal, no database) and by the product (Temporal + PostgreSQL
// + worker process). Prints both times, their ratio (target <= 1.3x) and the worker's peak RSS
// (target <= 300 MB, flat in N; `--rss-sweep` runs N = 100k..1M). Prints figures only.
// The Azure and GCP variants scan --cloud-n resources (default: --n) over --cloud-targets
// subscriptions / projects served by the test fakes (real ARM and Cloud Asset SDK clients in the
// real worker), and a table prints their full scans beside AWS's.
//
//   npm run bench:scan -- [--n 200000] [--accounts 10] [--regions 4]
//                         [--parallel-accounts 5] [--concurrent-regions 5] [--rss-sweep]
//                         [--clouds aws,azure,gcp] [--cloud-n N] [--cloud-targets 4]
// --rss-sweep ignores --n and --clouds: it runs the AWS full scan alone at each N of SWEEP.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runBareLoop, type Concurrency } from './scan/bare-loop.js';
import { runBareLoopProcess } from './scan/bare-loop-process.js';
import { formatCpu, meterCpu } from './scan/cpu.js';
import { startCloudFakeProcess, type FakeCloud } from './scan/cloud-fake-process.js';
import { azureExpectedCompliant, gcpExpectedCompliant, type CloudShape } from './scan/cloud-inventory.js';
import { startEndpointProcess } from './scan/endpoint-process.js';
import { classifyServers, runCloudScan, runFullScan, WORKER_CODE, WORKER_NODE_OPTIONS, type FullScanResult } from './scan/full-scan.js';
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
    clouds: { type: 'string', default: 'aws,azure,gcp' },
    // Unset: --n, so every cloud's figures are for the same N.
    'cloud-n': { type: 'string' },
    'cloud-targets': { type: 'string', default: '4' },
  },
});
const int = (name: keyof typeof args) => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${String(args[name])}`);
  return value;
};
const shape: InventoryShape = { n: int('n'), accounts: int('accounts'), regions: int('regions') };
const limits: Concurrency = { parallelAccounts: int('parallel-accounts'), concurrentRegions: int('concurrent-regions') };
const cloudShape: CloudShape = { n: args['cloud-n'] === undefined ? shape.n : int('cloud-n'), targets: int('cloud-targets') };
const CLOUDS = ['aws', 'azure', 'gcp'] as const;
const clouds = args.clouds!.split(',').map((c) => c.trim());
for (const c of clouds) if (!(CLOUDS as readonly string[]).includes(c)) throw new Error(`--clouds takes aws, azure and gcp, got ${JSON.stringify(c)}`);

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
function checkScan(label: string, inventory: { shape: { n: number } }, total: number, compliant: number, expectedCompliant: number): string[] {
  const problems: string[] = [];
  if (total !== inventory.shape.n) problems.push(`${label}: ${fmt(total)} resources, expected ${fmt(inventory.shape.n)}`);
  if (compliant !== expectedCompliant) problems.push(`${label}: ${fmt(compliant)} compliant, expected ${fmt(expectedCompliant)}`);
  return problems;
}

function scanProblems(full: FullScanResult, inventory: { shape: { n: number } }, expectedCompliant: number, label = 'full scan'): string[] {
  const { result } = full;
  const problems = checkScan(label, inventory, result.totals.total, result.totals.compliant, expectedCompliant);
  if (result.status !== 'completed' || result.dataQuality.status !== 'complete') {
    problems.push(`${label}: status ${result.status}, data ${result.dataQuality.status}; missing: ` +
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

/** One row of the by-cloud table: a cloud's full scan, or why it failed. */
interface CloudRun {
  cloud: string;
  n: number;
  targets: string;
  full: FullScanResult | Error;
}

async function compare(runs: CloudRun[]): Promise<string[]> {
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
    runs.push({ cloud: 'aws', n: shape.n, targets: `${shape.accounts} accounts x ${shape.regions} regions`, full });
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

/** The Azure or GCP variant: the fake in its own process, scanned by the real worker. */
async function cloudVariant(cloud: FakeCloud, runs: CloudRun[]): Promise<string[]> {
  const teardown = new Teardown();
  const label = `${cloud} full scan`;
  try {
    console.error(`${label}: ${fmt(cloudShape.n)} resources from the ${cloud} fake (Temporal + PostgreSQL + worker process) ...`);
    const expected = cloud === 'azure' ? azureExpectedCompliant(cloudShape) : gcpExpectedCompliant(cloudShape);
    const fake = await startCloudFakeProcess({ cloud, shape: cloudShape });
    teardown.defer(`${cloud} fake`, fake.stop);
    const full = await runCloudScan(cloud, fake, cloudShape.n, limits).catch((err: unknown) => err as Error);
    runs.push({ cloud, n: cloudShape.n, targets: `${cloudShape.targets} ${cloud === 'azure' ? 'subscriptions' : 'projects'}`, full });
    if (full instanceof Error) return [`${label}: ${full.stack ?? full.message}`];
    return scanProblems(full, { shape: cloudShape }, expected, label);
  } finally {
    await teardown.close();
  }
}

/** Whether the scanner counted its calls (the GCP scanner does not). */
const counted = (calls: CloudCalls | null): boolean => calls !== null && totalCalls(calls) > 0;

/** The full scans of every cloud run, side by side. */
function printByCloud(runs: CloudRun[]): void {
  const rows: string[][] = [['cloud', 'N', 'targets', 'full scan s', 'resources/s', 'calls / 1k', 'peak RSS', 'idle RSS', 'worker CPU s']];
  for (const { cloud, n, targets, full } of runs) {
    if (full instanceof Error) {
      rows.push([cloud, fmt(n), targets, 'FAILED', '', '', '', '', '']);
      continue;
    }
    const total = full.result.totals.total;
    rows.push([cloud, fmt(n), targets, full.seconds.toFixed(2), fmt(total / full.seconds),
      String(counted(full.cloudCalls) ? callsPerThousand(full.cloudCalls!, total) ?? 'n/a' : 'n/a'),
      mib(full.peakKiB), mib(full.idleKiB), (full.cpu.worker ?? 0).toFixed(2)]);
  }
  console.log();
  console.log('full scan by cloud (same worker, flags and policy; each cloud on its own Temporal, PostgreSQL and worker):');
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const row of rows) console.log(row.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  for (const { cloud, full } of runs) {
    if (!(full instanceof Error) && cloud !== 'aws') {
      console.log(`${cloud} cloud calls: ${counted(full.cloudCalls) ? formatCalls(full.cloudCalls, full.result.totals.total) : 'not counted by the scanner'}`);
    }
  }
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
async function byCloud(): Promise<string[]> {
  const runs: CloudRun[] = [];
  const problems = clouds.includes('aws') ? await compare(runs) : [];
  for (const cloud of ['azure', 'gcp'] as const) if (clouds.includes(cloud)) problems.push(...await cloudVariant(cloud, runs));
  printByCloud(runs);
  return problems;
}

const problems = args['rss-sweep'] ? await rssSweep() : await byCloud();
for (const problem of problems) console.error(`CHECK FAILED ${problem}`);
if (problems.length > 0) process.exitCode = 1;
