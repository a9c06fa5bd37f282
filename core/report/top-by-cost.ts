// Findings priced by the cost model (core/cost) instead of the costs stored with scan rows: the
// report's "top violations by cost" then carries the same figures as get_cost_attribution_gap.
import { groupFigure, isIdle, type CostModel, type KeyedResource } from '../cost/index.js';
import type { Cloud } from '../resource.js';
import type { ViolationStat } from './model.js';

/** Non-compliant rows with one finding, counted by what their cost depends on (store: findingCostGroups). */
export interface FindingGroup {
  tag: string;
  kind: string;
  severity: string;
  cloud: Cloud;
  account: string;
  region: string;
  resourceType: string;
  idle: boolean;
  count: number;
  storedCost: number | null;
  storedCostCount: number;
}

const findingKey = (tag: string, kind: string, severity: string) => JSON.stringify([tag, kind, severity]);

/** (tag, kind, severity) -> the model's cost of the non-compliant resources with that finding. */
export function findingCosts(model: CostModel, groups: FindingGroup[], keyed: KeyedResource[]): Map<string, number> {
  const priced = keyed.filter((k) => k.cloud === 'aws' && !k.compliant && model.actual.has(k.key));
  const out = new Map<string, number>();
  for (const g of groups) {
    const mine = priced.filter((k) => k.account === g.account && k.region === g.region && k.resourceType === g.resourceType &&
      isIdle(k.resourceType, k.state) === g.idle && k.violations.some((v) => {
        const f = v as { tag?: string; kind?: string; severity?: string };
        return f.tag === g.tag && f.kind === g.kind && (f.severity ?? 'error') === g.severity;
      }));
    const rest = groupFigure(model, { ...g, compliant: false, untagged: false }, g.count - mine.length);
    const cost = rest.cost + mine.reduce((s, k) => s + model.actual.get(k.key)!, 0);
    const key = findingKey(g.tag, g.kind, g.severity);
    out.set(key, (out.get(key) ?? 0) + cost);
  }
  return out;
}

/** The stats with their cost replaced by the model's (findings only on compliant rows cost nothing). */
export function withModelCosts(stats: ViolationStat[], costs: Map<string, number>): ViolationStat[] {
  return stats.map((s) => ({ ...s, cost: costs.get(findingKey(s.tag, s.kind, s.severity)) ?? (s.nonCompliantResources ? s.cost : null) }));
}
