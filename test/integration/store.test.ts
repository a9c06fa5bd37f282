// The store against both real backends: one suite body, run on a PostgreSQL database and on PGlite.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../store/db.js';
import { loadMigrations, migrate, MigrationChecksumError } from '../../store/migrate.js';
import { createStore, encodeScanResourceRows, type AuditEntry, type NewScan, type Store } from '../../store/index.js';
import type { ScanResourceRow, ScanTotals } from '../../core/scan.js';
import { createTestDatabase, createTestPglite } from '../support/databases.js';

// ---- builders ------------------------------------------------------------------------------

/** Totals as stored, only the fields a test looks at (the store keeps jsonb as given). */
const someTotals = (t: Partial<ScanTotals> = {}) => t as ScanTotals;

const runId = Math.random().toString(36).slice(2, 8);
let serial = 0;
const next = () => `${runId}-${++serial}`;

function aScan(overrides: Partial<NewScan> = {}): NewScan {
  const id = `scan-${next()}`;
  return {
    id,
    workflowId: `wf-${id}`,
    trigger: 'adhoc',
    scope: { clouds: ['aws'], accounts: ['123456789012'], resourceTypes: ['all'] },
    scopeHash: `scope-${next()}`,
    policyVersionId: null,
    storeSnapshot: false,
    ...overrides,
  };
}

function aResourceRow(overrides: Partial<ScanResourceRow> = {}): ScanResourceRow {
  const n = next();
  return {
    resourceId: `arn:aws:ec2:us-east-1:123456789012:instance/i-${n}`,
    cloud: 'aws',
    account: '123456789012',
    region: 'us-east-1',
    resourceType: 'ec2:instance',
    name: `web-${n}`,
    tags: { Owner: 'a@example.com' },
    state: 'running',
    createdAt: '2024-03-01T10:00:00.000Z',
    compliant: true,
    violations: [],
    monthlyCost: 12.5,
    ...overrides,
  };
}

function resourceRows(count: number, overrides: (i: number) => Partial<ScanResourceRow> = () => ({})): ScanResourceRow[] {
  return Array.from({ length: count }, (_, i) => aResourceRow(overrides(i)));
}

function aPolicyDocument(version = next()) {
  return {
    version,
    required_tags: [{ name: 'Owner', allowed_values: null, applies_to: ['ec2:instance'] }],
    optional_tags: [],
  };
}

function anAuditEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    actor: 'alice@example.com',
    sessionId: `session-${next()}`,
    tool: 'check_tag_compliance',
    params: { resource_types: ['ec2:instance'], token: '[redacted]' },
    outcome: 'ok',
    durationMs: 42,
    correlationId: `corr-${next()}`,
    error: null,
    ...overrides,
  };
}

const violation = (tag: string) => ({ kind: 'missing_tag', tag });

/** A Db that counts statements sent outside transactions, to check round trips. */
function countingDb(db: Db): { db: Db; statements: () => number } {
  let statements = 0;
  return {
    statements: () => statements,
    db: {
      kind: db.kind,
      query: (sql, params) => { statements++; return db.query(sql, params); },
      exec: (sql) => { statements++; return db.exec(sql); },
      copyFrom: (target, rows) => { statements++; return db.copyFrom(target, rows); },
      transaction: (fn) => db.transaction(fn),
      close: () => db.close(),
    },
  };
}

// ---- backends ------------------------------------------------------------------------------

