// Tag drift between two snapshots: what a change is, how severe it is, and which keys count as
// required for a resource type (the SQL that finds changes gets them as look-up maps).
import type { CompiledPolicy } from './policy/index.js';
import type { Cloud } from './resource.js';

export const DRIFT_CHANGES = ['added', 'removed', 'changed'] as const;
export type DriftChange = (typeof DRIFT_CHANGES)[number];

/**
 * critical: a required tag was removed; warning: a value changed, or a tag no rule requires was
 * removed (information lost, but no rule broken by it); info: a tag was added.
 */
export const DRIFT_SEVERITIES = ['critical', 'warning', 'info'] as const;
export type DriftSeverity = (typeof DRIFT_SEVERITIES)[number];

/** Map key of a (cloud, resource type) pair in the required-key maps. */
export function driftTypeKey(cloud: string, resourceType: string): string {
  return `${cloud}|${resourceType}`;
}

export interface RequiredKeyMaps {
  /** (cloud|type) -> keys a removal of which is critical, as spelled on that cloud. */
  exact: Record<string, string[]>;
  /** (cloud|type) -> the same keys lowercased, where keys match case-insensitively (policy or cloud). */
  lower: Record<string, string[]>;
}

/** Required keys per (cloud, type) seen in a snapshot, from the policy that snapshot was evaluated against. */
export function requiredKeyMaps(policy: CompiledPolicy, types: readonly { cloud: Cloud; resourceType: string }[]): RequiredKeyMaps {
  const exact: Record<string, string[]> = {};
  const lower: Record<string, string[]> = {};
  for (const { cloud, resourceType } of types) {
    const rules = policy.rulesFor(cloud, resourceType).filter((r) => r.required);
    if (rules.length === 0) continue;
    const key = driftTypeKey(cloud, resourceType);
    exact[key] = [...new Set(rules.flatMap((r) => r.keys))];
    const folded = rules.filter((r) => !policy.caseSensitive || r.keysIgnoreCase).flatMap((r) => r.lowerKeys);
    if (folded.length) lower[key] = [...new Set(folded)];
  }
  return { exact, lower };
}

/** The severity rule, as the SQL applies it (kept here for tests and readers). */
export function driftSeverity(change: DriftChange, required: boolean): DriftSeverity {
  if (change === 'added') return 'info';
  if (change === 'removed' && required) return 'critical';
  return 'warning';
}
