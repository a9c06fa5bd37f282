// The gateway's side of a scan: serve a fresh stored result of the same scope, or start (or
// join) the workflow and wait for it up to a bound, reporting progress while it runs. A scan
// still running when the wait ends is returned as a handle for get_scan_status.
import { WorkflowNotFoundError } from '@temporalio/client';
import { scopeHash } from '../../core/scan-id.js';
import type { ScanScope } from '../../core/scope.js';
import type { ScanRecord } from '../../store/index.js';
import type { Config } from '../../config/index.js';
import type { StartApproval } from '../../client/scan-approval.js';
import { runningForcedScan, scanHandle, scanProgress, type ComplianceScanResult } from '../../client/scans.js';
import { emptyScanProgress } from '../../core/scan.js';
import type { ToolContext } from '../context.js';
import { assertScopeAllowed } from '../allowed-accounts.js';
import { ToolError } from '../errors.js';
import { startScanWithinQuota } from '../quotas/scan-start.js';
import { retryingShards, type LiveProgress } from './live-progress.js';
import { releaseJoinedScan } from './joined-approval.js';
import { bounded, cannotStart, isTemporalUnavailable, QUERY_DEADLINE_MS, RPC_DEADLINE_MS, START_DEADLINE_MS, statusUnknown } from './temporal-reach.js';

const POLL_MS = 500;
/** Retrying shards are looked up (one describe per running account) every this many polls. */
const RETRYING_EVERY = 10;
/** Recent scans searched for a completed one when Temporal cannot be asked. */
const STORE_FALLBACK_SCANS = 500;

export type ScanOutcome =
  | { state: 'done'; scan: ScanRecord; cached: boolean }
  | { state: 'running'; scanId: string; progress: LiveProgress };

export interface ScanRequest {
  scope: ScanScope;
  forceRefresh?: boolean;
  storeSnapshot?: boolean;
  waitSeconds?: number;
  /** An approved plan hash the start carries (the approval gate skips its wait while the plan is unchanged). */
  approval?: StartApproval;
}

export function progressText(p: LiveProgress): string {
  const retrying = p.retrying?.length ? `, ${p.retrying.length} shard(s) retrying (last: ${p.retrying[0]!.lastError})` : '';
  return `${p.phase}: ${p.shardsDone}/${p.shardsTotal} shards, ${p.accountsDone}/${p.accountsTotal} accounts, ` +
    `${p.resourcesSeen} resources${p.failuresTotal ? `, ${p.failuresTotal} failed targets` : ''}${retrying}`;
}

/**
 * Whether a stored completed scan may answer as a cached result: a partial one (targets it could
 * not read) only for gateway.partialCacheTtlSeconds, so an outage's gaps are not served for an hour.
 */
export function servesFromCache(scan: ScanRecord, config: Config, now = Date.now()): boolean {
  if (scan.dataQuality?.status !== 'partial') return true;
  return scan.finishedAt !== null && Date.parse(scan.finishedAt) >= now - config.gateway.partialCacheTtlSeconds * 1000;
}

/**
 * The one cache-or-start of the gateway (tools and tasks): a fresh stored result of the scope, else
 * the workflow id of the scan that will answer it, started or joined.
 */
export async function findOrStartScan(ctx: ToolContext, req: ScanRequest): Promise<{ cached: ScanRecord } | { workflowId: string }> {
  if (!req.forceRefresh && !req.storeSnapshot) {
    const hash = scopeHash(req.scope);
    const cached = ctx.scanMemo
      ? await ctx.scanMemo.latest(hash)
      : await ctx.store.latestCompletedScan(hash, { maxAgeSeconds: ctx.config.gateway.cacheTtlSeconds });
    if (cached && servesFromCache(cached, ctx.config)) return { cached };
    // A partial result past its short TTL is usually from this same time bucket, whose workflow id
    // would give the partial run back: scan again as a fresh run, as force_refresh does.
    if (cached) req = { ...req, forceRefresh: true };
  }
  // Before any workflow starts: accounts outside the allowed set, or over the caps, are refused.
  await assertScopeAllowed(ctx, req.scope);
  return { workflowId: await startOrJoin(ctx, req) };
}

/** A fresh stored result of the scope, or the scan's result within the wait, or a handle. */
export async function resolveScan(ctx: ToolContext, req: ScanRequest): Promise<ScanOutcome> {
  const found = await findOrStartScan(ctx, req);
  if ('cached' in found) return { state: 'done', scan: found.cached, cached: true };
  return awaitScan(ctx, found.workflowId, req.waitSeconds ?? ctx.config.gateway.defaultWaitSeconds);
}

