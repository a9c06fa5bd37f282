// The cost model as find_untagged_resources and generate_compliance_report use it: figures for
// the last full month from Cost Explorer where AWS access is configured, else the costs stored
// with the scan rows (inventory files), as before.
import { lastFullMonth, modelRates, resourceCost, type CostBasis, type CostModel } from '../../core/cost/index.js';
import type { ScanScope } from '../../core/scope.js';
import type { ViolationStat } from '../../core/report/index.js';
import { findingCosts, withModelCosts } from '../../core/report/top-by-cost.js';
import type { ScanRecord } from '../../store/index.js';
import type { ModelCostTables } from '../../store/cost-rows.js';
import type { ToolContext } from '../context.js';
import { ToolError } from '../errors.js';
import { loadCost, type CeCalls, type LoadedCost } from './cost-source.js';

export interface ScanCosts {
  loaded: LoadedCost;
  tables: ModelCostTables;
  basisOf(row: { resourceId: string; account: string; resourceType: string; state: string | null; monthlyCost: number | null; cloud?: 'aws' | 'azure' | 'gcp' }): CostBasis | null;
}

/** Where a reply's costs came from, for its `costs` block. */
export interface CostSourceView {
  source: 'cost_explorer' | 'stored';
  period?: { Start: string; End: string };
  note?: string;
  cost_explorer_calls?: CeCalls;
}

/**
 * The model for a scan, or why there is none: no AWS access or no AWS in scope (stored costs
 * answer, silently), or Cost Explorer refused (stored costs answer, with the reason).
 */
export async function scanCosts(ctx: ToolContext, scan: ScanRecord, scope: ScanScope): Promise<{ costs?: ScanCosts; view: CostSourceView }> {
  if (!ctx.aws || !scope.clouds.includes('aws')) return { view: { source: 'stored' } };
  const period = lastFullMonth(new Date());
  let loaded: LoadedCost;
  try {
    loaded = await loadCost(ctx, scan, scope, { period, tagSpend: false });
  } catch (err) {
    if (!(err instanceof ToolError)) throw err;
    return { view: { source: 'stored', note: `Cost Explorer figures unavailable (${err.message}); stored estimates only` } };
  }
  const model: CostModel = loaded.model;
  return {
    costs: {
      loaded,
      tables: modelRates(model, loaded.groups),
      basisOf: (r) => resourceCost(model, { cloud: r.cloud ?? 'aws', account: r.account, resourceType: r.resourceType, resourceId: r.resourceId,
        state: r.state, storedCost: r.monthlyCost }).basis,
    },
    view: { source: 'cost_explorer', period: { Start: period.start, End: period.end }, cost_explorer_calls: loaded.calls },
  };
}

/** The report's findings priced by the cost model when Cost Explorer answers; else as stored. */
export async function modelPricedViolations(ctx: ToolContext, scan: ScanRecord, scope: ScanScope, stats: ViolationStat[]): Promise<ViolationStat[]> {
  const { costs } = await scanCosts(ctx, scan, scope);
  if (!costs) return stats;
  const groups = await ctx.store.findingCostGroups(scan.id);
  return withModelCosts(stats, findingCosts(costs.loaded.model, groups, costs.loaded.keyed));
}
