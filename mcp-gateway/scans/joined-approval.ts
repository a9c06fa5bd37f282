// A start carrying `approved_plan_hash` that joins a scan already running under the same id: the
// hash rode in the first starter's input, not in this one's, so the held scan is released here
// when it waits with that very plan, and left waiting (the reply says the plan changed) otherwise.
import { scanProgress } from '../../client/scans.js';
import { approveComplianceScan, type StartApproval } from '../../client/scan-approval.js';
import type { ToolContext } from '../context.js';
import { bounded, QUERY_DEADLINE_MS, RPC_DEADLINE_MS } from './temporal-reach.js';

/** The note the approval is recorded with (the audit row's `note`). */
export const JOINED_APPROVAL_NOTE = 'pre-approved plan hash';

export type JoinedApproval =
  | { kind: 'released'; planHash: string }
  /** Held with another plan: nothing was sent. */
  | { kind: 'plan_changed'; heldPlanHash: string; approvedPlanHash: string }
  /** Not at the gate (yet): the approval was sent; the gate drops it unless its plan has that hash. */
  | { kind: 'sent_ahead' };

/** Releases a joined scan held with the approved plan; undefined when the start carried no hash or the scan is past its gate. */
export async function releaseJoinedScan(ctx: Pick<ToolContext, 'temporal' | 'logger'>, workflowId: string,
  approval: StartApproval | undefined): Promise<JoinedApproval | undefined> {
  const approvedPlanHash = approval?.planHash;
  if (!approvedPlanHash) return undefined;
  const progress = await bounded(ctx.temporal, QUERY_DEADLINE_MS, () => scanProgress(ctx.temporal, workflowId)).catch((err: unknown) => {
    // No worker answered yet: the scan is not past its gate, so the approval is sent ahead.
    ctx.logger.warn({ err: String(err), workflowId }, 'progress of a joined scan unknown; sending its approval ahead');
    return undefined;
  });
  const approver = approval.by ?? 'pre-approved plan hash';
  const args = { approver, planHash: approvedPlanHash, note: JOINED_APPROVAL_NOTE };
  if (progress?.phase === 'awaiting_approval' && progress.approval) {
    const held = progress.approval.planHash;
    if (held !== approvedPlanHash) return { kind: 'plan_changed', heldPlanHash: held, approvedPlanHash };
    await approveComplianceScan(ctx.temporal, workflowId, args);
    await approvalTaken(ctx, workflowId);
    return { kind: 'released', planHash: held };
  }
  // Still planning, before the gate: the workflow keeps the approval and checks its hash there (one
  // arriving just after a decision is ignored by the workflow's handler).
  if (!progress || progress.phase === 'planning') {
    await approveComplianceScan(ctx.temporal, workflowId, args);
    return { kind: 'sent_ahead' };
  }
  return undefined;
}

/** How long an approval may take to reach the workflow before the caller goes on. */
const APPROVAL_TAKEN_MS = 10_000;

/**
 * After an approve signal: returns once the progress has left awaiting_approval (the workflow took
 * it), so a wait that follows does not stop at the gate it just opened. Bounded.
 */
export async function approvalTaken(ctx: Pick<ToolContext, 'temporal'>, scanId: string): Promise<void> {
  for (const deadline = Date.now() + APPROVAL_TAKEN_MS; Date.now() < deadline;) {
    const p = await bounded(ctx.temporal, RPC_DEADLINE_MS, () => scanProgress(ctx.temporal, scanId)).catch(() => undefined);
    if (p && p.phase !== 'awaiting_approval') return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What the reply says about it ('' when nothing worth saying). */
export function joinedApprovalText(joined: JoinedApproval | undefined): string {
  if (joined?.kind === 'released') return ` The scan was waiting for approval of plan ${joined.planHash}, the one approved_plan_hash names: it now runs.`;
  if (joined?.kind === 'plan_changed') {
    return ` The plan changed: the scan waits with plan ${joined.heldPlanHash}, not ${joined.approvedPlanHash}; ` +
      'it still waits for approval (show the new plan with get_scan_status before approving).';
  }
  return '';
}
