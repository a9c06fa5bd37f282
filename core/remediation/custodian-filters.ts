// The tagging policy's rules as Cloud Custodian filters, written to select exactly the resources
// core/compliance/evaluate.ts finds an error on, so a Custodian run and our scan agree.
//
// How each finding becomes a filter (`k` is a key the rule looks for, in the engine's order: the
// policy's name, then the cloud's spellings, then, for case-insensitive policies, case variants):
// - missing_required_tag: every key absent;
// - wrong_key_case (case-sensitive policies): every exact key absent but a case variant present;
// - empty_value / invalid_value / invalid_format: on the first key present, a blank value, a value
//   not in allowed_values, or one longer than max_value_length or not matching the regex.
// Custodian looks tag keys up by exact case, so a case-insensitive policy can only list case
// variants: those the scan saw plus the all-lower and all-upper forms. A resource carrying another
// spelling is seen as missing the tag by Custodian while the scan accepts it (documented).
import type { CompiledRule } from '../policy/compile.js';

export const VALUE_KINDS = ['empty_value', 'invalid_value', 'invalid_format'] as const;
export const CUSTODIAN_KINDS = ['missing_required_tag', 'wrong_key_case', ...VALUE_KINDS] as const;
export type CustodianKind = (typeof CUSTODIAN_KINDS)[number];

export type Filter = Record<string, unknown>;

/**
 * Custodian runs str.format over every string value of a policy before using it (`{account_id}`,
 * `{region}` …): a data string keeps its braces only doubled, and a lone one would stop the policy
 * loading. Dict keys are not formatted, so the `tag:Key: absent` shorthand keeps the key as is.
 */
export function literal(text: string): string {
  return text.replace(/[{}]/g, '$&$&');
}

/** JavaScript's String.prototype.trim whitespace, for Python's `re`: a blank value is all of these. */
const BLANK = '[\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*\\Z';

export interface RuleFilterOptions {
  caseSensitive: boolean;
  maxValueLength: number;
  kinds: ReadonlySet<CustodianKind>;
  /** Case variants of the rule's keys seen in the scan (`environment` for `Environment`). */
  seenVariants: ReadonlySet<string>;
}

const tagKey = (key: string) => `tag:${key}`;
/** `tag:Key` as a value (the `key` of a value filter), where Custodian formats it. */
const tagKeyValue = (key: string) => literal(tagKey(key));
const absent = (key: string): Filter => ({ [tagKey(key)]: 'absent' });
const present = (key: string): Filter => ({ [tagKey(key)]: 'present' });
const or = (filters: Filter[]): Filter => (filters.length === 1 ? filters[0]! : { or: filters });
const and = (filters: Filter[]): Filter => (filters.length === 1 ? filters[0]! : { and: filters });

/** The keys the rule accepts as exact spellings, in the order the engine tries them. */
export function exactKeys(rule: CompiledRule): string[] {
  return [rule.name, ...rule.keys.filter((k) => k !== rule.name)];
}

/** Case variants Custodian should also look for: seen in the scan, plus lower and upper case. */
export function caseVariants(rule: CompiledRule, seen: ReadonlySet<string>): string[] {
  const exact = new Set(exactKeys(rule));
  const lower = new Set(rule.lowerKeys);
  const out = new Set<string>();
  for (const key of exactKeys(rule)) {
    out.add(key.toLowerCase());
    out.add(key.toUpperCase());
  }
  for (const key of [...seen].sort()) if (lower.has(key.toLowerCase())) out.add(key);
  return [...out].filter((k) => !exact.has(k));
}

/**
 * A JavaScript policy regex (the engine runs `^(?:source)`) for Python's `re.match`, which is
 * anchored the same way: named groups are respelled and `\d`, `\w`, `\b` kept ASCII as in JavaScript.
 */
export function pythonRegex(source: string): string {
  const respelled = source.replace(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?P<$1>').replace(/\\k<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?P=$1)');
  return `(?a:${respelled})`;
}

/** The filter selecting resources on which this rule has an error finding of the chosen kinds; null if none can. */
export function ruleFilter(rule: CompiledRule, opts: RuleFilterOptions): Filter | null {
  if (rule.severity !== 'error') return null;
  const exact = exactKeys(rule);
  const variants = caseVariants(rule, opts.seenVariants);
  const parts: Filter[] = [];
  if (rule.required) {
    const missing = opts.kinds.has('missing_required_tag');
    const wrongCase = opts.caseSensitive && opts.kinds.has('wrong_key_case');
    if (missing && (wrongCase || !opts.caseSensitive)) {
      // Case-sensitive: any exact key absent is a finding, whatever case variant is there.
      parts.push(and((opts.caseSensitive ? exact : [...exact, ...variants]).map(absent)));
    } else if (missing) {
      parts.push(and([...exact, ...variants].map(absent)));
    } else if (wrongCase && variants.length > 0) {
      parts.push(and([...exact.map(absent), or(variants.map(present))]));
    }
  }
  const valueKinds = VALUE_KINDS.filter((k) => opts.kinds.has(k));
  if (valueKinds.length > 0) {
    // The value checked is that of the first key present, in the engine's order.
    const keys = opts.caseSensitive ? exact : [...exact, ...variants];
    keys.forEach((key, i) => {
      const bad = badValue(rule, key, valueKinds, opts.maxValueLength);
      if (bad) parts.push(and([present(key), ...keys.slice(0, i).map(absent), bad]));
    });
  }
  return parts.length === 0 ? null : or(parts);
}

function badValue(rule: CompiledRule, key: string, kinds: readonly string[], maxLength: number): Filter | null {
  const k = tagKeyValue(key);
  const blank: Filter = { type: 'value', key: k, op: 'regex-case', value: BLANK };
  const notAllowed: Filter | null = rule.allowedList ? { type: 'value', key: k, op: 'not-in', value: rule.allowedList.map(literal) } : null;
  const badFormat: Filter | null = rule.patternSource === null ? null : or([
    { type: 'value', key: k, value_type: 'size', op: 'gt', value: maxLength },
    { not: [{ type: 'value', key: k, op: 'regex-case', value: literal(pythonRegex(rule.patternSource)) }] },
  ]);
  if (kinds.length === VALUE_KINDS.length) {
    return or([blank, ...(notAllowed ? [notAllowed] : []), ...(badFormat ? [badFormat] : [])]);
  }
  // A subset of kinds: each with the engine's precedence (blank, then allowed values, then format).
  const out: Filter[] = [];
  if (kinds.includes('empty_value')) out.push(blank);
  if (kinds.includes('invalid_value') && notAllowed) out.push(and([{ not: [blank] }, notAllowed]));
  if (kinds.includes('invalid_format') && badFormat) {
    const inAllowed: Filter[] = rule.allowedList ? [{ type: 'value', key: k, op: 'in', value: rule.allowedList.map(literal) }] : [];
    out.push(and([{ not: [blank] }, ...inAllowed, badFormat]));
  }
  return out.length === 0 ? null : or(out);
}
