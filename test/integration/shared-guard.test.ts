// The shared call guard of sessionless calls against its real stores: two guard instances (two
// gateway replicas, each with its own connection) on one PostgreSQL database, or one Redis, enforce
// one budget and one loop window per principal; PGlite runs the same migration and function. The
// clock is injected, so windows expire without sleeping. Windows count in 60 steps (T0 is a step
// boundary): a call stops counting one window after the end of its step.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../store/db.js';
import { migrate } from '../../store/migrate.js';
import { createStore } from '../../store/index.js';
import { ToolError } from '../../mcp-gateway/errors.js';
import { databaseCounters, type GuardCounters } from '../../mcp-gateway/guard/counters.js';
import { redisCounters } from '../../mcp-gateway/guard/redis-counters.js';
import { SharedGuard, type SharedGuardLimits } from '../../mcp-gateway/guard/shared-guard.js';
import { principalDigest, type GuardKey } from '../../mcp-gateway/guard/fingerprint.js';
import { createSharedGuard } from '../../mcp-gateway/guard/index.js';
import { loadConfig } from '../../config/index.js';
import { createTestDatabase, createTestPglite, type TestDatabase, type TestPglite } from '../support/databases.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const T0 = 1_800_000_000_000;

interface Replicas {
  /** A fresh pair of counter stores sharing one backing store: one per replica. */
  pair(): Promise<[GuardCounters, GuardCounters]>;
  /** Rows or keys the store still holds for this run. */
  kept(): Promise<number>;
  /** Asserts that the counts that stopped counting by `now` are gone, or going, from the store. */
  expectDropped(keptBefore: number, now: number): Promise<void>;
  close(): Promise<void>;
}

async function postgresReplicas(): Promise<Replicas> {
  const database: TestDatabase = await createTestDatabase();
  const dbs: Db[] = [];
  const open = async () => {
    const db = await openDb({ databaseUrl: database.url, poolMax: 4 });
    dbs.push(db);
    return db;
  };
  await migrate(await open());
  const first = createStore(dbs[0]!);
  return {
    async pair() {
      return [databaseCounters(createStore(await open())), databaseCounters(createStore(await open()))];
    },
    kept: () => first.countGuardedCalls(),
    expectDropped: (before, now) => expectDatabaseDropped(first, before, now),
    async close() {
      for (const db of dbs) await db.close();
      await database.drop();
    },
  };
}

async function pgliteReplicas(): Promise<Replicas> {
  // PGlite is one process's embedded database: the two "replicas" share its one connection.
  const dir: TestPglite = await createTestPglite();
  const db = await openDb({ dataDir: dir.dataDir });
  await migrate(db);
  const store = createStore(db);
  return {
    pair: async () => [databaseCounters(store), databaseCounters(store)],
    kept: () => store.countGuardedCalls(),
    expectDropped: (before, now) => expectDatabaseDropped(store, before, now),
    async close() {
      await db.close();
      await dir.cleanup();
    },
  };
}

