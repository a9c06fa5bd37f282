// Puts a scan held at its approval gate to a caller who may decide on it, in the same call: an
// `input_required` question (2026-07-28; the SDK's legacy shim elicits on 2025 sessions that
// declared elicitation) showing the plan, answered approve or reject with an optional reason.
// Callers who may not approve, or cannot answer a form, get the awaiting_approval handle as before.
import { inputRequired, inputResponse } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { PendingApproval } from '../../core/scan.js';
import { approveComplianceScan, rejectComplianceScan } from '../../client/scan-approval.js';
import { scanProgress } from '../../client/scans.js';
import type { ToolContext } from '../context.js';
import { AskClient, ToolError } from '../errors.js';
import { canAnswerForm } from './confirm-scope.js';
import { deciderOf } from './awaiting-scan.js';
import type { ScanOutcome } from './resolve.js';
import { bounded, RPC_DEADLINE_MS } from './temporal-reach.js';
import { approvalTaken } from './joined-approval.js';

/** How long a start waits for its plan before answering with the id (a held scan is then asked about). */
const PLANNING_WAIT_MS = 10_000;

/**
 * The key of the decision in `inputRequests` / `inputResponses`: it names the plan shown, so an
 * answer only decides on that plan (a resumed call that finds another plan held asks again).
 */
export const APPROVAL_DECISION_KEY_PREFIX = 'approve_scan_';
export const approvalDecisionKey = (planHash: string) => `${APPROVAL_DECISION_KEY_PREFIX}${planHash}`;

/** The form: flat primitives, as the elicitation wire schema allows. */
export const approvalDecisionSchema = z.object({
  decision: z.enum(['approve', 'reject']).meta({ title: 'Approve or reject this scan' }),
  reason: z.string().max(500).optional().meta({ title: 'Reason (recorded with the decision)' }),
});

/** Whether this call is the resumed round of the approval question (it then answers a scan already started). */
export function answersApproval(ctx: Pick<ToolContext, 'request'>): boolean {
  return Object.keys(ctx.request?.inputResponses ?? {}).some((key) => key.startsWith(APPROVAL_DECISION_KEY_PREFIX));
}

/** What the person is asked: the plan in a few lines, its hash, and what approving does. */
export function approvalQuestion(scanId: string, a: PendingApproval): string {
  const clouds = a.plan.clouds.map((c) => `${c.target_count} ${c.cloud} target(s) × ${c.regions.length || '?'} region(s) ` +
    `(${c.regions.slice(0, 10).join(', ') || 'unknown'}) × ${c.resourceTypes} type source(s)`).join('; ');
  return `Scan ${scanId} waits for approval: ${a.reasons.join('; ')}. Plan ${a.planHash}: ${clouds || 'no targets'}; ` +
    `resource types ${a.plan.resource_types.join(', ')}. About ${a.estimates.calls} API calls, ` +
    `$${a.estimates.spendUsd.toFixed(2)} Cost Explorer charge, ~${a.estimates.durationSeconds}s. ` +
    `Approve to run it now, or reject to cancel it without scanning (unanswered, it is cancelled at ${a.expiresAt}).`;
}

export type ApprovalInChat = { kind: 'approved'; approver: string } | { kind: 'unanswered' };

/**
 * For a scan held at its gate: asks (throws AskClient), or acts on the answer of the resumed call.
 * 'approved': the approve signal was sent, the caller goes on waiting. 'unanswered': answer with the
 * handle as before (the caller may not decide, cannot answer a form, or declined). A rejection sends
 * the reject signal and throws a ToolError saying so (outcome `rejected`).
 */
