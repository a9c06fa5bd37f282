// The scanning tools' dry run and approved-plan parameters: `dry_run: true` answers with the plan a
// scan of the scope would run (discovery calls only, nothing scanned or stored), its hash, the
// estimates and whether it would wait for approval; `approved_plan_hash` lets a scan whose plan
// still has that hash skip the wait.
import { z } from 'zod';
import type { ScanScope } from '../../core/scope.js';
import { planComplianceScan, type StartApproval } from '../../client/scan-approval.js';
import type { ToolContext } from '../context.js';
import { assertScopeAllowed } from '../allowed-accounts.js';
import { dryRunText, dryRunView } from './approval-views.js';

export const dryRunParams = {
  dry_run: z.boolean().optional()
    .describe('true: scan nothing; return the plan (clouds, targets, regions, resource types), its plan_hash, the estimated API ' +
      'calls, Cost Explorer charge and duration, and whether the scan would wait for approval'),
  approved_plan_hash: z.string().regex(/^[0-9a-f]{16}$/).optional()
    .describe('The plan_hash of a dry run a person approved: the scan does not wait for approval while its plan is unchanged'),
};

/** The dry run's reply for a scope, after the same allowed-set check a real start makes. */
export async function dryRunOf(ctx: ToolContext, scope: ScanScope, costExplorerRequests = 0) {
  await assertScopeAllowed(ctx, scope);
  const { verdict, unplanned } = await planComplianceScan(ctx.temporal, ctx.config, scope, costExplorerRequests);
  const view = dryRunView(verdict);
  const missing = unplanned.map((f) => `${f.account}: ${f.errorType}`);
  return {
    structured: { ...view, ...(missing.length ? { unplanned: missing } : {}) },
    text: dryRunText(verdict) + (missing.length ? ` Not plannable: ${missing.join('; ')}.` : ''),
  };
}

/** What a start carries about approval: the caller's approved hash, held by the caller. */
export function startApprovalOf(ctx: ToolContext, approvedPlanHash: string | undefined): StartApproval | undefined {
  return approvedPlanHash ? { planHash: approvedPlanHash, by: ctx.actor ?? ctx.sessionId ?? 'caller' } : undefined;
}
