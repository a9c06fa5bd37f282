// Cost Explorer reads for the cost model: GetCostAndUsage (by service and linked account, or by
// a tag key) and GetCostAndUsageWithResources (EC2 and RDS, by resource id), every page merged
// into summed groups. Asked of the management (payer) account, which sees every linked account:
// its default credentials, or the cross-account role when another account is configured.
import {
  CostExplorerClient, GetCostAndUsageCommand, GetCostAndUsageWithResourcesCommand,
  type Expression, type GroupDefinition, type ResultByTime,
} from '@aws-sdk/client-cost-explorer';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsClients } from './clients.js';
import { callCounter } from './call-counter.js';
import { awsCall, describeAwsError, type AwsErrorInfo } from './errors.js';

/** Cost Explorer answers in us-east-1 only. */
const CE_REGION = 'us-east-1';
export const COST_METRIC = 'UnblendedCost';
/** A runaway NextPageToken loop stops here. */
const MAX_PAGES = 500;

export type CeOperation = 'GetCostAndUsage' | 'GetCostAndUsageWithResources';

export interface CeQuery {
  operation: CeOperation;
  period: { start: string; end: string };
  granularity: 'MONTHLY' | 'DAILY';
  groupBy: GroupDefinition[];
  filter?: Expression;
}

export interface CeGroup {
  /** The group's keys in GroupBy order, e.g. ['Amazon Simple Storage Service', '111111111111'] or ['CostCenter$cc-1']. */
  keys: string[];
  amount: number;
}

/** Every page of one query, summed over its time buckets. */
export interface CeResult {
  groups: CeGroup[];
  /** The ungrouped total (queries without GroupBy); 0 otherwise. */
  total: number;
  /** Requests it took (each one billed). */
  pages: number;
}

export class CostExplorerError extends Error {
  override name = 'CostExplorerError';
  constructor(readonly info: AwsErrorInfo, operation: CeOperation) {
    super(`Cost Explorer ${operation}: ${info.message}`);
  }
}

export interface CostExplorerOptions {
  endpoint?: string;
  /** The payer account to ask; unset: the default credentials' own account. */
  accountId?: string;
  maxAttempts?: number;
}

/** How a query is named in the cache: its GroupBy as `SERVICE,LINKED_ACCOUNT` or `TAG:CostCenter`. */
export function groupingName(groupBy: GroupDefinition[]): string {
  return groupBy.map((g) => (g.Type === 'TAG' ? `TAG:${g.Key}` : g.Key)).join(',') || 'none';
}

function add(into: Map<string, CeGroup>, results: ResultByTime[] | undefined, totals: { total: number }): void {
  for (const r of results ?? []) {
    totals.total += Number(r.Total?.[COST_METRIC]?.Amount ?? 0);
    for (const g of r.Groups ?? []) {
      const keys = g.Keys ?? [];
      const id = JSON.stringify(keys);
      const prev = into.get(id) ?? { keys, amount: 0 };
      prev.amount += Number(g.Metrics?.[COST_METRIC]?.Amount ?? 0);
      into.set(id, prev);
    }
  }
}

export class CostExplorer {
  private readonly client: CostExplorerClient;

  constructor(private readonly aws: AwsClients, private readonly opts: CostExplorerOptions) {
    const fallback = defaultProvider();
    this.client = new CostExplorerClient({
      region: CE_REGION,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      maxAttempts: opts.maxAttempts ?? 3,
      credentials: async () => (await this.aws.sessions.credentialsFor(await this.account())) ?? (await fallback()),
    });
    this.client.middlewareStack.use(callCounter('ce'));
  }

  /** The account whose Cost Explorer answers (the cache key's account). */
  account(): Promise<string> {
    return this.opts.accountId ? Promise.resolve(this.opts.accountId) : this.aws.sessions.homeAccount();
  }

  /** Runs the query to its last page. Throws CostExplorerError with a short, safe message. */
  async query(q: CeQuery): Promise<CeResult> {
    const groups = new Map<string, CeGroup>();
    const totals = { total: 0 };
    let token: string | undefined;
    let pages = 0;
    do {
      const input = {
        TimePeriod: { Start: q.period.start, End: q.period.end },
        Granularity: q.granularity,
        Metrics: [COST_METRIC],
        ...(q.groupBy.length ? { GroupBy: q.groupBy } : {}),
        ...(q.filter ? { Filter: q.filter } : {}),
        ...(token ? { NextPageToken: token } : {}),
      };
      const out = await awsCall({ service: 'ce', operation: q.operation, region: CE_REGION }, () => (q.operation === 'GetCostAndUsage'
        ? this.client.send(new GetCostAndUsageCommand(input))
        : this.client.send(new GetCostAndUsageWithResourcesCommand({ ...input, Filter: q.filter! }))))
        .catch((err: unknown) => { throw new CostExplorerError(describeAwsError(err), q.operation); });
      pages++;
      add(groups, out.ResultsByTime, totals);
      token = out.NextPageToken || undefined;
    } while (token && pages < MAX_PAGES);
    return { groups: [...groups.values()], total: totals.total, pages };
  }

  destroy(): void {
    this.client.destroy();
  }
}

/** `And` needs two or more operands: one condition stands alone, none is no filter. */
export function allOf(conditions: Expression[]): Expression | undefined {
  return conditions.length === 0 ? undefined : conditions.length === 1 ? conditions[0] : { And: conditions };
}

export function dimensionIn(key: 'SERVICE' | 'LINKED_ACCOUNT' | 'REGION', values: string[]): Expression {
  return { Dimensions: { Key: key, Values: [...values].sort(), MatchOptions: ['EQUALS'] } };
}
