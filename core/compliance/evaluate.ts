// Evaluates one resource's tags against a compiled policy. Pure and on the hot path of every
// scan: a compliant resource allocates nothing, and keys are searched case-insensitively only
// when the exact key is absent.
//
// Case rules (decision): tag_naming_rules.case_sensitivity governs KEYS, as in the peer.
// - true: a key present only in another case is `wrong_key_case` (error, names the key found),
//   not "missing", and its value is not checked until the key is fixed.
// - false: the other-case key counts (its value is checked normally) and a `key_case_mismatch`
//   warning suggests the policy's spelling.
// Values are always compared exactly with allowed_values (cost reports group by exact value, so
// `Production` and `production` are two buckets); when a value matches an allowed value only
// ignoring case, the finding carries that value as `suggestion`.
import type { CompiledPolicy, CompiledRule } from '../policy/compile.js';
import type { Severity } from '../policy/schema.js';
import type { Resource } from '../resource.js';

export const FINDING_KINDS = [
  'missing_required_tag',
  'invalid_value',
  'invalid_format',
  'empty_value',
  'wrong_key_case',
  'key_case_mismatch',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Finding {
  kind: FindingKind;
  /** The tag key as the policy spells it. */
  tag: string;
  severity: Severity;
  message: string;
  value?: string;
  /** The key actually on the resource, when it differs from `tag` only by case. */
  foundKey?: string;
  allowed?: readonly string[];
  /** For `invalid_value`: the allowed value that matches ignoring case. */
  suggestion?: string;
}

export interface Evaluation {
  /** No error-severity finding (warnings do not make a resource non-compliant). */
  compliant: boolean;
  findings: Finding[];
}

// Shared and frozen: most resources have no findings, and they all get this same array.
const NO_FINDINGS = Object.freeze([]) as unknown as Finding[];
const COMPLIANT: Evaluation = Object.freeze({ compliant: true, findings: NO_FINDINGS });

/** Findings for one resource; the returned array is shared when empty, so never mutate it. */
export function evaluateResource(compiled: CompiledPolicy, resource: Resource): Finding[] {
  const rules = compiled.rulesFor(resource.cloud, resource.type);
  const tags = resource.tags;
  let findings: Finding[] | null = null;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    let value = tags[rule.name];
    let foundKey: string | undefined;
    // typeof rather than `in`: inherited members such as `constructor` are not tags.
    if (typeof value !== 'string') {
      foundKey = findKeyIgnoringCase(tags, rule);
      if (foundKey === undefined) {
        if (rule.required) (findings ??= []).push(missingTag(rule));
        continue;
      }
      value = tags[foundKey]!;
      if (compiled.caseSensitive) {
        if (rule.required) (findings ??= []).push(wrongKeyCase(rule, foundKey, value));
        continue;
      }
      (findings ??= []).push(keyCaseMismatch(rule, foundKey));
    }
    const problem = checkValue(rule, value, foundKey, compiled.maxValueLength);
    if (problem !== null) (findings ??= []).push(problem);
  }
  return findings ?? NO_FINDINGS;
}

/** Findings plus the verdict; compliant resources share one frozen result object. */
export function evaluate(compiled: CompiledPolicy, resource: Resource): Evaluation {
  const findings = evaluateResource(compiled, resource);
  if (findings.length === 0) return COMPLIANT;
  for (let i = 0; i < findings.length; i++) {
    if (findings[i]!.severity === 'error') return { compliant: false, findings };
  }
  return { compliant: true, findings };
}

function findKeyIgnoringCase(tags: Record<string, string>, rule: CompiledRule): string | undefined {
  for (const key in tags) {
    // An ASCII name can only match a key of the same length, so most keys cost one comparison.
    if (rule.asciiName && key.length !== rule.name.length) continue;
    if (key.toLowerCase() === rule.lowerName && typeof tags[key] === 'string') return key;
  }
  return undefined;
}

function checkValue(rule: CompiledRule, value: string, foundKey: string | undefined, maxLength: number): Finding | null {
  if (isBlank(value)) {
    return finding(rule, 'empty_value', `Tag "${rule.name}" has an empty value.`, value, foundKey);
  }
  if (rule.allowed !== null && !rule.allowed.has(value)) {
    const suggestion = rule.allowedByLower!.get(value.toLowerCase());
    const hint = suggestion === undefined ? '' : ` Did you mean "${suggestion}"?`;
    const f = finding(rule, 'invalid_value',
      `Value "${value}" of tag "${rule.name}" is not allowed (allowed: ${rule.allowedSummary}).${hint}`, value, foundKey);
    f.allowed = rule.allowedList!;
    if (suggestion !== undefined) f.suggestion = suggestion;
    return f;
  }
  if (rule.pattern !== null) {
    // Bounds regex work per value (see core/policy/regex.ts); the value is too long anyway.
    if (value.length > maxLength) {
      return finding(rule, 'invalid_format',
        `Value of tag "${rule.name}" is ${value.length} characters long, over max_value_length (${maxLength}); ` +
        'it was not tested against the pattern.', value, foundKey);
    }
    if (!rule.pattern.test(value)) {
      return finding(rule, 'invalid_format',
        `Value "${value}" of tag "${rule.name}" does not match the pattern ${rule.patternSource}.`, value, foundKey);
    }
  }
  return null;
}

function isBlank(value: string): boolean {
  if (value.length === 0) return true;
  const first = value.charCodeAt(0);
  // A value starting with a visible ASCII character cannot be blank: skip trim()'s copy.
  if (first > 0x20 && first < 0x7f) return false;
  return value.trim().length === 0;
}

function missingTag(rule: CompiledRule): Finding {
  const f: Finding = {
    kind: 'missing_required_tag',
    tag: rule.name,
    severity: rule.severity,
    message: `Required tag "${rule.name}" is missing.`,
  };
  if (rule.allowedList !== null) f.allowed = rule.allowedList;
  return f;
}

function wrongKeyCase(rule: CompiledRule, foundKey: string, value: string): Finding {
  return finding(rule, 'wrong_key_case',
    `Tag key "${foundKey}" must be spelled "${rule.name}" (tag keys are case-sensitive in this policy).`, value, foundKey);
}

function keyCaseMismatch(rule: CompiledRule, foundKey: string): Finding {
  return {
    kind: 'key_case_mismatch',
    tag: rule.name,
    severity: 'warning',
    message: `Tag key "${foundKey}" matches "${rule.name}" ignoring case; rename it to "${rule.name}".`,
    foundKey,
  };
}

function finding(rule: CompiledRule, kind: FindingKind, message: string, value: string, foundKey: string | undefined): Finding {
  const f: Finding = { kind, tag: rule.name, severity: rule.severity, message, value };
  if (foundKey !== undefined) f.foundKey = foundKey;
  return f;
}
