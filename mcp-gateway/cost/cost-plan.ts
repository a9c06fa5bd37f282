// The Cost Explorer requests a get_cost_attribution_gap reply would send, counted without sending
// any (its dry run): one by service and account, one per required AWS tag key when tag spend is
// asked for, and one resource-level query when EC2 or RDS are in scope and it is enabled. Each is
// billed at $0.01; the cache may answer some, so this is the most it would cost.
import { typeSelected } from '../../core/aws/resource-types.js';
import type { ScanScope } from '../../core/scope.js';
import { loadActivePolicy } from '../../store/policy-sync.js';
import type { ToolContext } from '../context.js';

export async function plannedCostExplorerRequests(ctx: Pick<ToolContext, 'store' | 'config'>, scope: ScanScope, tagSpend: boolean): Promise<number> {
  if (!scope.clouds.includes('aws')) return 0;
  let requests = 1;
  if (tagSpend) {
    const loaded = await loadActivePolicy(ctx.store, ctx.config.policy.path);
    requests += new Set(loaded.policy.required_tags.filter((r) => !r.clouds || r.clouds.includes('aws')).map((r) => r.name)).size;
  }
  const priceable = ['ec2:instance', 'rds:db'].some((t) => scope.resourceTypes.includes('all') || typeSelected(t, scope.resourceTypes));
  if (ctx.config.clouds.aws.costExplorer.resourceLevel && priceable) requests += 1;
  return requests;
}
