// Scan resources: the evaluated resources of a scan, written in idempotent batches by shard
// activities and read back as keyset pages and SQL aggregates.
import type { Cloud, ResourceContext } from '../core/resource.js';
import type { ScanCounts, ScanResourceRow } from '../core/scan.js';
import { isoTimeOrNull, positiveLimit } from './columns.js';
import type { Db } from './db.js';
import { encodeScanResourceRows, SCAN_RESOURCE_COLUMNS, writeEncodedScanResources } from './scan-resources-copy.js';

/** A stored row read back: the row as written, every optional column present (null when unknown). */
export interface ScanResourceRecord extends Required<Omit<ScanResourceRow, 'context'>> {
  scanId: string;
  /** Absent when the lister saw none, and on rows from before 0008. */
  context?: ResourceContext | null;
}

export interface ListScanResourcesOptions {
  compliant?: boolean;
  /** Only resources with at least one finding (warnings included). */
  withFindings?: boolean;
  limit: number;
  /** The last resourceId of the previous page. */
  after?: string;
}

/** A scan_resources row as `pg` returns it. */
export interface ScanResourceSqlRow {
  scan_id: string;
  resource_id: string;
  cloud: Cloud;
  account: string;
  region: string;
  resource_type: string;
  name: string | null;
  tags: Record<string, string>;
  state: string | null;
  created_at: Date | null;
  compliant: boolean;
  violations: unknown[];
  monthly_cost: number | null;
  context?: ResourceContext | null;
}

const MAX_PAGE = 10_000;

function toRecord(row: ScanResourceSqlRow): ScanResourceRecord {
  return {
    scanId: row.scan_id,
    resourceId: row.resource_id,
    cloud: row.cloud,
    account: row.account,
    region: row.region,
    resourceType: row.resource_type,
    name: row.name,
    tags: row.tags,
    state: row.state,
    createdAt: isoTimeOrNull(row.created_at),
    compliant: row.compliant,
    violations: row.violations,
    monthlyCost: row.monthly_cost,
    // Present only when known, so rows written without one read back as written.
    ...(row.context ? { context: row.context } : {}),
  };
}

export function createScanResourceQueries(db: Db) {
  return {
    /**
     * Upserts rows keyed by (scan id, resource id). Returns how many rows were inserted or changed:
     * an identical retry of a page returns 0. A resource id listed twice keeps its last row.
     * All or nothing, whatever the number of rows.
     */
    async upsertScanResources(scanId: string, rows: ScanResourceRow[]): Promise<number> {
      return writeEncodedScanResources(db, encodeScanResourceRows(scanId, rows));
    },

    /** The same, for rows already encoded by encodeScanResourceRows (a shard's buffered pages). */
    async writeScanResources(encoded: string): Promise<number> {
      return writeEncodedScanResources(db, encoded);
    },

    async countScanResources(scanId: string, opts: { compliant?: boolean } = {}): Promise<number> {
      const [row] = await db.query<{ n: number }>(
        'select count(*) as n from scan_resources where scan_id = $1 and ($2::boolean is null or compliant = $2)',
        [scanId, opts.compliant ?? null]);
      return row?.n ?? 0;
    },

    /** Aggregates computed by SQL from the rows actually stored, so retried writes cannot skew them. */
    async scanTotals(scanId: string): Promise<ScanCounts> {
      const rows = await db.query<{ dim: 'type' | 'account' | 'region' | 'cloud' | 'all'; key: string | null; total: number; compliant: number }>(
        `select case when grouping(resource_type) = 0 then 'type' when grouping(account) = 0 then 'account'
                     when grouping(region) = 0 then 'region' when grouping(cloud) = 0 then 'cloud' else 'all' end as dim,
                coalesce(resource_type, account, region, cloud) as key,
                count(*) as total, count(*) filter (where compliant) as compliant
         from scan_resources where scan_id = $1
         group by grouping sets ((resource_type), (account), (region), (cloud), ())`, [scanId]);
      const totals: ScanCounts = { total: 0, compliant: 0, nonCompliant: 0, byResourceType: {}, byAccount: {}, byRegion: {}, byCloud: {} };
      const byDim = { type: totals.byResourceType, account: totals.byAccount, region: totals.byRegion, cloud: totals.byCloud };
      for (const row of rows) {
        if (row.dim === 'all') {
          totals.total = row.total;
          totals.compliant = row.compliant;
          totals.nonCompliant = row.total - row.compliant;
        } else {
          byDim[row.dim][row.key!] = { total: row.total, compliant: row.compliant };
        }
      }
      return totals;
    },

    /**
     * The tags of Azure resource groups of a scan, by the ids asked for (exact ids: the primary key
     * answers, however large the scan). Callers pass the spellings an id may have been stored in.
     */
    async resourceGroupTags(scanId: string, ids: string[]): Promise<{ id: string; tags: Record<string, string> }[]> {
      if (ids.length === 0) return [];
      const rows = await db.query<{ resource_id: string; tags: Record<string, string> }>(
        `select resource_id, tags from scan_resources
         where scan_id = $1 and resource_id = any($2::text[]) and cloud = 'azure' and lower(resource_type) = 'azure:resources/resourcegroups'`,
        [scanId, ids]);
      return rows.map((r) => ({ id: r.resource_id, tags: r.tags }));
    },

    /** A page ordered by resource id (byte order); pass the last id as `after` for the next page. */
    async listScanResources(scanId: string, opts: ListScanResourcesOptions): Promise<ScanResourceRecord[]> {
      const rows = await db.query<ScanResourceSqlRow>(
        `select ${SCAN_RESOURCE_COLUMNS} from scan_resources
         where scan_id = $1 and ($2::boolean is null or compliant = $2) and ($3::text is null or resource_id > $3)
           and (not $5::boolean or violations <> '[]'::jsonb)
         order by resource_id limit $4`,
        [scanId, opts.compliant ?? null, opts.after ?? null, positiveLimit(opts.limit, MAX_PAGE), opts.withFindings ?? false]);
      return rows.map(toRecord);
    },
  };
}
