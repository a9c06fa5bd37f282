// Group commit of audit rows, against both real backends: concurrent rows share INSERTs, every
// caller learns its own row's fate, and rows land in the order they were recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../store/db.js';
import { AUDIT_BATCH_SIZE } from '../../store/audit.js';
import { migrate } from '../../store/migrate.js';
import { createStore, type AuditEntry } from '../../store/index.js';
import { createTestDatabase, createTestPglite } from '../support/databases.js';

const runId = Math.random().toString(36).slice(2, 8);
let serial = 0;

function anAuditEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  const n = `${runId}-${++serial}`;
  return {
    actor: 'alice@example.com', sessionId: `session-${n}`, tool: `tool-${n}`, params: { resource_types: ['ec2:instance'] },
    outcome: 'ok', durationMs: 42, correlationId: `corr-${n}`, error: null, ...overrides,
  };
}

/** duration_ms is an integer column: this row fails its INSERT, and any statement it is part of. */
const unwritable = (): AuditEntry => anAuditEntry({ durationMs: 2 ** 40 });

/** A Db that records the row count of every audit INSERT it sends. */
function countingInserts(db: Db): { db: Db; inserts: number[] } {
  const inserts: number[] = [];
  return {
    inserts,
    db: {
      ...db,
      query: (sql, params) => {
        if (sql.includes('insert into audit_log')) inserts.push((params?.length ?? 0) / 8);
        return db.query(sql, params);
      },
    },
  };
}

const backends = [
  {
    kind: 'postgres',
    async open() {
      const database = await createTestDatabase();
      return { db: await openDb({ databaseUrl: database.url, poolMax: 4 }), release: () => database.drop() };
    },
  },
  {
    kind: 'pglite',
    async open() {
      const dir = await createTestPglite();
      return { db: await openDb({ dataDir: dir.dataDir }), release: () => dir.cleanup() };
    },
  },
];

describe.each(backends)('audit group commit on $kind', (backend) => {
  let db: Db;
  let release: () => Promise<void>;

  beforeAll(async () => {
    ({ db, release } = await backend.open());
    await migrate(db);
  });

  afterAll(async () => {
    await db?.close();
    await release?.();
  });

  async function storedCorrelationIds(entries: AuditEntry[]): Promise<string[]> {
    const rows = await db.query<{ correlation_id: string }>(
      'select correlation_id from audit_log where correlation_id = any($1) order by id', [entries.map((e) => e.correlationId)]);
    return rows.map((r) => r.correlation_id);
  }

  it('writes the first row at once and the rows queued meanwhile in one INSERT, in order', async () => {
    const counting = countingInserts(db);
    const store = createStore(counting.db);
    const entries = Array.from({ length: 40 }, () => anAuditEntry());
    const records = await Promise.all(entries.map((e) => store.recordAudit(e)));

    expect(counting.inserts).toEqual([1, 39]);
    expect(records.map((r) => r.correlationId)).toEqual(entries.map((e) => e.correlationId));
    expect(records.map((r) => r.tool)).toEqual(entries.map((e) => e.tool));
    const ids = records.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(await storedCorrelationIds(entries)).toEqual(entries.map((e) => e.correlationId));
  });

  it(`splits a long queue into INSERTs of at most ${AUDIT_BATCH_SIZE} rows`, async () => {
    const counting = countingInserts(db);
    const store = createStore(counting.db);
    const entries = Array.from({ length: 2 * AUDIT_BATCH_SIZE + 11 }, () => anAuditEntry());
    await Promise.all(entries.map((e) => store.recordAudit(e)));
    expect(counting.inserts).toEqual([1, AUDIT_BATCH_SIZE, AUDIT_BATCH_SIZE, 10]);
    expect(await storedCorrelationIds(entries)).toEqual(entries.map((e) => e.correlationId));
  });

  it('when a batch fails, writes its good rows one by one and fails only the bad row', async () => {
    const counting = countingInserts(db);
    const store = createStore(counting.db);
    const entries = [anAuditEntry(), anAuditEntry(), unwritable(), anAuditEntry(), anAuditEntry()];
    const outcomes = await Promise.allSettled(entries.map((e) => store.recordAudit(e)));
    // A row recorded after the failure goes through as usual.
    const after = anAuditEntry();
    await store.recordAudit(after);

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(Error);
    expect(counting.inserts).toEqual([1, 4, 1, 1, 1, 1, 1]);
    const good = [entries[0]!, entries[1]!, entries[3]!, entries[4]!, after];
    expect(await storedCorrelationIds([...entries, after])).toEqual(good.map((e) => e.correlationId));
  });

  it('flushAudit waits for rows still queued', async () => {
    const store = createStore(db);
    const entries = Array.from({ length: 25 }, () => anAuditEntry());
    for (const entry of entries) void store.recordAudit(entry);
    await store.flushAudit();
    expect(await storedCorrelationIds(entries)).toHaveLength(entries.length);
    await expect(store.flushAudit()).resolves.toBeUndefined(); // nothing queued: at once
  });
});
