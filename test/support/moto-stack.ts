// The moto-backed stack the scan and gateway suites share: a Temporal dev server, a fresh
// PostgreSQL database, moto seeded with a small organisation, a fault proxy in front of it, and
// the worker as its own process pointed at the proxy.
import path from 'node:path';
import { configSchema, type Config } from '../../config/index.js';
import type { DevServer } from '../../worker/dev-server.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { SCAN_POLICY_PATH, seedOrg, type SeededOrg } from './aws-seed.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from './moto.js';
import { startTestTemporal } from './temporal.js';
import { spawnWorker, type WorkerProcess } from './worker-process.js';

export interface MotoStack {
  temporalServer: DevServer;
  database: TestDatabase;
  moto: MotoServer;
  proxy: FaultProxy;
  org: SeededOrg;
  /** The worker's environment, also what a stdio gateway child needs. */
  env: Record<string, string>;
  /** For the in-process gateway, store and Temporal client. */
  config: Config;
  worker: WorkerProcess;
  /** Starts a new worker process (after a test killed the previous one). */
  respawnWorker(): WorkerProcess;
  stop(): Promise<void>;
}

export interface MotoStackOptions {
  /** Task queue prefix, so suites never share one. */
  name: string;
  /** Extra worker environment, e.g. AWS_SDK_MAX_ATTEMPTS. */
  workerEnv?: Record<string, string>;
  /** Merged into the config the test process uses. */
  config?: Record<string, unknown>;
}

export async function startMotoStack(opts: MotoStackOptions): Promise<MotoStack> {
  const [temporalServer, database, moto] = await Promise.all([startTestTemporal(), createTestDatabase(), startMoto()]);
  const org = await seedOrg(moto.endpoint);
  const proxy = await startFaultProxy(moto.endpoint, []);
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: temporalServer.address,
    TEMPORAL_TASK_QUEUE: `${opts.name}-${process.pid}`,
    DATABASE_URL: database.url,
    POLICY_PATH: path.join(REPO_ROOT, SCAN_POLICY_PATH),
    AWS_ENDPOINT_URL: proxy.endpoint,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    // moto has no organisation holding the seeded accounts: name them as the allowed set.
    SCAN_ACCOUNTS: org.accounts.join(','),
    ...opts.workerEnv,
  };
  const config = configSchema.parse({
    temporal: { address: env.TEMPORAL_ADDRESS, taskQueue: env.TEMPORAL_TASK_QUEUE },
    database: { url: database.url },
    policy: { path: env.POLICY_PATH },
    aws: { accounts: env.SCAN_ACCOUNTS!.split(',') },
    logLevel: 'silent',
    ...opts.config,
  });
  const stack: MotoStack = {
    temporalServer, database, moto, proxy, org, env, config,
    worker: spawnWorker(env),
    respawnWorker: () => (stack.worker = spawnWorker(env)),
    async stop() {
      await stack.worker.kill();
      await proxy.stop();
      await Promise.all([moto.stop(), temporalServer.stop()]);
      await database.drop();
    },
  };
  return stack;
}
