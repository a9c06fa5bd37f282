// The shard activity: pages one source (the Tagging API, or one service's list API) in one
// account and region, evaluates each resource and upserts it by (scan id, resource id).
// It heartbeats its page token with the counts so far, so a retried attempt resumes from the
// last page it finished; it returns only counts, never resources.
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { parseArn, regionOfArn } from '../../core/aws/arn.js';
import { isGlobalType, isListedType, typeSelected } from '../../core/aws/resource-types.js';
import { shardLabel, type ShardSource } from '../../core/aws/shards.js';
import type { CloudCalls } from '../../core/cloud-calls.js';
import { evaluate } from '../../core/compliance/index.js';
import type { Resource } from '../../core/resource.js';
import type { ShardCounts } from '../../core/scan.js';
import { encodeScanResourceRows, type Store } from '../../store/index.js';
import { notFound } from '../errors.js';
import { toRow } from '../inventory.js';
import type { CompiledPolicyCache } from '../../store/policy-file.js';
import type { AwsClients } from '../../cloud/aws/clients.js';
import { CallCounter, countingCalls } from '../../cloud/call-count.js';
import { toActivityFailure } from '../../cloud/aws/errors.js';
import { LISTERS, type ListPage } from '../../cloud/aws/listers.js';
import { getResourcesPage, tagsOf } from '../../cloud/aws/tags.js';

export interface AwsShardInput {
  scanId: string;
  policyVersionId: number;
  accountId: string;
  region: string;
  source: ShardSource;
}

/** Rows per upsert: a few pages' worth, well under the store's batch size. */
const FLUSH_ROWS = 1000;

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

function fromMapping(accountId: string, arn: string, tags: Record<string, string>): Resource | undefined {
  let parts;
  try {
    parts = parseArn(arn);
  } catch {
    return undefined; // not an ARN we can place; the Tagging API only returns ARNs, so this is defensive
  }
  return { cloud: 'aws', account: parts.accountId || accountId, region: regionOfArn(parts), type: parts.type, id: arn, name: tags.Name ?? parts.name, tags };
}

async function fetchPage(clients: AwsClients, input: AwsShardInput, token: string | undefined): Promise<ListPage> {
  const source = input.source;
  const ctx = { clients, accountId: input.accountId, region: input.region, ...(source.kind === 'service' && source.regions ? { onlyRegions: source.regions } : {}) };
  if (source.kind === 'service') return LISTERS[source.resourceType](ctx, token);
  const page = await getResourcesPage(clients.client('tagging', input.accountId, input.region), source.filters, token);
  const resources: Resource[] = [];
  for (const m of page.mappings) {
    const r = fromMapping(input.accountId, m.ResourceARN ?? '', tagsOf(m.Tags));
    if (!r || isListedType(r.type) || !typeSelected(r.type, source.requested)) continue;
    if (isGlobalType(r.type) && !source.includeGlobal) continue;
    resources.push(r);
  }
  return { resources, next: page.next };
}

const isExpiredToken = (err: unknown) => ['PaginationTokenExpiredException', 'InvalidPaginationToken', 'InvalidNextToken']
  .includes((err as Error)?.name);

export function createShardActivity(store: Store, policies: CompiledPolicyCache, clients: AwsClients) {
  return {
    async scanAwsShard(input: AwsShardInput): Promise<ShardSummary> {
      const ctx = Context.current();
      const where = `${input.accountId}/${input.region}/${shardLabel(input.source)}`;
      const compiled = await policies.get(input.policyVersionId);
      if (!compiled) throw notFound(`policy version ${input.policyVersionId} does not exist`);

      const resumed = ctx.info.heartbeatDetails as Checkpoint | undefined;
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
      const heartbeatMs = ctx.info.heartbeatTimeoutMs;
      const keepAlive = heartbeatMs ? setInterval(heartbeat, Math.max(1000, heartbeatMs / 3)) : undefined;
      try {
        for (;;) {
          let page: ListPage;
          try {
            page = await countingCalls(calls, () => fetchPage(clients, input, token));
          } catch (err) {
            // A token can outlive its server-side state; the rows are upserts, so start over.
            if (token && isExpiredToken(err)) {
              at = { resources: 0, compliant: 0, pages: 0 };
              token = undefined;
              pending = []; pendingRows = 0; pendingCompliant = 0; pendingPages = 0;
              continue;
            }
            throw toActivityFailure(err, where);
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
          if (pendingRows >= FLUSH_ROWS || !token) {
            // A cancelled or ended scan (its workflow gone) must not gain rows after it closed.
            if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`shard ${where} cancelled`);
            await store.writeScanResources(pending.join(''));
            at = { token, pages: at.pages + pendingPages, resources: at.resources + pendingRows, compliant: at.compliant + pendingCompliant };
            pending = []; pendingRows = 0; pendingCompliant = 0; pendingPages = 0;
          }
          heartbeat();
          if (!token) break;
          if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`shard ${where} cancelled`);
        }
      } finally {
        clearInterval(keepAlive);
      }
      return { resources: at.resources, compliant: at.compliant, pages: at.pages, calls: calls.snapshot() };
    },
  };
}
