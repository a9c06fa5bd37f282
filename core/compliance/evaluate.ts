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
//
// Other clouds (decision):
// - Azure tag keys are case-insensitive in Azure itself, so a key in another case IS the key:
//   no case finding, whatever case_sensitivity says (values stay case-sensitive, as in Azure).
// - A rule's cloud_spellings give the keys and value spellings to use on that cloud; findings
//   still name the logical tag (`tag`), with the key on the resource as `foundKey`.
// - GCP: a policy key that cannot be a label (`CostCenter`) and has no gcp spelling is a
//   `gcp_label_rule` finding, not "missing": no resource could ever comply. A label matching it
//   ignoring case is used (its value is checked) with a `gcp_label_rule` warning to map the spelling.
import { isGcpLabelValue, type CompiledPolicy, type CompiledRule } from '../policy/compile.js';
import { suggestGcpLabelKey } from '../policy/gcp-labels.js';
import type { Severity } from '../policy/schema.js';
import type { Resource } from '../resource.js';

export const FINDING_KINDS = [
  'missing_required_tag',
  'invalid_value',
  'invalid_format',
  'empty_value',
  'wrong_key_case',
  'key_case_mismatch',
  'gcp_label_rule',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Finding {
  kind: FindingKind;
  /** The tag key as the policy spells it. */
  tag: string;
  severity: Severity;
  message: string;
  value?: string;
  /** The key actually on the resource, when it differs from `tag` (by case, or a per-cloud spelling). */
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
      foundKey = findSpelledKey(tags, rule) ?? findKeyIgnoringCase(tags, rule);
      if (rule.labelKeyProblem !== null) {
        // GCP, and the policy's key can never be a label: the fix is in the policy.
        if (foundKey === undefined) {
          if (rule.required) (findings ??= []).push(unlabelableKey(rule));
          continue;
        }
        (findings ??= []).push(unmappedLabel(rule, foundKey));
      } else if (foundKey === undefined) {
        if (rule.required) (findings ??= []).push(missingTag(rule));
        continue;
      } else if (!rule.keysIgnoreCase && !isSpelling(rule, foundKey)) {
        if (compiled.caseSensitive) {
          if (rule.required) (findings ??= []).push(wrongKeyCase(rule, foundKey, tags[foundKey]!));
          continue;
        }
        (findings ??= []).push(keyCaseMismatch(rule, foundKey));
      }
      value = tags[foundKey]!;
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

/** The first of the cloud's own spellings present exactly (the policy name was already tried). */
function findSpelledKey(tags: Record<string, string>, rule: CompiledRule): string | undefined {
  const keys = rule.keys;
  if (keys.length === 1 && keys[0] === rule.name) return undefined;
  for (let i = 0; i < keys.length; i++) {
    if (typeof tags[keys[i]!] === 'string') return keys[i];
  }
  return undefined;
}

function isSpelling(rule: CompiledRule, key: string): boolean {
  return rule.keys.includes(key);
}

function findKeyIgnoringCase(tags: Record<string, string>, rule: CompiledRule): string | undefined {
  const lowerKeys = rule.lowerKeys;
  if (lowerKeys.length === 1 && lowerKeys[0] === rule.lowerName) {
    for (const key in tags) {
      // An ASCII name can only match a key of the same length, so most keys cost one comparison.
      if (rule.asciiName && key.length !== rule.name.length) continue;
      if (key.toLowerCase() === rule.lowerName && typeof tags[key] === 'string') return key;
    }
    return undefined;
  }
  // Spellings in order of preference, so the first mapped key found wins.
  for (const lower of lowerKeys) {
    for (const key in tags) {
      if (key.toLowerCase() === lower && typeof tags[key] === 'string') return key;
    }
  }
  return undefined;
}

function checkValue(rule: CompiledRule, value: string, foundKey: string | undefined, maxLength: number): Finding | null {
  if (isBlank(value)) {
    return finding(rule, 'empty_value', `Tag "${rule.name}" has an empty value.`, value, foundKey);
  }
  if (rule.allowed !== null && !rule.allowed.has(value)) {
    const suggestion = rule.allowedByLower!.get(value.toLowerCase());
    if (suggestion !== undefined && rule.cloud === 'gcp' && !isGcpLabelValue(suggestion)) {
      // `production` for allowed `Production`: the label cannot carry the policy's spelling.
      return finding(rule, 'gcp_label_rule',
        `Allowed value "${suggestion}" of tag "${rule.name}" cannot be a GCP label value, so "${value}" can never comply; ` +
        `map it in cloud_spellings.gcp.values (e.g. "${suggestion}": "${value}").`, value, foundKey);
    }
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

function unlabelableKey(rule: CompiledRule): Finding {
  const suggested = suggestGcpLabelKey(rule.name);
  return {
    kind: 'gcp_label_rule',
    tag: rule.name,
    severity: rule.severity,
    message: `Required tag ${rule.labelKeyProblem}, so no GCP resource can carry it; ` +
      `add a gcp spelling to the policy (cloud_spellings.gcp.keys${suggested ? `, e.g. ["${suggested}"]` : ''}).`,
  };
}

function unmappedLabel(rule: CompiledRule, foundKey: string): Finding {
  return {
    kind: 'gcp_label_rule',
    tag: rule.name,
    severity: 'warning',
    message: `Label "${foundKey}" stands for tag "${rule.name}", which ${(rule.labelKeyProblem ?? "").replace(/^"[^"]*" /, '')}; ` +
      `add "${foundKey}" to the policy's cloud_spellings.gcp.keys.`,
    foundKey,
  };
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
