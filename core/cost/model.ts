// The cost model: Cost Explorer's spend for a period spread over the resources of a scan. Each
// resource gets a figure and a basis: `actual` (its own resource-level spend), `service_average`
// (what is left of its service's spend in its account, shared by the running resources of that
// service there) or `estimated` ($0 for a stopped instance or a free type; a stored estimate).
// Pure: the caller brings CE results and SQL aggregates; nothing here does I/O.
import type { Cloud } from '../resource.js';
import { typeSelected } from '../aws/resource-types.js';
import { periodDays, RESOURCE_LEVEL_DAYS, type CostPeriod } from './period.js';
import { costResourceKey, FREE_TYPES, isIdle, SERVICE_OF_TYPE, unattributableCategory, type UnattributableCategory } from './services.js';

export type CostBasis = 'actual' | 'service_average' | 'estimated';

/** Spend of one service in one linked account over the period (GetCostAndUsage by SERVICE, LINKED_ACCOUNT). */
export interface ServiceSpend {
  account: string;
  service: string;
  amount: number;
}

/** One resource's spend over the resource-level window (GetCostAndUsageWithResources by SERVICE, RESOURCE_ID). */
export interface ResourceSpend {
  service: string;
  /** Cost Explorer's RESOURCE_ID: `i-…` for EC2, the ARN for RDS. */
  resourceKey: string;
  amount: number;
}

/** Scan rows with the same cost-relevant attributes, counted by SQL. */
export interface CostGroup {
  cloud: Cloud;
  account: string;
  region: string;
  resourceType: string;
  idle: boolean;
  compliant: boolean;
  /** No tags at all, or a required tag missing (find_untagged_resources' definition). */
  untagged: boolean;
  count: number;
  /** Sum and count of costs stored with the rows (inventory files), used where no CE figure applies. */
  storedCost: number | null;
  storedCostCount: number;
}

/** A scan row whose resource-level spend Cost Explorer returned (looked up by key). */
export interface KeyedResource {
  key: string;
  resourceId: string;
  cloud: Cloud;
  account: string;
  region: string;
  resourceType: string;
  state: string | null;
  compliant: boolean;
  untagged: boolean;
  /** The row's findings, for rankings by violation. */
  violations: unknown[];
}

export interface ModelInput {
  period: CostPeriod;
  /** The scope's resource types (may hold `all` and wildcards). */
  resourceTypes: readonly string[];
  services: ServiceSpend[];
  /** Empty when resource-level data was not asked for or is not enabled. */
  resources: ResourceSpend[];
  keyed: KeyedResource[];
  groups: CostGroup[];
}

/** How one (account, service) total was spread. */
export interface ServiceAllocation {
  account: string;
  service: string;
  spend: number;
  /** Running resources of the service's types in the account (plus stopped ones with resource-level spend). */
  resources: number;
  actualResources: number;
  actualSpend: number;
  /** Each of the other running resources' figure. */
  averagePerResource: number | null;
  /** Spend no scanned resource carries (no resources of its types, or all priced by resource-level data). */
  unallocated: number;
  /** Resource-level figures scaled down to fit the service total. */
  actualsScaledBy: number | null;
}

export interface ExcludedSpend {
  service: string;
  category: UnattributableCategory;
  amount: number;
}

export interface Unallocated {
  account: string;
  service: string;
  /** The first scoped type the service maps to; null for a service no type maps to. */
  resourceType: string | null;
  amount: number;
}

export interface CostModel {
  period: CostPeriod;
  days: number;
  /** Every dollar Cost Explorer reported for the filter (attributable, excluded and out of scope). */
  totalSpend: number;
  allocations: ServiceAllocation[];
  excluded: ExcludedSpend[];
  unallocated: Unallocated[];
  /** Spend of services none of the scope's resource types maps to (left out when the scope names types). */
  outOfScope: number;
  /** key -> period figure of resources priced by their resource-level spend. */
  actual: Map<string, number>;
  /** `${account}|${service}` -> the service average of a running resource there. */
  averages: Map<string, number>;
}

