// The bulk write of scan rows: encoded once in COPY's text format, loaded with COPY (several times
// cheaper for the server than INSERT ... SELECT over a jsonb array), and idempotent: when a row of
// the batch is already stored (a retried page, a resource listed twice), the batch is merged
// through a staging table instead, updating only rows that changed.
import type { Db } from './db.js';
import type { ScanResourceRow } from '../core/scan.js';

const DATA_COLUMNS = ['cloud', 'account', 'region', 'resource_type', 'name', 'tags', 'state', 'created_at',
  'compliant', 'violations', 'monthly_cost', 'context'] as const;
/** Every column of scan_resources, in COPY line order. */
export const SCAN_RESOURCE_COLUMNS = `scan_id, resource_id, ${DATA_COLUMNS.join(', ')}`;
const COPY_COLUMNS = SCAN_RESOURCE_COLUMNS;

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One field in COPY text format: `\N` for null, backslash escapes for the delimiter and line breaks. */
function field(value: string | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ESCAPES[c]!) : value;
}

/**
 * Rows as COPY text lines for `scan_resources`. A shard encodes each page as it arrives, so what it
 * buffers until the next write is one flat string per page rather than thousands of small objects.
 */
export function encodeScanResourceRows(scanId: string, rows: readonly ScanResourceRow[]): string {
  const id = field(scanId);
  // join() yields one flat string; `+=` would keep a rope of thousands of pieces for the GC to trace.
  return rows.map((row) => [
    id, field(row.resourceId), field(row.cloud), field(row.account), field(row.region), field(row.resourceType),
    field(row.name), field(JSON.stringify(row.tags)), field(row.state), field(row.createdAt), row.compliant ? 't' : 'f',
    field(JSON.stringify(row.violations)), row.monthlyCost === null || row.monthlyCost === undefined ? '\\N' : String(row.monthlyCost),
    row.context ? field(JSON.stringify(row.context)) : '\\N',
  ].join('\t') + '\n').join('');
}

const UNIQUE_VIOLATION = '23505';

// Temporary and emptied at commit: each connection has its own, and nothing outlives the merge.
const STAGE = `create temp table if not exists scan_resources_stage
  (like scan_resources including defaults, seq bigserial) on commit delete rows`;

// The last line for a resource id wins, as with repeated upserts. Unchanged rows are skipped
// (no write, no dead tuple), so an identical retry writes nothing.
const MERGE = `
  with input as (
    select distinct on (resource_id) * from scan_resources_stage order by resource_id, seq desc
  ), written as (
    insert into scan_resources as t (${COPY_COLUMNS})
    select ${COPY_COLUMNS} from input
    on conflict (scan_id, resource_id) do update set
      ${DATA_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}
    where (${DATA_COLUMNS.map((c) => `t.${c}`).join(', ')})
      is distinct from (${DATA_COLUMNS.map((c) => `excluded.${c}`).join(', ')})
    returning 1
  )
  select count(*) as written from written`;

/** Writes encoded rows; returns how many were inserted or changed (0 for an identical retry). */
export async function writeEncodedScanResources(db: Db, encoded: string): Promise<number> {
  if (encoded === '') return 0;
  try {
    return await db.copyFrom(`scan_resources (${COPY_COLUMNS})`, encoded);
  } catch (err) {
    if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
  }
  return db.transaction(async (tx) => {
    await tx.exec(STAGE);
    await tx.copyFrom(`scan_resources_stage (${COPY_COLUMNS})`, encoded);
    const [row] = await tx.query<{ written: number }>(MERGE);
    return row?.written ?? 0;
  });
}