export async function decideInChat(ctx: ToolContext, scanId: string, pending: PendingApproval): Promise<ApprovalInChat> {
  if (!ctx.request || ctx.mayApprove === false) return { kind: 'unanswered' };
  const answer = inputResponse(ctx.request.inputResponses, approvalDecisionKey(pending.planHash));
  if (answer.kind === 'elicit') {
    const content = approvalDecisionSchema.safeParse(answer.content ?? {});
    if (answer.action !== 'accept' || !content.success) return { kind: 'unanswered' };
    const approver = deciderOf(ctx);
    const reason = content.data.reason?.trim();
    if (content.data.decision === 'reject') {
      const why = reason || 'rejected when asked in chat';
      await rejectComplianceScan(ctx.temporal, scanId, { approver, reason: why });
      throw new ToolError(`Scan ${scanId} was rejected by ${approver} (${why}): it is cancelled without scanning.`, undefined, 'rejected');
    }
    await approveComplianceScan(ctx.temporal, scanId, { approver, planHash: pending.planHash, ...(reason ? { note: reason } : {}) });
    return { kind: 'approved', approver };
  }
  if (!canAnswerForm(ctx.request.clientCapabilities)) return { kind: 'unanswered' };
  throw new AskClient(inputRequired({
    inputRequests: {
      [approvalDecisionKey(pending.planHash)]: inputRequired.elicit({ message: approvalQuestion(scanId, pending), requestedSchema: approvalDecisionSchema }),
    },
  }));
}

/**
 * The tools' one call for an outcome that is not done: a held scan is put to a caller who may
 * decide; once approved, `waitAgain` gives the outcome the tool answers with as usual.
 */
export async function decideHeldScan(ctx: ToolContext, outcome: ScanOutcome,
  waitAgain: (scanId: string) => Promise<ScanOutcome>): Promise<{ outcome: ScanOutcome; approvedBy?: string }> {
  if (outcome.state !== 'running' || outcome.progress.phase !== 'awaiting_approval' || !outcome.progress.approval) return { outcome };
  const decision = await decideInChat(ctx, outcome.scanId, outcome.progress.approval);
  if (decision.kind !== 'approved') return { outcome };
  await approvalTaken(ctx, outcome.scanId);
  return { outcome: await waitAgain(outcome.scanId), approvedBy: decision.approver };
}

/** The scan a start just made or joined, once past planning (or after a short bound): held ones are put to the caller. */
export async function decideStartedScan(ctx: ToolContext, scanId: string): Promise<{ approvedBy?: string }> {
  const canAsk = ctx.request && ctx.mayApprove !== false && (answersApproval(ctx) || canAnswerForm(ctx.request.clientCapabilities));
  if (!canAsk) return {};
  for (const deadline = Date.now() + PLANNING_WAIT_MS; ;) {
    // No worker answering (down, or busy): the caller gets the id at once rather than waiting on it.
    const progress = await bounded(ctx.temporal, RPC_DEADLINE_MS, () => scanProgress(ctx.temporal, scanId)).catch(() => undefined);
    if (!progress) return {};
    if (progress.phase !== 'planning') {
      const decided = await decideHeldScan(ctx, { state: 'running', scanId, progress }, async () => ({ state: 'running', scanId, progress }) as const);
      return decided.approvedBy ? { approvedBy: decided.approvedBy } : {};
    }
    if (Date.now() > deadline) return {};
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * The reply's text with what happened at the gate: who approved in this call, or, for a scan still
 * held with another plan than the caller's approved_plan_hash, that the plan changed.
 */
export function withGateNote<T extends { text: string; structured: object }>(reply: T, gate: { approvedBy?: string; approvedPlanHash?: string }): T {
  const held = (reply.structured as { approval?: { plan_hash?: string } }).approval?.plan_hash;
  const changed = gate.approvedPlanHash && held && held !== gate.approvedPlanHash
    ? ` The plan changed: the scan waits with plan ${held}, not ${gate.approvedPlanHash} (approved_plan_hash); it still needs approval.` : '';
  const approved = gate.approvedBy ? `Approved by ${gate.approvedBy}. ` : '';
  return approved || changed ? { ...reply, text: `${approved}${reply.text}${changed}` } : reply;
}
