// What the reliability benches (crash, Temporal restart, cloud faults) share: the machine and date
// every table carries, table printing, a seeded random source, the worker pool they SIGKILL and
// respawn, scans started on distinct ids, and the duplicate-row count read from scan_resources.
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import pg from 'pg';
import { configSchema, type Config } from '../../config/index.js';
import { startComplianceScan } from '../../client/scans.js';
import type { ScopeInput } from '../../core/scope.js';
import { seeded } from '../../test/support/fault-proxy.js';
import { spawnWorker, type WorkerProcess } from '../../test/support/worker-process.js';
import type { ComplianceScanResult } from '../../workflows/types.js';
import { cpuDescription } from '../machine.js';

/** Rows every table ends with: the machine, the date and the Node version. */
export function machineRows(): [string, string][] {
  return [
    ['date', new Date().toISOString().replace(/\.\d+Z$/, 'Z')],
    ['machine', `${cpuDescription()}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`],
    ['node', process.version],
  ];
}

export function printRows(rows: [string, string][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [key, value] of rows) console.log(`${key.padEnd(width)}  ${value}`);
}

/** A table with a header row; the first column left-aligned, the others right-aligned. */
export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const row of rows) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
}

/** mulberry32 (the fault proxy's): the same seed gives the same kill points, so a run can be repeated. */
export const seededRandom = seeded;

export const positiveInt = (name: string, raw: string | undefined): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${String(raw)}`);
  return value;
};

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
export const secs = (n: number) => n.toFixed(1);
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The worker processes of a bench, on one task queue; a killed one can be replaced. */
export class WorkerPool {
  readonly taskQueue = `bench-reliability-${randomUUID().slice(0, 8)}`;
  readonly workers: WorkerProcess[] = [];

  constructor(private readonly env: Record<string, string>) {}

  get workerEnv(): Record<string, string> {
    return { ...this.env, TEMPORAL_TASK_QUEUE: this.taskQueue };
  }

  spawn(): WorkerProcess {
    const worker = spawnWorker(this.workerEnv);
    this.workers.push(worker);
    return worker;
  }

  alive(): WorkerProcess[] {
    return this.workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
  }

  /**
   * Resolves once `n` workers poll. Started one at a time: workers opening a fresh database race on
   * its migrations, and one that dies starting is replaced.
   */
  async ready(client: Client, n: number, timeoutMs = 600_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.alive().length < n) this.spawn();
      const want = this.alive().length;
      const polled = await waitForPollers(client, this.taskQueue, want, 30_000).then(() => true, () => false);
      if (polled && want >= n) return;
      if (Date.now() > deadline) throw new Error(`fewer than ${n} workers polled ${this.taskQueue} within ${timeoutMs / 1000} s\n${this.outputs()}`);
    }
  }

  /** The last lines of every worker's output, for a failure message. */
  outputs(): string {
    return this.workers.map((w, i) => `worker ${i} (${w.child.exitCode ?? w.child.signalCode ?? 'running'}): ${w.output().slice(-1500)}`).join('\n');
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.kill()));
  }
}

/** Resolves once `n` worker processes poll the task queue for both workflow and activity tasks. */
export async function waitForPollers(client: Client, taskQueue: string, n = 1, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // temporal.api.enums.v1.TaskQueueType: 1 = WORKFLOW, 2 = ACTIVITY.
  for (const taskQueueType of [1, 2] as const) {
    for (;;) {
      const res = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType }).catch(() => undefined);
      const identities = new Set((res?.pollers ?? []).map((p) => p.identity));
      if (identities.size >= n) break;
      if (Date.now() > deadline) throw new Error(`fewer than ${n} workers polled ${taskQueue} within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** The config the bench starts scans with (the client side only). */
export function benchConfig(address: string, taskQueue: string, maxParallelAccounts = 5): Config {
  // No approval gate: the benches measure scans, not a person approving them.
  return configSchema.parse({ temporal: { address, taskQueue }, aws: { maxParallelAccounts }, approval: { enabled: false } });
}

let scanBucket = 0;

/** Starts a scan under an id of its own (each run gets its own time bucket), returning its handle. */
export async function startScan(client: Client, config: Config, scope: ScopeInput, shardHeartbeatSeconds?: number) {
  const now = new Date(Date.UTC(2026, 0, 1) + ++scanBucket * 3_600_000 + Math.floor(Math.random() * 1000) * 86_400_000);
  return startComplianceScan(client, config, {
    scope, now,
    overrides: { maxParallelAccounts: config.clouds.aws.maxParallelAccounts, ...(shardHeartbeatSeconds ? { shardHeartbeatSeconds } : {}) },
  });
}

export type ScanOutcome = ComplianceScanResult;

/** Rows stored for a scan, and how many of them repeat a resource id (must be 0). */
export async function rowsOf(databaseUrl: string, scanId: string): Promise<{ rows: number; duplicates: number }> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ rows: string; distinct: string }>(
      'select count(*) as rows, count(distinct resource_id) as distinct from scan_resources where scan_id = $1', [scanId]);
    const total = Number(rows[0]!.rows);
    return { rows: total, duplicates: total - Number(rows[0]!.distinct) };
  } finally {
    await db.end();
  }
}
