// Views across clouds for a stored scan: the cross-cloud consistency section (the same logical tag
// spelled or valued differently per cloud), aggregated by SQL so a scan of any size is judged in
// one pass, and the "inheritable from resource group" hint on Azure violations of one page.
import { z } from 'zod';
import {
  consistencyKeyFolds, crossCloudConsistencyFromCounts, inheritableTags, resourceGroupKey, type CloudCounts, type ConsistencyIssue,
} from '../../core/compliance/index.js';
import { compilePolicy, parsePolicy, type CompiledPolicy } from '../../core/policy/index.js';
import type { ConsistencyRow, ConsistencySection } from '../../core/report/index.js';
import type { ScanRecord, Store } from '../../store/index.js';
import type { ViolationView } from './violation-pages.js';

/** Issues listed; the rest is counted in issues_total. */
export const MAX_CONSISTENCY_ISSUES = 50;
/** (cloud, type, key, value) groups read from the store at most. */
export const MAX_TAG_VALUE_GROUPS = 50_000;

const cloudCounts = z.record(z.string(), z.number()).describe('Resources per cloud');

export const consistencySchema = z.object({
  issues: z.array(z.object({
    tag: z.string().describe('The logical tag, as the policy names it'),
    kind: z.enum(['key_spelling', 'value_spelling']).describe('key_spelling: the key differs across clouds; value_spelling: one value spelled several ways'),
    canonical: z.string().nullable().describe('For value_spelling: the spelling to use'),
    variants: z.array(z.object({
      spelling: z.string(),
      declared: z.boolean().describe('A spelling the policy declares (key) or allows (value)'),
      counts: cloudCounts,
    })).describe('Most frequent first'),
    counts: cloudCounts,
    message: z.string(),
  })),
  issues_total: z.number().int(),
  truncated: z.boolean().describe('Counted over the most frequent tag values only: rare spellings may be missing'),
}).describe('The same logical tag spelled or valued differently across clouds (e.g. Environment=prod on AWS, environment=production on GCP)');

/** What a violation of an Azure resource gains when its resource group carries the missing tag. */
export const inheritableSchema = z.object({
  resource_group_id: z.string(),
  key: z.string().describe('The key on the resource group'),
  value: z.string(),
  value_compliant: z.boolean().describe('Whether the inherited value would satisfy the policy'),
});

const compiledByVersion = new Map<number, Promise<CompiledPolicy | undefined>>();
const sectionByScan = new Map<string, Promise<ConsistencySection>>();
const MAX_CACHED = 32;

function remember<K, V>(map: Map<K, V>, key: K, value: V): V {
  if (map.size >= MAX_CACHED) map.delete(map.keys().next().value!);
  map.set(key, value);
  return value;
}

/** The policy version the scan was evaluated against, compiled once per process. */
async function scanPolicy(store: Store, scan: ScanRecord): Promise<CompiledPolicy | undefined> {
  const id = scan.policyVersionId;
  if (id === null || id === undefined) return undefined;
  const kept = compiledByVersion.get(id);
  if (kept) return kept;
  const loading = store.getPolicyVersion(id).then((v) => (v ? compilePolicy(parsePolicy(v.document)) : undefined));
  loading.catch(() => compiledByVersion.delete(id));
  return remember(compiledByVersion, id, loading);
}

function rowOf(issue: ConsistencyIssue): ConsistencyRow {
  return {
    tag: issue.tag, kind: issue.kind, canonical: issue.canonical ?? null,
    variants: issue.variants.map((v) => ({ spelling: v.spelling, declared: v.declared, counts: countsOf(v.counts) })),
    counts: countsOf(issue.counts), message: issue.message,
  };
}

function countsOf(counts: CloudCounts): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter((e): e is [string, number] => typeof e[1] === 'number'));
}

