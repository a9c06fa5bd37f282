// The compliance score and finding counts that reports, history and trends are built from.
import type { Severity } from '../policy/schema.js';
import { FINDING_KINDS, type Evaluation, type FindingKind } from './evaluate.js';

const SCALE = 10_000;

/**
 * compliant / total, as in the peer, with 4 decimal places (0.01 of a percent), rounded to nearest.
 * - total 0 gives 1 here, for trends and history: a filter that matched no resource should not
 *   dip a trend line to 0. What a scan shows its caller is scanScore: no resources, no score.
 * - 1 is returned only when every resource is compliant and 0 only when none is, so 99,999 of
 *   100,000 shows 0.9999 and never claims a clean estate.
 */
export function complianceScore(compliant: number, total: number): number {
  if (!Number.isInteger(compliant) || !Number.isInteger(total) || compliant < 0 || total < 0 || compliant > total) {
    throw new RangeError(`compliance score needs 0 <= compliant <= total (integers), got ${compliant} of ${total}`);
  }
  if (total === 0 || compliant === total) return 1;
  if (compliant === 0) return 0;
  const rounded = Math.round((compliant / total) * SCALE) / SCALE;
  return Math.min(Math.max(rounded, 1 / SCALE), 1 - 1 / SCALE);
}

/** A scan's score as its caller sees it: null when it saw no resource (a score of nothing is not 100%). */
export function scanScore(compliant: number, total: number): number | null {
  return total === 0 ? null : complianceScore(compliant, total);
}

export interface ComplianceSummary {
  total: number;
  compliant: number;
  nonCompliant: number;
  score: number;
  /** Findings of every kind, including warnings on compliant resources. */
  findings: number;
  bySeverity: Record<Severity, number>;
  byKind: Record<FindingKind, number>;
  /** Findings per tag key (policy spelling), most frequent first. */
  byTag: Record<string, number>;
}

/** Counts over evaluated resources; every kind and severity is present, with 0 when unseen. */
export function summarise(results: Iterable<Evaluation>): ComplianceSummary {
  let total = 0;
  let compliant = 0;
  let findings = 0;
  const bySeverity: Record<Severity, number> = { error: 0, warning: 0 };
  const byKind = Object.fromEntries(FINDING_KINDS.map((kind) => [kind, 0])) as Record<FindingKind, number>;
  const byTag = new Map<string, number>();
  for (const result of results) {
    total++;
    if (result.compliant) compliant++;
    for (const f of result.findings) {
      findings++;
      bySeverity[f.severity]++;
      byKind[f.kind]++;
      byTag.set(f.tag, (byTag.get(f.tag) ?? 0) + 1);
    }
  }
  return {
    total,
    compliant,
    nonCompliant: total - compliant,
    score: complianceScore(compliant, total),
    findings,
    bySeverity,
    byKind,
    // fromEntries defines own properties, so a tag named `__proto__` stays a plain count.
    byTag: Object.fromEntries([...byTag].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
  };
}
