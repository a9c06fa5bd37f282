// The tag values that would fix a resource's error findings, shared by the generators that write
// values (OpenOps, automation exports): a suggestion the policy accepts, the suggestion the finding
// carries (a case fix), the policy's single allowed value, the value under a wrong-case key, or else
// a placeholder AWS refuses, so an unfilled value can never be written by accident.
import type { CompiledRule } from '../policy/compile.js';
import type { ScanResourceRow } from '../scan.js';

/** AWS refuses `<` and `>` in tag values: a placeholder left unfilled fails instead of tagging garbage. */
export const placeholderFor = (key: string) => `<set ${key}>`;

const FIX_KINDS = new Set(['missing_required_tag', 'wrong_key_case', 'empty_value', 'invalid_value', 'invalid_format']);

/** Tag key -> value fixing the row's error findings (of `targetTags` when given); null when nothing is to set. */
export function tagsToSet(row: ScanResourceRow, rules: readonly CompiledRule[], targetTags: ReadonlySet<string> | null,
  suggested: Readonly<Record<string, string>> | undefined): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const f of row.violations as { kind: string; tag: string; severity: string; foundKey?: string; suggestion?: string }[]) {
    if (f.severity !== 'error' || !FIX_KINDS.has(f.kind) || (targetTags && !targetTags.has(f.tag))) continue;
    const rule = rules.find((r) => r.name === f.tag);
    if (!rule) continue;
    // A wrong-case key keeps its value under the right key (the old key is left for a human to drop).
    const candidates = [suggested?.[f.tag], f.suggestion, rule.allowedList?.length === 1 ? rule.allowedList[0] : undefined,
      f.kind === 'wrong_key_case' && f.foundKey ? row.tags[f.foundKey] : undefined];
    out[f.tag] = candidates.find((v): v is string => v !== undefined && acceptable(rule, v)) ?? placeholderFor(f.tag);
  }
  return Object.keys(out).length ? out : null;
}

export function acceptable(rule: CompiledRule, value: string): boolean {
  if (value.trim().length === 0 || value.includes('\u0000')) return false;
  if (rule.allowed && !rule.allowed.has(value)) return false;
  return rule.pattern === null || rule.pattern.test(value);
}

