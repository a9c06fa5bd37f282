// A stored history for dashboard tests: daily snapshots over two clouds with improving scores, and
// a latest snapshot with real resource rows (so breakdowns, violations and suggested fixes exist),
// one of them carrying an XSS attempt in a tag value.
import { complianceScore } from '../../core/compliance/index.js';
import type { ScanResourceRow } from '../../core/scan.js';
import type { Db, Store } from '../../store/index.js';

export const XSS_VALUE = '<script>alert("xss")</script>';
export const ACCOUNTS = ['111111111111', '222222222222'];
const DAY_MS = 86_400_000;

const missing = (tag: string) => ({ kind: 'missing_required_tag', tag, severity: 'error', message: `Required tag "${tag}" is missing.` });

/** 60 resources: AWS in two accounts and regions, plus Azure; mostly i % 4 picks compliant / untagged / bad value / key case. */
export function latestRows(): ScanResourceRow[] {
  const rows: ScanResourceRow[] = [];
  for (let i = 0; i < 60; i++) {
    const azure = i % 6 === 5;
    const type = azure ? 'azure:compute/virtualmachines' : i % 2 === 0 ? 'ec2:instance' : 's3:bucket';
    const account = azure ? '0f0f0f0f-0000-4000-8000-000000000001' : ACCOUNTS[i % 3 === 0 ? 1 : 0]!;
    const region = azure ? 'westeurope' : i % 5 === 0 ? 'eu-west-1' : 'us-east-1';
    const base = {
      resourceId: azure ? `/subscriptions/${account}/vm-${String(i).padStart(3, '0')}` : `arn:aws:${type.split(':')[0]}:${region}:${account}:r-${String(i).padStart(3, '0')}`,
      cloud: (azure ? 'azure' : 'aws') as 'aws' | 'azure', account, region, resourceType: type, name: `res-${i}`, state: 'running',
    };
    // Each account has one owning team, which the suggestion model can learn.
    const owner = azure ? 'cloud-ops@x.com' : account === ACCOUNTS[0] ? 'platform@x.com' : 'data@x.com';
    // The second account tags better than the first: its would-be untagged resources are compliant.
    const kind = i % 4 === 1 && i % 3 === 0 ? 0 : i % 4;
    switch (kind) {
      case 0:
        rows.push({ ...base, tags: { Owner: owner, Environment: 'production' }, compliant: true, violations: [], monthlyCost: 10 });
        break;
      case 1:
        rows.push({ ...base, tags: {}, compliant: false, monthlyCost: 20, violations: [missing('Owner'), missing('Environment')] });
        break;
      case 2:
        rows.push({ ...base, tags: { Owner: owner, Environment: i === 2 ? XSS_VALUE : 'Production' }, compliant: false, monthlyCost: 5,
          violations: [{ kind: 'invalid_value', tag: 'Environment', severity: 'error', value: i === 2 ? XSS_VALUE : 'Production',
            allowed: ['production', 'staging'], ...(i === 2 ? {} : { suggestion: 'production' }),
            message: 'Value of tag "Environment" is not allowed.' }] });
        break;
      default:
        rows.push({ ...base, tags: { owner, Environment: 'staging' }, compliant: true, monthlyCost: 1,
          violations: [{ kind: 'key_case_mismatch', tag: 'Owner', severity: 'warning', foundKey: 'owner', message: 'Tag key "owner" matches "Owner" ignoring case.' }] });
    }
  }
  return rows;
}

export interface SeededHistory {
  /** Oldest first. */
  snapshots: { id: string; workflowId: string; finishedAt: string; total: number; compliant: number }[];
  latest: { id: string; workflowId: string };
}

/**
 * `days` daily snapshots (scheduled, stored), the last one with latestRows(); earlier ones carry
 * totals only (as old snapshots whose rows were pruned would), by cloud, scores rising day by day.
 */
export async function seedHistory(store: Store, db: Db, days = 6): Promise<SeededHistory> {
  const snapshots: SeededHistory['snapshots'] = [];
  const scope = { clouds: ['aws', 'azure'], resourceTypes: ['all'] };
  for (let d = days - 1; d >= 0; d--) {
    const finishedAt = new Date(Date.now() - d * DAY_MS - 3600_000);
    const workflowId = `audit-tag-audit-default-${finishedAt.toISOString().slice(0, 10)}T02:00:00Z`;
    const id = `${workflowId}.run${d}`;
    await store.createScan({ id, workflowId, trigger: 'scheduled', scope: scope as never, scopeHash: 'dashboard-seed', storeSnapshot: true });
    let totals;
    if (d === 0) {
      await store.upsertScanResources(id, latestRows());
      totals = await store.scanTotals(id);
    } else {
      const aws = { total: 50, compliant: 10 + (days - d) * 3 };
      const azure = { total: 10, compliant: 2 + (days - d) };
      totals = { total: 60, compliant: aws.compliant + azure.compliant, nonCompliant: 0, byResourceType: {}, byAccount: {}, byRegion: {}, byCloud: { aws, azure } };
      totals.nonCompliant = totals.total - totals.compliant;
    }
    await store.completeScan(id, {
      status: 'completed', totals: { ...totals, score: complianceScore(totals.compliant, totals.total) }, dataQuality: { status: 'complete', missing: [] },
    });
    await db.query(`update scans set finished_at = $2::timestamptz, started_at = $2::timestamptz - interval '5 minutes' where id = $1`,
      [id, finishedAt.toISOString()]);
    snapshots.push({ id, workflowId, finishedAt: finishedAt.toISOString(), total: totals.total, compliant: totals.compliant });
  }
  const last = snapshots.at(-1)!;
  return { snapshots, latest: { id: last.id, workflowId: last.workflowId } };
}