async function redisReplicas(): Promise<Replicas> {
  const keyPrefix = `finops-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
  const admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`cannot reach the test Redis at ${REDIS_URL} (start redis-server, or set TEST_REDIS_URL): ${(err as Error).message}`, { cause: err });
  }
  const counters: GuardCounters[] = [];
  const keys = () => admin.keys(`${keyPrefix}*`);
  return {
    async pair() {
      const pair: [GuardCounters, GuardCounters] = [redisCounters(REDIS_URL, { keyPrefix }), redisCounters(REDIS_URL, { keyPrefix })];
      counters.push(...pair);
      return pair;
    },
    kept: async () => (await keys()).length,
    async expectDropped() {
      // Redis drops expired steps inside the script, and whole keys by their TTL (real time): every
      // key must carry one no longer than its window plus a step (61 s for loops, 610 s for this budget).
      const left = await keys();
      expect(left.length).toBeGreaterThan(0);
      for (const key of left) {
        const ttl = await admin.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(key.includes(':loop:') ? 61_000 : 3_660_000);
      }
    },
    async close() {
      for (const c of counters) await c.close();
      const left = await keys();
      if (left.length) await admin.del(...left);
      await admin.quit();
    },
  };
}

/**
 * The admission at `now` replaced gina's expired budget step with a new one and added its own loop
 * step; her three expired loop steps (other calls) wait for the sweep, which removes every expired row.
 */
async function expectDatabaseDropped(store: ReturnType<typeof createStore>, before: number, now: number) {
  expect(await store.countGuardedCalls()).toBe(before - 1 + 2);
  expect(await store.sweepGuardedCalls(now)).toBeGreaterThanOrEqual(3);
  expect(await store.sweepGuardedCalls(now + 10 * 3_600_000)).toBeGreaterThan(0);
  expect(await store.countGuardedCalls()).toBe(0);
}

const limits: SharedGuardLimits = { principalCallBudget: 10, principalBudgetWindowSeconds: 3600, maxIdenticalCalls: 3, loopWindowSeconds: 60 };

function replicaGuards([a, b]: [GuardCounters, GuardCounters], overrides: Partial<SharedGuardLimits> = {}) {
  const clock = { now: T0 };
  const opts = { now: () => clock.now, failOpen: false, sweepEveryMs: 3_600_000 };
  return { clock, one: new SharedGuard(a, { ...limits, ...overrides }, opts), two: new SharedGuard(b, { ...limits, ...overrides }, opts) };
}

const someone = (): GuardKey => ({ principal: `key:${randomBytes(8).toString('hex')}` });

async function refusal(p: Promise<void>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ToolError);
  return (err as ToolError).message;
}

describe.each([
  { name: 'PostgreSQL', make: postgresReplicas },
  { name: 'PGlite', make: pgliteReplicas },
  { name: 'Redis', make: redisReplicas },
])('shared call guard on $name', ({ make }) => {
  let replicas: Replicas;
  beforeAll(async () => { replicas = await make(); });
  afterAll(async () => { await replicas?.close(); });

  it('enforces one budget per principal across two replicas, and frees it as the oldest calls leave the window', async () => {
    const { clock, one, two } = replicaGuards(await replicas.pair());
    const alice = someone();
    for (let i = 0; i < 10; i++) {
      clock.now = T0 + i * 60_000 + 59_000; // one call a minute (late in each 1-min step), alternating replicas
      await (i % 2 ? two : one).admit(alice, 'get_scan_status', { scan_id: `scan-${i}` });
    }
    clock.now = T0 + 30 * 60_000;
    const message = await refusal(one.admit(alice, 'list_scans', {}));
    expect(message).toMatch(/^call budget exhausted: 10 tool calls per hour/);
    expect(message).toMatch(/in 31 min: retry then/); // the first step [T0, T0 + 1 min) stops counting at T0 + 61 min
    await refusal(two.admit(alice, 'list_scans', { limit: 1 }));

    clock.now = T0 + 61 * 60_000 - 1;
    await refusal(two.admit(alice, 'list_scans', {}));
    clock.now = T0 + 61 * 60_000; // the first call no longer counts
    await two.admit(alice, 'list_scans', {});
    await refusal(one.admit(alice, 'list_scans', { limit: 2 }));
    clock.now = T0 + 62 * 60_000; // and the second one
    await one.admit(alice, 'list_scans', { limit: 2 });
  });

  it('detects a loop across replicas and lets the call through once the oldest identical call leaves the window', async () => {
    const { clock, one, two } = replicaGuards(await replicas.pair(), { principalCallBudget: 1000 });
    const bob = someone();
    const args = { resource_types: ['ec2:instance'], limit: 50 };
    for (const [at, guard] of [[0, one], [4000, two], [8000, one]] as const) {
      clock.now = T0 + at;
      await guard.admit(bob, 'check_tag_compliance', args);
    }
    clock.now = T0 + 60_999; // the call at T0 counts until the end of its 1-s step plus 60 s
    expect(await refusal(two.admit(bob, 'check_tag_compliance', { limit: 50, resource_types: ['ec2:instance'] })))
      .toMatch(/^loop detected: check_tag_compliance was called 3 times with the same arguments in the last 60 s/);
    await two.admit(bob, 'check_tag_compliance', { ...args, limit: 10 }); // other arguments: another call
    clock.now = T0 + 61_000; // the call at T0 has left the window
    await one.admit(bob, 'check_tag_compliance', args);
    await refusal(two.admit(bob, 'check_tag_compliance', args));
    clock.now = T0 + 65_000; // and the one at T0 + 4 s
    await two.admit(bob, 'check_tag_compliance', args);
  });

  it('keeps principals apart, and conversations apart for loops but not for the budget', async () => {
    const { one, two } = replicaGuards(await replicas.pair(), { principalCallBudget: 5, maxIdenticalCalls: 1 });
    const [carol, dave] = [someone(), someone()];
    await one.admit(carol, 't', { n: 1 });
    await refusal(two.admit(carol, 't', { n: 1 }));
    await two.admit(dave, 't', { n: 1 }); // another principal: its own loop window
    await one.admit({ ...carol, conversation: 'chat-a' }, 't', { n: 1 }); // another conversation: its own loop window
    await two.admit({ ...carol, conversation: 'chat-b' }, 't', { n: 1 });
    await refusal(one.admit({ ...carol, conversation: 'chat-b' }, 't', { n: 1 }));
    await one.admit(carol, 't', { n: 2 }); // carol's 4th and 5th calls: one budget across her conversations
    await two.admit({ ...carol, conversation: 'chat-c' }, 't', { n: 3 });
    expect(await refusal(one.admit({ ...carol, conversation: 'chat-d' }, 't', { n: 4 }))).toMatch(/^call budget exhausted: 5 tool calls/);
    for (let n = 2; n <= 5; n++) await (n % 2 ? one : two).admit(dave, 't', { n }); // dave's budget is untouched
  });

  it('never admits more than the budget when both replicas admit the same principal at once', async () => {
    const { one, two } = replicaGuards(await replicas.pair(), { principalCallBudget: 25 });
    const erin = someone();
    const outcomes = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => (i % 2 ? one : two).admit(erin, 't', { i })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(25);
    for (const o of outcomes) if (o.status === 'rejected') expect(String(o.reason)).toMatch(/call budget exhausted/);
  });

  it('hashes NUL, control characters, lone surrogates and megabyte arguments into fixed-size keys', async () => {
    const { one, two } = replicaGuards(await replicas.pair(), { maxIdenticalCalls: 1 });
    const frank = { principal: 'ip:10.0.0.1\u0000\r\n; drop table call_guard_calls; --', conversation: '\u0007\ud800' };
    const huge = { text: 'x\u0000\u001b[31m'.repeat(300_000) };
    await one.admit(frank, 'tool\u0000name', huge);
    await refusal(two.admit(frank, 'tool\u0000name', huge));
    await two.admit(frank, 'tool\u0000name', { text: `${huge.text}!` });
    await one.admit(frank, 'tool', { text: 'a\u0000b' });
    await one.admit(frank, 'tool', { text: 'a\u0000c' });
  });

  it('drops what no window needs any more', async () => {
    const { clock, one } = replicaGuards(await replicas.pair(), { principalBudgetWindowSeconds: 600, principalCallBudget: 100 });
    const gina = someone();
    for (let i = 0; i < 3; i++) await one.admit(gina, 't', { i }); // one budget step, three loop steps
    const before = await replicas.kept();
    clock.now = T0 + 610_000; // the end of their 10-s budget step plus the window: nothing of them counts
    await one.admit(gina, 't', { i: 99 });
    await replicas.expectDropped(before, T0 + 610_000);
  });
});

describe('shared call guard when its store is down', () => {
  it('admits and counts the failure when failing open, and refuses with a clear message when failing closed', async () => {
    const down = redisCounters('redis://127.0.0.1:1'); // nothing listens on port 1
    const warnings: unknown[] = [];
    const open = new SharedGuard(down, limits, { logger: { warn: (obj: unknown) => { warnings.push(obj); } } as never });
    await open.admit(someone(), 't', {});
    expect(open.failures).toBe(1);
    expect(warnings).toHaveLength(1);
    const closed = new SharedGuard(down, limits, { failOpen: false });
    expect(await refusal(closed.admit(someone(), 'list_scans', {}))).toMatch(/^list_scans was not run: the call guard's counters cannot be reached/);
    await down.close();
  });

  it('builds its counters from config: Redis when GUARD_REDIS_URL is set, else the database', async () => {
    const dir = await createTestPglite();
    const db = await openDb({ dataDir: dir.dataDir });
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const hank = someone();
    try {
      await migrate(db);
      const store = createStore(db);
      const inDatabase = createSharedGuard({ config: loadConfig({ CONFIG_FILE: undefined } as NodeJS.ProcessEnv), store });
      expect(inDatabase.store).toBe('database');
      await inDatabase.admit(hank, 't', {});
      expect(await store.countGuardedCalls()).toBe(2); // a budget step and a loop step

      const inRedis = createSharedGuard({ config: loadConfig({ GUARD_REDIS_URL: REDIS_URL } as NodeJS.ProcessEnv), store });
      expect(inRedis.store).toBe('redis');
      await inRedis.admit(hank, 't', {});
      await inRedis.close();
      expect(await store.countGuardedCalls()).toBe(2);
      expect(await redis.hgetall(`finops:guard:{${principalDigest(hank)}}:budget`)).not.toEqual({});
    } finally {
      const keys = await redis.keys(`finops:guard:{${principalDigest(hank)}}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      await db.close();
      await dir.cleanup();
    }
  });
});
