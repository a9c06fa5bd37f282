// Resource type filters as SQL LIKE patterns: `ec2:*` names every EC2 kind, other types are exact.

/** Patterns for `resource_type like any($n::text[])`; null (no filter) for none or `all`. */
export function resourceTypePatterns(types: string[] | undefined): string[] | null {
  if (!types?.length || types.includes('all')) return null;
  return types.map((t) => {
    const wildcard = t.endsWith(':*');
    const escaped = (wildcard ? t.slice(0, -1) : t).replace(/[\\%_]/g, (c) => `\\${c}`);
    return wildcard ? `${escaped}%` : escaped;
  });
}
