// The compliance score and finding counts that reports, history and trends are built from.
import type { Severity } from '../policy/schema.js';
import { FINDING_KINDS, type Evaluation, type FindingKind } from './evaluate.js';

const SCALE = 10_000;

/**
 * compliant / total, as in the peer, with 4 decimal places (0.01 of a percent).
 * - total 0 gives 1: with nothing in scope there is nothing to violate, and a trend line should
 *   not dip to 0 because a filter matched no resource.
 * - The ratio is rounded down, and 1 is returned only when every resource is compliant, so
 *   99,999 of 100,000 shows 0.9999 and never claims a clean estate.
 */
export function complianceScore(compliant: number, total: number): number {
  if (!Number.isInteger(compliant) || !Number.isInteger(total) || compliant < 0 || total < 0 || compliant > total) {
    throw new RangeError(`compliance score needs 0 <= compliant <= total (integers), got ${compliant} of ${total}`);
  }
  if (total === 0 || compliant === total) return 1;
  return Math.floor((compliant / total) * SCALE) / SCALE;
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
