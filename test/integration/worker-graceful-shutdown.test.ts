// Graceful shutdown on real components: two worker processes on one task queue, a shard of
// three pages held mid-scan on the first, SIGTERM to that one. It must write the pages it read,
// heartbeat their token and hand the shard over at once (not after a heartbeat timeout), exit
// within its deadline, and the other worker must resume from that page: same totals, every row
// once. A recording proxy between the workers and moto tells which page tokens each attempt sent.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Client, Connection } from '@temporalio/client';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../config/index.js';
import { scanProgress, startComplianceScan } from '../../client/scans.js';
import type { DevServer } from '../../worker/dev-server.js';
import type { ComplianceScanResult } from '../../workflows/types.js';
import { MANAGEMENT_ACCOUNT } from '../support/aws-seed.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { awsClientConfig, MOTO_CREDENTIALS, startMoto, type MotoServer } from '../support/moto.js';
import { startRequestLog, type LoggedRequest, type RequestLog } from '../support/request-log.js';
import { startTestTemporal } from '../support/temporal.js';
import { spawnWorker, type WorkerProcess } from '../support/worker-process.js';
import { waitUntil } from '../support/wait.js';

const REGION = 'us-east-1';
/** ListTables pages 100 tables: 250 tables = pages of 100, 100 and 50. */
const TABLES = 250;
const PAGES = 3;
const GRACE_SECONDS = 10;
/** The CLI exits at most this long after the grace period (worker/worker.ts SHUTDOWN_DEADLINE_AFTER_GRACE_MS). */
const DEADLINE_MS = GRACE_SECONDS * 1000 + 5_000;

const POLICY = {
  version: '1.0',
  required_tags: [{
    name: 'Owner', description: 'owner', allowed_values: null, validation_regex: '^[a-z0-9.]+@example\\.com$',
    applies_to: ['dynamodb:table'], severity: 'error',
  }],
  optional_tags: [],
  tag_naming_rules: { case_sensitivity: true, allow_special_characters: false, max_key_length: 128, max_value_length: 256 },
};
const compliantTable = (i: number) => i % 3 !== 0;

const isListTables = (r: LoggedRequest) => r.service === 'dynamodb' && r.operation === 'ListTables';
const startToken = (r: LoggedRequest) => (JSON.parse(r.body || '{}') as { ExclusiveStartTableName?: string }).ExclusiveStartTableName;

describe('graceful worker shutdown mid-scan', { timeout: 300_000 }, () => {
  let temporal: DevServer;
  let database: TestDatabase;
  let moto: MotoServer;
  let log: RequestLog;
  let dir: string;
  let env: Record<string, string>;
  let config: Config;
  let client: Client;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'finops-graceful-'));
    const policyPath = path.join(dir, 'policy.json');
    await writeFile(policyPath, JSON.stringify(POLICY));
    [temporal, database, moto] = await Promise.all([startTestTemporal(), createTestDatabase(), startMoto()]);
    log = await startRequestLog(moto.endpoint);
    const dynamodb = new DynamoDBClient(awsClientConfig(moto.endpoint, REGION));
    try {
      let next = 0;
      await Promise.all(Array.from({ length: 16 }, async () => {
        for (let i = next++; i < TABLES; i = next++) {
          await dynamodb.send(new CreateTableCommand({
            TableName: `graceful-${String(i).padStart(4, '0')}`,
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            BillingMode: 'PAY_PER_REQUEST',
            Tags: [{ Key: 'Owner', Value: compliantTable(i) ? `owner${i % 7}@example.com` : 'nobody' }],
          }));
        }
      }));
    } finally {
      dynamodb.destroy();
    }
    env = {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: `graceful-${process.pid}`,
      DATABASE_URL: database.url,
      POLICY_PATH: policyPath,
      AWS_ENDPOINT_URL: log.endpoint,
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
      SCAN_ACCOUNTS: MANAGEMENT_ACCOUNT,
      AWS_SDK_MAX_ATTEMPTS: '1',
      WORKER_SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
      LOG_LEVEL: 'info',
    };
    config = configSchema.parse({
      temporal: { address: temporal.address, taskQueue: env.TEMPORAL_TASK_QUEUE },
      database: { url: database.url },
      policy: { path: policyPath },
      aws: { accounts: [MANAGEMENT_ACCOUNT] },
      logLevel: 'silent',
    });
    client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  }, 600_000);

  afterAll(async () => {
    await client?.connection.close();
    await Promise.all(workers.map((w) => w.kill()));
    await log?.stop();
    await Promise.all([moto?.stop(), temporal?.stop()]);
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('hands a shard over at the page it reached, exits within its deadline, and the scan completes on the other worker', async () => {
    // Only the first worker polls until the shard runs on it: page 2 is held there.
    const first = spawnWorker(env);
    workers.push(first);
    let pages = 0;
    log.hold((r) => isListTables(r) && ++pages === 2);
    // A 60 s heartbeat timeout: a shard handed over only by timing out would take a minute.
    const { handle, workflowId } = await startComplianceScan(client, config, {
      scope: { accounts: [MANAGEMENT_ACCOUNT], regions: [REGION], resource_types: ['dynamodb:table'] },
      overrides: { shardHeartbeatSeconds: 60 },
      now: new Date(Date.UTC(2026, 0, 1)),
    });
    await waitUntil(() => log.held().length === 1, 120_000, () => `page 2 was never requested: ${first.output()}`);
    const second = spawnWorker(env);
    workers.push(second);
    const scanId = (await scanProgress(client, workflowId)).scanId;
    const heldAt = log.entries.length;

    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      first.child.once('exit', (code, signal) => resolve({ code, signal })));
    const termAt = Date.now();
    first.child.kill('SIGTERM');
    // Let the worker begin draining, then let its page 2 through: it must stop after that page.
    await waitUntil(() => /shutting down/.test(first.output()), 30_000, () => `no shutdown began: ${first.output()}`);
    log.hold(undefined);
    log.release();
    const { code, signal } = await exited;
    const exitMs = Date.now() - termAt;

    const result = await handle.result() as ComplianceScanResult;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeLessThan(DEADLINE_MS);
    expect(first.output()).not.toMatch(/did not drain/);

    // The second worker resumed after page 2: it read only the last page, never the first two again.
    const resumed = log.entries.slice(heldAt).filter(isListTables);
    expect(resumed).toHaveLength(PAGES - 2);
    expect(resumed.every((r) => startToken(r) !== undefined)).toBe(true);
    const byFirst = log.entries.slice(0, heldAt).filter(isListTables);
    expect(byFirst).toHaveLength(2);
    expect(resumed.map(startToken)).not.toContain(startToken(byFirst[1]!));

    // Identical totals, and every table stored exactly once.
    const compliant = Array.from({ length: TABLES }, (_, i) => i).filter(compliantTable).length;
    expect(result).toMatchObject({ status: 'completed', dataQuality: { status: 'complete' } });
    expect(result.totals).toMatchObject({ total: TABLES, compliant });
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ rows: string; distinct: string }>(
        'select count(*) as rows, count(distinct resource_id) as distinct from scan_resources where scan_id = $1', [scanId]);
      expect(rows[0]).toEqual({ rows: String(TABLES), distinct: String(TABLES) });
    } finally {
      await db.end();
    }
  });
});
