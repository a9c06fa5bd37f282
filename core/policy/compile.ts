// Turns a validated policy into look-up structures once, so evaluating a resource costs a few
// map look-ups instead of re-reading the document (regexes compiled, value sets built, scopes split).
import type { Cloud } from '../resource.js';
import { compileValuePattern } from './regex.js';
import { gcpLabelKeyProblem, gcpLabelValueProblem } from './gcp-labels.js';
import type { CloudSpelling, OptionalTagRule, RequiredTagRule, Severity, TaggingPolicy } from './schema.js';

export interface CompiledRule {
  /** The tag key as the policy spells it: the logical tag, whatever the cloud calls it. */
  readonly name: string;
  readonly lowerName: string;
  /** ASCII names let the case-insensitive key search skip keys of another length. */
  readonly asciiName: boolean;
  /** The cloud this view of the rule is for; null for the policy's own (canonical) spelling. */
  readonly cloud: Cloud | null;
  /** Keys to look for on a resource of `cloud`, preferred first: `[name]` unless cloud_spellings maps others. */
  readonly keys: readonly string[];
  readonly lowerKeys: readonly string[];
  /** Azure tag keys are case-insensitive: a key in another case is the same key, not a finding. */
  readonly keysIgnoreCase: boolean;
  /** GCP only: why no key of this rule can exist as a label (no valid gcp spelling mapped); else null. */
  readonly labelKeyProblem: string | null;
  /** The cloud's value spelling -> the canonical allowed value (`production` -> `Production`); null without a map. */
  readonly canonicalValues: ReadonlyMap<string, string> | null;
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
  /** Lowercased type prefixes named by path wildcards (`azure:compute/` for `azure:compute/*`). */
  readonly typePrefixes: readonly string[];
}

export interface CompiledPolicy {
  readonly policy: TaggingPolicy;
  readonly caseSensitive: boolean;
  readonly maxValueLength: number;
  /** Required rules first, then optional ones, in policy order. */
  readonly rules: readonly CompiledRule[];
  /** The rules that apply to one cloud and resource type, in that cloud's spelling; cached per (cloud, type). */
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
  // Each rule's view for one cloud, built on first use: rule index -> view.
  private readonly views = new Map<Cloud, CompiledRule[]>();
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
    const applicable = this.rules
      .map((rule, i) => [rule, i] as const)
      .filter(([rule]) =>
        (rule.clouds === null || rule.clouds.has(cloud)) &&
        (rule.allTypes || rule.types.has(lowerType) || (service !== null && rule.services.has(service)) ||
          rule.typePrefixes.some((prefix) => lowerType.startsWith(prefix))))
      .map(([, i]) => this.viewFor(cloud, i));
    // An optional rule for a tag that is already required here would report the tag twice.
    const caseSensitive = this.caseSensitive && cloud !== 'azure';
    const keyOf = (rule: CompiledRule): string => (caseSensitive ? rule.name : rule.lowerName);
    const requiredKeys = new Set(applicable.filter((r) => r.required).map(keyOf));
    return Object.freeze(applicable.filter((r) => r.required || !requiredKeys.has(keyOf(r))));
  }

  private viewFor(cloud: Cloud, index: number): CompiledRule {
    let views = this.views.get(cloud);
    if (views === undefined) {
      views = [];
      this.views.set(cloud, views);
    }
    return (views[index] ??= cloudView(this.rules[index]!, this.source(index), cloud));
  }

  private source(index: number): RequiredTagRule | OptionalTagRule {
    const required = this.policy.required_tags.length;
    return index < required ? this.policy.required_tags[index]! : this.policy.optional_tags[index - required]!;
  }
}

/**
 * The rule as one cloud sees it: the keys to look for, the allowed values in the cloud's
 * spelling, the cloud's own pattern, and (GCP) whether the key can exist as a label at all.
 * Without cloud_spellings the view only differs in its case rules, so peer policies evaluate
 * AWS resources exactly as before.
 */
