// The scan as the product runs it: a Temporal dev server, a fresh PostgreSQL database, the worker
// as its own OS process (`finops-tag-compliance worker`, so its memory is its own), and a
// complianceScan started and awaited through the gateway's scan client. Times the scan from start
// to result and samples the worker's resident memory meanwhile. Everything it starts, it stops.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { configSchema } from '../../config/index.js';
import type { CloudCalls } from '../../core/cloud-calls.js';
import { createStore, openDb } from '../../store/index.js';
import { scanProgress, startComplianceScan } from '../../client/scans.js';
import type { ScopeInput } from '../../core/scope.js';
import { createTestDatabase } from '../../test/support/databases.js';
import { spawnWorker, type WorkerProcess } from '../../test/support/worker-process.js';
import { startDevServer } from '../../worker/dev-server.js';
import { findTemporalCli } from '../../worker/temporal-cli.js';
import type { ComplianceScanResult } from '../../workflows/types.js';
import { BASE_ACCOUNT, BASE_CREDENTIALS } from './aws-endpoint.js';
import type { Concurrency } from './bare-loop.js';
import { BENCH_POLICY, RESOURCE_TYPES, type Inventory } from './inventory.js';
import { phasesOf, type ScanPhases } from './phases.js';
import { meterCpu, meterThreads, type Classify } from './cpu.js';
import { procStatusKiB, sampleRss } from './rss.js';
import { Teardown } from './teardown.js';

export interface FullScanResult {
  seconds: number;
  result: ComplianceScanResult;
  /** Worker RSS once it polls, before the scan starts. */
  idleKiB: number | undefined;
  /** Highest VmRSS sampled every 100 ms from scan start to result. */
  peakKiB: number | undefined;
  /** The kernel's high-water mark over the worker's whole life, start-up included. */
  hwmKiB: number | undefined;
  phases: ScanPhases;
  /** CPU seconds per process group from scan start to result. */
  cpu: Record<string, number>;
  /** The worker's share of it, per thread name. */
  workerThreads: Record<string, number>;
  /** Cloud API requests the scan made, per API, as its scan row records them. */
  cloudCalls: CloudCalls | null;
}

const PROGRESS_EVERY_MS = 10_000;

/** The worker's heap limits, as the README recommends for workers: V8 otherwise grows its heap
 * lazily on a large machine, and the RSS says more about the machine than about the worker. */
export const WORKER_NODE_OPTIONS = process.env.BENCH_WORKER_NODE_OPTIONS ?? '--max-old-space-size=192 --max-semi-space-size=4';
/** Node flags NODE_OPTIONS refuses (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`), for profiling the worker. */
const WORKER_EXEC_ARGV = (process.env.BENCH_WORKER_EXEC_ARGV ?? '').split(' ').filter(Boolean);
/** The worker runs the compiled code (`npm run build`, as `npm run bench:scan` does first), as
 * production does: under tsx it would carry the loader's memory too. FINOPS_FROM_SOURCE=1 overrides. */
export const WORKER_CODE = process.env.FINOPS_FROM_SOURCE === '1' ? 'sources (tsx)' : 'dist/ (npm run build)';

/** The processes of a run, for the CPU meter: ours by pid, the servers by name. */
export const classifyServers = (ours: Record<number, string>): Classify => (pid, comm) =>
  ours[pid] ?? (comm === 'postgres' ? 'postgres' : comm === 'temporal' ? 'temporal server' : undefined);

/** One cloud's scan: how the worker reaches the cloud's endpoint, and what to scan there. */
export interface ScanVariant {
  /** The process serving the cloud, for the CPU meter. */
  endpointPid: number;
  workerEnv: Record<string, string>;
  scope: ScopeInput;
  /** Resources the endpoint serves, for the progress lines. */
  n: number;
}

/** The AWS scan of the synthetic Tagging API endpoint. */
export function runFullScan(endpoint: { url: string; pid: number }, inventory: Inventory, limits: Concurrency): Promise<FullScanResult> {
  return runScan({
    endpointPid: endpoint.pid,
    workerEnv: {
      AWS_ENDPOINT_URL: endpoint.url,
      AWS_ACCESS_KEY_ID: BASE_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: BASE_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_MANAGEMENT_ACCOUNT_ID: BASE_ACCOUNT,
      // The endpoint speaks no Organizations API: the scanned accounts are the allowed set.
      SCAN_ACCOUNTS: inventory.accounts.join(','),
      MAX_CONCURRENT_SHARDS: String(limits.concurrentRegions),
    },
    scope: { clouds: ['aws'], accounts: inventory.accounts, regions: inventory.regions, resource_types: RESOURCE_TYPES },
    n: inventory.shape.n,
  }, limits);
}

/** An Azure or GCP scan of every resource type of a fake (see cloud-fake-process.ts). */
export function runCloudScan(cloud: 'azure' | 'gcp', fake: { pid: number; workerEnv: Record<string, string> }, n: number, limits: Concurrency): Promise<FullScanResult> {
  return runScan({
    endpointPid: fake.pid,
    // Nothing listens on port 9: a scan that reached for AWS would fail, not pass by accident. The
    // AWS credentials are the AWS variant's, so every worker starts alike.
    workerEnv: {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: BASE_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: BASE_CREDENTIALS.secretAccessKey, AWS_MANAGEMENT_ACCOUNT_ID: BASE_ACCOUNT,
      ...fake.workerEnv,
    },
    scope: { clouds: [cloud], resource_types: ['all'] },
    n,
  }, limits);
}

