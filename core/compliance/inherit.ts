// "Inheritable from resource group" (Azure): which of a resource's missing required tags its
// resource group carries, so the user can fix them with Azure Policy's inherit-tag effect
// ("Inherit a tag from the resource group") instead of tagging each resource by hand.
// Resource groups come from the scanner as resources of type `azure:resources/resourcegroups`
// with ids `/subscriptions/S/resourceGroups/RG`; Azure ids are case-insensitive.
import type { CompiledPolicy } from '../policy/compile.js';
import type { Resource } from '../resource.js';
import { evaluateResource } from './evaluate.js';

export const RESOURCE_GROUP_TYPE = 'azure:resources/resourcegroups';

const GROUP_IN_ID = /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+)(?:\/|$)/i;

export interface InheritableTag {
  /** The logical tag, as the policy names it. */
  tag: string;
  /** The key on the resource group (the inherit-tag effect copies it under this name). */
  groupKey: string;
  value: string;
  /** Whether the inherited value would satisfy the policy (an invalid group value only moves the problem). */
  valueCompliant: boolean;
  resourceGroupId: string;
}

/** `/subscriptions/S/resourceGroups/RG`, lowercased, for an Azure resource or group id; null for anything else. */
export function resourceGroupKey(id: string): string | null {
  const match = GROUP_IN_ID.exec(id);
  return match ? match[1]!.toLowerCase() : null;
}

/** Resource groups among scanned resources, by resourceGroupKey of their id. */
export function indexResourceGroups(resources: Iterable<Resource>): Map<string, Resource> {
  const groups = new Map<string, Resource>();
  for (const r of resources) {
    if (r.cloud !== 'azure' || r.type.toLowerCase() !== RESOURCE_GROUP_TYPE) continue;
    const key = resourceGroupKey(r.id);
    if (key !== null) groups.set(key, r);
  }
  return groups;
}

/**
 * The missing required tags of `resource` that `groupTags` could supply, in policy order.
 * Pass `missing` (logical tag names) when the findings are already at hand; otherwise the
 * resource is evaluated here. Group keys match case-insensitively, as Azure keys do.
 */
export function inheritableTags(
  compiled: CompiledPolicy,
  resource: Resource,
  groupTags: Record<string, string>,
  missing?: readonly string[],
  resourceGroupId = resourceGroupKey(resource.id) ?? '',
): InheritableTag[] {
  if (resource.cloud !== 'azure') return [];
  const names = missing ?? evaluateResource(compiled, resource)
    .filter((f) => f.kind === 'missing_required_tag')
    .map((f) => f.tag);
  if (names.length === 0) return [];
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const out: InheritableTag[] = [];
  for (const rule of compiled.rulesFor('azure', resource.type)) {
    if (!rule.required || !wanted.has(rule.lowerName)) continue;
    const groupKey = Object.keys(groupTags).find((k) => rule.lowerKeys.includes(k.toLowerCase()) || k.toLowerCase() === rule.lowerName);
    if (groupKey === undefined) continue;
    const value = groupTags[groupKey]!;
    const after = evaluateResource(compiled, { ...resource, tags: { ...resource.tags, [groupKey]: value } });
    const valueCompliant = !after.some((f) => f.tag === rule.name && f.severity === 'error');
    out.push({ tag: rule.name, groupKey, value, valueCompliant, resourceGroupId });
  }
  return out;
}

/** inheritableTags for a resource whose group is looked up among indexed resource groups. */
export function inheritableFromResourceGroup(
  compiled: CompiledPolicy,
  resource: Resource,
  groups: ReadonlyMap<string, Resource>,
  missing?: readonly string[],
): InheritableTag[] {
  const key = resourceGroupKey(resource.id);
  if (key === null || resource.type.toLowerCase() === RESOURCE_GROUP_TYPE) return [];
  const group = groups.get(key);
  if (group === undefined) return [];
  return inheritableTags(compiled, resource, group.tags, missing, group.id);
}
