// Scans: one row per compliance scan, from start to its terminal status, totals and data quality.
import { isoTime, isoTimeOrNull, jsonParam, positiveLimit } from './columns.js';
import type { Db } from './db.js';
import type { DataQuality, ScanTotals, ScanTrigger, StoredScanScope } from '../core/scan.js';
import type { CloudCalls } from '../core/cloud-calls.js';

/** awaiting_approval: held at its approval gate (store/scan-approval.ts) until approved, rejected or expired. */
export type ScanStatus = 'running' | 'awaiting_approval' | 'completed' | 'failed' | 'cancelled';
export type TerminalScanStatus = Exclude<ScanStatus, 'running' | 'awaiting_approval'>;

export interface NewScan {
  id: string;
  workflowId: string;
  trigger: ScanTrigger;
  scope: StoredScanScope;
  scopeHash?: string | null;
  policyVersionId?: number | null;
  storeSnapshot: boolean;
}

export interface ScanRecord {
  id: string;
  workflowId: string;
  trigger: ScanTrigger;
  scope: StoredScanScope;
  scopeHash: string | null;
  policyVersionId: number | null;
  status: ScanStatus;
  startedAt: string;
  finishedAt: string | null;
  totals: ScanTotals | null;
  storeSnapshot: boolean;
  dataQuality: DataQuality | null;
  /** Cloud API calls the scan made, per API (`s3:ListBuckets` …); null when it made none or predates 0003. */
  cloudCalls?: CloudCalls | null;
}

export interface CompleteScan {
  status: TerminalScanStatus;
  totals: ScanTotals;
  dataQuality: DataQuality;
  cloudCalls?: CloudCalls;
}

export interface ListScansOptions {
  limit: number;
  /** Only completed snapshots (store_snapshot), newest finished first: what history and trends read. */
  snapshotsOnly?: boolean;
  /** Started (or, with snapshotsOnly, finished) at or after this time. */
  since?: string | Date;
}

interface ScanRow {
  id: string;
  workflow_id: string;
  trigger: ScanTrigger;
  scope: StoredScanScope;
  scope_hash: string | null;
  policy_version_id: number | null;
  status: ScanStatus;
  started_at: Date;
  finished_at: Date | null;
  totals: ScanTotals | null;
  store_snapshot: boolean;
  data_quality: DataQuality | null;
  cloud_calls: CloudCalls | null;
}

const COLUMNS = `id, workflow_id, trigger, scope, scope_hash, policy_version_id, status, started_at, finished_at,
  totals, store_snapshot, data_quality, cloud_calls`;
const MAX_PAGE = 1000;

function toRecord(row: ScanRow): ScanRecord {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    trigger: row.trigger,
    scope: row.scope,
    scopeHash: row.scope_hash,
    policyVersionId: row.policy_version_id,
    status: row.status,
    startedAt: isoTime(row.started_at),
    finishedAt: isoTimeOrNull(row.finished_at),
    totals: row.totals,
    storeSnapshot: row.store_snapshot,
    dataQuality: row.data_quality,
    cloudCalls: row.cloud_calls,
  };
}

export function createScanQueries(db: Db) {
  async function getScan(id: string): Promise<ScanRecord | undefined> {
    const [row] = await db.query<ScanRow>(`select ${COLUMNS} from scans where id = $1`, [id]);
    return row && toRecord(row);
  }

  return {
    getScan,

    /** Opens a scan as running. Idempotent on id: a retry returns the row as first written. */
    async createScan(scan: NewScan): Promise<ScanRecord> {
      const [inserted] = await db.query<ScanRow>(
        `insert into scans (id, workflow_id, trigger, scope, scope_hash, policy_version_id, store_snapshot)
         values ($1, $2, $3, $4::jsonb, $5, $6, $7)
         on conflict (id) do nothing returning ${COLUMNS}`,
        [scan.id, scan.workflowId, scan.trigger, jsonParam(scan.scope), scan.scopeHash ?? null,
          scan.policyVersionId ?? null, scan.storeSnapshot]);
      if (inserted) return toRecord(inserted);
      const existing = await getScan(scan.id);
      if (!existing) throw new Error(`scan ${scan.id} conflicted on insert but cannot be read`);
      return existing;
    },

    /**
     * Moves a running scan (or one awaiting approval, when rejected or expired) to its terminal
     * status with finished_at = now(). Only such a scan changes: a retry, or a late completion of a cancelled scan, leaves the row as it is.
     * `changed` says whether this call made the transition; `scan` is the row afterwards.
     */
    async completeScan(id: string, result: CompleteScan): Promise<{ changed: boolean; scan: ScanRecord | undefined }> {
      const [updated] = await db.query<ScanRow>(
        `update scans set status = $2, totals = $3::jsonb, data_quality = $4::jsonb, cloud_calls = $5::jsonb, finished_at = now()
         where id = $1 and status in ('running', 'awaiting_approval') returning ${COLUMNS}`,
        [id, result.status, jsonParam(result.totals), jsonParam(result.dataQuality), result.cloudCalls ? jsonParam(result.cloudCalls) : null]);
      if (updated) return { changed: true, scan: toRecord(updated) };
      return { changed: false, scan: await getScan(id) };
    },

    /** Most recent first. */
    async listScans(opts: ListScansOptions): Promise<ScanRecord[]> {
      const limit = positiveLimit(opts.limit, MAX_PAGE);
      const since = opts.since === undefined ? null : isoTime(opts.since);
      const rows = opts.snapshotsOnly
        ? await db.query<ScanRow>(
          `select ${COLUMNS} from scans
           where store_snapshot and status = 'completed' and ($1::timestamptz is null or finished_at >= $1)
           order by finished_at desc, id desc limit $2`, [since, limit])
        : await db.query<ScanRow>(
          `select ${COLUMNS} from scans where ($1::timestamptz is null or started_at >= $1)
           order by started_at desc, id desc limit $2`, [since, limit]);
      return rows.map(toRecord);
    },

    /**
     * The newest completed scan of a scope, if it finished within maxAgeSeconds (any age without
     * it). The caller decides whether a partial one (dataQuality.status) may serve as a cached result.
     */
    async latestCompletedScan(scopeHash: string, opts: { maxAgeSeconds?: number } = {}): Promise<ScanRecord | undefined> {
      const [row] = await db.query<ScanRow>(
        `select ${COLUMNS} from scans
         where scope_hash = $1 and status = 'completed'
           and ($2::float8 is null or finished_at >= now() - make_interval(secs => $2::float8))
         order by finished_at desc limit 1`,
        [scopeHash, opts.maxAgeSeconds ?? null]);
      return row && toRecord(row);
    },
  };
}
