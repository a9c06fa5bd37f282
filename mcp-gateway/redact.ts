// Redacts tool parameters before they are written to the audit log.
const SENSITIVE_KEY = /(secret|password|token|credential|authorization|api[_-]?key|session)/i;
const MAX_STRING = 512;

export function redactParams(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[truncated]';
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => redactParams(item, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) =>
        [key, SENSITIVE_KEY.test(key) ? '[redacted]' : redactParams(item, depth + 1)]),
    );
  }
  return value;
}
