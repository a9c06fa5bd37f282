// Candidates for a value a caller named that does not exist (a misspelt region, type or account):
// the nearest known values by edit distance, so a refusal can ask "did you mean …?" and show what
// would have worked, instead of guessing which one was meant.

/**
 * Optimal string alignment distance: insertions, deletions, substitutions and transpositions of
 * neighbours each cost 1 (`us-east1` → `us-east-1` is 1, `ue-east-1` → `eu-east-1` is 1).
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rows suffice: the transposition looks two rows back.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      current[j] = d;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length]!;
}

export interface NearestOptions {
  /** Candidates returned at most. Default 3. */
  max?: number;
  /** Farthest a candidate may be. Default: a third of the value's length, at least 2. */
  maxDistance?: number;
}

/**
 * The known values nearest to `value` (compared case-insensitively), closest first; ties go to the
 * longer shared prefix, then alphabetical order. Empty when nothing is near enough to suggest.
 */
export function nearest(value: string, known: Iterable<string>, opts: NearestOptions = {}): string[] {
  const max = opts.max ?? 3;
  const wanted = value.trim().toLowerCase();
  const limit = opts.maxDistance ?? Math.max(2, Math.floor(wanted.length / 3));
  const scored: { candidate: string; distance: number; prefix: number }[] = [];
  for (const candidate of new Set(known)) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance <= limit) scored.push({ candidate, distance, prefix: sharedPrefix(wanted, candidate.toLowerCase()) });
  }
  scored.sort((x, y) => x.distance - y.distance || y.prefix - x.prefix || x.candidate.localeCompare(y.candidate));
  return scored.slice(0, max).map((s) => s.candidate);
}

function sharedPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** `a, b, c and 4 more`: a list for a refusal sentence, capped. */
export function listText(values: readonly string[], cap = 10): string {
  if (values.length <= cap) return values.join(', ');
  return `${values.slice(0, cap).join(', ')} and ${values.length - cap} more`;
}
