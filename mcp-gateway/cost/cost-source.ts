// The gateway's cost model for a scan: Cost Explorer results (cached in PostgreSQL, each request
// being billed) joined with the scan's SQL aggregates. CE is called here, in the gateway, not in
// an activity: a reply needs 1 + (required tag keys) + 1 requests, each returning at most a few
// thousand small groups and mostly served from the cache, and the scan-sized work (counting rows
// by account, type, state and compliance) runs as SQL in the store. Nothing large is moved, so a
// workflow would add latency and history without taking any load off the gateway.
import type { Expression } from '@aws-sdk/client-cost-explorer';
import { typeSelected } from '../../core/aws/resource-types.js';
import {
  buildCostModel, RESOURCE_LEVEL_SERVICES, resourceLevelWindow, SERVICE_OF_TYPE, summariseTagSpend, tagValueOf,
  type CostGroup, type CostModel, type CostPeriod, type KeyedResource, type ResourceSpend, type ServiceSpend, type TagSpendSummary,
} from '../../core/cost/index.js';
import type { ScanScope } from '../../core/scope.js';
import { allOf, CostExplorer, CostExplorerError, dimensionIn, groupingName, type CeQuery, type CeResult } from '../../cloud/aws/cost-explorer.js';
import { loadActivePolicy } from '../../store/policy-sync.js';
import { canonicalJson, type ScanRecord, type Store } from '../../store/index.js';
import type { AwsClients } from '../../cloud/aws/clients.js';
import type { ToolContext } from '../context.js';
import { ToolError } from '../errors.js';

export interface CeCalls {
  made: number;
  saved_by_cache: number;
}

export type ResourceLevelStatus = 'used' | 'disabled' | 'unavailable' | 'not_needed';

export interface LoadedCost {
  model: CostModel;
  groups: CostGroup[];
  keyed: KeyedResource[];
  tagSpend: TagSpendSummary[];
  calls: CeCalls;
  /** The account whose Cost Explorer answered; null when no AWS cost was asked for. */
  ceAccount: string | null;
  resourceLevel: { status: ResourceLevelStatus; window: CostPeriod; note?: string };
}

const readers = new WeakMap<AwsClients, CostExplorer>();

/** The process's Cost Explorer reader (one per AwsClients), built on first use. */
export function costExplorerFor(ctx: Pick<ToolContext, 'aws' | 'config'>): CostExplorer {
  const aws = ctx.aws;
  if (!aws) throw new ToolError('AWS access is not configured on this gateway, so Cost Explorer cannot be read.');
  let reader = readers.get(aws);
  if (!reader) {
    const c = ctx.config.clouds.aws;
    reader = new CostExplorer(aws, {
      endpoint: c.costExplorer.endpoint ?? c.endpoint ?? process.env.AWS_ENDPOINT_URL,
      accountId: c.costExplorer.accountId, maxAttempts: c.sdkMaxAttempts,
    });
    readers.set(aws, reader);
  }
  return reader;
}

/** One CE query through the cache: a fresh entry answers (its pages counted as saved), else CE does. */
export async function cachedQuery(store: Store, ce: CostExplorer, account: string, q: CeQuery, ttlSeconds: number, calls: CeCalls): Promise<CeResult> {
  const key = {
    account, operation: q.operation, period: `${q.period.start}..${q.period.end}`,
    grouping: `${groupingName(q.groupBy)}/${q.granularity}`, filter: canonicalJson(q.filter ?? null),
  };
  const hit = ttlSeconds > 0 ? await store.getCostCache<CeResult>(key, ttlSeconds) : undefined;
  if (hit) {
    calls.saved_by_cache += hit.pages;
    return hit.result;
  }
  const result = await ce.query(q);
  calls.made += result.pages;
  await store.putCostCache(key, result, result.pages);
  return result;
}

/** Required tag keys of the active policy that apply to AWS, in policy order. */
async function requiredAwsKeys(ctx: ToolContext): Promise<string[]> {
  const loaded = await loadActivePolicy(ctx.store, ctx.config.policy.path);
  return [...new Set(loaded.policy.required_tags.filter((r) => !r.clouds || r.clouds.includes('aws')).map((r) => r.name))];
}

/** Services the scope's resource types map to; undefined for every service (`all`). */
function scopedServices(resourceTypes: readonly string[]): string[] | undefined {
  if (resourceTypes.includes('all')) return undefined;
  return [...new Set(Object.entries(SERVICE_OF_TYPE).filter(([t]) => typeSelected(t, resourceTypes)).map(([, s]) => s))];
}

export interface LoadOptions {
  period: CostPeriod;
  /** Also ask CE for spend by each required tag key. */
  tagSpend: boolean;
  now?: Date;
}

/**
 * The cost model for `scan` over the period. Cost Explorer calls run one after another in a fixed
 * order (services, each tag key, resource level), so a run is reproducible request by request.
 */
