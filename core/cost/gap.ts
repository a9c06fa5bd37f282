// The cost attribution gap: attributable spend minus the spend of compliant resources, in total
// and per resource type, region, account or cloud. Works on SQL aggregates (CostGroup) plus the
// few resources with resource-level spend, so a scan of any size is a handful of rows here.
import type { Cloud } from '../resource.js';
import { RESOURCE_LEVEL_DAYS } from './period.js';
import { FREE_TYPES } from './services.js';
import { serviceOf, type CostBasis, type CostGroup, type CostModel, type KeyedResource } from './model.js';
import { isIdle } from './services.js';

export const GAP_GROUPINGS = ['resource_type', 'region', 'account', 'cloud'] as const;
export type GapGrouping = (typeof GAP_GROUPINGS)[number];

export type FigureCounts = Record<CostBasis | 'unknown', number>;

export interface GapRow {
  key: string;
  /** null where no cost source covers the group (Azure and GCP for now). */
  attributableSpend: number | null;
  compliantSpend: number | null;
  gap: number | null;
  gapPercent: number | null;
  resources: number;
  compliantResources: number;
  figures: FigureCounts;
  note?: string;
}

export interface GapResult {
  attributableSpend: number;
  compliantSpend: number;
  gap: number;
  gapPercent: number | null;
  /** Of the gap: spend of non-compliant resources, and spend no scanned resource carries. */
  nonCompliantSpend: number;
  unallocatedSpend: number;
  resources: number;
  compliantResources: number;
  idleInstances: number;
  figures: FigureCounts;
  rows: GapRow[];
}

interface Acc {
  attributable: number;
  compliant: number;
  resources: number;
  compliantResources: number;
  priced: number;
  figures: FigureCounts;
}

const emptyFigures = (): FigureCounts => ({ actual: 0, service_average: 0, estimated: 0, unknown: 0 });

function keyOf(by: GapGrouping, g: { cloud: Cloud; account: string; region: string; resourceType: string }): string {
  return by === 'resource_type' ? g.resourceType : by === 'region' ? g.region : by === 'account' ? g.account : g.cloud;
}

/** The figure of `count` resources of a group that have no resource-level spend. */
export function groupFigure(model: CostModel, g: CostGroup, count: number): { cost: number; basis: CostBasis | 'unknown'; priced: number } {
  const stored = () => (g.storedCostCount > 0
    ? { cost: g.storedCost ?? 0, basis: 'estimated' as const, priced: Math.min(g.storedCostCount, count) }
    : { cost: 0, basis: 'unknown' as const, priced: 0 });
  if (g.cloud !== 'aws') return stored();
  if (g.idle || FREE_TYPES.has(g.resourceType)) return { cost: 0, basis: 'estimated', priced: count };
  const service = serviceOf(g.resourceType);
  if (service === undefined) return stored();
  return { cost: (model.averages.get(`${g.account}|${service}`) ?? 0) * count, basis: 'service_average', priced: count };
}

/** The identity of a group, and of the group a keyed resource falls in. */
const groupId = (g: Pick<CostGroup, 'cloud' | 'account' | 'region' | 'resourceType' | 'idle' | 'compliant' | 'untagged'>) =>
  JSON.stringify([g.cloud, g.account, g.region, g.resourceType, g.idle, g.compliant, g.untagged]);

export function computeGap(model: CostModel, groups: CostGroup[], keyed: KeyedResource[], by: GapGrouping, clouds: readonly Cloud[]): GapResult {
  const rows = new Map<string, Acc>();
  const acc = (key: string) => {
    let a = rows.get(key);
    if (!a) rows.set(key, a = { attributable: 0, compliant: 0, resources: 0, compliantResources: 0, priced: 0, figures: emptyFigures() });
    return a;
  };
  if (by === 'cloud') for (const c of clouds) acc(c);
  const figures = emptyFigures();
  let idleInstances = 0;
  const priced = new Map<string, KeyedResource[]>();
  for (const k of keyed) {
    if (k.cloud !== 'aws' || !model.actual.has(k.key)) continue;
    const id = groupId({ ...k, idle: isIdle(k.resourceType, k.state) });
    const list = priced.get(id);
    if (list) list.push(k);
    else priced.set(id, [k]);
  }
  for (const g of groups) {
    const a = acc(keyOf(by, g));
    const mine = priced.get(groupId(g)) ?? [];
    const rest = g.count - mine.length;
    const f = groupFigure(model, g, rest);
    let cost = f.cost;
    for (const k of mine) cost += model.actual.get(k.key)!;
    a.attributable += cost;
    if (g.compliant) a.compliant += cost;
    a.resources += g.count;
    if (g.compliant) a.compliantResources += g.count;
    a.priced += f.priced + mine.length;
    a.figures.actual += mine.length;
    if (f.basis === 'unknown') a.figures.unknown += rest;
    else {
      a.figures[f.basis] += f.priced;
      a.figures.unknown += rest - f.priced;
    }
    if (g.idle) idleInstances += g.count;
  }
  let unallocatedSpend = 0;
  for (const u of model.unallocated) {
    unallocatedSpend += u.amount;
    const key = by === 'resource_type' ? (u.resourceType ?? `unallocated (${u.service})`) : by === 'region' ? 'unallocated' : by === 'account' ? u.account : 'aws';
    acc(key).attributable += u.amount;
  }
  const out: GapRow[] = [];
  let attributable = 0;
  let compliant = 0;
  let resources = 0;
  let compliantResources = 0;
  for (const [key, a] of rows) {
    for (const b of Object.keys(figures) as (keyof FigureCounts)[]) figures[b] += a.figures[b];
    attributable += a.attributable;
    compliant += a.compliant;
    resources += a.resources;
    compliantResources += a.compliantResources;
    const noSource = a.priced === 0 && a.attributable === 0 && (by === 'cloud' ? key !== 'aws' : a.resources > 0 && a.figures.unknown === a.resources);
    out.push({
      key,
      attributableSpend: noSource ? null : a.attributable,
      compliantSpend: noSource ? null : a.compliant,
      gap: noSource ? null : a.attributable - a.compliant,
      gapPercent: noSource || a.attributable <= 0 ? null : ((a.attributable - a.compliant) / a.attributable) * 100,
      resources: a.resources,
      compliantResources: a.compliantResources,
      figures: a.figures,
      ...(noSource ? { note: 'no cost source' } : {}),
    });
  }
  out.sort((x, y) => (y.gap ?? -1) - (x.gap ?? -1) || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const gap = attributable - compliant;
  return {
    attributableSpend: attributable, compliantSpend: compliant, gap,
    gapPercent: attributable > 0 ? (gap / attributable) * 100 : null,
    nonCompliantSpend: gap - unallocatedSpend, unallocatedSpend,
    resources, compliantResources, idleInstances, figures, rows: out,
  };
}

/** Where each basis comes from, for the reply and the README. */
export const BASIS_MEANINGS: Record<CostBasis, string> = {
  actual: `the resource's own spend from GetCostAndUsageWithResources over the last ${RESOURCE_LEVEL_DAYS} days, scaled to the period ` +
    '(scaled down together if they exceed their service\'s total)',
  service_average: 'its service\'s spend in its account for the period (GetCostAndUsage by SERVICE and LINKED_ACCOUNT), less the ' +
    'resource-level figures, divided by the running resources of that service there',
  estimated: '$0 for a stopped EC2 instance (no compute charge; its volumes are priced separately) or a free type; else an estimate stored with the inventory',
};


