// Conversions between TS values and SQL columns that every query module needs the same way.

/** A jsonb parameter: sent as JSON text and cast with `$n::jsonb`, identically on both backends. */
export function jsonParam(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** Timestamps leave the store as ISO-8601 UTC strings: serialisable through Temporal and MCP as-is. */
export function isoTime(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return new Date(value).toISOString();
  throw new TypeError(`expected a timestamp, got ${typeof value}`);
}

export function isoTimeOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : isoTime(value);
}

export function positiveLimit(limit: number, max: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  return Math.min(limit, max);
}
