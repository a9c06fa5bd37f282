// Starting a scan within the caller's scans-per-day quota: a unit is taken before the start (so
// two replicas cannot both start the last scan of the day) and given back when the start only
// joined a run already going, or failed. A caller whose day is used up may still join a scan that
// is running under the same id: that starts nothing.
import { WorkflowNotFoundError } from '@temporalio/client';
import { scanHandle, scanWorkflowIdFor, startComplianceScan, type StartScanOptions } from '../../client/scans.js';
import { normaliseScope } from '../../core/scope.js';
import type { complianceScan } from '../../workflows/contract.js';
import type { ToolContext } from '../context.js';
import { QuotaExceeded } from './principal-quotas.js';

type Started = Awaited<ReturnType<typeof startComplianceScan>>;

/** startComplianceScan, counted against ctx.quota when the call carries one (MCP calls do; the CLI does not). */
export async function startScanWithinQuota(ctx: Pick<ToolContext, 'temporal' | 'config' | 'quota'>, opts: StartScanOptions): Promise<Started> {
  if (!ctx.quota) return startComplianceScan(ctx.temporal, ctx.config, opts);
  // One instant for the id checked on refusal and the id started, so both name the same run.
  const now = opts.now ?? new Date();
  let reservation;
  try {
    reservation = await ctx.quota.reserveScan();
  } catch (err) {
    if (err instanceof QuotaExceeded) return joinOrRefuse(ctx, { ...opts, now }, err);
    throw err;
  }
  try {
    const started = await startComplianceScan(ctx.temporal, ctx.config, { ...opts, now });
    if (!started.started) await reservation.release();
    return started;
  } catch (err) {
    await reservation.release();
    throw err;
  }
}

/** Out of scans today: join the run of this request if one is running (which starts nothing), else refuse. */
async function joinOrRefuse(ctx: Pick<ToolContext, 'temporal' | 'config'>, opts: StartScanOptions & { now: Date }, refusal: QuotaExceeded): Promise<Started> {
  const scope = 'resourceTypes' in opts.scope ? opts.scope : normaliseScope(opts.scope);
  const workflowId = scanWorkflowIdFor(scope, { ...opts, now: opts.now });
  const described = await scanHandle(ctx.temporal, workflowId).describe().catch((err: unknown) => {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  });
  if (described?.status.name !== 'RUNNING') throw refusal;
  const firstExecutionRunId = described.raw.workflowExecutionInfo?.firstRunId || described.runId;
  const handle = ctx.temporal.workflow.getHandle<typeof complianceScan>(workflowId, undefined, { firstExecutionRunId });
  return { workflowId, handle: Object.assign(handle, { firstExecutionRunId }), started: false };
}
