// Audit rows quoting what PostgreSQL refuses (NUL in text and jsonb, lone UTF-16 surrogates in
// jsonb) are written with visible escapes, on both real backends, and a row that still cannot be
// written is counted for /health.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storableText } from '../../store/audit.js';
import { openDb, type Db } from '../../store/db.js';
import { createStore, type AuditEntry } from '../../store/index.js';
import { migrate } from '../../store/migrate.js';
import { createTestDatabase, createTestPglite } from '../support/databases.js';

const backends = [
  {
    kind: 'postgres',
    async open() {
      const database = await createTestDatabase();
      return { db: await openDb({ databaseUrl: database.url, poolMax: 2 }), release: () => database.drop() };
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

describe('storableText', () => {
  it('escapes NUL and lone surrogates, and keeps everything else, pairs included', () => {
    expect(storableText('a\u0000b')).toBe('a\\u0000b');
    expect(storableText('x\uD800')).toBe('x\\ud800');
    expect(storableText('\uDC00y')).toBe('\\udc00y');
    expect(storableText('é😀\n\t"')).toBe('é😀\n\t"');
  });
});

describe.each(backends)('audit rows with unstorable characters on $kind', (backend) => {
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

  it('writes NUL and lone surrogates in every column as visible escapes', async () => {
    const store = createStore(db);
    const entry: AuditEntry = {
      actor: 'mallory\u0000', sessionId: 's\uD800', tool: 'cancel_scan\u0000', outcome: 'refused',
      params: { reason: 'cleanup\u0000', ['k\u0000']: ['\uDFFF', { deep: 'x\u0000y' }], ok: 'é😀' },
      durationMs: 3, correlationId: `nul-${backend.kind}`, error: 'bad\u0000input',
    };
    const record = await store.recordAudit(entry);
    expect(record).toMatchObject({
      actor: 'mallory\\u0000', sessionId: 's\\ud800', tool: 'cancel_scan\\u0000', error: 'bad\\u0000input',
      params: { reason: 'cleanup\\u0000', ['k\\u0000']: ['\\udfff', { deep: 'x\\u0000y' }], ok: 'é😀' },
    });
    const [stored] = await store.listAudit({ limit: 1 });
    expect(stored?.correlationId).toBe(`nul-${backend.kind}`);
    expect(store.auditFailures()).toEqual({ failedWrites: 0, lastFailureAt: null });
  });

  it('counts a row that fails for good, after the row-by-row retry, and only that row', async () => {
    const store = createStore(db);
    const good = (n: number): AuditEntry => ({ tool: 'list_scans', outcome: 'ok', correlationId: `good-${n}` });
    // duration_ms is an integer column: 2^40 fails its INSERT whatever the escaping does.
    const outcomes = await Promise.allSettled([
      store.recordAudit(good(1)), store.recordAudit({ ...good(2), durationMs: 2 ** 40 }), store.recordAudit(good(3)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const failures = store.auditFailures();
    expect(failures.failedWrites).toBe(1);
    expect(Date.parse(failures.lastFailureAt!)).not.toBeNaN();
  });
});
