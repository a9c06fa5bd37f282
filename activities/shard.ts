// The shard activity, for every cloud: pages one shard of one target through its cloud's scanner,
// evaluates each resource and upserts it by (scan id, resource id). It heartbeats its page token
// with the counts so far, so a retried attempt resumes from the last page it wrote; it returns
// only counts, never resources.
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { CloudCalls } from '../core/cloud-calls.js';
import { evaluate } from '../core/compliance/index.js';
import type { ShardCounts } from '../core/scan.js';
import { encodeScanResourceRows, type Store } from '../store/index.js';
import type { CompiledPolicyCache } from '../store/policy-file.js';
import { CallCounter, countingCalls } from '../cloud/call-count.js';
import type { CloudScanner, CloudScanners, ShardPage, ShardSpec } from '../cloud/scanner.js';
import { notFound } from './errors.js';
import { withCalls } from './failure-calls.js';
import { toRow } from './rows.js';

export interface ShardInput {
  scanId: string;
  policyVersionId: number;
  cloud: string;
  target: string;
  shard: ShardSpec;
}

export interface ShardSummary extends ShardCounts {
  pages: number;
  /** Cloud API requests sent, per API (`s3:ListBuckets` …), retries and earlier attempts included. */
  calls: CloudCalls;
}

/** Heartbeat details: where to resume, and what was counted up to there. */
interface Checkpoint extends Omit<ShardSummary, 'calls'> {
  token?: string;
  /** Requests sent so far (not only up to the token): a resumed attempt keeps counting from them. */
  calls?: CloudCalls;
}

/** Rows per upsert: a few pages' worth, well under the store's batch size. */
const FLUSH_ROWS = 1000;

function isCheckpoint(details: unknown): details is Checkpoint {
  // Attempts of activities from before the seam heartbeated other shapes: those start over.
  return typeof details === 'object' && details !== null && typeof (details as Checkpoint).pages === 'number';
}

export interface ShardDeps {
  store: Store;
  policies: CompiledPolicyCache;
  /**
   * Aborted when this worker begins to shut down: a shard then writes the pages it has read,
   * heartbeats their token and fails its attempt at once, so another worker resumes from that page
   * instead of waiting for a heartbeat timeout.
   */
  draining?: AbortSignal;
}

/** The failure type of a shard attempt given up because its worker shut down; Temporal retries it elsewhere. */
export const WORKER_SHUTDOWN_FAILURE = 'WorkerShutdown';

/** Runs one shard in the current activity; `where` names it in logs and failures. */
export async function runShard(deps: ShardDeps, scanner: CloudScanner, input: ShardInput): Promise<ShardSummary> {
  const ctx = Context.current();
  const where = `${input.target}/${input.shard.region}/${input.shard.label}`;
  const compiled = await deps.policies.get(input.policyVersionId);
  if (!compiled) throw notFound(`policy version ${input.policyVersionId} does not exist`);

  const resumed = isCheckpoint(ctx.info.heartbeatDetails) ? ctx.info.heartbeatDetails : undefined;
  let at: Checkpoint = resumed ? { token: resumed.token, resources: resumed.resources, compliant: resumed.compliant, pages: resumed.pages }
    : { resources: 0, compliant: 0, pages: 0 };
  const calls = new CallCounter(resumed?.calls);
  const heartbeat = () => ctx.heartbeat({ ...at, calls: calls.snapshot() } satisfies Checkpoint);
  if (resumed) ctx.log.info('resuming shard from its last written page', { where, pages: resumed.pages });
  // Pages are buffered up to FLUSH_ROWS rows per write (one round trip instead of ten), each
  // encoded as it arrives: a flat string per page keeps the heap small and cheap to collect.
  // The checkpoint advances only past pages that were written.
  let pending: string[] = [];
  let pendingRows = 0;
  let pendingCompliant = 0;
  let pendingPages = 0;
  let token = at.token;
  // A page call can be slower than the heartbeat timeout (throttled retries, a slow endpoint):
  // a timer keeps the attempt alive while it waits, so only a dead worker misses heartbeats.
  // Draining (this worker stops polling), or the SDK cancelling after the grace period for the same reason.
  const shuttingDown = () => deps.draining?.aborted === true || ctx.cancellationDetails?.workerShutdown === true;
  const heartbeatMs = ctx.info.heartbeatTimeoutMs;
  const keepAlive = heartbeatMs ? setInterval(heartbeat, Math.max(1000, heartbeatMs / 3)) : undefined;
  try {
    for (;;) {
      let page: ShardPage;
      try {
        page = await countingCalls(calls, () => scanner.fetchPage(input.target, input.shard, token));
      } catch (err) {
        // A token can outlive its server-side state; the rows are upserts, so start over.
        if (token && scanner.isExpiredToken(err)) {
          at = { resources: 0, compliant: 0, pages: 0 };
          token = undefined;
          pending = []; pendingRows = 0; pendingCompliant = 0; pendingPages = 0;
          continue;
        }
        throw withCalls(scanner.toFailure(err, where), calls.snapshot());
      }
      const rows = page.resources.map((resource) => {
        const result = evaluate(compiled, resource);
        if (result.compliant) pendingCompliant++;
        return toRow(resource, result.compliant, result.findings);
      });
      pending.push(encodeScanResourceRows(input.scanId, rows));
      pendingRows += rows.length;
      pendingPages++;
      token = page.next;
      const leaving = shuttingDown();
      if (pendingRows >= FLUSH_ROWS || !token || leaving) {
        // A cancelled or ended scan (its workflow gone) must not gain rows after it closed; a
        // worker shutting down is not that: its rows belong to a scan that goes on elsewhere.
        if (ctx.cancellationSignal.aborted && !leaving) throw new CancelledFailure(`shard ${where} cancelled`);
        await deps.store.writeScanResources(pending.join(''));
        at = { token, pages: at.pages + pendingPages, resources: at.resources + pendingRows, compliant: at.compliant + pendingCompliant };
        pending = []; pendingRows = 0; pendingCompliant = 0; pendingPages = 0;
      }
      heartbeat();
      if (!token) break;
      if (leaving) {
        // The failure carries the checkpoint too: Temporal keeps it as the attempt's last heartbeat,
        // even when the throttled heartbeat above was not sent yet.
        throw ApplicationFailure.create({
          type: WORKER_SHUTDOWN_FAILURE,
          message: `worker shutting down: shard ${where} stops after page ${at.pages}; another worker resumes from there`,
        });
      }
      if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`shard ${where} cancelled`);
    }
  } finally {
    clearInterval(keepAlive);
  }
  return { resources: at.resources, compliant: at.compliant, pages: at.pages, calls: calls.snapshot() };
}

export function createShardActivities(deps: ShardDeps, scanners: CloudScanners) {
  return {
    /** One shard of one target of any cloud. */
    async scanShard(input: ShardInput): Promise<ShardSummary> {
      return runShard(deps, scanners.get(input.cloud), input);
    },
  };
}