export async function loadCost(ctx: ToolContext, scan: ScanRecord, scope: ScanScope, opts: LoadOptions): Promise<LoadedCost> {
  const now = opts.now ?? new Date();
  const window = resourceLevelWindow(now);
  const calls: CeCalls = { made: 0, saved_by_cache: 0 };
  const groups = await ctx.store.costGroups(scan.id);
  const empty = { period: opts.period, resourceTypes: scope.resourceTypes, services: [], resources: [], keyed: [], groups };
  if (!scope.clouds.includes('aws')) {
    return { model: buildCostModel(empty), groups, keyed: [], tagSpend: [], calls, ceAccount: null,
      resourceLevel: { status: 'not_needed', window } };
  }
  const ce = costExplorerFor(ctx);
  const ttl = ctx.config.clouds.aws.costExplorer.cacheTtlSeconds;
  const account = await ce.account().catch((err: unknown) => { throw new ToolError(`cannot tell which account's Cost Explorer to ask: ${String((err as Error).message ?? err)}`); });
  const base: Expression[] = [];
  // A scope naming no accounts covers the configured ones (SCAN_ACCOUNTS), else the whole organisation:
  // spend of linked accounts outside that set is none of this scope's business.
  const accounts = scope.accounts ?? ctx.config.clouds.aws.accounts;
  if (accounts?.length) base.push(dimensionIn('LINKED_ACCOUNT', accounts));
  if (scope.regions?.length) base.push(dimensionIn('REGION', scope.regions));
  const ask = (q: CeQuery) => cachedQuery(ctx.store, ce, account, q, ttl, calls).catch((err: unknown) => {
    if (err instanceof CostExplorerError) {
      ctx.logger.warn({ correlationId: ctx.correlationId, type: err.info.type, detail: err.info.detail }, 'Cost Explorer call failed');
    }
    throw err;
  });

  let bySvc: CeResult;
  try {
    bySvc = await ask({ operation: 'GetCostAndUsage', period: opts.period, granularity: 'MONTHLY',
      groupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }, { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' }], filter: allOf(base) });
  } catch (err) {
    if (err instanceof CostExplorerError) {
      throw new ToolError(`${err.message}. The gateway needs ce:GetCostAndUsage in the management account (see the README, "Cost attribution gap").`);
    }
    throw err;
  }
  const services: ServiceSpend[] = bySvc.groups.map((g) => ({ service: g.keys[0] ?? '', account: g.keys[1] ?? '', amount: g.amount }));

  const tagSpend: TagSpendSummary[] = [];
  if (opts.tagSpend) {
    const svc = scopedServices(scope.resourceTypes);
    const filter = allOf([...(svc ? [dimensionIn('SERVICE', svc)] : []), ...base]);
    for (const key of await requiredAwsKeys(ctx)) {
      const r = await ask({ operation: 'GetCostAndUsage', period: opts.period, granularity: 'MONTHLY', groupBy: [{ Type: 'TAG', Key: key }], filter })
        .catch((err: unknown) => { if (err instanceof CostExplorerError) throw new ToolError(err.message); throw err; });
      tagSpend.push(summariseTagSpend(key, r.groups.map((g) => ({ value: tagValueOf(g.keys[0] ?? ''), amount: g.amount }))));
    }
  }

  let resources: ResourceSpend[] = [];
  let resourceLevel: LoadedCost['resourceLevel'] = { status: 'not_needed', window };
  const priceable = groups.some((g) => g.cloud === 'aws' && (g.resourceType === 'ec2:instance' || g.resourceType === 'rds:db'));
  if (!ctx.config.clouds.aws.costExplorer.resourceLevel) {
    resourceLevel = { status: 'disabled', window, note: 'resource-level figures are turned off (COST_EXPLORER_RESOURCE_LEVEL)' };
  } else if (priceable) {
    try {
      const r = await ask({ operation: 'GetCostAndUsageWithResources', period: window, granularity: 'DAILY',
        groupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }, { Type: 'DIMENSION', Key: 'RESOURCE_ID' }],
        filter: allOf([dimensionIn('SERVICE', [...RESOURCE_LEVEL_SERVICES]), ...base]) });
      resources = r.groups.map((g) => ({ service: g.keys[0] ?? '', resourceKey: g.keys[1] ?? '', amount: g.amount }));
      resourceLevel = { status: 'used', window };
    } catch (err) {
      // Without the opt-in (or the permission) the service averages still answer.
      if (!(err instanceof CostExplorerError)) throw err;
      resourceLevel = { status: 'unavailable', window,
        note: `${err.message}; EC2 and RDS use service averages (enable resource-level data in Cost Explorer preferences)` };
    }
  }
  const keyed = await ctx.store.keyedCostResources(scan.id, [...new Set(resources.map((r) => r.resourceKey))]);
  const model = buildCostModel({ ...empty, services, resources, keyed });
  return { model, groups, keyed, tagSpend, calls, ceAccount: account, resourceLevel };
}