export interface ResourceFigure {
  cost: number | null;
  basis: CostBasis | null;
  /** Where the figure comes from, in a few words. */
  source: string;
}

const EPSILON = 1e-9;

/** The service whose spend a resource type's resources carry, or undefined. */
export function serviceOf(resourceType: string): string | undefined {
  return SERVICE_OF_TYPE[resourceType];
}

/** The first of `types`' selection that maps to `service` (for grouping unallocated spend). */
function scopedTypeOf(service: string, resourceTypes: readonly string[]): string | null {
  for (const [type, s] of Object.entries(SERVICE_OF_TYPE)) if (s === service && typeSelected(type, resourceTypes)) return type;
  return null;
}

export function buildCostModel(input: ModelInput): CostModel {
  const days = periodDays(input.period);
  const all = input.resourceTypes.includes('all');
  const excludedBy = new Map<string, ExcludedSpend>();
  const spendBy = new Map<string, ServiceSpend>();
  let totalSpend = 0;
  let outOfScope = 0;
  for (const s of input.services) {
    totalSpend += s.amount;
    const category = unattributableCategory(s.service);
    if (category) {
      const e = excludedBy.get(s.service) ?? { service: s.service, category, amount: 0 };
      e.amount += s.amount;
      excludedBy.set(s.service, e);
    } else if (scopedTypeOf(s.service, input.resourceTypes) !== null || all) {
      const key = `${s.account}|${s.service}`;
      const prev = spendBy.get(key);
      spendBy.set(key, { ...s, amount: (prev?.amount ?? 0) + s.amount });
    } else {
      outOfScope += s.amount;
    }
  }

  // Resource-level spend by key, for the scan rows it matched (EC2 ids are unique across accounts).
  const spendOfKey = new Map<string, number>();
  for (const r of input.resources) spendOfKey.set(`${r.service}|${r.resourceKey}`, (spendOfKey.get(`${r.service}|${r.resourceKey}`) ?? 0) + r.amount);
  // `${account}|${service}` -> the resources priced by their own spend there, by key.
  const actualRaw = new Map<string, Map<string, { idle: boolean; amount: number }>>();
  for (const k of input.keyed) {
    const service = serviceOf(k.resourceType);
    const amount = service === undefined || k.cloud !== 'aws' ? undefined : spendOfKey.get(`${service}|${k.key}`);
    if (amount === undefined) continue;
    const at = `${k.account}|${service}`;
    if (!actualRaw.has(at)) actualRaw.set(at, new Map());
    actualRaw.get(at)!.set(k.key, { idle: isIdle(k.resourceType, k.state), amount: amount / RESOURCE_LEVEL_DAYS * days });
  }

  // Running resources per (account, service), from the SQL counts.
  const running = new Map<string, number>();
  for (const g of input.groups) {
    const service = g.cloud === 'aws' ? serviceOf(g.resourceType) : undefined;
    if (!service || g.idle) continue;
    running.set(`${g.account}|${service}`, (running.get(`${g.account}|${service}`) ?? 0) + g.count);
  }

  const keys = new Set([...spendBy.keys(), ...running.keys(), ...actualRaw.keys()]);
  const allocations: ServiceAllocation[] = [];
  const unallocated: Unallocated[] = [];
  const actual = new Map<string, number>();
  const averages = new Map<string, number>();
  for (const key of [...keys].sort()) {
    const [account, service] = key.split('|') as [string, string];
    const spend = spendBy.get(key)?.amount ?? 0;
    const mine = [...(actualRaw.get(key) ?? new Map<string, { idle: boolean; amount: number }>()).entries()];
    const actualSum = mine.reduce((sum, [, a]) => sum + a.amount, 0);
    // Resource-level spend is 14 days scaled to the period: it may overshoot the period's total.
    const scale = actualSum > spend + EPSILON ? (actualSum > 0 ? spend / actualSum : 0) : 1;
    for (const [k, a] of mine) actual.set(k, a.amount * scale);
    const runningActual = mine.filter(([, a]) => !a.idle).length;
    const others = (running.get(key) ?? 0) - runningActual;
    const remainder = Math.max(0, spend - actualSum * scale);
    const average = others > 0 ? remainder / others : null;
    if (average !== null) averages.set(key, average);
    const left = others > 0 ? 0 : remainder;
    if (left > EPSILON) unallocated.push({ account, service, resourceType: scopedTypeOf(service, input.resourceTypes), amount: left });
    allocations.push({
      account, service, spend, resources: Math.max(others, 0) + mine.length, actualResources: mine.length, actualSpend: actualSum * scale,
      averagePerResource: average, unallocated: left, actualsScaledBy: scale === 1 ? null : scale,
    });
  }
  return {
    period: input.period, days, totalSpend, allocations, excluded: [...excludedBy.values()].sort((a, b) => b.amount - a.amount),
    unallocated, outOfScope, actual, averages,
  };
}

