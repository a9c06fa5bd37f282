// The exit codes of the terminal commands, for CI pipelines: stable numbers, documented in the
// usage text and the README.
export const EXIT = {
  /** Done; every threshold asked for was met. */
  ok: 0,
  /** Something failed: Temporal or the store unreachable, the scan failed, no such scan. */
  error: 1,
  /** A flag or value was refused before anything ran. */
  usage: 2,
  /** The score is below --fail-under (a scan with no resources has no score and counts as below). */
  belowThreshold: 3,
  /** --fail-on-partial and the scan did not read everything (failed shards, unreadable targets, cancelled). */
  partial: 4,
  /** A threshold was asked for but the scan was still running when --wait ended: no verdict yet. */
  notFinished: 5,
  /** Interrupted with Ctrl-C, whether the scan was then cancelled or left running in Temporal. */
  interrupted: 130,
} as const;

export const EXIT_CODES_TEXT = `exit codes (scan, status):
  0  done, thresholds met           3  score below --fail-under (no score counts as below)
  1  error (Temporal, store, scan)  4  partial data with --fail-on-partial
  2  usage error                    5  still running when --wait ended, with a threshold set
  130 interrupted (Ctrl-C): the scan was cancelled or left running in Temporal`;

export interface Thresholds {
  /** 0..1: the score --fail-under asks for. */
  failUnder?: number;
  failOnPartial: boolean;
}

/** The exit code of a finished scan against the thresholds, and why when it is not 0. */
export function verdictFor(scan: { score: number | null; partial: boolean }, t: Thresholds): { code: number; reason?: string } {
  if (t.failUnder !== undefined && (scan.score === null || scan.score < t.failUnder)) {
    const pct = `${Math.round(t.failUnder * 10_000) / 100}%`;
    return { code: EXIT.belowThreshold, reason: scan.score === null ? `no score (no resources) against --fail-under ${pct}` : `score ${Math.round(scan.score * 10_000) / 100}% is below --fail-under ${pct}` };
  }
  if (t.failOnPartial && scan.partial) return { code: EXIT.partial, reason: 'partial data (targets not read, failed shards or a cancelled scan) with --fail-on-partial' };
  return { code: EXIT.ok };
}

export const hasThresholds = (t: Thresholds) => t.failUnder !== undefined || t.failOnPartial;
