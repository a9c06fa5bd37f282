// The dashboard's own store queries on PostgreSQL and PGlite alike: hashed sessions with expiry,
// per-cloud snapshot scores, scans by status, and the filtered, keyset-paged findings table.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, migrate, type Db, type Store } from '../../store/index.js';
import { STORE_BACKENDS } from '../support/databases.js';
import { latestRows, seedHistory, type SeededHistory } from '../support/dashboard-seed.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe.each(STORE_BACKENDS)('dashboard store on $kind', (backend) => {
  let db: Db;
  let store: Store;
  let release: () => Promise<void>;
  let seeded: SeededHistory;

  beforeAll(async () => {
    ({ db, release } = await backend.provision());
    await migrate(db);
    store = createStore(db);
    seeded = await seedHistory(store, db);
  }, 60_000);

  afterAll(async () => {
    await db?.close();
    await release?.();
  });

  it('finds a live session by its hash, never by the id, and forgets expired and deleted ones', async () => {
    await store.createDashboardSession(sha('s1'), 'key:abcd1234', 3600);
    expect(await store.findDashboardSession(sha('s1'))).toMatchObject({ actor: 'key:abcd1234' });
    expect(await store.findDashboardSession('s1')).toBeUndefined();
    await store.createDashboardSession(sha('old'), 'key:abcd1234', 3600);
    await db.query(`update dashboard_sessions set expires_at = now() - interval '1 second' where id_hash = $1`, [sha('old')]);
    expect(await store.findDashboardSession(sha('old'))).toBeUndefined();
    await store.createDashboardSession(sha('s2'), 'key:abcd1234', 3600); // purges expired rows
    expect((await db.query('select id_hash from dashboard_sessions')).map((r) => r.id_hash)).not.toContain(sha('old'));
    await store.deleteDashboardSession(sha('s1'));
    expect(await store.findDashboardSession(sha('s1'))).toBeUndefined();
  });

  it('reads every snapshot\'s totals by cloud, oldest first', async () => {
    const scores = await store.snapshotCloudScores(new Date(Date.now() - 30 * 86_400_000));
    expect(scores.map((s) => s.workflowId)).toEqual(seeded.snapshots.map((s) => s.workflowId));
    for (const s of scores) {
      const sum = Object.values(s.byCloud).reduce((a, b) => a + b.total, 0);
      expect(sum).toBe(seeded.snapshots.find((x) => x.id === s.id)!.total);
      expect(Object.keys(s.byCloud).sort()).toEqual(['aws', 'azure']);
    }
  });

  it('lists scans in a status', async () => {
    await store.createScan({ id: 'running-1.r', workflowId: 'running-1', trigger: 'adhoc', scope: { clouds: ['aws'], resourceTypes: ['all'] } as never, storeSnapshot: false });
    expect((await store.scansInStatus('running', 10)).map((s) => s.workflowId)).toEqual(['running-1']);
    expect(await store.scansInStatus('awaiting_approval', 10)).toEqual([]);
  });

  it('pages the findings of a filter without gaps or repeats, and counts them', async () => {
    const rows = latestRows();
    const expected = rows.flatMap((r) => (r.violations as { tag: string; severity: string }[])
      .filter((v) => r.cloud === 'aws' && v.severity === 'error')
      .map(() => r.resourceId));
    const filter = { cloud: 'aws', severity: 'error' as const };
    expect(await store.countViolationRows(seeded.latest.id, filter)).toBe(expected.length);
    const seen: string[] = [];
    let after;
    for (;;) {
      const page = await store.violationRows(seeded.latest.id, filter, { limit: 7, ...(after ? { after } : {}) });
      seen.push(...page.map((v) => v.resourceId));
      if (page.length < 7) break;
      after = page.at(-1)!;
    }
    expect(seen.sort()).toEqual(expected.sort());
    const envOnly = await store.violationRows(seeded.latest.id, { tag: 'environment', resourceType: 'ec2:*', account: '111111111111' }, { limit: 100 });
    expect(envOnly.length).toBeGreaterThan(0);
    expect(envOnly.every((v) => v.tag === 'Environment' && v.resourceType === 'ec2:instance' && v.account === '111111111111')).toBe(true);
    const fixes = envOnly.filter((v) => v.kind === 'invalid_value');
    expect(fixes.some((v) => v.suggestion === 'production' && v.allowed?.includes('staging'))).toBe(true);
  });
});
