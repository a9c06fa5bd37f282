// GET /ready on real components (Temporal dev server, PostgreSQL and PGlite, a worker in process):
// 200 once a worker polls the task queue; 503 naming the failing check when no worker polls it,
// when the database is gone, and when Temporal cannot be reached. /health stays as it was.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type StoreHandle } from '../../cli/runtime.js';
import { createLogger } from '../../config/logger.js';
import type { GatewayDeps } from '../../mcp-gateway/context.js';
import { createHttpGateway } from '../../mcp-gateway/http.js';
import { checkReadiness, type ReadinessReport } from '../../mcp-gateway/ready.js';
import { createWorker } from '../../worker/worker.js';
import { createTestDatabase } from '../support/databases.js';
import { raw, startGatewayStack, type GatewayStack } from '../support/http-gateway.js';

describe('GET /ready', () => {
  let stack: GatewayStack;
  let worker: Worker;
  let running: Promise<void>;
  let url: string;

  beforeAll(async () => {
    stack = await startGatewayStack('ready');
    ({ worker } = await createWorker({ config: stack.deps.config, address: stack.deps.config.temporal.address!, store: stack.deps.store, logger: createLogger('silent') }));
    running = worker.run();
    ({ url } = await stack.start({}));
  });

  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await stack?.close();
  });

  /** Serves /ready of a gateway built on these deps, and returns its status and report. */
  async function readyOf(deps: GatewayDeps): Promise<{ status: number; report: ReadinessReport }> {
    const app = await createHttpGateway(deps, { dbKind: 'test' });
    try {
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      const reply = await raw(`${base}/ready`);
      return { status: reply.status, report: JSON.parse(reply.body) as ReadinessReport };
    } finally {
      await app.close();
    }
  }

  it('answers 200 with every check passing once a worker polls the task queue', async () => {
    // The worker's first polls reach the server within moments of run().
    let reply = await raw(`${url}/ready`);
    for (let i = 0; i < 40 && reply.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      reply = await raw(`${url}/ready`);
    }
    expect(reply.status, reply.body).toBe(200);
    const report = JSON.parse(reply.body) as ReadinessReport;
    expect(report).toMatchObject({ status: 'ready', failing: [] });
    expect(report.checks.workers.workflowPollers).toBeGreaterThanOrEqual(1);
    expect(report.checks.workers.activityPollers).toBeGreaterThanOrEqual(1);
    expect(report.checks.policy.versionId).toBeGreaterThan(0);
    expect(reply.headers['cache-control']).toBe('no-store');
  });

  it('answers 503 naming `workers` when nobody polls the task queue', async () => {
    const config = { ...stack.deps.config, temporal: { ...stack.deps.config.temporal, taskQueue: `nobody-polls-${process.pid}` } };
    const { status, report } = await readyOf({ ...stack.deps, config });
    expect(status).toBe(503);
    expect(report.failing).toEqual(['workers']);
    expect(report.checks.workers.error).toMatch(/no worker polled task queue nobody-polls-/);
    expect(report.checks.temporal.ok && report.checks.database.ok && report.checks.policy.ok).toBe(true);
  });

  it('answers 503 naming `database` when the database is gone', async () => {
    const database = await createTestDatabase();
    let gone: StoreHandle | undefined;
    try {
      gone = await openStore({ ...stack.deps.config, database: { url: database.url, poolMax: 2 } }, createLogger('silent'));
      await gone.close();
      const { status, report } = await readyOf({ ...stack.deps, store: gone.store });
      expect(status).toBe(503);
      expect(report.failing).toContain('database');
      expect(report.checks.workers.ok).toBe(true);
      expect(report.checks.database.error).not.toMatch(/postgres:\/\//);
    } finally {
      await database.drop();
    }
  });

  it('answers 503 naming `temporal` (and `workers`) when Temporal cannot be reached, within seconds', async () => {
    // No gRPC retry interceptor: its backoff timers would outlive the connection closed below.
    const connection = Connection.lazy({ address: '127.0.0.1:1', interceptors: [] });
    try {
      const started = Date.now();
      const report = await checkReadiness({ ...stack.deps, temporal: new Client({ connection }) });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(report.status).toBe('not_ready');
      expect(report.failing).toEqual(expect.arrayContaining(['temporal', 'workers']));
      expect(report.failing).not.toContain('database');
    } finally {
      await connection.close();
    }
  });

  it('is ready on the embedded PGlite store too', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ready-pglite-'));
    const embedded = await openStore({ ...stack.deps.config, database: { poolMax: 1 }, dataDir }, createLogger('silent'));
    try {
      const report = await checkReadiness({ ...stack.deps, store: embedded.store });
      expect(report.checks.database).toEqual({ ok: true });
      expect(report.checks.policy.ok).toBe(true);
      expect(report.status).toBe('ready');
    } finally {
      await embedded.close();
    }
  });

  it('leaves /health as it was', async () => {
    const reply = await raw(`${url}/health`);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ status: 'ok', temporal: { ok: true }, database: { ok: true } });
  });
});