async function runScan(variant: ScanVariant, limits: Concurrency): Promise<FullScanResult> {
  const teardown = new Teardown();
  try {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-scan-'));
    teardown.defer('temp dir', () => rm(dir, { recursive: true, force: true }));
    const policyPath = path.join(dir, 'policy.json');
    await writeFile(policyPath, JSON.stringify(BENCH_POLICY, null, 2));

    const [temporal, database] = await Promise.all([
      startDevServer({ cliPath: findTemporalCli(process.env.TEMPORAL_CLI_PATH), headless: true }),
      createTestDatabase(),
    ]);
    teardown.defer('temporal dev server', () => temporal.stop());
    teardown.defer('database', () => database.drop());

    const taskQueue = `bench-scan-${randomUUID().slice(0, 8)}`;
    const worker = spawnWorker({
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_URL: database.url,
      POLICY_PATH: policyPath,
      NODE_OPTIONS: WORKER_NODE_OPTIONS,
      MAX_PARALLEL_ACCOUNTS: String(limits.parallelAccounts),
      // The bench measures the worker, not the providers' quotas: the call budgets are off.
      AWS_CALLS_PER_SECOND: '0', AZURE_CALLS_PER_SECOND: '0', GCP_CALLS_PER_SECOND: '0',
      ...variant.workerEnv,
    }, WORKER_EXEC_ARGV);
    teardown.defer('worker', () => worker.kill());
    const workerExit = exitOf(worker);

    const connection = await Connection.connect({ address: temporal.address });
    teardown.defer('temporal connection', () => connection.close());
    const client = new Client({ connection });
    await Promise.race([waitForPollers(client, taskQueue), workerExit]);

    const pid = worker.child.pid!;
    const idleKiB = procStatusKiB(pid, 'VmRSS');
    const config = configSchema.parse({
      temporal: { address: temporal.address, taskQueue },
      aws: { maxParallelAccounts: limits.parallelAccounts },
      approval: { enabled: false }, // the bench measures the scan, not a person approving it
    });
    const sampler = sampleRss(pid);
    // Stopped again on a failed scan too: its timer would otherwise keep the bench alive.
    teardown.defer('rss sampler', async () => { sampler.stop(); });
    const threadMeter = meterThreads(pid);
    const cpuMeter = meterCpu(classifyServers({ [pid]: 'worker', [variant.endpointPid]: 'endpoint', [process.pid]: 'bench' }));
    const start = process.hrtime.bigint();
    const { handle, workflowId } = await startComplianceScan(client, config, {
      scope: variant.scope,
      overrides: { maxParallelAccounts: limits.parallelAccounts },
    });
    const progress = setInterval(() => void reportProgress(client, workflowId, variant.n), PROGRESS_EVERY_MS);
    let result: ComplianceScanResult;
    try {
      result = await Promise.race([handle.result() as Promise<ComplianceScanResult>, workerExit]);
    } finally {
      clearInterval(progress);
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const { peakKiB } = sampler.stop();
    const cpu = cpuMeter.stop();
    const workerThreads = threadMeter.stop();
    const phases = phasesOf((await handle.fetchHistory()).events ?? []);
    const cloudCalls = await storedCloudCalls(database.url, result.scanId);
    return { seconds, result, idleKiB, peakKiB, hwmKiB: procStatusKiB(pid, 'VmHWM'), phases, cpu, workerThreads, cloudCalls };
  } finally {
    await teardown.close();
  }
}

/** What the scan row says the scan called, read as an operator would. */
async function storedCloudCalls(databaseUrl: string, scanId: string): Promise<CloudCalls | null> {
  const db = await openDb({ databaseUrl, poolMax: 1 });
  try {
    return (await createStore(db).getScan(scanId))?.cloudCalls ?? null;
  } finally {
    await db.close();
  }
}

/** Rejects with the worker's output when it exits: a scan would otherwise wait for it forever. */
function exitOf(worker: WorkerProcess): Promise<never> {
  const exited = new Promise<never>((_, reject) => {
    worker.child.once('exit', (code, signal) => {
      const output = worker.output();
      const last = output.split('\n').filter((line) => line.trim()).at(-1) ?? '';
      reject(new Error(`the worker exited (${signal ?? code}): ${last}\nits last output:\n${output.slice(-4000)}`));
    });
  });
  exited.catch(() => {}); // only awaited inside races
  return exited;
}

/** Resolves once the worker polls the task queue for workflow and activity tasks. */
export async function waitForPollers(client: Client, taskQueue: string): Promise<void> {
  // temporal.api.enums.v1.TaskQueueType: 1 = WORKFLOW, 2 = ACTIVITY.
  for (const taskQueueType of [1, 2] as const) {
    for (;;) {
      const res = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType });
      if ((res.pollers?.length ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function reportProgress(client: Client, workflowId: string, n: number): Promise<void> {
  try {
    const p = await scanProgress(client, workflowId);
    console.error(`  full scan: ${p.phase}, ${p.resourcesSeen.toLocaleString('en-US')} of ${n.toLocaleString('en-US')} resources in finished shards, ` +
      `${p.accountsDone}/${p.accountsTotal} accounts done, ${p.shardsFailed} shards failed`);
  } catch {
    // progress is a courtesy; the scan's result is what counts
  }
}
