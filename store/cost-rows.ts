// The scan side of the cost model: scan rows counted by what their cost depends on, and the few
// rows Cost Explorer priced one by one. Computed by SQL where the rows are, so a scan of any size
// reaches the gateway as a handful of groups.
import type { Cloud } from '../core/resource.js';
import { IDLE_SQL, type CostGroup, type KeyedResource } from '../core/cost/index.js';
import type { Db } from './db.js';
import type { UntaggedResourceRecord, UntaggedTotals } from './reports.js';
import type { TypeRate } from '../core/cost/index.js';
import { isoTimeOrNull, positiveLimit } from './columns.js';

// The same definition as find_untagged_resources' (store/reports.ts).
const UNTAGGED = `(tags = '{}'::jsonb or violations @> '[{"kind":"missing_required_tag"}]'::jsonb)`;
/** Cost Explorer's RESOURCE_ID of a row: the id after the last "/" for EC2 (i-…, vol-…), else the ARN. */
const COST_KEY = `(case when resource_type like 'ec2:%' then regexp_replace(resource_id, '^.*/', '') else resource_id end)`;
const MAX_KEYS = 100_000;
const MAX_PAGE = 10_000;

/** The cost model as SQL look-ups (core/cost modelRates), so filters and totals use its figures. */
export interface ModelCostTables {
  rates: TypeRate[];
  actuals: { key: string; cost: number }[];
}

/**
 * Each row of the scan with its model figure: its actual, $0 when stopped, its (account, type)
 * rate, else the stored estimate. Parameters: $1 scan id, $2 rates, $3 actuals.
 */
const MODEL_ROWS = `(select s.*, ${UNTAGGED.replace(/\b(tags|violations)\b/g, 's.$1')} as untagged,
    coalesce(a.cost, case when s.cloud <> 'aws' then s.monthly_cost when ${IDLE_SQL.replace(/\b(resource_type|state)\b/g, 's.$1')} then 0
                          else coalesce(t.cost, s.monthly_cost) end) as model_cost
  from scan_resources s
  left join jsonb_to_recordset($2::jsonb) as t(account text, resource_type text, cost numeric)
    on t.account = s.account and t.resource_type = s.resource_type and s.cloud = 'aws'
  left join jsonb_to_recordset($3::jsonb) as a(key text, cost numeric)
    on s.cloud = 'aws' and a.key = ${COST_KEY.replace(/\b(resource_type|resource_id)\b/g, 's.$1')}
  where s.scan_id = $1) r`;
const COST_AT_LEAST = '($4::numeric is null or model_cost is null or model_cost >= $4::numeric)';

/** Findings of non-compliant rows counted by what their cost depends on (for rankings by cost). */
export interface FindingCostGroup extends Omit<CostGroup, 'compliant' | 'untagged'> {
  tag: string;
  kind: string;
  severity: string;
}

interface GroupRow {
  cloud: Cloud; account: string; region: string; resource_type: string; idle: boolean;
  n: number; stored_cost: number | null; stored_count: number;
}

const groupOf = (r: GroupRow) => ({
  cloud: r.cloud, account: r.account, region: r.region, resourceType: r.resource_type, idle: r.idle,
  count: r.n, storedCost: r.stored_cost, storedCostCount: r.stored_count,
});

