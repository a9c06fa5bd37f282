// Tag drift between two stored snapshots, in SQL over scan_resources: the tags of each resource
// present in both scans are expanded with jsonb_each_text on both sides and full-joined on
// (resource id, key). Pages follow (resource id, key) in byte order; the summary is one aggregate.
import type { DriftChange, DriftSeverity, RequiredKeyMaps } from '../core/drift.js';
import type { Cloud } from '../core/resource.js';
import { isoTimeOrNull, jsonParam, positiveLimit } from './columns.js';
import type { Db } from './db.js';
import { resourceTypePatterns } from './type-patterns.js';

export interface DriftScan {
  id: string;
  workflowId: string;
  status: string;
  finishedAt: string | null;
  scopeHash: string | null;
  policyVersionId: number | null;
  storeSnapshot: boolean;
}

export interface DriftFilter {
  /** Exact `service:kind` types, or `service:*`. */
  resourceTypes?: string[];
  accounts?: string[];
  regions?: string[];
  tagKeys?: string[];
  severities?: DriftSeverity[];
}

export interface DriftQuery extends DriftFilter {
  fromScanId: string;
  toScanId: string;
  required: RequiredKeyMaps;
}

export interface TagDriftRecord {
  resourceId: string;
  cloud: Cloud;
  account: string;
  region: string;
  resourceType: string;
  key: string;
  oldValue: string | null;
  newValue: string | null;
  change: DriftChange;
  severity: DriftSeverity;
}

export interface DriftKeyCount {
  key: string;
  total: number;
  critical: number;
  warning: number;
  info: number;
}

export interface DriftSummary {
  changes: number;
  resourcesChanged: number;
  bySeverity: Record<DriftSeverity, number>;
  byChange: Record<DriftChange, number>;
  /** Keys with the most changes, most first. */
  topKeys: DriftKeyCount[];
  distinctKeys: number;
  /** Resources (matching the type/account/region filters) in only one of the two scans: not compared. */
  resourcesOnlyInFrom: number;
  resourcesOnlyInTo: number;
}

interface ScanRow {
  id: string; workflow_id: string; status: string; finished_at: Date | null; scope_hash: string | null;
  policy_version_id: number | null; store_snapshot: boolean;
}

const SCAN_COLUMNS = 'id, workflow_id, status, finished_at, scope_hash, policy_version_id, store_snapshot';
const MAX_PAGE = 5000;
const TOP_KEYS = 50;

function toScan(row: ScanRow): DriftScan {
  return {
    id: row.id, workflowId: row.workflow_id, status: row.status, finishedAt: isoTimeOrNull(row.finished_at),
    scopeHash: row.scope_hash, policyVersionId: row.policy_version_id, storeSnapshot: row.store_snapshot,
  };
}

// $1 from scan, $2 to scan, $3 type patterns, $4 accounts, $5 regions. `side` is the alias filtered.
const scopeFilter = (side: string) => `($3::text[] is null or ${side}.resource_type like any($3::text[]))
  and ($4::text[] is null or ${side}.account = any($4::text[])) and ($5::text[] is null or ${side}.region = any($5::text[]))`;

// $6 required keys, $7 lowercased required keys, $8 tag keys, $9 severities; $10/$11 the keyset position.
// Resources whose tags are equal as jsonb are skipped before any expansion.
const CHANGES = `
  select p.resource_id, p.cloud, p.account, p.region, p.resource_type, d.key, d.old_value, d.new_value, d.change,
         case when d.change = 'added' then 'info'
              when d.change = 'removed' and (coalesce($6::jsonb -> (p.cloud || '|' || p.resource_type), '[]') ? d.key
                or coalesce($7::jsonb -> (p.cloud || '|' || p.resource_type), '[]') ? lower(d.key)) then 'critical'
              else 'warning' end as severity
  from (
    select n.resource_id, n.cloud, n.account, n.region, n.resource_type, o.tags as old_tags, n.tags as new_tags
    from scan_resources o join scan_resources n on n.resource_id = o.resource_id
    where o.scan_id = $1 and n.scan_id = $2 and o.tags is distinct from n.tags and ${scopeFilter('n')}
      and ($10::text is null or (o.resource_id >= $10::text and n.resource_id >= $10::text))
  ) p
  cross join lateral (
    select coalesce(b.key, a.key) collate "C" as key, a.value as old_value, b.value as new_value,
           case when a.key is null then 'added' when b.key is null then 'removed' else 'changed' end as change
    from jsonb_each_text(case when jsonb_typeof(p.old_tags) = 'object' then p.old_tags else '{}' end) a
    full join jsonb_each_text(case when jsonb_typeof(p.new_tags) = 'object' then p.new_tags else '{}' end) b on b.key = a.key
    where a.value is distinct from b.value
  ) d
  where ($8::text[] is null or d.key = any($8::text[]))`;

const SEVERITY_FILTER = '($9::text[] is null or c.severity = any($9::text[]))';