/** The workflow id of the scan to wait for: a forced call joins a forced run of its scope still going. */
async function startOrJoin(ctx: ToolContext, req: ScanRequest): Promise<string> {
  try {
    return await bounded(ctx.temporal, START_DEADLINE_MS, async () => {
      if (req.forceRefresh) {
        const running = await runningForcedScan(ctx.temporal, req.scope, req.storeSnapshot ?? false).catch((err: unknown) => {
          if (isTemporalUnavailable(err)) throw err;
          ctx.logger.warn({ err: String(err) }, 'visibility lookup of running forced scans failed; starting a new run');
          return undefined;
        });
        if (running) {
          await releaseJoinedScan(ctx, running, req.approval);
          return running;
        }
      }
      const { workflowId, started } = await startScanWithinQuota(ctx, {
        scope: req.scope, storeSnapshot: req.storeSnapshot, fresh: req.forceRefresh, approval: req.approval,
      });
      // A join: the approved hash rode in the first starter's input, not this one's.
      if (!started) await releaseJoinedScan(ctx, workflowId, req.approval);
      return workflowId;
    });
  } catch (err) {
    throw isTemporalUnavailable(err) ? cannotStart(err) : err;
  }
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

type Polled = { progress: LiveProgress; error?: undefined } | { progress?: undefined; error: unknown };

/** The progress query (and, when asked, the retrying shards), bounded so a dead server cannot stall the wait. */
function poll(ctx: ToolContext, workflowId: string, withRetrying: boolean): Promise<Polled> {
  return bounded(ctx.temporal, QUERY_DEADLINE_MS, async () => {
    const progress: LiveProgress = await scanProgress(ctx.temporal, workflowId);
    if (withRetrying) {
      progress.retrying = progress.scanId && progress.runningAccounts.length
        ? await retryingShards(ctx.temporal, progress.scanId, progress.runningAccounts).catch(() => [])
        : [];
    }
    return { progress };
  }).catch((error: unknown) => ({ error }));
}

async function waitForScan(ctx: ToolContext, workflowId: string, waitSeconds: number, signal: AbortSignal): Promise<ScanOutcome> {
  const handle = scanHandle(ctx.temporal, workflowId);
  const deadline = Date.now() + waitSeconds * 1000;
  let result: ComplianceScanResult | undefined;
  let failure: unknown;
  let finished = false;
  const done = ctx.temporal.withAbortSignal(signal, () => handle.result()).then((r: ComplianceScanResult) => { result = r; }, (err: unknown) => {
    failure = err;
  }).finally(() => { finished = true; });
  // The scan id goes out first, so a client whose connection drops mid-wait still knows what to poll.
  await ctx.progress(0, undefined, `scan_id ${workflowId}: waiting for the scan`);
  let polled: Polled;
  let lastProgress: LiveProgress | undefined;
  for (let round = 0; ; round++) {
    polled = await poll(ctx, workflowId, round % RETRYING_EVERY === 0);
    const p = polled.progress;
    if (p) lastProgress = p;
    if (p) await ctx.progress(p.shardsDone, p.shardsTotal || undefined, `scan_id ${workflowId}: ${progressText(p)}`);
    const remaining = deadline - Date.now();
    // A scan waiting for approval will not finish within any wait: hand back its plan now.
    if (finished || remaining <= 0 || ctx.signal?.aborted || p?.phase === 'awaiting_approval') break;
    await Promise.race([done, new Promise((r) => setTimeout(r, Math.min(POLL_MS, remaining)))]);
    if (finished) break;
  }
  if (finished && result) {
    const scan = await ctx.store.getScan(result.scanId);
    if (scan?.status === 'completed') ctx.scanMemo?.forget(scan.scopeHash); // it is now the newest of its scope
    if (scan) return { state: 'done', scan, cached: false };
  }
  const missing = () => new ToolError(`no scan with id ${workflowId}: check the id with list_scans`);
  if (failure instanceof WorkflowNotFoundError || polled.error instanceof WorkflowNotFoundError) throw missing();
  // A result poll cut by an outage is not an end: the scan runs on while its progress answers.
  if ((!finished || isTemporalUnavailable(failure)) && polled.progress) {
    // The final reply lists retrying shards even when the last notification round did not look.
    const last = polled.progress.retrying ? polled : await poll(ctx, workflowId, true);
    return { state: 'running', scanId: workflowId, progress: last.progress ?? polled.progress };
  }
  // No result and no progress: describe needs no worker, so it tells an outage from an ended scan.
  const described = await bounded(ctx.temporal, RPC_DEADLINE_MS, () => handle.describe())
    .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  if (described instanceof WorkflowNotFoundError) throw missing();
  if (described instanceof Error) return answerWithoutTemporal(ctx, workflowId, described);
  if (described.status.name === 'RUNNING') {
    // Running, but no worker answered the query yet (starting, busy or replaced): nothing is known
    // beyond what the scan had before any worker reported, which is what the reply says.
    return { state: 'running', scanId: workflowId, progress: lastProgress ?? emptyScanProgress() };
  }
  throw new ToolError(`scan ${workflowId} ended ${described.status.name.toLowerCase()} without a stored result; ` +
    'start it again, or see it in the Temporal Web UI');
}

/**
 * Temporal did not answer: the stored row is the only other witness. A completed scan answers from
 * it; otherwise the status is unknown (never "ended": the scan may finish while Temporal is away).
 */
async function answerWithoutTemporal(ctx: ToolContext, workflowId: string, err: unknown): Promise<ScanOutcome> {
  if (!isTemporalUnavailable(err)) throw err;
  // The newest completed scan of its scope (the id carries the scope hash), else the recent scans.
  const hash = /^scan-[a-z]+-([0-9a-f]{12})-/.exec(workflowId)?.[1];
  const newest = hash ? await ctx.store.latestCompletedScan(hash) : undefined;
  const stored = newest?.workflowId === workflowId ? newest
    : (await ctx.store.listScans({ limit: STORE_FALLBACK_SCANS })).find((s) => s.workflowId === workflowId && s.status === 'completed');
  if (stored) return { state: 'done', scan: stored, cached: false };
  throw statusUnknown(workflowId, err);
}
