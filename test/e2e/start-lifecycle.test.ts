// `start`'s process lifecycle: whatever it launched is gone on every exit path, and Ctrl-C while
// a scan runs ends it in bounded time, in either order of its children dying, with the scan's
// activities left for Temporal to retry. Real processes throughout: the CLI in its own process
// group (as a terminal runs it), its Temporal dev server, PostgreSQL, moto behind a fault proxy.
// SIGKILL of `start` is out of scope: nothing can clean up after it.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { scanProgress, startComplianceScan } from '../../client/scans.js';
import { freePort } from '../../worker/dev-server.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import type { ComplianceScanResult } from '../../workflows/types.js';
import { expectedTotals, SCAN_POLICY_PATH, SEEDED_TYPES, seedOrg, type SeededOrg } from '../support/aws-seed.js';
import { killLeftovers, leftovers, spawnCli, waitFor, type CliProcess } from '../support/cli-process.js';
import { createTestDatabase, TEST_DATABASE_ADMIN_URL, type TestDatabase } from '../support/databases.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../support/moto.js';

/** Liveness bound for a shutdown: the default 10 s grace + 5 s deadline, plus slack for 2 busy cores. */
const EXIT_BOUND_MS = 30_000;

describe('start: process lifecycle', () => {
  let moto: MotoServer;
  let proxy: FaultProxy;
  let org: SeededOrg;
  const databases: TestDatabase[] = [];
  const started: { cli: CliProcess; marker: string }[] = [];

  beforeAll(async () => {
    moto = await startMoto();
    org = await seedOrg(moto.endpoint);
    proxy = await startFaultProxy(moto.endpoint, []);
  });

  afterEach(() => {
    // A failed assertion must not leave a stack running for the next test.
    for (const { cli, marker } of started.splice(0)) killLeftovers(cli.pid, marker);
  });

  afterAll(async () => {
    await proxy?.stop();
    await moto?.stop();
    await Promise.all(databases.map((db) => db.drop()));
  });

  async function stackEnv(databaseUrl: string, extra: Record<string, string> = {}) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'start-lifecycle-'));
    const [temporalPort, uiPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      TEMPORAL_DEV_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      PORT: String(httpPort),
      LOG_LEVEL: 'info',
      POLICY_PATH: path.join(REPO_ROOT, SCAN_POLICY_PATH),
      AWS_ENDPOINT_URL: proxy.endpoint,
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      SCAN_ACCOUNTS: org.accounts.join(','),
      SCAN_REGIONS: org.regions.join(','),
      // One shard at a time, so a scan is still running when a test stops `start` (the worker's setting).
      MAX_CONCURRENT_SHARDS: '1',
      ...extra,
    };
    delete env.TEMPORAL_ADDRESS;
    return { env, dataDir, temporalAddress: `127.0.0.1:${temporalPort}`, httpPort };
  }

  function startCli(env: NodeJS.ProcessEnv, marker: string): CliProcess {
    const cli = spawnCli(['start'], env);
    started.push({ cli, marker });
    return cli;
  }

  async function waitHealthy(cli: CliProcess, httpPort: number): Promise<void> {
    await waitFor(async () => {
      if (cli.exitStatus() !== undefined) throw new Error(`start exited with ${cli.exitStatus()}:\n${cli.stderr().slice(-4000)}`);
      const res = await fetch(`http://127.0.0.1:${httpPort}/health`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    }, 150_000, () => `start never became healthy:\n${cli.stderr().slice(-4000)}`);
  }

  async function waitExit(cli: CliProcess, what: string): Promise<number | string> {
    const timeout = new Promise<never>((_, reject) => setTimeout(
      () => reject(new Error(`${what}: start still running ${EXIT_BOUND_MS / 1000} s later:\n${cli.stderr().slice(-4000)}`)), EXIT_BOUND_MS).unref());
    return Promise.race([cli.exited, timeout]);
  }

  /** Starts a slow scan through start's own Temporal and waits until its shards are writing. */
  async function startRunningScan(cli: CliProcess, temporalAddress: string) {
    proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 300 } }]);
    const connection = await Connection.connect({ address: temporalAddress });
    const client = new Client({ connection });
    const config = configSchema.parse({ temporal: { address: temporalAddress }, logLevel: 'silent' });
    const { workflowId } = await startComplianceScan(client, config, {
      scope: { accounts: org.accounts, regions: org.regions, resource_types: [...SEEDED_TYPES] },
      overrides: { maxParallelAccounts: 1, shardHeartbeatSeconds: 3 },
    });
    let last: unknown;
    await waitFor(async () => {
      const progress = await scanProgress(client, workflowId).catch((err: Error) => err.message);
      last = progress;
      return typeof progress === 'object' && progress.shardsDone > 0 && progress.shardsDone < progress.shardsTotal ? true : undefined;
    }, 90_000, () => `the scan never got under way; last progress: ${JSON.stringify(last)}; start's stderr:\n${cli.stderr().slice(-4000)}`);
    await connection.close();
    return workflowId;
  }

  it('stops the dev server it launched when startup fails (a DATABASE_URL naming no database)', async () => {
    const missing = new URL(TEST_DATABASE_ADMIN_URL);
    missing.pathname = `/finops_missing_${process.pid}`;
    const { env, dataDir } = await stackEnv(missing.toString());
    const cli = startCli(env, dataDir);

    const status = await waitExit(cli, 'failed startup');
    expect(leftovers(cli.pid, dataDir)).toEqual([]);
    expect(status).toBe(1);
    expect(cli.stderr()).toMatch(/database "finops_missing_\d+" does not exist/);
    expect(cli.stderr()).toMatch(/"devServerPid":\d+/); // it did launch one, and said so
  }, 180_000);

  it('Ctrl-C (SIGINT to the group, twice) during a scan: exits 0, leaves nothing running, and the scan finishes after a restart', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const { env, dataDir, temporalAddress, httpPort } = await stackEnv(database.url);
    const cli = startCli(env, dataDir);
    await waitHealthy(cli, httpPort);
    const workflowId = await startRunningScan(cli, temporalAddress);

    cli.signalGroup('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    const secondSent = cli.exitStatus() === undefined;
    if (secondSent) cli.signalGroup('SIGINT'); // the impatient second Ctrl-C, while draining
    expect(await waitExit(cli, 'Ctrl-C during a scan')).toBe(0);
    expect(cli.stderr()).not.toContain('shutdown step failed');
    if (secondSent) expect(cli.stderr()).toContain('"why":"SIGINT","msg":"already shutting down"');
    expect(cli.stderr()).toContain('"why":"SIGINT"');
    expect(leftovers(cli.pid, dataDir)).toEqual([]);

    // Same data dir (dev server history) and database: the interrupted scan resumes and completes.
    proxy.setRules([]);
    const again = startCli(env, dataDir);
    await waitHealthy(again, httpPort);
    const connection = await Connection.connect({ address: temporalAddress });
    try {
      const result = await new Client({ connection }).workflow.getHandle(workflowId).result() as ComplianceScanResult;
      expect(result.status).toBe('completed');
      expect(result.totals.total).toBe(expectedTotals(org).total);
    } finally {
      await connection.close();
    }
    again.signalGroup('SIGINT');
    expect(await waitExit(again, 'Ctrl-C when idle')).toBe(0);
    expect(leftovers(again.pid, dataDir)).toEqual([]);
  }, 300_000);

  it('a start after a SIGKILLed one stops the dev server that one left behind, rather than reusing it forever', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const { env, dataDir, httpPort } = await stackEnv(database.url);
    const killed = startCli(env, dataDir);
    await waitHealthy(killed, httpPort);
    const orphan = Number(/"devServerPid":(\d+)/.exec(killed.stderr())?.[1]);
    process.kill(killed.pid, 'SIGKILL'); // start alone, as `kill -9` would: nothing can clean up
    await killed.exited;
    expect(leftovers(-1 /* no group: by data dir only */, dataDir).map((p) => Number(p.split(':')[0]))).toEqual([orphan]);

    const next = startCli(env, dataDir);
    await waitHealthy(next, httpPort);
    expect(next.stderr()).toContain(`"devServerPid":${orphan},"ownerPid":${killed.pid},"msg":"stopping the Temporal dev server an earlier run left behind`);
    next.signalGroup('SIGINT');
    expect(await waitExit(next, 'Ctrl-C after reclaiming')).toBe(0);
    expect(leftovers(next.pid, dataDir)).toEqual([]);
  }, 300_000);

  it('ends in bounded time when its dev server dies first, mid-scan', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const { env, dataDir, temporalAddress, httpPort } = await stackEnv(database.url, { WORKER_SHUTDOWN_GRACE_SECONDS: '2' });
    const cli = startCli(env, dataDir);
    await waitHealthy(cli, httpPort);
    await startRunningScan(cli, temporalAddress);
    const devServerPid = Number(/"devServerPid":(\d+)/.exec(cli.stderr())?.[1]);
    expect(devServerPid).toBeGreaterThan(0);

    process.kill(devServerPid, 'SIGKILL'); // the worst order: its server gone without a word
    await new Promise((r) => setTimeout(r, 500));
    cli.signalGroup('SIGINT');
    // Activities that finished cannot be reported to a dead server, so the drain cannot complete:
    // the worker is stopped after its grace period and start says so with exit code 1.
    expect(await waitExit(cli, 'Ctrl-C after the dev server died')).toBe(1);
    expect(cli.stderr()).toContain('the worker did not drain within its grace period (2 s)');
    expect(leftovers(cli.pid, dataDir)).toEqual([]);
  }, 300_000);
});