function cloudView(base: CompiledRule, source: RequiredTagRule | OptionalTagRule, cloud: Cloud): CompiledRule {
  const spelling: CloudSpelling | undefined = source.cloud_spellings?.[cloud];
  // The policy's own spelling always counts too, after the cloud's: a resource tagged as the
  // policy says is never "missing" the tag.
  const keys = spelling?.keys ? Object.freeze([...new Set([...spelling.keys, base.name])]) : base.keys;
  let labelKeyProblem: string | null = null;
  if (cloud === 'gcp') {
    const problems = keys.map(gcpLabelKeyProblem);
    if (problems.every((p) => p !== null)) {
      labelKeyProblem = `"${keys[0]}" cannot be a GCP label key (${problems[0]})`;
    }
  }
  const values = valuesFor(source.allowed_values, spelling);
  let pattern = base.pattern;
  let patternSource = base.patternSource;
  if (spelling?.validation_regex !== undefined) {
    patternSource = spelling.validation_regex;
    pattern = patternSource === null ? null : compileValuePattern(patternSource);
  }
  return Object.freeze({
    ...base,
    cloud,
    keys,
    lowerKeys: Object.freeze(keys.map((k) => k.toLowerCase())),
    keysIgnoreCase: cloud === 'azure',
    labelKeyProblem,
    ...values,
    pattern,
    patternSource,
  });
}

type ValueFields = Pick<CompiledRule, 'allowed' | 'allowedList' | 'allowedByLower' | 'allowedSummary' | 'canonicalValues'>;

function valuesFor(allowedValues: readonly string[] | null, spelling: CloudSpelling | undefined): ValueFields {
  if (allowedValues === null) {
    return { allowed: null, allowedList: null, allowedByLower: null, allowedSummary: '', canonicalValues: null };
  }
  const list: string[] = [];
  const canonicalValues = new Map<string, string>();
  for (const canonical of allowedValues) {
    const mapped = spelling?.values?.[canonical];
    const spelled = mapped === undefined ? [canonical] : typeof mapped === 'string' ? [mapped] : mapped;
    for (const value of spelled) {
      if (!canonicalValues.has(value)) {
        list.push(value);
        canonicalValues.set(value, canonical);
      }
    }
  }
  const allowedList = Object.freeze(list);
  return {
    allowed: new Set(allowedList),
    allowedList,
    allowedByLower: byLower(allowedList),
    allowedSummary: summariseValues(allowedList),
    canonicalValues: spelling?.values ? canonicalValues : null,
  };
}

function byLower(values: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const value of values) {
    const lower = value.toLowerCase();
    if (!map.has(lower)) map.set(lower, value);
  }
  return map;
}

/** True when `value` can be stored as a GCP label value (used to hint at value spellings). */
export function isGcpLabelValue(value: string): boolean {
  return gcpLabelValueProblem(value) === null;
}

function compileRule(rule: RequiredTagRule | OptionalTagRule, required: boolean): CompiledRule {
  const allowedList = rule.allowed_values ? Object.freeze([...rule.allowed_values]) : null;
  const allowedByLower = allowedList ? byLower(allowedList) : null;
  const types = new Set<string>();
  const services = new Set<string>();
  const typePrefixes: string[] = [];
  for (const entry of rule.applies_to) {
    const lower = entry.toLowerCase();
    if (lower.endsWith(':*')) services.add(lower.slice(0, -2));
    else if (lower.endsWith('/*')) typePrefixes.push(lower.slice(0, -1));
    else types.add(lower);
  }
  const keys = Object.freeze([rule.name]);
  return Object.freeze({
    name: rule.name,
    lowerName: rule.name.toLowerCase(),
    asciiName: ASCII.test(rule.name),
    cloud: null,
    keys,
    lowerKeys: Object.freeze([rule.name.toLowerCase()]),
    keysIgnoreCase: false,
    labelKeyProblem: null,
    canonicalValues: null,
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
    typePrefixes: Object.freeze(typePrefixes),
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
