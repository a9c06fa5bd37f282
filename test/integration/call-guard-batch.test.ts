// Group admission in the database (migration 0009): a batch of calls must get the verdicts the same
// calls get admitted one at a time through call_guard_admit (0004), leave the same counts behind,
// and stay exact when two replicas send batches of the same principals at once, in any order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../store/db.js';
import { migrate } from '../../store/migrate.js';
import { createStore, type CallGuardAdmission, type CallGuardVerdict } from '../../store/index.js';
import { createTestDatabase, createTestPglite } from '../support/databases.js';

const T0 = 1_800_000_000_000;
const MINUTE = 60_000;

type Store = ReturnType<typeof createStore>;

interface Call { who: string; what: string; at: number }

/** An admission with small limits: 4 calls per principal per 10 min, 2 identical calls per minute. */
function admission(set: string, call: Call): CallGuardAdmission {
  return {
    principalDigest: `${set}-${call.who}`, callDigest: `${set}-${call.who}-${call.what}`, now: call.at,
    budget: 4, budgetExpiresAt: call.at + 10 * MINUTE, maxIdenticalCalls: 2, loopExpiresAt: call.at + MINUTE,
  };
}

/** The counts a set of calls left, with the set's prefix dropped so two sets compare. */
async function countsOf(db: Db, set: string): Promise<string[]> {
  const rows = await db.query<{ counter: string; expires_at_ms: string; calls: number }>(
    `select counter, expires_at_ms::text, calls from call_guard_counts where counter like $1 or counter like $2`,
    [`budget:${set}-%`, `loop:${set}-%`]);
  return rows.map((r) => `${r.counter.replace(`${set}-`, '')} ${r.expires_at_ms} ${r.calls}`).sort();
}

const earlier: Call[] = [
  // Before the batch: ana's first calls (one expires before the batch, one does not), and bo's.
  { who: 'ana', what: 'list', at: T0 },
  { who: 'ana', what: 'check', at: T0 + 9 * MINUTE },
  { who: 'bo', what: 'check', at: T0 + 9 * MINUTE },
  { who: 'bo', what: 'check', at: T0 + 9 * MINUTE + 1000 },
];
const at = T0 + 10 * MINUTE + 5000; // ana's first call no longer counts; the others do
const batch: Call[] = [
  ...['check', 'check', 'check', 'list', 'scan', 'scan'].map((what) => ({ who: 'ana', what, at })),
  ...['check', 'list', 'list', 'list', 'scan', 'status'].map((what) => ({ who: 'bo', what, at })),
  ...['a', 'b', 'c', 'd', 'e'].map((what) => ({ who: 'cy', what, at })),
];

describe.each([
  {
    name: 'PostgreSQL',
    open: async () => {
      const database = await createTestDatabase();
      const dbs = [await openDb({ databaseUrl: database.url, poolMax: 4 }), await openDb({ databaseUrl: database.url, poolMax: 4 })];
      return { dbs, close: async () => { for (const db of dbs) await db.close(); await database.drop(); } };
    },
  },
  {
    name: 'PGlite',
    open: async () => {
      const dir = await createTestPglite();
      const db = await openDb({ dataDir: dir.dataDir });
      return { dbs: [db, db], close: async () => { await db.close(); await dir.cleanup(); } };
    },
  },
])('call guard batches on $name', ({ open }) => {
  let opened: Awaited<ReturnType<typeof open>>;
  let stores: [Store, Store];
  beforeAll(async () => {
    opened = await open();
    await migrate(opened.dbs[0]!);
    stores = [createStore(opened.dbs[0]!), createStore(opened.dbs[1]!)];
  });
  afterAll(async () => { await opened?.close(); });

  it('decides a batch as the same calls admitted one at a time, and leaves the same counts', async () => {
    const [store] = stores;
    for (const set of ['one', 'many']) for (const call of earlier) await store.admitGuardedCall(admission(set, call));

    const oneByOne: CallGuardVerdict[] = [];
    for (const call of batch) oneByOne.push(await store.admitGuardedCall(admission('one', call)));
    const together = await store.admitGuardedCalls(batch.map((call) => admission('many', call)));

    // The script reaches every verdict, or the comparison would prove little.
    expect(new Set(oneByOne.map((v) => v.verdict))).toEqual(new Set(['admitted', 'budget', 'loop']));
    expect(together).toEqual(oneByOne);
    expect(await countsOf(opened.dbs[0]!, 'many')).toEqual(await countsOf(opened.dbs[0]!, 'one'));
  });

  it('admits exactly the budget when two replicas batch the same principals at once, in opposite orders', async () => {
    const principals = ['p1', 'p2', 'p3', 'p4'];
    const calls = (order: string[], round: number) => order.map((who, i) =>
      admission('race', { who, what: `r${round}-${i}-${order[0]}`, at: T0 }));
    const rounds = await Promise.all(Array.from({ length: 6 }, (_, round) => [
      stores[0].admitGuardedCalls(calls(principals, round)),
      stores[1].admitGuardedCalls(calls([...principals].reverse(), round)),
    ]).flat());
    const admitted = new Map<string, number>();
    rounds.forEach((verdicts, r) => {
      const order = r % 2 ? [...principals].reverse() : principals;
      verdicts.forEach((v, i) => { if (v.verdict === 'admitted') admitted.set(order[i]!, (admitted.get(order[i]!) ?? 0) + 1); });
      for (const v of verdicts) expect(v.verdict).not.toBe('loop');
    });
    // 12 calls each against a budget of 4.
    expect(Object.fromEntries(admitted)).toEqual(Object.fromEntries(principals.map((p) => [p, 4])));
  });

  it('answers an empty batch without a round trip', async () => {
    expect(await stores[0].admitGuardedCalls([])).toEqual([]);
  });
});
