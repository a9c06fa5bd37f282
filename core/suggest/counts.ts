// The model's memory: per tag, how often each value occurs and how often each feature occurs
// with it. These counts are the whole model (naive Bayes over them), so it is small, can be built
// from pages of rows, and can explain itself ("14 of 15 resources in vpc-123 have ...").
import { featureGroup, GROUP_WEIGHTS, NEIGHBOUR_GROUPS } from './features.js';

export interface TagCounts {
  /** Resources with an acceptable value of the tag. */
  n: number;
  values: Map<string, number>;
  /** feature -> value -> resources with both. */
  byFeature: Map<string, Map<string, number>>;
  /** feature -> resources with it (and the tag). */
  featureTotals: Map<string, number>;
}

export function emptyCounts(): TagCounts {
  return { n: 0, values: new Map(), byFeature: new Map(), featureTotals: new Map() };
}

export function addExample(counts: TagCounts, value: string, features: readonly string[]): void {
  counts.n += 1;
  counts.values.set(value, (counts.values.get(value) ?? 0) + 1);
  for (const f of features) {
    counts.featureTotals.set(f, (counts.featureTotals.get(f) ?? 0) + 1);
    let byValue = counts.byFeature.get(f);
    if (!byValue) counts.byFeature.set(f, (byValue = new Map()));
    byValue.set(value, (byValue.get(value) ?? 0) + 1);
  }
}

/** A resource's own example, taken out of the counts when it is scored (leave-one-out). */
export interface OwnExample {
  value: string;
  features: ReadonlySet<string>;
}

export interface RankedValue {
  value: string;
  probability: number;
  /** Unnormalised log score (the best is 0): differences are log-odds. */
  logScore: number;
}

export interface Ranking {
  /** Every value the tag has been seen with, in no particular order; probabilities sum to 1. */
  values: RankedValue[];
  /** Whether some resource other than itself shares an account, network, token or tag with it. */
  hasNeighbours: boolean;
}

/**
 * Smoothing toward the value's overall share: P(v|f) = (c(f,v) + β·P(v)) / (c(f) + β). A feature
 * seen once moves the estimate a little, never to certainty, and unlike add-one smoothing a rare
 * value is not favoured by every feature it was never seen with.
 */
const BETA = 2;

/**
 * Naive Bayes in the form log P(v) + Σ w_g·log(P(v|f)/P(v)), over the features the model knows.
 * With `own`, the resource's own example is left out of every count: its score is then a fair
 * held-out prediction, which calibration needs.
 */
export function rank(counts: TagCounts, features: readonly string[], own?: OwnExample): Ranking {
  const n = counts.n - (own ? 1 : 0);
  if (n <= 0) return { values: [], hasNeighbours: false };
  const denominator = n + counts.values.size;
  // Log priors from the full counts, copied (natively) per call; leaving one example out changes
  // every prior by the same factor, which cancels in the normalisation, except its own value's.
  const logScore = new Map(logPriors(counts));
  if (own) logScore.set(own.value, Math.log(counts.values.get(own.value)! / denominator) + Math.log(denominator / (denominator + 1)));
  let hasNeighbours = false;
  for (const f of features) {
    const byValue = counts.byFeature.get(f);
    if (!byValue) continue;
    const ownHas = own?.features.has(f) ?? false;
    const total = counts.featureTotals.get(f)! - (ownHas ? 1 : 0);
    if (total <= 0) continue;
    const group = featureGroup(f);
    if (NEIGHBOUR_GROUPS.has(group)) hasNeighbours = true;
    const w = GROUP_WEIGHTS[group];
    // Values never seen with f all get log(β / (c(f) + β)), the same for each: it cancels out in
    // the normalisation, so only values seen with f need a term (the difference to that baseline).
    for (const [value, c0] of byValue) {
      const c = c0 - (ownHas && own!.value === value ? 1 : 0);
      if (c <= 0) continue;
      const betaPrior = BETA * (counts.values.get(value)! - (own?.value === value ? 1 : 0) + 1) / denominator;
      logScore.set(value, logScore.get(value)! + w * Math.log((c + betaPrior) / betaPrior));
    }
  }
  return { values: normalise(logScore), hasNeighbours };
}

const cachedPriors = new WeakMap<TagCounts, { n: number; logPrior: Map<string, number> }>();

/** log P(v) = log((c(v) + 1) / (n + |V|)), computed once per state of the counts. */
function logPriors(counts: TagCounts): Map<string, number> {
  const cached = cachedPriors.get(counts);
  if (cached?.n === counts.n) return cached.logPrior;
  const denominator = counts.n + counts.values.size;
  const logPrior = new Map<string, number>();
  for (const [value, c] of counts.values) logPrior.set(value, Math.log((c + 1) / denominator));
  cachedPriors.set(counts, { n: counts.n, logPrior });
  return logPrior;
}

function normalise(logScore: Map<string, number>): RankedValue[] {
  let max = -Infinity;
  for (const s of logScore.values()) max = Math.max(max, s);
  let sum = 0;
  const out: RankedValue[] = [];
  for (const [value, s] of logScore) {
    const e = Math.exp(s - max);
    sum += e;
    out.push({ value, probability: e, logScore: s - max });
  }
  for (const o of out) o.probability /= sum;
  return out;
}

const before = (x: RankedValue, y: RankedValue) => x.logScore > y.logScore || (x.logScore === y.logScore && x.value < y.value);

/**
 * The most probable value and the model's raw score for it: its log-odds against all the others,
 * computed in log space, so that strong evidence keeps its order instead of every probability
 * rounding to 1. Linear: no sort of what may be thousands of values.
 */
export function best(values: readonly RankedValue[]): { top: RankedValue; logOdds: number } | undefined {
  let top: RankedValue | undefined;
  for (const v of values) if (!top || before(v, top)) top = v;
  if (!top) return undefined;
  if (values.length === 1) return { top, logOdds: 50 }; // the only value ever seen: as sure as the counts can make it
  let max = -Infinity;
  for (const v of values) if (v !== top) max = Math.max(max, v.logScore);
  let sum = 0;
  for (const v of values) if (v !== top) sum += Math.exp(v.logScore - max);
  return { top, logOdds: top.logScore - (max + Math.log(sum)) };
}

export interface Support {
  feature: string;
  /** Resources with the feature that have the value. */
  withValue: number;
  /** Resources with the feature (and the tag). */
  total: number;
  /** How much the feature raised the value's log-odds. */
  weight: number;
}

/** The features that speak for a value, strongest first. */
export function supportFor(counts: TagCounts, features: readonly string[], value: string): Support[] {
  const n = counts.n;
  const prior = ((counts.values.get(value) ?? 0) + 1) / (n + counts.values.size);
  const out: Support[] = [];
  for (const f of features) {
    const total = counts.featureTotals.get(f);
    if (!total) continue;
    const withValue = counts.byFeature.get(f)?.get(value) ?? 0;
    const posterior = (withValue + BETA * prior) / (total + BETA);
    const weight = GROUP_WEIGHTS[featureGroup(f)] * Math.log(posterior / prior);
    out.push({ feature: f, withValue, total, weight });
  }
  return out.sort((a, b) => b.weight - a.weight);
}
