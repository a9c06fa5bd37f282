// Cross-cloud consistency: the same logical tag spelled or valued differently across clouds
// (`Environment=prod` on AWS, `environment=production` on GCP), with counts per cloud. Pure:
// callers pass the resources of one scan (or a sample), or the (cloud, type, key, value) counts a
// store aggregates, and the compiled policy.
//
// Decisions:
// - Keys: a cloud's declared spellings (the policy name, or cloud_spellings.<cloud>.keys; any
//   case on Azure) are consistent by definition. A key found only ignoring case or `-`/`_`/space
//   (`cost_center` where `cost-center` is declared) is an undeclared spelling.
// - Values: each cloud's value is first mapped to its canonical value (cloud_spellings.<cloud>.values),
//   then values are grouped when they fold to the same text (case, `-`, `_`, spaces, dots ignored)
//   or one folds to a prefix of another of at least 3 characters (`prod` -> `production`).
//   A group with two or more spellings seen on two or more clouds is reported.
// - Only tags seen on two or more clouds are reported: one cloud alone is not a cross-cloud issue.
import type { CompiledPolicy, CompiledRule } from '../policy/compile.js';
import type { Cloud, Resource } from '../resource.js';

export type CloudCounts = Partial<Record<Cloud, number>>;

export interface SpellingVariant {
  /** The key, or the canonical value, as seen. */
  spelling: string;
  /** Keys: a spelling the policy declares for every cloud it was seen on. Values: one of allowed_values (true when the rule lists none). */
  declared: boolean;
  counts: CloudCounts;
}

export interface ConsistencyIssue {
  /** The logical tag, as the policy names it. */
  tag: string;
  kind: 'key_spelling' | 'value_spelling';
  /** For value issues: the spelling the group folds to (an allowed value when one matches). */
  canonical?: string;
  /** Most frequent first. */
  variants: SpellingVariant[];
  /** Resources carrying the tag, per cloud. */
  counts: CloudCounts;
  message: string;
}

const MIN_PREFIX = 3;

interface TagStats {
  rule: CompiledRule;
  clouds: CloudCounts;
  keys: Map<string, { counts: CloudCounts; undeclared: boolean }>;
  values: Map<string, CloudCounts>;
}

/**
 * How many resources of one (cloud, type) carry one key with one value: what a store aggregates
 * in SQL so that a scan of any size is judged without loading its rows.
 */
export interface TagValueCount {
  cloud: Cloud;
  resourceType: string;
  key: string;
  value: string;
  resources: number;
}

/** Issues sorted by tag, key issues before value issues. */
export function crossCloudConsistency(compiled: CompiledPolicy, resources: Iterable<Resource>): ConsistencyIssue[] {
  const stats = new Map<string, TagStats>();
  for (const resource of resources) observe(stats, compiled, resource.cloud, resource.type, resource.tags, 1);
  return issuesOf(stats);
}

/**
 * The same, from (cloud, type, key, value) counts. One difference: a resource carrying two
 * spellings of one tag counts once per spelling here (a count cannot tell it is one resource).
 */
export function crossCloudConsistencyFromCounts(compiled: CompiledPolicy, counts: Iterable<TagValueCount>): ConsistencyIssue[] {
  const stats = new Map<string, TagStats>();
  for (const c of counts) observe(stats, compiled, c.cloud, c.resourceType, { [c.key]: c.value }, c.resources);
  return issuesOf(stats);
}

/**
 * Every key the consistency check could look at, folded (lowercase, no `-`, `_`, `.` or spaces):
 * the policy's tag names and each cloud's spellings. A store filters tags to these before counting.
 */
export function consistencyKeyFolds(compiled: CompiledPolicy): string[] {
  const folds = new Set<string>();
  const rules = [...compiled.policy.required_tags, ...(compiled.policy.optional_tags ?? [])];
  for (const rule of rules) {
    folds.add(fold(rule.name));
    for (const spelling of Object.values(rule.cloud_spellings ?? {})) for (const key of spelling?.keys ?? []) folds.add(fold(key));
  }
  return [...folds].sort();
}

/** The fold keys are compared by; a store's SQL must fold the same way (see consistencyKeyFolds). */
export function foldTagKey(s: string): string {
  return fold(s);
}

function observe(stats: Map<string, TagStats>, compiled: CompiledPolicy, cloud: Cloud, type: string, tags: Record<string, string>, weight: number): void {
  const seen = new Set<string>();
  for (const rule of compiled.rulesFor(cloud, type)) {
    if (seen.has(rule.lowerName)) continue;
    const key = findKey(tags, rule);
    if (key === undefined) continue;
    seen.add(rule.lowerName);
    let tag = stats.get(rule.lowerName);
    if (tag === undefined) {
      tag = { rule, clouds: {}, keys: new Map(), values: new Map() };
      stats.set(rule.lowerName, tag);
    }
    bump(tag.clouds, cloud, weight);
    const keyStats = tag.keys.get(key) ?? { counts: {}, undeclared: false };
    bump(keyStats.counts, cloud, weight);
    if (!isDeclared(rule, key)) keyStats.undeclared = true;
    tag.keys.set(key, keyStats);
    const value = tags[key]!;
    const canonical = rule.canonicalValues?.get(value) ?? value;
    const valueCounts = tag.values.get(canonical) ?? {};
    bump(valueCounts, cloud, weight);
    tag.values.set(canonical, valueCounts);
  }
}

