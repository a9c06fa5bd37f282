// The approval gate's records on the scan row (0010): the plan a scan waits with, who approved or
// rejected it and when, or that the wait expired; and each decision's audit row, written once per
// scan and decision however often a retried activity or a replayed workflow records it.
import { isoTimeOrNull, jsonParam, positiveLimit } from './columns.js';
import type { Db } from './db.js';
import type { ScanTotals } from '../core/scan.js';
import type { CloudCalls } from '../core/cloud-calls.js';

export type ApprovalDecisionKind = 'approved' | 'rejected' | 'expired';

export interface ApprovalDecision {
  scanId: string;
  kind: ApprovalDecisionKind;
  /** Who approved or rejected; for an expiry, 'system'. */
  actor: string;
  planHash?: string | null;
  note?: string | null;
  reason?: string | null;
  /** How the decision arrived: 'signal' (tool, Temporal UI or CLI), 'pre-approved plan hash', 'schedule', 'timeout'. */
  via: string;
}

export interface ScanApprovalRecord {
  scanId: string;
  status: string;
  planHash: string | null;
  plan: unknown;
  approvedBy: string | null;
  approvedAt: string | null;
  approvalNote: string | null;
  rejectedBy: string | null;
  rejectedAt: string | null;
  rejectionReason: string | null;
  approvalExpiredAt: string | null;
}

/** What the estimator reads of a finished scan. */
export interface ScanStatisticsRow {
  startedAt: Date;
  finishedAt: Date;
  totals: ScanTotals | null;
  cloudCalls: CloudCalls | null;
  plan: { estimates?: { targetRegionTypes?: number }; parallel?: number } | null;
  scope: { resourceTypes?: string[] } | null;
}

interface ApprovalRow {
  id: string;
  status: string;
  plan_hash: string | null;
  plan: unknown;
  approved_by: string | null;
  approved_at: Date | null;
  approval_note: string | null;
  rejected_by: string | null;
  rejected_at: Date | null;
  rejection_reason: string | null;
  approval_expired_at: Date | null;
}

/** The audit log's tool name of decisions recorded by the scan itself (whatever sent the signal). */
export const APPROVAL_AUDIT_TOOL = 'scan_approval';

export function createScanApprovalQueries(db: Db) {
  return {
    /** Stores the plan; `hold` also moves a running scan to awaiting_approval. Idempotent. */
    async recordScanPlan(scanId: string, planHash: string, plan: unknown, hold: boolean): Promise<void> {
      await db.query(
        `update scans set plan_hash = $2, plan = $3::jsonb,
           status = case when $4 and status = 'running' then 'awaiting_approval' else status end
         where id = $1`,
        [scanId, planHash, jsonParam(plan), hold]);
    },

    /**
     * Records a decision on the scan row (an approval lets it run again) and its audit row once.
     * Repeats keep the first time and actor.
     */
    async recordApprovalDecision(d: ApprovalDecision): Promise<void> {
      if (d.kind === 'approved') {
        await db.query(
          `update scans set approved_by = coalesce(approved_by, $2), approved_at = coalesce(approved_at, now()),
             approval_note = coalesce(approval_note, $3),
             status = case when status = 'awaiting_approval' then 'running' else status end
           where id = $1`, [d.scanId, d.actor, d.note ?? null]);
      } else if (d.kind === 'rejected') {
        await db.query(
          `update scans set rejected_by = coalesce(rejected_by, $2), rejected_at = coalesce(rejected_at, now()),
             rejection_reason = coalesce(rejection_reason, $3) where id = $1`, [d.scanId, d.actor, d.reason ?? null]);
      } else {
        await db.query('update scans set approval_expired_at = coalesce(approval_expired_at, now()) where id = $1', [d.scanId]);
      }
      const correlationId = `${d.scanId}:approval`;
      await db.query(
        `insert into audit_log (actor, tool, params, outcome, correlation_id)
         select $1, $2, $3::jsonb, $4, $5
         where not exists (select 1 from audit_log where correlation_id = $5 and tool = $2 and outcome = $4)`,
        [d.actor, APPROVAL_AUDIT_TOOL, jsonParam({ scan_id: d.scanId, plan_hash: d.planHash ?? null, via: d.via,
          ...(d.note ? { note: d.note } : {}), ...(d.reason ? { reason: d.reason } : {}) }), d.kind, correlationId]);
    },

    async getScanApproval(scanId: string): Promise<ScanApprovalRecord | undefined> {
      const [row] = await db.query<ApprovalRow>(
        `select id, status, plan_hash, plan, approved_by, approved_at, approval_note, rejected_by, rejected_at, rejection_reason,
           approval_expired_at from scans where id = $1`, [scanId]);
      if (!row) return undefined;
      return {
        scanId: row.id, status: row.status, planHash: row.plan_hash, plan: row.plan,
        approvedBy: row.approved_by, approvedAt: isoTimeOrNull(row.approved_at), approvalNote: row.approval_note,
        rejectedBy: row.rejected_by, rejectedAt: isoTimeOrNull(row.rejected_at), rejectionReason: row.rejection_reason,
        approvalExpiredAt: isoTimeOrNull(row.approval_expired_at),
      };
    },

    /** The newest completed scans that recorded their cloud calls: what estimates learn from. */
    async recentScanStatistics(limit: number): Promise<ScanStatisticsRow[]> {
      const rows = await db.query<{ started_at: Date; finished_at: Date; totals: ScanTotals | null; cloud_calls: CloudCalls | null;
        plan: ScanStatisticsRow['plan']; scope: ScanStatisticsRow['scope'] }>(
        `select started_at, finished_at, totals, cloud_calls, plan, scope from scans
         where status = 'completed' and cloud_calls is not null and finished_at is not null
         order by finished_at desc limit $1`, [positiveLimit(limit, 200)]);
      return rows.map((r) => ({ startedAt: r.started_at, finishedAt: r.finished_at, totals: r.totals, cloudCalls: r.cloud_calls, plan: r.plan, scope: r.scope }));
    },
  };
}