export function createCostRowQueries(db: Db) {
  return {
    async costGroups(scanId: string): Promise<CostGroup[]> {
      const rows = await db.query<GroupRow & { compliant: boolean; untagged: boolean }>(
        `select cloud, account, region, resource_type, ${IDLE_SQL} as idle, compliant, ${UNTAGGED} as untagged,
                count(*) as n, sum(monthly_cost) as stored_cost, count(monthly_cost) as stored_count
         from scan_resources where scan_id = $1
         group by 1, 2, 3, 4, 5, 6, 7 order by 1, 2, 3, 4, 5, 6, 7`, [scanId]);
      return rows.map((r) => ({ ...groupOf(r), compliant: r.compliant, untagged: r.untagged }));
    },

    /** Rows whose Cost Explorer RESOURCE_ID is one of `keys`. */
    async keyedCostResources(scanId: string, keys: string[]): Promise<KeyedResource[]> {
      if (keys.length === 0) return [];
      if (keys.length > MAX_KEYS) throw new Error(`at most ${MAX_KEYS} resource keys per lookup, got ${keys.length}`);
      const rows = await db.query<{ key: string; resource_id: string; cloud: Cloud; account: string; region: string; resource_type: string;
        state: string | null; compliant: boolean; untagged: boolean; violations: unknown[] }>(
        `select key, resource_id, cloud, account, region, resource_type, state, compliant, untagged, violations
         from (select ${COST_KEY} as key, resource_id, cloud, account, region, resource_type, state, compliant,
                      ${UNTAGGED} as untagged, violations
               from scan_resources where scan_id = $1) r
         where key in (select jsonb_array_elements_text($2::jsonb))
         order by resource_id`, [scanId, JSON.stringify(keys)]);
      return rows.map((r) => ({
        key: r.key, resourceId: r.resource_id, cloud: r.cloud, account: r.account, region: r.region, resourceType: r.resource_type,
        state: r.state, compliant: r.compliant, untagged: r.untagged, violations: Array.isArray(r.violations) ? r.violations : [],
      }));
    },

    /** find_untagged_resources' page, with costs (and min_cost filter) from the cost model. */
    async listUntaggedByModelCost(scanId: string, model: ModelCostTables, opts: { minMonthlyCost: number | null; after?: string; limit: number }): Promise<UntaggedResourceRecord[]> {
      const rows = await db.query<{ resource_id: string; account: string; region: string; resource_type: string; name: string | null;
        tags: Record<string, string>; state: string | null; created_at: Date | null; violations: unknown[]; model_cost: number | null }>(
        `select resource_id, account, region, resource_type, name, tags, state, created_at, violations, model_cost from ${MODEL_ROWS}
         where untagged and ${COST_AT_LEAST} and ($5::text is null or resource_id > $5) order by resource_id limit $6`,
        [scanId, JSON.stringify(model.rates), JSON.stringify(model.actuals), opts.minMonthlyCost, opts.after ?? null, positiveLimit(opts.limit, MAX_PAGE)]);
      return rows.map((row) => ({
        resourceId: row.resource_id, account: row.account, region: row.region, resourceType: row.resource_type, name: row.name, tags: row.tags,
        state: row.state, createdAt: isoTimeOrNull(row.created_at), violations: row.violations, monthlyCost: row.model_cost,
      }));
    },

    /** Totals over every page of listUntaggedByModelCost with the same threshold. */
    async untaggedTotalsByModelCost(scanId: string, model: ModelCostTables, opts: { minMonthlyCost: number | null }): Promise<UntaggedTotals> {
      const [row] = await db.query<{ scanned: number; untagged: number; matching: number; never_tagged: number; with_cost: number; cost: number | null }>(
        `select count(*) as scanned, count(*) filter (where untagged) as untagged,
                count(*) filter (where untagged and ${COST_AT_LEAST}) as matching,
                count(*) filter (where untagged and ${COST_AT_LEAST} and tags = '{}'::jsonb) as never_tagged,
                count(model_cost) filter (where untagged and ${COST_AT_LEAST}) as with_cost,
                sum(model_cost) filter (where untagged and ${COST_AT_LEAST}) as cost
         from ${MODEL_ROWS}`,
        [scanId, JSON.stringify(model.rates), JSON.stringify(model.actuals), opts.minMonthlyCost]);
      return {
        scanned: row?.scanned ?? 0, matching: row?.matching ?? 0, neverTagged: row?.never_tagged ?? 0, withCost: row?.with_cost ?? 0,
        monthlyCost: row?.cost ?? null, belowThreshold: (row?.untagged ?? 0) - (row?.matching ?? 0),
      };
    },

    async findingCostGroups(scanId: string): Promise<FindingCostGroup[]> {
      const rows = await db.query<GroupRow & { tag: string | null; kind: string | null; severity: string }>(
        `select f->>'tag' as tag, f->>'kind' as kind, coalesce(f->>'severity', 'error') as severity,
                r.cloud, r.account, r.region, r.resource_type, ${IDLE_SQL.replace(/\b(resource_type|state)\b/g, 'r.$1')} as idle,
                count(*) as n, sum(r.monthly_cost) as stored_cost, count(r.monthly_cost) as stored_count
         from scan_resources r
         cross join lateral jsonb_array_elements(
           case when jsonb_typeof(r.violations) = 'array' then r.violations else '[]'::jsonb end) f
         where r.scan_id = $1 and not r.compliant and jsonb_typeof(f) = 'object'
         group by 1, 2, 3, 4, 5, 6, 7, 8`, [scanId]);
      return rows.map((r) => ({ ...groupOf(r), tag: r.tag ?? '', kind: r.kind ?? 'unknown', severity: r.severity }));
    },
  };
}
