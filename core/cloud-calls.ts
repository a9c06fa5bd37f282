// The cloud API calls a scan made, per API (`service:Operation`, e.g. `s3:ListBuckets`,
// `tagging:GetResources`): counted per shard, added up by the workflows, stored with the scan.
// The maps travel through workflow history, so they stay small: the APIs a scanner calls are a
// short fixed list, and anything past MAX_CALL_KEYS is lumped under OTHER_CALLS.

export type CloudCalls = Record<string, number>;

export const MAX_CALL_KEYS = 48;
export const OTHER_CALLS = 'other';

/** Adds `from` into `into` (mutated and returned); tolerates an absent map (older histories). */
export function addCalls(into: CloudCalls, from: CloudCalls | undefined): CloudCalls {
  if (!from) return into;
  for (const [api, n] of Object.entries(from)) {
    if (!Number.isFinite(n) || n <= 0) continue;
    const key = api in into || Object.keys(into).length < MAX_CALL_KEYS ? api : OTHER_CALLS;
    into[key] = (into[key] ?? 0) + n;
  }
  return into;
}

export function totalCalls(calls: CloudCalls | undefined | null): number {
  let total = 0;
  for (const n of Object.values(calls ?? {})) total += n;
  return total;
}

/** Calls per 1,000 resources, one decimal; undefined when nothing was found. */
export function callsPerThousand(calls: CloudCalls | undefined | null, resources: number): number | undefined {
  if (resources <= 0) return undefined;
  return Math.round((totalCalls(calls) * 10_000) / resources) / 10;
}
