// The gateway's memo of cached-result reads over a real store: how long "the newest completed scan
// of a scope" is reused, when a newer scan shows, and which violation pages are kept.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MEMO_MS, ScanMemo } from '../../mcp-gateway/scans/memo.js';
import { openDb, type Db } from '../../store/db.js';
import { migrate } from '../../store/migrate.js';
import { createStore, type ScanRecord, type Store } from '../../store/index.js';
import { createTestPglite, type TestPglite } from '../support/databases.js';

const TTL_SECONDS = 3600;
let serial = 0;

describe('ScanMemo', () => {
  let dir: TestPglite;
  let db: Db;
  let store: Store;
  let clock: number;
  let lookups: number;
  let memo: ScanMemo;
  let scope: string;

  beforeAll(async () => {
    dir = await createTestPglite();
    db = await openDb({ dataDir: dir.dataDir });
    await migrate(db);
    store = createStore(db);
  });

  afterAll(async () => {
    await db?.close();
    await dir?.cleanup();
  });

  beforeEach(() => {
    clock = Date.now();
    lookups = 0;
    scope = `scope-${++serial}`;
    const counted: Pick<Store, 'latestCompletedScan'> = {
      latestCompletedScan: (hash, opts) => { lookups++; return store.latestCompletedScan(hash, opts); },
    };
    memo = new ScanMemo(counted, { cacheTtlSeconds: TTL_SECONDS, now: () => clock });
  });

  async function aCompletedScan(scopeHash = scope): Promise<ScanRecord> {
    const id = `scan-memo-${++serial}`;
    await store.createScan({ id, workflowId: id, trigger: 'adhoc', scope: { clouds: ['aws'], resourceTypes: ['all'] }, scopeHash, storeSnapshot: false });
    const { scan } = await store.completeScan(id, { status: 'completed', totals: { total: 0, compliant: 0, nonCompliant: 0, score: 0, byResourceType: {} }, dataQuality: { status: 'complete', missing: [] } });
    return scan!;
  }

  it('reuses the newest scan for MEMO_MS, then reads again and finds a newer one', async () => {
    const older = await aCompletedScan();
    const first = await Promise.all([memo.latest(scope), memo.latest(scope)]);
    expect(first.map((s) => s?.id)).toEqual([older.id, older.id]);
    expect(lookups).toBe(1); // concurrent callers share one query

    await aCompletedScan();
    clock += MEMO_MS / 2 - 1;
    expect((await memo.latest(scope))?.id).toBe(older.id); // the documented window
    expect(lookups).toBe(1);

    // Nobody asks again during the rest of its life: at MEMO_MS it has expired, and the next call reads.
    clock += MEMO_MS / 2 + 1;
    const newest = await aCompletedScan();
    expect((await memo.latest(scope))?.id).toBe(newest.id);
    expect(lookups).toBe(2);
  });

  /**
   * A memo whose reads query at once but answer only at settle(), so a read in flight can be watched
   * (and can land after the database has changed), counting lookups.
   */
  function gatedMemo(failing = () => false) {
    let waiting: Array<() => void> = [];
    const gated: Pick<Store, 'latestCompletedScan'> = {
      latestCompletedScan: async (hash, opts) => {
        lookups++;
        const found = await store.latestCompletedScan(hash, opts);
        await new Promise<void>((resolve) => waiting.push(resolve));
        if (failing()) throw new Error('db down');
        return found;
      },
    };
    const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
    const settle = async () => {
      await tick(); // the queries in flight have run
      for (const go of waiting) go();
      waiting = [];
      await tick();
    };
    return { memo: new ScanMemo(gated, { cacheTtlSeconds: TTL_SECONDS, now: () => clock }), settle };
  }

  it('past half its life, refreshes in the background: callers get the kept scan until the new read lands', async () => {
    const { memo: m, settle } = gatedMemo();
    const older = await aCompletedScan();
    const first = m.latest(scope);
    await settle();
    expect((await first)?.id).toBe(older.id);

    const newer = await aCompletedScan();
    clock += MEMO_MS / 2;
    // Answered from the memo while the refresh waits: none of these waits for settle().
    const during = await Promise.all([m.latest(scope), m.latest(scope), m.latest(scope)]);
    expect(during.map((s) => s?.id)).toEqual([older.id, older.id, older.id]);
    expect(lookups).toBe(2); // one refresh in flight for all three

    await settle();
    expect((await m.latest(scope))?.id).toBe(newer.id); // the refresh landed
    expect(lookups).toBe(2);
    // The refreshed entry lives MEMO_MS from its read: not refreshed again before half of that.
    clock += MEMO_MS / 2 - 1;
    await m.latest(scope);
    expect(lookups).toBe(2);
  });

  it('drops a refresh that lands after forget, and keeps the entry while a refresh fails', async () => {
    let failing = false;
    const { memo: m, settle } = gatedMemo(() => failing);
    await aCompletedScan();
    const first = m.latest(scope);
    await settle();
    await first;

    clock += MEMO_MS / 2;
    await m.latest(scope); // starts a refresh, which reads before the newer scan below completes...
    await new Promise((resolve) => setTimeout(resolve, 20)); // (its query has run)
    const newer = await aCompletedScan();
    m.forget(newer.scopeHash); // ...and lands after this gateway saw that scan complete and forgot the scope
    const after = m.latest(scope);
    await settle();
    expect((await after)?.id).toBe(newer.id);
    const newest = await aCompletedScan();
    expect((await m.latest(scope))?.id).toBe(newer.id); // the stale refresh, landing last, did not replace it
    expect(lookups).toBe(3);

    clock += MEMO_MS / 2;
    failing = true;
    expect((await m.latest(scope))?.id).toBe(newer.id); // kept while its refresh fails
    await settle();
    expect(lookups).toBe(4);
    failing = false;
    expect((await m.latest(scope))?.id).toBe(newer.id); // still kept; a new refresh starts
    await settle();
    expect((await m.latest(scope))?.id).toBe(newest.id);
    expect(lookups).toBe(5);
  });

  it('shows a newer scan at once after forget (a scan this gateway saw complete)', async () => {
    await aCompletedScan();
    await memo.latest(scope);
    const newer = await aCompletedScan();
    memo.forget(newer.scopeHash);
    expect((await memo.latest(scope))?.id).toBe(newer.id);
    expect(lookups).toBe(2);
  });

  it('does not keep "no scan": the first scan to complete shows at once', async () => {
    expect(await memo.latest(scope)).toBeUndefined();
    const scan = await aCompletedScan();
    expect((await memo.latest(scope))?.id).toBe(scan.id);
    expect(lookups).toBe(2);
  });

  it('reads again rather than serve a kept scan that has aged past the cache TTL', async () => {
    const scan = await aCompletedScan();
    await db.query('update scans set finished_at = now() - make_interval(secs => $2) where id = $1', [scan.id, TTL_SECONDS - 1]);
    expect((await memo.latest(scope))?.id).toBe(scan.id);
    clock += 1500; // the entry is still alive (MEMO_MS), but the scan it holds is now older than the TTL
    expect((await memo.latest(scope))?.id).toBe(scan.id); // the database, on its own clock, still serves it
    expect(lookups).toBe(2);
  });

  it('is off when the cache TTL is 0', async () => {
    const off = new ScanMemo({ latestCompletedScan: async () => { lookups++; return undefined; } }, { cacheTtlSeconds: 0, now: () => clock });
    await off.latest(scope);
    await off.latest(scope);
    expect(lookups).toBe(2);
  });

  describe('violation pages', () => {
    const aPage = (n: number) => ({ violations: Array.from({ length: n }, (_, i) => ({ i })), next_cursor: null });

    it('keeps a completed scan\'s page for MEMO_MS, per scan, severity, limit and cursor', async () => {
      const scan = await aCompletedScan();
      let reads = 0;
      const read = async () => { reads++; return aPage(3); };
      const key = { severity: 'all', limit: 50 };
      const first = await memo.page(scan, key, read);
      expect(await memo.page(scan, key, read)).toBe(first);
      await memo.page(scan, { ...key, limit: 10 }, read);
      await memo.page(scan, { ...key, cursor: 'abc' }, read);
      await memo.page(scan, { ...key, severity: 'errors_only' }, read);
      await memo.page(await aCompletedScan(), key, read);
      expect(reads).toBe(5);
      clock += MEMO_MS;
      expect(await memo.page(scan, key, read)).not.toBe(first);
      expect(reads).toBe(6);
    });

    it('never keeps pages of a scan that is not completed, nor a failed read', async () => {
      const running = { ...(await aCompletedScan()), status: 'running' as const };
      let reads = 0;
      await memo.page(running, { severity: 'all', limit: 50 }, async () => { reads++; return aPage(1); });
      await memo.page(running, { severity: 'all', limit: 50 }, async () => { reads++; return aPage(1); });
      expect(reads).toBe(2);

      const scan = await aCompletedScan();
      await expect(memo.page(scan, { severity: 'all', limit: 50 }, async () => { throw new Error('db down'); })).rejects.toThrow('db down');
      await expect(memo.page(scan, { severity: 'all', limit: 50 }, async () => aPage(2))).resolves.toMatchObject({ violations: [{ i: 0 }, { i: 1 }] });
    });

    it('evicts the oldest pages beyond maxPagedViolations', async () => {
      const small = new ScanMemo(store, { cacheTtlSeconds: TTL_SECONDS, maxPagedViolations: 10, now: () => clock });
      const scan = await aCompletedScan();
      let reads = 0;
      const read = async () => { reads++; return aPage(4); };
      for (const limit of [1, 2, 3]) await small.page(scan, { severity: 'all', limit }, read); // 12 > 10: limit 1 goes
      await small.page(scan, { severity: 'all', limit: 3 }, read);
      await small.page(scan, { severity: 'all', limit: 2 }, read);
      expect(reads).toBe(3);
      await small.page(scan, { severity: 'all', limit: 1 }, read);
      expect(reads).toBe(4);
    });
  });
});
