// What the policy allows for one tag on one resource: suggestions are learned only from values the
// policy accepts, and a value the policy would reject is never suggested.
import type { CompiledPolicy, CompiledRule } from '../policy/index.js';
import type { Cloud } from '../resource.js';

/** The value a resource carries for a rule, under the policy's key or any spelling of it. */
export function valueFor(rule: CompiledRule, tags: Record<string, string>): string | undefined {
  const exact = tags[rule.name];
  if (typeof exact === 'string') return exact;
  for (const key of rule.keys) if (typeof tags[key] === 'string') return tags[key];
  for (const [key, value] of Object.entries(tags)) if (rule.lowerKeys.includes(key.toLowerCase())) return value;
  return undefined;
}

/** Whether the policy accepts the value for this rule on this cloud (not blank, allowed, matching). */
export function acceptable(policy: CompiledPolicy, rule: CompiledRule, value: string): boolean {
  if (value.trim() === '' || value.length > policy.maxValueLength) return false;
  if (rule.allowed !== null && !rule.allowed.has(value)) return false;
  return rule.pattern === null || rule.pattern.test(value);
}

/** The policy's spelling of a value as learned (the canonical one when the cloud spells it another way). */
export function canonicalOf(rule: CompiledRule, value: string): string {
  return rule.canonicalValues?.get(value) ?? value;
}

/** A learned (canonical) value in this rule's cloud spelling, or undefined when the policy would reject it there. */
export function spelledFor(policy: CompiledPolicy, rule: CompiledRule, canonical: string): string | undefined {
  if (rule.canonicalValues) {
    for (const [spelled, canon] of rule.canonicalValues) if (canon === canonical && acceptable(policy, rule, spelled)) return spelled;
  }
  return acceptable(policy, rule, canonical) ? canonical : undefined;
}

/** The rules for a resource, one per tag name (the policy's spelling). */
export function rulesOf(policy: CompiledPolicy, cloud: Cloud, resourceType: string): readonly CompiledRule[] {
  return policy.rulesFor(cloud, resourceType);
}

/** Every key a rule may appear under, lowercased: its own tag is not a signal for it. */
export function ownKeysOf(rule: CompiledRule): ReadonlySet<string> {
  return new Set([rule.lowerName, ...rule.lowerKeys]);
}
