// The gateway's side of a scan: serve a fresh stored result of the same scope, or start (or
// join) the workflow and wait for it up to a bound, reporting progress while it runs. A scan
// still running when the wait ends is returned as a handle for get_scan_status.
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { scopeHash } from '../core/scan-id.js';
import { normaliseScope, ScopeError, type ScanScope, type ScopeInput } from '../core/scope.js';
import type { ScanRecord } from '../store/index.js';
import type { ComplianceScanResult, ScanProgress } from '../workflows/types.js';
import type { ToolContext } from './context.js';
import { ToolError } from './errors.js';
import { scanProgress, startComplianceScan } from './scan-client.js';

const POLL_MS = 500;

/** Scope parameters every scanning tool accepts: the peer's, plus accounts, regions and cloud_provider. */
export const scopeParams = {
  resource_types: z.array(z.string().min(1).max(100)).min(1).max(200)
    .describe('Resource types as service:kind (e.g. ec2:instance, s3:bucket, rds:db), wildcards such as ec2:*, or ["all"]'),
  filters: z.object({
    region: z.string().max(32).optional(),
    account_id: z.string().max(12).optional(),
  }).strict().optional().describe('Narrow the scope to one region and/or one account (the peer\'s filters)'),
  accounts: z.array(z.string().max(12)).max(10_000).optional()
    .describe('12-digit AWS account ids; default: every configured account, or the whole organisation'),
  regions: z.array(z.string().max(32)).max(64).optional().describe('Region codes; default: every opted-in region'),
  cloud_provider: z.enum(['aws', 'azure', 'gcp']).default('aws').describe('Cloud to scan; only aws is scanned today'),
};

export const waitParams = {
  wait_seconds: z.number().min(0).max(300).optional()
    .describe('How long to wait for a scan before returning a scan id to poll with get_scan_status (default 20)'),
};

export interface ScopeArgs {
  resource_types: string[];
  filters?: { region?: string; account_id?: string };
  accounts?: string[];
  regions?: string[];
  cloud_provider?: 'aws' | 'azure' | 'gcp';
}

export function scopeOf(args: ScopeArgs): ScanScope {
  const input: ScopeInput = {
    clouds: [args.cloud_provider ?? 'aws'],
    resource_types: args.resource_types,
    ...(args.accounts ? { accounts: args.accounts } : {}),
    ...(args.regions ? { regions: args.regions } : {}),
    ...(args.filters ? { filters: args.filters } : {}),
  };
  try {
    const scope = normaliseScope(input);
    if (!scope.clouds.includes('aws')) throw new ToolError(`cloud_provider "${args.cloud_provider}" is not scanned yet: only aws is`);
    return scope;
  } catch (err) {
    if (err instanceof ScopeError) throw new ToolError(`invalid scope: ${err.message}`);
    if (err instanceof z.ZodError) {
      const issue = err.issues[0]!;
      throw new ToolError(`invalid ${issue.path.map(String).join('.') || 'scope'}: ${issue.message}`);
    }
    throw err;
  }
}

export type ScanOutcome =
  | { state: 'done'; scan: ScanRecord; cached: boolean }
  | { state: 'running'; scanId: string; progress: ScanProgress };

export interface ScanRequest {
  scope: ScanScope;
  forceRefresh?: boolean;
  storeSnapshot?: boolean;
  waitSeconds?: number;
}

export function progressText(p: ScanProgress): string {
  return `${p.phase}: ${p.shardsDone}/${p.shardsTotal} shards, ${p.accountsDone}/${p.accountsTotal} accounts, ` +
    `${p.resourcesSeen} resources${p.failuresTotal ? `, ${p.failuresTotal} failed targets` : ''}`;
}

/** A fresh stored result of the scope, or the scan's result within the wait, or a handle. */
export async function resolveScan(ctx: ToolContext, req: ScanRequest): Promise<ScanOutcome> {
  if (!req.forceRefresh && !req.storeSnapshot) {
    const hash = scopeHash(req.scope);
    const cached = ctx.scanMemo
      ? await ctx.scanMemo.latest(hash)
      : await ctx.store.latestCompletedScan(hash, { maxAgeSeconds: ctx.config.gateway.cacheTtlSeconds });
    if (cached) return { state: 'done', scan: cached, cached: true };
  }
  const { workflowId } = await startComplianceScan(ctx.temporal, ctx.config, {
    scope: req.scope, storeSnapshot: req.storeSnapshot, fresh: req.forceRefresh,
  });
  return awaitScan(ctx, workflowId, req.waitSeconds ?? ctx.config.gateway.defaultWaitSeconds);
}

/** Waits up to waitSeconds for the workflow, sending progress notifications meanwhile. */
export async function awaitScan(ctx: ToolContext, workflowId: string, waitSeconds: number): Promise<ScanOutcome> {
  // The long poll for the result is aborted when we return, so a scan still running leaves no
  // call behind on the shared Temporal connection.
  const abort = new AbortController();
  try {
    return await waitForScan(ctx, workflowId, waitSeconds, abort.signal);
  } finally {
    abort.abort();
  }
}

async function waitForScan(ctx: ToolContext, workflowId: string, waitSeconds: number, signal: AbortSignal): Promise<ScanOutcome> {
  const handle = ctx.temporal.workflow.getHandle(workflowId);
  const deadline = Date.now() + waitSeconds * 1000;
  let result: ComplianceScanResult | undefined;
  let notFound = false;
  let finished = false;
  const done = ctx.temporal.withAbortSignal(signal, () => handle.result()).then((r: ComplianceScanResult) => { result = r; }, (err: unknown) => {
    notFound = err instanceof WorkflowNotFoundError;
  }).finally(() => { finished = true; });
  for (;;) {
    const progress = await scanProgress(ctx.temporal, workflowId).catch(() => undefined);
    if (progress) await ctx.progress(progress.shardsDone, progress.shardsTotal || undefined, progressText(progress));
    const remaining = deadline - Date.now();
    if (finished || remaining <= 0 || ctx.signal?.aborted) break;
    await Promise.race([done, new Promise((r) => setTimeout(r, Math.min(POLL_MS, remaining)))]);
    if (finished) break;
  }
  if (finished && result) {
    const scan = await ctx.store.getScan(result.scanId);
    if (scan?.status === 'completed') ctx.scanMemo?.forget(scan.scopeHash); // it is now the newest of its scope
    if (scan) return { state: 'done', scan, cached: false };
  }
  const missing = () => new ToolError(`no scan with id ${workflowId}: check the id with list_scans`);
  if (notFound) throw missing();
  if (finished && !result) {
    const described = await handle.describe().catch(() => undefined);
    throw new ToolError(`scan ${workflowId} ended ${described?.status.name.toLowerCase() ?? 'without a result'}; ` +
      'start it again, or see it in the Temporal Web UI');
  }
  const progress = await scanProgress(ctx.temporal, workflowId).catch((err: unknown) => {
    throw err instanceof WorkflowNotFoundError ? missing() : err;
  });
  return { state: 'running', scanId: workflowId, progress };
}