export function createDriftQueries(db: Db) {
  const params = (q: DriftQuery, after?: { resourceId: string; key: string }) => [
    q.fromScanId, q.toScanId, resourceTypePatterns(q.resourceTypes), q.accounts?.length ? q.accounts : null,
    q.regions?.length ? q.regions : null, jsonParam(q.required.exact), jsonParam(q.required.lower),
    q.tagKeys?.length ? q.tagKeys : null, q.severities?.length ? q.severities : null,
    after?.resourceId ?? null, after?.key ?? null,
  ];

  return {
    /** The newest run of a scan (the id tools show is the workflow id; each run has its own row). */
    async scanByWorkflowId(workflowId: string): Promise<DriftScan | undefined> {
      const [row] = await db.query<ScanRow>(
        `select ${SCAN_COLUMNS} from scans where workflow_id = $1
         order by (status = 'completed') desc, finished_at desc nulls last, started_at desc limit 1`, [workflowId]);
      return row && toScan(row);
    },

    /** The newest completed snapshot (store_snapshot), as history reads them. */
    async latestSnapshot(): Promise<DriftScan | undefined> {
      const [row] = await db.query<ScanRow>(
        `select ${SCAN_COLUMNS} from scans where store_snapshot and status = 'completed'
         order by finished_at desc, id desc limit 1`);
      return row && toScan(row);
    },

    /**
     * The snapshot to compare `latest` with: the newest of the same scope finished at or before
     * `cutoff`; without one, the oldest of that scope finished before `latest` (a shorter span).
     */
    async baselineSnapshot(latest: DriftScan, cutoff: Date): Promise<DriftScan | undefined> {
      const [row] = await db.query<ScanRow>(
        `select ${SCAN_COLUMNS} from scans
         where store_snapshot and status = 'completed' and scope_hash is not distinct from $1 and id <> $2 and finished_at <= $3
         order by (finished_at <= $4) desc,
                  case when finished_at <= $4 then finished_at end desc nulls last, finished_at asc, id
         limit 1`, [latest.scopeHash, latest.id, latest.finishedAt, cutoff.toISOString()]);
      return row && toScan(row);
    },

    /** (cloud, type) pairs of a scan, to build the required-key maps from its policy. */
    async scanResourceTypes(scanId: string): Promise<{ cloud: Cloud; resourceType: string }[]> {
      const rows = await db.query<{ cloud: Cloud; resource_type: string }>(
        'select distinct cloud, resource_type from scan_resources where scan_id = $1', [scanId]);
      return rows.map((r) => ({ cloud: r.cloud, resourceType: r.resource_type }));
    },

    /** One page of changes after `after`, ordered by (resource id, key) in byte order. */
    async listTagDrift(q: DriftQuery, opts: { limit: number; after?: { resourceId: string; key: string } }): Promise<TagDriftRecord[]> {
      const rows = await db.query<{
        resource_id: string; cloud: Cloud; account: string; region: string; resource_type: string; key: string;
        old_value: string | null; new_value: string | null; change: DriftChange; severity: DriftSeverity;
      }>(
        `select * from (${CHANGES}) c
         where ${SEVERITY_FILTER} and ($10::text is null or (c.resource_id, c.key) > ($10::text collate "C", $11::text collate "C"))
         order by c.resource_id, c.key limit $12`,
        [...params(q, opts.after), positiveLimit(opts.limit, MAX_PAGE)]);
      return rows.map((r) => ({
        resourceId: r.resource_id, cloud: r.cloud, account: r.account, region: r.region, resourceType: r.resource_type,
        key: r.key, oldValue: r.old_value, newValue: r.new_value, change: r.change, severity: r.severity,
      }));
    },

    /** Counts over every page of listTagDrift with the same query. */
    async tagDriftSummary(q: DriftQuery): Promise<DriftSummary> {
      // Two independent passes: on a pool they run side by side (PGlite queues them).
      const [[row], [only]] = await Promise.all([db.query<{
        changes: number | null; resources: number; critical: number | null; warning: number | null; info: number | null;
        added: number | null; removed: number | null; changed: number | null; keys: number; top: DriftKeyCount[] | null;
      }>(
        `with c as materialized (select * from (${CHANGES}) c where ${SEVERITY_FILTER}),
         per_key as (
           select key, count(*) as total, count(*) filter (where severity = 'critical') as critical,
                  count(*) filter (where severity = 'warning') as warning, count(*) filter (where severity = 'info') as info,
                  count(*) filter (where change = 'added') as added, count(*) filter (where change = 'removed') as removed,
                  count(*) filter (where change = 'changed') as changed
           from c group by key)
         select sum(total) as changes, (select count(distinct resource_id) from c) as resources,
                sum(critical) as critical, sum(warning) as warning, sum(info) as info,
                sum(added) as added, sum(removed) as removed, sum(changed) as changed, count(*) as keys,
                (select jsonb_agg(jsonb_build_object('key', key, 'total', total, 'critical', critical, 'warning', warning, 'info', info)
                                  order by total desc, key)
                 from (select * from per_key order by total desc, key limit ${TOP_KEYS}) t) as top
         from per_key`,
        params(q).slice(0, 10)), // $11 (the keyset key) is not used here
      db.query<{ only_from: number; only_to: number }>(
        `select count(*) filter (where n.resource_id is null) as only_from, count(*) filter (where o.resource_id is null) as only_to
         from (select resource_id from scan_resources o where o.scan_id = $1 and ${scopeFilter('o')}) o
         full join (select resource_id from scan_resources n where n.scan_id = $2 and ${scopeFilter('n')}) n using (resource_id)`,
        params(q).slice(0, 5))]);
      return {
        changes: row?.changes ?? 0,
        resourcesChanged: row?.resources ?? 0,
        bySeverity: { critical: row?.critical ?? 0, warning: row?.warning ?? 0, info: row?.info ?? 0 },
        byChange: { added: row?.added ?? 0, removed: row?.removed ?? 0, changed: row?.changed ?? 0 },
        topKeys: (row?.top ?? []).map((k) => ({ key: k.key, total: Number(k.total), critical: Number(k.critical), warning: Number(k.warning), info: Number(k.info) })),
        distinctKeys: row?.keys ?? 0,
        resourcesOnlyInFrom: only?.only_from ?? 0,
        resourcesOnlyInTo: only?.only_to ?? 0,
      };
    },
  };
}
