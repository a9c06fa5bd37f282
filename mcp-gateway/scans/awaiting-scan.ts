// The approval tools' shared first step: the scan named must exist and be waiting at its gate.
import { WorkflowNotFoundError } from '@temporalio/client';
import type { PendingApproval } from '../../core/scan.js';
import { scanProgress } from '../../client/scans.js';
import type { ToolContext } from '../context.js';
import { ToolError } from '../errors.js';

/** The plan the scan waits with; a ToolError when it does not exist or is not waiting. */
export async function awaitingApproval(ctx: ToolContext, scanId: string): Promise<PendingApproval> {
  const progress = await scanProgress(ctx.temporal, scanId).catch((err: unknown) => {
    if (err instanceof WorkflowNotFoundError) throw new ToolError(`no scan with id ${scanId}: check the id with list_scans`);
    throw err;
  });
  if (progress.phase !== 'awaiting_approval' || !progress.approval) {
    throw new ToolError(`scan ${scanId} is not awaiting approval (it is ${progress.phase}): there is nothing to decide`);
  }
  return progress.approval;
}

/** Who decides: the caller's principal (the audit actor), else what the call named. */
export function deciderOf(ctx: ToolContext, named?: string): string {
  return named?.trim() || ctx.actor || ctx.sessionId || 'unknown';
}
