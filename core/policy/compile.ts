// Turns a validated policy into look-up structures once, so evaluating a resource costs a few
// map look-ups instead of re-reading the document (regexes compiled, value sets built, scopes split).
import type { Cloud } from '../resource.js';
import { compileValuePattern } from './regex.js';
import type { OptionalTagRule, RequiredTagRule, Severity, TaggingPolicy } from './schema.js';

export interface CompiledRule {
  /** The tag key as the policy spells it. */
  readonly name: string;
  readonly lowerName: string;
  /** ASCII names let the case-insensitive key search skip keys of another length. */
  readonly asciiName: boolean;
  readonly required: boolean;
  readonly severity: Severity;
  readonly allowed: ReadonlySet<string> | null;
  readonly allowedList: readonly string[] | null;
  /** Lowercased allowed value -> its policy spelling, to hint at the right casing. */
  readonly allowedByLower: ReadonlyMap<string, string> | null;
  /** A short rendering of the allowed values for messages (long lists are cut). */
  readonly allowedSummary: string;
  readonly pattern: RegExp | null;
  readonly patternSource: string | null;
  readonly clouds: ReadonlySet<Cloud> | null;
  readonly allTypes: boolean;
  /** Lowercased exact `service:kind` types. */
  readonly types: ReadonlySet<string>;
  /** Lowercased services named by wildcards (`ec2` for `ec2:*`). */
  readonly services: ReadonlySet<string>;
}

export interface CompiledPolicy {
  readonly policy: TaggingPolicy;
  readonly caseSensitive: boolean;
  readonly maxValueLength: number;
  /** Required rules first, then optional ones, in policy order. */
  readonly rules: readonly CompiledRule[];
  /** The rules that apply to one cloud and resource type; cached per (cloud, type). */
  rulesFor(cloud: Cloud, type: string): readonly CompiledRule[];
}

const SUMMARY_VALUES = 10;
// Types come from scanners and are few; the cap only guards against a hostile stream of types.
const MAX_CACHED_TYPES = 10_000;
const ASCII = /^[\x20-\x7e]*$/;

export function compilePolicy(policy: TaggingPolicy): CompiledPolicy {
  const rules = [
    ...policy.required_tags.map((rule) => compileRule(rule, true)),
    ...policy.optional_tags.map((rule) => compileRule(rule, false)),
  ];
  return new PolicyIndex(policy, Object.freeze(rules));
}

class PolicyIndex implements CompiledPolicy {
  readonly caseSensitive: boolean;
  readonly maxValueLength: number;
  private readonly byCloud = new Map<string, Map<string, readonly CompiledRule[]>>();
  // Scanners emit runs of one (cloud, type); remembering the last answer skips the maps.
  private lastCloud = '';
  private lastType = '';
  private lastRules: readonly CompiledRule[] = [];

  constructor(readonly policy: TaggingPolicy, readonly rules: readonly CompiledRule[]) {
    this.caseSensitive = policy.tag_naming_rules.case_sensitivity;
    this.maxValueLength = policy.tag_naming_rules.max_value_length;
  }

  rulesFor(cloud: Cloud, type: string): readonly CompiledRule[] {
    if (type === this.lastType && cloud === this.lastCloud) return this.lastRules;
    let byType = this.byCloud.get(cloud);
    if (byType === undefined) {
      byType = new Map();
      this.byCloud.set(cloud, byType);
    }
    let rules = byType.get(type);
    if (rules === undefined) {
      rules = this.select(cloud, type);
      if (byType.size < MAX_CACHED_TYPES) byType.set(type, rules);
    }
    this.lastCloud = cloud;
    this.lastType = type;
    this.lastRules = rules;
    return rules;
  }

  private select(cloud: Cloud, type: string): readonly CompiledRule[] {
    const lowerType = type.toLowerCase();
    const colon = lowerType.indexOf(':');
    const service = colon > 0 ? lowerType.slice(0, colon) : null;
    const applicable = this.rules.filter((rule) =>
      (rule.clouds === null || rule.clouds.has(cloud)) &&
      (rule.allTypes || rule.types.has(lowerType) || (service !== null && rule.services.has(service))));
    // An optional rule for a tag that is already required here would report the tag twice.
    const requiredKeys = new Set(applicable.filter((r) => r.required).map((r) => this.keyOf(r)));
    return Object.freeze(applicable.filter((r) => r.required || !requiredKeys.has(this.keyOf(r))));
  }

  private keyOf(rule: CompiledRule): string {
    return this.caseSensitive ? rule.name : rule.lowerName;
  }
}

function compileRule(rule: RequiredTagRule | OptionalTagRule, required: boolean): CompiledRule {
  const allowedList = rule.allowed_values ? Object.freeze([...rule.allowed_values]) : null;
  let allowedByLower: Map<string, string> | null = null;
  if (allowedList) {
    allowedByLower = new Map();
    for (const value of allowedList) {
      const lower = value.toLowerCase();
      if (!allowedByLower.has(lower)) allowedByLower.set(lower, value);
    }
  }
  const types = new Set<string>();
  const services = new Set<string>();
  for (const entry of rule.applies_to) {
    const lower = entry.toLowerCase();
    if (lower.endsWith(':*')) services.add(lower.slice(0, -2));
    else types.add(lower);
  }
  return Object.freeze({
    name: rule.name,
    lowerName: rule.name.toLowerCase(),
    asciiName: ASCII.test(rule.name),
    required,
    severity: rule.severity,
    allowed: allowedList ? new Set(allowedList) : null,
    allowedList,
    allowedByLower,
    allowedSummary: allowedList ? summariseValues(allowedList) : '',
    pattern: rule.validation_regex ? compileValuePattern(rule.validation_regex) : null,
    patternSource: rule.validation_regex,
    clouds: rule.clouds ? new Set(rule.clouds) : null,
    allTypes: rule.applies_to.length === 0,
    types,
    services,
  });
}

function summariseValues(values: readonly string[]): string {
  const shown = values.slice(0, SUMMARY_VALUES).join(', ');
  return values.length > SUMMARY_VALUES ? `${shown} (+${values.length - SUMMARY_VALUES} more)` : shown;
}

/**
 * Resource types the required tags name explicitly (exact types and `service:*` wildcards),
 * sorted and de-duplicated; with `cloud`, only rules in scope for that cloud count.
 * A required tag with `applies_to: []` applies to every type and adds nothing to this list:
 * check `appliesToAllTypes` before treating the list as the whole coverage.
 */
export function coveredResourceTypes(policy: TaggingPolicy, cloud?: Cloud): string[] {
  const types = new Set<string>();
  for (const rule of policy.required_tags) {
    if (cloud && rule.clouds && !rule.clouds.includes(cloud)) continue;
    for (const type of rule.applies_to) types.add(type.toLowerCase());
  }
  return [...types].sort();
}

/** True when some required tag (in scope for `cloud`, if given) applies to every resource type. */
export function appliesToAllTypes(policy: TaggingPolicy, cloud?: Cloud): boolean {
  return policy.required_tags.some((rule) =>
    rule.applies_to.length === 0 && (!cloud || !rule.clouds || rule.clouds.includes(cloud)));
}