/** The scan's clouds as its scope names them (an inventory scan names none). */
export function scopeClouds(scan: ScanRecord): string[] {
  const clouds = (scan.scope as { clouds?: unknown }).clouds;
  return Array.isArray(clouds) ? clouds.map(String) : [];
}

/**
 * The consistency section of a scan; undefined when its policy version is unknown. A completed
 * scan never changes, so its section is computed once per process.
 */
export async function consistencySection(store: Store, scan: ScanRecord): Promise<ConsistencySection | undefined> {
  const compiled = await scanPolicy(store, scan);
  if (!compiled) return undefined;
  const kept = scan.status === 'completed' ? sectionByScan.get(scan.id) : undefined;
  if (kept) return kept;
  const computing = store.tagValueCounts(scan.id, consistencyKeyFolds(compiled), MAX_TAG_VALUE_GROUPS).then(({ counts, truncated }) => {
    const issues = crossCloudConsistencyFromCounts(compiled, counts);
    return { issues: issues.slice(0, MAX_CONSISTENCY_ISSUES).map(rowOf), issues_total: issues.length, truncated };
  });
  if (scan.status !== 'completed') return computing;
  computing.catch(() => sectionByScan.delete(scan.id));
  return remember(sectionByScan, scan.id, computing);
}

/** Ids a resource group may be stored under: ARM spells `resourceGroups` and names inconsistently across APIs. */
function groupIdSpellings(resourceId: string): string[] {
  const match = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)/i.exec(resourceId);
  if (!match) return [];
  const [, sub, group] = match as unknown as [string, string, string];
  const out = new Set<string>();
  for (const s of [sub, sub.toLowerCase()]) {
    for (const g of [group, group.toLowerCase()]) for (const word of ['resourceGroups', 'resourcegroups']) out.add(`/subscriptions/${s}/${word}/${g}`);
  }
  return [...out];
}

export type AnnotatedViolation = ViolationView & { hint?: string; inheritable_from_resource_group?: z.infer<typeof inheritableSchema> };

/**
 * Adds to each Azure `missing_required_tag` violation whose resource group carries the tag the
 * "inheritable from resource group" hint: Azure Policy's inherit-tag effect fixes it for every
 * resource of the group. One primary-key lookup per page, whatever the scan's size.
 */
export async function withInheritanceHints(store: Store, scan: ScanRecord, violations: ViolationView[]): Promise<AnnotatedViolation[]> {
  const candidates = violations.filter((v) => v.kind === 'missing_required_tag' && resourceGroupKey(v.resource_id) !== null
    && v.resource_type.toLowerCase() !== 'azure:resources/resourcegroups');
  if (candidates.length === 0) return violations;
  const compiled = await scanPolicy(store, scan);
  if (!compiled) return violations;
  const groups = await store.resourceGroupTags(scan.id, [...new Set(candidates.flatMap((v) => groupIdSpellings(v.resource_id)))]);
  const byKey = new Map(groups.map((g) => [resourceGroupKey(g.id) ?? '', g]));
  return violations.map((v) => {
    if (!candidates.includes(v)) return v;
    const group = byKey.get(resourceGroupKey(v.resource_id)!);
    if (!group) return v;
    // The rule's own verdict on the group's value does not depend on the resource's other tags.
    const resource = { cloud: 'azure' as const, id: v.resource_id, type: v.resource_type, account: v.account, region: v.region, tags: {} };
    const [found] = inheritableTags(compiled, resource, group.tags, [v.tag], group.id);
    if (!found) return v;
    const name = group.id.split('/').pop();
    return {
      ...v,
      hint: `inheritable from resource group ${name} (${found.groupKey}=${found.value}${found.valueCompliant ? '' : ', a value the policy does not allow'}): ` +
        'assign Azure Policy\'s "Inherit a tag from the resource group" to fix every resource of the group',
      inheritable_from_resource_group: { resource_group_id: group.id, key: found.groupKey, value: found.value, value_compliant: found.valueCompliant },
    };
  });
}