interface Backend {
  kind: Db['kind'];
  /** Provisions an empty database; `open` may be called more than once (close/reopen). */
  provision(): Promise<{ open(): Promise<Db>; release(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    kind: 'postgres',
    async provision() {
      const database = await createTestDatabase();
      return { open: () => openDb({ databaseUrl: database.url, poolMax: 4 }), release: () => database.drop() };
    },
  },
  {
    kind: 'pglite',
    async provision() {
      const dir = await createTestPglite();
      return { open: () => openDb({ dataDir: dir.dataDir }), release: () => dir.cleanup() };
    },
  },
];

describe.each(backends)('store on $kind', (backend) => {
  let provisioned: Awaited<ReturnType<Backend['provision']>>;
  let db: Db;
  let store: Store;
  let firstRun: { applied: string[] };

  beforeAll(async () => {
    provisioned = await backend.provision();
    db = await provisioned.open();
    firstRun = await migrate(db);
    store = createStore(db);
  });

  afterAll(async () => {
    await db?.close();
    await provisioned?.release();
  });

  describe('database', () => {
    it('opens the requested backend and answers ping', async () => {
      expect(db.kind).toBe(backend.kind);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('returns int8 and numeric as JS numbers', async () => {
      const [row] = await db.query<{ n: unknown; big: unknown; cost: unknown }>(
        'select count(*) as n, 9007199254740991::bigint as big, 12.34::numeric as cost from (values (1), (2)) v(x)');
      expect(row).toEqual({ n: 2, big: Number.MAX_SAFE_INTEGER, cost: 12.34 });
    });

    it('rolls back a transaction whose callback throws', async () => {
      const tool = `rollback-${next()}`;
      const failing = db.transaction(async (tx) => {
        await createStore(tx).recordAudit(anAuditEntry({ tool }));
        throw new Error('boom');
      });
      await expect(failing).rejects.toThrow('boom');
      expect(await auditRowsFor(tool)).toBe(0);
    });

    it('keeps other callers\' statements out of an open transaction', async () => {
      const inTx = `in-tx-${next()}`;
      const outside = `outside-${next()}`;
      let wrote!: () => void;
      const txWrote = new Promise<void>((resolve) => { wrote = resolve; });
      const failing = db.transaction(async (tx) => {
        await createStore(tx).recordAudit(anAuditEntry({ tool: inTx }));
        wrote();
        await sleep(50);
        throw new Error('roll back');
      });
      await txWrote;
      const concurrent = store.recordAudit(anAuditEntry({ tool: outside }));
      await expect(failing).rejects.toThrow('roll back');
      await concurrent;
      expect(await auditRowsFor(inTx)).toBe(0);
      expect(await auditRowsFor(outside)).toBe(1);
    });

    it('nests transactions with savepoints', async () => {
      const outer = `outer-${next()}`;
      const inner = `inner-${next()}`;
      await db.transaction(async (tx) => {
        await createStore(tx).recordAudit(anAuditEntry({ tool: outer }));
        await expect(tx.transaction(async (nested) => {
          await createStore(nested).recordAudit(anAuditEntry({ tool: inner }));
          throw new Error('inner fails');
        })).rejects.toThrow('inner fails');
      });
      expect(await auditRowsFor(outer)).toBe(1);
      expect(await auditRowsFor(inner)).toBe(0);
    });

    it('refuses a transaction handle used after its transaction ended', async () => {
      const escaped = await db.transaction(async (tx) => tx);
      await expect(escaped.query('select 1')).rejects.toThrow(/after its transaction ended/);
    });

    it.runIf(backend.kind === 'pglite')('throws instead of deadlocking when the outer Db is used inside a transaction', async () => {
      const attempt = db.transaction(async () => db.query('select 1'));
      await expect(attempt).rejects.toThrow(/use the transaction handle/);
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });

  describe('migrations', () => {
    it('apply every migration to an empty database', async () => {
      const versions = (await loadMigrations()).map((m) => m.version);
      expect(versions).toContain('0001_init');
      expect(firstRun.applied).toEqual(versions);
      const tables = await db.query<{ table_name: string }>(
        `select table_name from information_schema.tables where table_schema = 'public' order by table_name`);
      expect(tables.map((t) => t.table_name)).toEqual(['audit_log', 'call_guard_counts', 'cost_explorer_cache', 'dashboard_sessions', 'policy_sync_state', 'policy_versions', 'principal_quota_counts', 'scan_failures', 'scan_notifications', 'scan_resources', 'scans', 'schema_migrations']);
    });

    it('re-apply as a no-op', async () => {
      const before = await db.query('select version, checksum, applied_at from schema_migrations order by version');
      expect(await migrate(db)).toEqual({ applied: [] });
      expect(await db.query('select version, checksum, applied_at from schema_migrations order by version')).toEqual(before);
    });

    it('fail loudly when an applied migration was changed', async () => {
      const [row] = await db.query<{ checksum: string }>(`select checksum from schema_migrations where version = '0001_init'`);
      await db.query(`update schema_migrations set checksum = 'edited' where version = '0001_init'`);
      try {
        const result = migrate(db);
        await expect(result).rejects.toBeInstanceOf(MigrationChecksumError);
        await expect(result).rejects.toThrow(/0001_init was changed after it was applied/);
      } finally {
        await db.query(`update schema_migrations set checksum = $1 where version = '0001_init'`, [row!.checksum]);
      }
      expect(await migrate(db)).toEqual({ applied: [] });
    });

    it.runIf(backend.kind === 'postgres')('run concurrently from several processes without failing', async () => {
      const fresh = await backend.provision();
      const dbs = await Promise.all([fresh.open(), fresh.open(), fresh.open()]);
      try {
        const results = await Promise.all(dbs.map((each) => migrate(each)));
        const versions = (await loadMigrations()).map((m) => m.version);
        expect(results.flatMap((r) => r.applied).sort()).toEqual(versions);
        const [count] = await dbs[0]!.query<{ n: number }>('select count(*) as n from schema_migrations');
        expect(count?.n).toBe(versions.length);
      } finally {
        await Promise.all(dbs.map((each) => each.close()));
        await fresh.release();
      }
    });
  });

  describe('policy versions', () => {
    it('are idempotent on the hash of the canonical JSON', async () => {
      const tag = next();
      const first = await store.savePolicyVersion({ source: 'file:policies/a.json', document: { b: 1, a: { d: 2, c: tag } } });
      const again = await store.savePolicyVersion({ source: 'inline', document: { a: { c: tag, d: 2 }, b: 1 } });
      expect(again).toEqual(first);
      expect(first.source).toBe('file:policies/a.json');
      expect(first.hash).toBe(createHash('sha256').update(`{"a":{"c":"${tag}","d":2},"b":1}`).digest('hex'));
      expect(typeof first.id).toBe('number');
    });

    it('give a changed document a new version that becomes the latest', async () => {
      const older = await store.savePolicyVersion({ source: 'inline', document: aPolicyDocument() });
      const document = aPolicyDocument();
      const newer = await store.savePolicyVersion({ source: 'aws-organizations:p-123', document });
      expect(newer.id).toBeGreaterThan(older.id);
      expect(newer.hash).not.toBe(older.hash);
      expect(await store.latestPolicyVersion()).toEqual(newer);
      expect(await store.getPolicyVersion(newer.id)).toMatchObject({ source: 'aws-organizations:p-123', document });
      expect(await store.getPolicyVersion(older.id)).toEqual(older);
      expect(await store.getPolicyVersion(2_000_000_000)).toBeUndefined();
    });

    it('return one version to concurrent savers of the same document', async () => {
      const document = aPolicyDocument();
      const saved = await Promise.all(Array.from({ length: 5 }, () => store.savePolicyVersion({ source: 'inline', document })));
      expect(new Set(saved.map((v) => v.id)).size).toBe(1);
    });
  });

  describe('scans', () => {
    it('go from running to completed with totals and data quality', async () => {
      const policy = await store.savePolicyVersion({ source: 'inline', document: aPolicyDocument() });
      const input = aScan({ policyVersionId: policy.id, trigger: 'scheduled', storeSnapshot: true });
      const created = await store.createScan(input);
      expect(created).toMatchObject({
        id: input.id, workflowId: input.workflowId, trigger: 'scheduled', scope: input.scope, scopeHash: input.scopeHash,
        policyVersionId: policy.id, status: 'running', finishedAt: null, totals: null, storeSnapshot: true, dataQuality: null,
      });
      expect(Date.parse(created.startedAt)).not.toBeNaN();

      const totals = someTotals({ total: 3, compliant: 2, byResourceType: { 'ec2:instance': { total: 3, compliant: 2 } } });
      const dataQuality = { status: 'partial' as const, missing: [{ account: '111111111111', region: 'eu-west-1', errorType: 'AccessDenied', reason: 'not authorized' }] };
      const { changed, scan } = await store.completeScan(input.id, { status: 'completed', totals, dataQuality });
      expect(changed).toBe(true);
      expect(scan).toMatchObject({ status: 'completed', totals, dataQuality, startedAt: created.startedAt });
      expect(Date.parse(scan!.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(created.startedAt));
      expect(await store.getScan(input.id)).toEqual(scan);
    });

    it('are created idempotently on id', async () => {
      const input = aScan();
      const first = await store.createScan(input);
      const retried = await store.createScan({ ...input, workflowId: 'another-run', storeSnapshot: true });
      expect(retried).toEqual(first);
      const concurrent = aScan();
      const all = await Promise.all(Array.from({ length: 4 }, () => store.createScan(concurrent)));
      expect(all.every((s) => s.startedAt === all[0]!.startedAt && s.id === concurrent.id)).toBe(true);
      expect(await store.getScan('no-such-scan')).toBeUndefined();
    });

    it('complete once: a retry changes nothing and a cancelled scan is not resurrected', async () => {
      const done = aScan();
      await store.createScan(done);
      const first = await store.completeScan(done.id, { status: 'completed', totals: someTotals({ total: 1 }), dataQuality: { status: 'complete', missing: [] } });
      const retry = await store.completeScan(done.id, { status: 'failed', totals: someTotals({ total: 99 }), dataQuality: { status: 'partial', missing: [{ account: '111111111111', errorType: 'AccessDenied', reason: 'x' }] } });
      expect(retry).toEqual({ changed: false, scan: first.scan });

      const cancelled = aScan();
      await store.createScan(cancelled);
      const cancel = await store.completeScan(cancelled.id, { status: 'cancelled', totals: someTotals(), dataQuality: { status: 'partial', missing: [] } });
      expect(cancel.changed).toBe(true);
      const late = await store.completeScan(cancelled.id, { status: 'completed', totals: someTotals({ total: 5 }), dataQuality: { status: 'complete', missing: [] } });
      expect(late.changed).toBe(false);
      expect(late.scan).toMatchObject({ status: 'cancelled', totals: {}, finishedAt: cancel.scan!.finishedAt });

      expect(await store.completeScan('no-such-scan', { status: 'failed', totals: someTotals(), dataQuality: { status: 'partial', missing: [] } }))
        .toEqual({ changed: false, scan: undefined });
    });

    it('serve the latest completed scan of a scope within a maximum age', async () => {
      const scopeHash = `scope-${next()}`;
      const complete = (id: string) => store.completeScan(id, { status: 'completed', totals: someTotals(), dataQuality: { status: 'complete', missing: [] } });
      const older = await store.createScan(aScan({ scopeHash }));
      await complete(older.id);
      const newer = await store.createScan(aScan({ scopeHash }));
      await complete(newer.id);
      const failed = await store.createScan(aScan({ scopeHash }));
      await store.completeScan(failed.id, { status: 'failed', totals: someTotals(), dataQuality: { status: 'partial', missing: [] } });
      await store.createScan(aScan({ scopeHash })); // still running

      expect((await store.latestCompletedScan(scopeHash, { maxAgeSeconds: 3600 }))?.id).toBe(newer.id);
      await db.query(`update scans set finished_at = finished_at - interval '2 hours' where scope_hash = $1`, [scopeHash]);
      expect(await store.latestCompletedScan(scopeHash, { maxAgeSeconds: 3600 })).toBeUndefined();
      expect((await store.latestCompletedScan(scopeHash, { maxAgeSeconds: 3 * 3600 }))?.id).toBe(newer.id);
      expect((await store.latestCompletedScan(scopeHash))?.id).toBe(newer.id);
      expect(await store.latestCompletedScan(`scope-${next()}`)).toBeUndefined();
    });

    it('list snapshots apart from ad-hoc scans, newest first', async () => {
      const [{ now }] = await db.query<{ now: Date }>('select now() as now') as [{ now: Date }];
      const completeIt = (id: string) => store.completeScan(id, { status: 'completed', totals: someTotals(), dataQuality: { status: 'complete', missing: [] } });
      const snapshotA = await store.createScan(aScan({ storeSnapshot: true, trigger: 'scheduled' }));
      await completeIt(snapshotA.id);
      const snapshotB = await store.createScan(aScan({ storeSnapshot: true, trigger: 'scheduled' }));
      await completeIt(snapshotB.id);
      const adhoc = await store.createScan(aScan());
      await completeIt(adhoc.id);
      const running = await store.createScan(aScan({ storeSnapshot: true }));
      const ours = new Set([snapshotA.id, snapshotB.id, adhoc.id, running.id]);

      const snapshots = (await store.listScans({ limit: 100, snapshotsOnly: true, since: now })).filter((s) => ours.has(s.id));
      expect(snapshots.map((s) => s.id)).toEqual([snapshotB.id, snapshotA.id]);
      const all = (await store.listScans({ limit: 100, since: now })).filter((s) => ours.has(s.id));
      expect(all.map((s) => s.id).sort()).toEqual([...ours].sort());
      expect(await store.listScans({ limit: 100, since: new Date(Date.now() + 3_600_000) })).toEqual([]);
      expect(await store.listScans({ limit: 2 })).toHaveLength(2);
    });
  });

  describe('scan resources', () => {
    async function aRunningScan(): Promise<string> {
      return (await store.createScan(aScan())).id;
    }

    it('round-trip every field', async () => {
      const scanId = await aRunningScan();
      const row = aResourceRow({ compliant: false, violations: [violation('Owner')], monthlyCost: 12.34, tags: { Env: 'prod' } });
      const bare = aResourceRow({ name: null, state: null, createdAt: null, monthlyCost: null, tags: {} });
      await store.upsertScanResources(scanId, [row, bare]);
      const records = await store.listScanResources(scanId, { limit: 10 });
      expect(records).toContainEqual({ scanId, ...row });
      expect(records).toContainEqual({ scanId, ...bare });
    });

    it('upserting the same page twice keeps the count and updates changed values', async () => {
      const scanId = await aRunningScan();
      const page = resourceRows(10);
      expect(await store.upsertScanResources(scanId, page)).toBe(10);
      expect(await store.upsertScanResources(scanId, page)).toBe(0);
      expect(await store.countScanResources(scanId)).toBe(10);

      const changed = page.map((row, i) => (i < 3 ? { ...row, compliant: false, tags: {}, violations: [violation('Owner')], monthlyCost: 99.5 } : row));
      expect(await store.upsertScanResources(scanId, changed)).toBe(3);
      expect(await store.countScanResources(scanId)).toBe(10);
      const nonCompliant = await store.listScanResources(scanId, { compliant: false, limit: 100 });
      expect(nonCompliant.map((r) => r.resourceId).sort()).toEqual(page.slice(0, 3).map((r) => r.resourceId).sort());
      expect(nonCompliant.every((r) => r.monthlyCost === 99.5 && r.violations.length === 1)).toBe(true);
    });

    it('keep the last row when one batch lists a resource twice', async () => {
      const scanId = await aRunningScan();
      const row = aResourceRow();
      expect(await store.upsertScanResources(scanId, [row, { ...row, state: 'stopped' }])).toBe(1);
      expect((await store.listScanResources(scanId, { limit: 10 })).map((r) => r.state)).toEqual(['stopped']);
    });

    it('keep tabs, line breaks, backslashes, quotes and non-ASCII text exactly as given', async () => {
      const scanId = await aRunningScan();
      const awkward = 'a\tb\nc\r\\d "e" \\N é 日本 \u{1F600}';
      const row = aResourceRow({
        name: awkward, state: '\\N', tags: { [`k${awkward}`]: awkward, Empty: '' },
        violations: [{ kind: 'invalid_value', tag: awkward, message: `value "${awkward}" is not allowed` }], monthlyCost: 12.25,
      });
      expect(await store.upsertScanResources(scanId, [row])).toBe(1);
      const [stored] = await store.listScanResources(scanId, { limit: 1 });
      expect(stored).toMatchObject({ name: awkward, state: '\\N', tags: row.tags, violations: row.violations, monthlyCost: 12.25 });
    });

    it('merge a retried batch that overlaps stored rows: new and changed rows are written, the rest left alone', async () => {
      const scanId = await aRunningScan();
      const rows = resourceRows(10);
      expect(await store.upsertScanResources(scanId, rows)).toBe(10);
      const retry = [...rows.slice(5, 8).map((r) => ({ ...r, compliant: false })), ...rows.slice(8), ...resourceRows(5)];
      expect(await store.upsertScanResources(scanId, retry)).toBe(3 + 5);
      expect(await store.countScanResources(scanId)).toBe(15);
      expect(await store.countScanResources(scanId, { compliant: false })).toBe(3);
    });

    it('write pages encoded ahead of time, as a shard buffers them', async () => {
      const scanId = await aRunningScan();
      const pages = [resourceRows(3), resourceRows(4)];
      const encoded = pages.map((page) => encodeScanResourceRows(scanId, page)).join('');
      expect(await store.writeScanResources(encoded)).toBe(7);
      expect(await store.writeScanResources(encoded)).toBe(0);
      expect(await store.writeScanResources('')).toBe(0);
      expect(await store.countScanResources(scanId)).toBe(7);
    });

    it('write 1,000 rows in one statement', async () => {
      const scanId = await aRunningScan();
      const counting = countingDb(db);
      const written = await createStore(counting.db).upsertScanResources(scanId, resourceRows(1000));
      expect(written).toBe(1000);
      expect(counting.statements()).toBe(1);
      expect(await store.countScanResources(scanId)).toBe(1000);
    });

    it('write a large batch all or nothing', async () => {
      const scanId = await aRunningScan();
      const rows = resourceRows(1500);
      const poisoned = [...rows.slice(0, 1200), { ...rows[1200]!, cloud: 'oracle' as never }, ...rows.slice(1201)];
      await expect(store.upsertScanResources(scanId, poisoned)).rejects.toThrow();
      expect(await store.countScanResources(scanId)).toBe(0); // the 1,200 valid rows before it were not kept
      expect(await store.upsertScanResources(scanId, rows)).toBe(1500);
      expect(await store.countScanResources(scanId)).toBe(1500);
    });

    it('are refused for a scan that does not exist', async () => {
      await expect(store.upsertScanResources(`missing-${next()}`, resourceRows(1))).rejects.toThrow(/foreign key/);
    });

    it('page by resource id, returning every row exactly once', async () => {
      const scanId = await aRunningScan();
      const suffixes = ['b', 'A', 'a', 'Z', '0', '~', '_', 'é'];
      const rows = resourceRows(25, (i) => ({
        resourceId: `arn:aws:s3:::bucket-${suffixes[i % suffixes.length]}-${String(i).padStart(2, '0')}`,
        resourceType: 's3:bucket',
        compliant: i % 3 !== 0,
      }));
      await store.upsertScanResources(scanId, [...rows].reverse());

      const collect = async (compliant?: boolean) => {
        const pages: string[][] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.listScanResources(scanId, { limit: 7, after, compliant });
          if (page.length === 0) break;
          pages.push(page.map((r) => r.resourceId));
          after = page.at(-1)!.resourceId;
        }
        return pages;
      };
      const byteOrder = (ids: string[]) => [...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

      const pages = await collect();
      expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 4]);
      expect(pages.flat()).toEqual(byteOrder(rows.map((r) => r.resourceId)));
      const violating = (await collect(false)).flat();
      expect(violating).toEqual(byteOrder(rows.filter((r) => !r.compliant).map((r) => r.resourceId)));
      expect(await store.countScanResources(scanId, { compliant: false })).toBe(violating.length);
      await expect(store.listScanResources(scanId, { limit: 0 })).rejects.toThrow(RangeError);
    });

    it('add up by SQL to what was inserted', async () => {
      const scanId = await aRunningScan();
      const plan: [string, boolean, number][] = [['ec2:instance', true, 2], ['ec2:instance', false, 1], ['s3:bucket', true, 1], ['s3:bucket', false, 3], ['lambda:function', false, 1]];
      const rows = plan.flatMap(([resourceType, compliant, n]) => resourceRows(n, (i) => ({
        resourceType, compliant, account: i % 2 ? '111111111111' : '123456789012', region: i % 3 ? 'eu-west-1' : 'us-east-1',
      })));
      await store.upsertScanResources(scanId, rows);

      const tally = (key: (row: ScanResourceRow) => string) => {
        const out: Record<string, { total: number; compliant: number }> = {};
        for (const row of rows) {
          const entry = (out[key(row)] ??= { total: 0, compliant: 0 });
          entry.total++;
          if (row.compliant) entry.compliant++;
        }
        return out;
      };
      const expected = tally((r) => r.resourceType);
      expect(await store.scanTotals(scanId)).toEqual({
        total: 8, compliant: 3, nonCompliant: 5, byResourceType: expected,
        byAccount: tally((r) => r.account), byRegion: tally((r) => r.region), byCloud: tally((r) => r.cloud),
      });
      expect(expected).toEqual({ 'ec2:instance': { total: 3, compliant: 2 }, 's3:bucket': { total: 4, compliant: 1 }, 'lambda:function': { total: 1, compliant: 0 } });
      expect(Object.keys(tally((r) => r.account))).toHaveLength(2);
      expect(await store.countScanResources(scanId)).toBe(8);
      expect(await store.scanTotals(await aRunningScan())).toEqual({ total: 0, compliant: 0, nonCompliant: 0, byResourceType: {}, byAccount: {}, byRegion: {}, byCloud: {} });
    });

    it('record scan failures once per target, keeping the first reason', async () => {
      const scanId = await aRunningScan();
      const denied = { account: '222222222222', errorType: 'AccessDenied', reason: 'AssumeRole denied' };
      const region = { account: '111111111111', region: 'eu-west-1', resourceType: 'ec2:volume', errorType: 'RegionNotEnabled', reason: 'opted out' };
      await store.recordScanFailures(scanId, [denied, region]);
      await store.recordScanFailures(scanId, [{ ...denied, reason: 'retried' }]);
      expect(await store.listScanFailures(scanId)).toEqual([region, denied]);
    });

    it('are deleted with their scan', async () => {
      const scanId = await aRunningScan();
      await store.upsertScanResources(scanId, resourceRows(3));
      await db.query('delete from scans where id = $1', [scanId]);
      expect(await store.countScanResources(scanId)).toBe(0);
    });
  });

  describe('audit log', () => {
    it('round-trips entries, newest first', async () => {
      const entries = [
        anAuditEntry(),
        anAuditEntry({ actor: null, params: undefined, durationMs: null }),
        anAuditEntry({ tool: 'get_tagging_policy', outcome: 'error', error: 'policy file missing' }),
      ];
      const recorded = [];
      for (const entry of entries) recorded.push(await store.recordAudit(entry));
      const listed = await store.listAudit({ limit: 3 });
      expect(listed).toEqual([...recorded].reverse());
      expect(listed.map(({ id: _id, at: _at, ...rest }) => rest)).toEqual([
        entries[2],
        { ...entries[1], params: null },
        entries[0],
      ]);
      expect(listed.every((r) => typeof r.id === 'number' && !Number.isNaN(Date.parse(r.at)))).toBe(true);
    });
  });

  it.runIf(backend.kind === 'pglite')('keeps data across close and reopen of the same data directory', async () => {
    const policy = await store.savePolicyVersion({ source: 'inline', document: aPolicyDocument() });
    const scan = await store.createScan(aScan({ policyVersionId: policy.id }));
    await store.upsertScanResources(scan.id, resourceRows(5));
    await db.close();
    await expect(db.query('select 1')).rejects.toThrow(/closed/);

    db = await provisioned.open();
    store = createStore(db);
    expect(await migrate(db)).toEqual({ applied: [] });
    expect(await store.getScan(scan.id)).toEqual(scan);
    expect(await store.getPolicyVersion(policy.id)).toEqual(policy);
    expect(await store.countScanResources(scan.id)).toBe(5);
  });

  async function auditRowsFor(tool: string): Promise<number> {
    const [row] = await db.query<{ n: number }>('select count(*) as n from audit_log where tool = $1', [tool]);
    return row!.n;
  }
});
