// A scan's findings, one row per finding, streamed through a server-side cursor (DECLARE/FETCH in
// one transaction) so an export of millions of rows holds one batch in memory at a time.
import type { ExportColumn } from '../core/remediation/csv-export.js';
import type { Db } from './db.js';
import { resourceTypePatterns } from './type-patterns.js';

export interface ViolationExportQuery {
  scanId: string;
  /** Shown in the scan_id column (the workflow id tools report). */
  scanLabel: string;
  columns: readonly ExportColumn[];
  /** Exact `service:kind` types, or `service:*`. */
  resourceTypes?: string[];
  accounts?: string[];
  regions?: string[];
  /** Keep findings of this severity only; null: every one. */
  severity: 'error' | 'warning' | null;
}

export type ExportRow = Record<string, string | number | boolean | null>;

// Each column as an SQL expression over r (the resource) and f (one finding); names are ours, never input.
const COLUMN_SQL: Record<ExportColumn, string> = {
  scan_id: '$2::text',
  resource_id: 'r.resource_id',
  resource_type: 'r.resource_type',
  cloud: 'r.cloud',
  account: 'r.account',
  region: 'r.region',
  name: 'r.name',
  state: 'r.state',
  compliant: 'r.compliant',
  tag: "f.value->>'tag'",
  kind: "f.value->>'kind'",
  severity: "coalesce(f.value->>'severity', 'error')",
  message: "f.value->>'message'",
  value: "f.value->>'value'",
  found_key: "f.value->>'foundKey'",
  allowed_values: "case when jsonb_typeof(f.value->'allowed') = 'array' then " +
    "(select string_agg(a, '|' order by n) from jsonb_array_elements_text(f.value->'allowed') with ordinality x(a, n)) end",
  suggestion: "f.value->>'suggestion'",
  monthly_cost: 'r.monthly_cost',
  tags: 'r.tags::text',
};

const CURSOR = 'violations_export';

export function createViolationExportQueries(db: Db) {
  return {
    /**
     * Calls onBatch with up to batchSize rows at a time, in (resource id, finding order), awaiting
     * each call before fetching more (the caller's backpressure). Returns the number of rows.
     */
    async streamViolations(q: ViolationExportQuery, batchSize: number, onBatch: (rows: ExportRow[]) => Promise<void>): Promise<number> {
      const select = q.columns.map((c) => `${COLUMN_SQL[c]} as "${c}"`).join(', ');
      return db.transaction(async (tx) => {
        // Read-only and one snapshot: the rows of one export are consistent even while scans write.
        await tx.exec('set transaction read only, isolation level repeatable read');
        // $2 (the scan label) also appears in the where clause, so its type is known when no column selects it.
        await tx.query(
          `declare ${CURSOR} no scroll cursor for
           select ${select}
           from scan_resources r
           cross join lateral jsonb_array_elements(case when jsonb_typeof(r.violations) = 'array' then r.violations else '[]' end)
             with ordinality f(value, n)
           where r.scan_id = $1 and r.violations <> '[]'::jsonb and jsonb_typeof(f.value) = 'object'
             and ($3::text[] is null or r.resource_type like any($3::text[]))
             and ($4::text[] is null or r.account = any($4::text[]))
             and ($5::text[] is null or r.region = any($5::text[]))
             and ($6::text is null or coalesce(f.value->>'severity', 'error') = $6::text)
             and length($2::text) >= 0
           order by r.resource_id, f.n`,
          [q.scanId, q.scanLabel, resourceTypePatterns(q.resourceTypes), q.accounts?.length ? q.accounts : null,
            q.regions?.length ? q.regions : null, q.severity]);
        let total = 0;
        for (;;) {
          const rows = await tx.query<ExportRow>(`fetch forward ${Math.max(1, Math.floor(batchSize))} from ${CURSOR}`);
          if (rows.length === 0) break;
          total += rows.length;
          await onBatch(rows);
          if (rows.length < batchSize) break;
        }
        await tx.exec(`close ${CURSOR}`);
        return total;
      });
    },
  };
}