/** A resource's figure for the period, by the one rule every tool uses. */
export function resourceCost(model: CostModel, r: {
  cloud: Cloud; account: string; resourceType: string; resourceId: string; state: string | null; storedCost: number | null;
}): ResourceFigure {
  if (r.cloud !== 'aws') {
    return r.storedCost !== null
      ? { cost: r.storedCost, basis: 'estimated', source: 'estimate stored with the inventory' }
      : { cost: null, basis: null, source: `no cost source for ${r.cloud}` };
  }
  const actual = model.actual.get(costResourceKey(r.resourceType, r.resourceId));
  if (actual !== undefined) {
    return { cost: actual, basis: 'actual', source: `resource-level spend over the last ${RESOURCE_LEVEL_DAYS} days, scaled to ${model.days} days` };
  }
  if (isIdle(r.resourceType, r.state)) return { cost: 0, basis: 'estimated', source: `${r.state} instance: no compute charge` };
  if (FREE_TYPES.has(r.resourceType)) return { cost: 0, basis: 'estimated', source: 'no direct cost (usage is billed elsewhere)' };
  const service = serviceOf(r.resourceType);
  if (service === undefined) {
    return r.storedCost !== null
      ? { cost: r.storedCost, basis: 'estimated', source: 'estimate stored with the inventory' }
      : { cost: null, basis: null, source: `no Cost Explorer service known for ${r.resourceType}` };
  }
  const average = model.averages.get(`${r.account}|${service}`);
  return { cost: average ?? 0, basis: 'service_average', source: `${service} spend in ${r.account} ÷ its running resources` };
}

/** A per-resource figure the store can apply in SQL: the service average of a (account, type). */
export interface TypeRate {
  account: string;
  resource_type: string;
  cost: number;
}

/**
 * The model as look-up tables for SQL (find_untagged_resources' filter and totals): a rate per
 * running AWS (account, type) with a Cost Explorer service or a free type, and each actual figure
 * by key. Stopped instances are $0 in SQL (IDLE_SQL); other rows keep their stored estimate.
 */
export function modelRates(model: CostModel, groups: CostGroup[]): { rates: TypeRate[]; actuals: { key: string; cost: number }[] } {
  const seen = new Set<string>();
  const rates: TypeRate[] = [];
  for (const g of groups) {
    const id = `${g.account}|${g.resourceType}`;
    if (g.cloud !== 'aws' || seen.has(id)) continue;
    seen.add(id);
    const f = resourceCost(model, { cloud: 'aws', account: g.account, resourceType: g.resourceType, resourceId: '', state: null, storedCost: null });
    if (f.cost !== null) rates.push({ account: g.account, resource_type: g.resourceType, cost: f.cost });
  }
  return { rates, actuals: [...model.actual.entries()].map(([key, cost]) => ({ key, cost })) };
}