function issuesOf(stats: Map<string, TagStats>): ConsistencyIssue[] {
  const issues: ConsistencyIssue[] = [];
  for (const tag of [...stats.values()].sort((a, b) => byCodePoint(a.rule.name, b.rule.name))) {
    if (Object.keys(tag.clouds).length < 2) continue;
    const keyIssue = keySpellingIssue(tag);
    if (keyIssue) issues.push(keyIssue);
    issues.push(...valueSpellingIssues(tag));
  }
  return issues;
}

function keySpellingIssue(tag: TagStats): ConsistencyIssue | null {
  const variants = [...tag.keys].map(([spelling, s]) => ({ spelling, declared: !s.undeclared, counts: s.counts }));
  if (variants.every((v) => v.declared)) return null;
  sortVariants(variants);
  const undeclared = variants.filter((v) => !v.declared).map((v) => `"${v.spelling}" (${describe(v.counts)})`);
  return {
    tag: tag.rule.name,
    kind: 'key_spelling',
    variants,
    counts: tag.clouds,
    message: `Tag "${tag.rule.name}" is spelled differently across clouds: ${undeclared.join(', ')} ` +
      'is not a spelling the policy declares; rename it, or map it in the rule\'s cloud_spellings.',
  };
}

function valueSpellingIssues(tag: TagStats): ConsistencyIssue[] {
  const allowed = canonicalAllowed(tag.rule);
  const groups = groupValues([...tag.values.keys()], allowed ?? []);
  const issues: ConsistencyIssue[] = [];
  for (const [canonical, spellings] of groups) {
    if (spellings.length < 2) continue;
    const variants = spellings.map((spelling) => ({
      spelling, declared: allowed === null || allowed.includes(spelling), counts: tag.values.get(spelling)!,
    }));
    const clouds = new Set(variants.flatMap((v) => Object.keys(v.counts)));
    if (clouds.size < 2) continue;
    sortVariants(variants);
    const counts: CloudCounts = {};
    for (const v of variants) for (const [cloud, n] of Object.entries(v.counts)) counts[cloud as Cloud] = (counts[cloud as Cloud] ?? 0) + n;
    issues.push({
      tag: tag.rule.name,
      kind: 'value_spelling',
      canonical,
      variants,
      counts,
      message: `Tag "${tag.rule.name}" has one value spelled ${variants.length} ways across clouds: ` +
        `${variants.map((v) => `"${v.spelling}" (${describe(v.counts)})`).join(', ')}; use "${canonical}"` +
        ' (map a cloud\'s own spelling in cloud_spellings.<cloud>.values).',
    });
  }
  return issues;
}

/** The policy's own allowed values (views hold the cloud's spellings; their canonical side is the policy's). */
function canonicalAllowed(rule: CompiledRule): string[] | null {
  if (rule.allowedList === null) return null;
  if (rule.canonicalValues === null) return [...rule.allowedList];
  return [...new Set(rule.allowedList.map((v) => rule.canonicalValues!.get(v) ?? v))];
}

/** canonical spelling -> the observed spellings that stand for it. */
function groupValues(observed: string[], allowed: readonly string[]): Map<string, string[]> {
  const folds = new Map<string, string>(); // fold -> representative spelling
  for (const v of allowed) if (!folds.has(fold(v))) folds.set(fold(v), v);
  for (const v of observed) if (!folds.has(fold(v))) folds.set(fold(v), v);
  // Sorted, folds sharing a prefix are adjacent: finding the longer ones is a binary search, not a
  // scan of every value (free-form tags such as Owner have one value per resource).
  const sorted = [...folds.keys()].sort(byCodePoint);
  const targetOf = (f: string): string => {
    // A short fold that is the prefix of exactly one longer fold stands for it (`prod` -> `production`).
    if (f.length < MIN_PREFIX) return f;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < f) lo = mid + 1;
      else hi = mid;
    }
    const longer: string[] = [];
    for (let i = lo; i < sorted.length && sorted[i]!.startsWith(f) && longer.length < 2; i++) if (sorted[i] !== f) longer.push(sorted[i]!);
    return longer.length === 1 ? longer[0]! : f;
  };
  const groups = new Map<string, string[]>();
  for (const v of observed) {
    const target = folds.get(targetOf(fold(v)))!;
    const list = groups.get(target) ?? [];
    list.push(v);
    groups.set(target, list);
  }
  return groups;
}

function fold(s: string): string {
  return s.toLowerCase().replace(/[\s._-]+/g, '');
}

function findKey(tags: Record<string, string>, rule: CompiledRule): string | undefined {
  for (const key of rule.keys) if (typeof tags[key] === 'string') return key;
  if (typeof tags[rule.name] === 'string') return rule.name;
  const wanted = new Set([...rule.keys, rule.name].map(fold));
  for (const key in tags) {
    if (typeof tags[key] === 'string' && wanted.has(fold(key))) return key;
  }
  return undefined;
}

function isDeclared(rule: CompiledRule, key: string): boolean {
  if (rule.keysIgnoreCase) return rule.lowerKeys.includes(key.toLowerCase());
  return rule.keys.includes(key);
}

function bump(counts: CloudCounts, cloud: Cloud, weight = 1): void {
  counts[cloud] = (counts[cloud] ?? 0) + weight;
}

function total(counts: CloudCounts): number {
  return Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
}

function sortVariants(variants: SpellingVariant[]): void {
  variants.sort((a, b) => total(b.counts) - total(a.counts) || byCodePoint(a.spelling, b.spelling));
}

function describe(counts: CloudCounts): string {
  return Object.entries(counts).sort(([a], [b]) => byCodePoint(a, b)).map(([cloud, n]) => `${cloud}: ${n}`).join(', ');
}

// Locale-independent, so reports list ties the same on every machine.
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
