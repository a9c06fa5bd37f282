// Helpers for listing untagged resources: which required tags a stored resource misses, and
// how old it is.

const DAY_MS = 86_400_000;

/** Required tags named by `missing_required_tag` findings, in finding order, without duplicates. */
export function missingRequiredTags(violations: unknown): string[] {
  if (!Array.isArray(violations)) return [];
  const tags = new Set<string>();
  for (const v of violations) {
    if (v && typeof v === 'object' && (v as { kind?: unknown }).kind === 'missing_required_tag') {
      const tag = (v as { tag?: unknown }).tag;
      if (typeof tag === 'string') tags.add(tag);
    }
  }
  return [...tags];
}

/** Whole days since creation; null when unknown; 0 for a creation time in the future (clock skew). */
export function ageDays(createdAt: string | null, now: Date): number | null {
  if (createdAt === null) return null;
  const created = Date.parse(createdAt);
  if (Number.isNaN(created)) return null;
  return Math.max(0, Math.floor((now.getTime() - created) / DAY_MS));
}
