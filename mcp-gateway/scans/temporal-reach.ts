// Calls to Temporal from a tool with a bound, and the difference between "Temporal did not
// answer" and "the workflow ended": the client retries an unreachable server for a long time, and
// a failed long poll for the result would otherwise read as a scan that ended without one.
import { ServiceError, isGrpcServiceError, type Client } from '@temporalio/client';
import { ToolError } from '../errors.js';

/** Deadline of a describe call (answered by the server alone) made while a tool waits. */
export const RPC_DEADLINE_MS = 2000;
/** Deadline of a progress query, which a worker must answer: longer, for a busy one. */
export const QUERY_DEADLINE_MS = 5000;
/** Deadline of starting (or joining) a scan: a few RPCs. */
export const START_DEADLINE_MS = 10_000;

/** Runs fn with every Temporal call inside it bounded by ms. */
export function bounded<T>(client: Client, ms: number, fn: () => Promise<T>): Promise<T> {
  return client.withDeadline(Date.now() + ms, fn);
}

// gRPC status codes (not a direct dependency of ours, so the numbers).
const DEADLINE_EXCEEDED = 4;
const UNAVAILABLE = 14;
const UNREACHABLE = new Set<number>([UNAVAILABLE, DEADLINE_EXCEEDED]);

/** Whether err (or what caused it) says Temporal could not be reached in time, not what a workflow did. */
export function isTemporalUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e) && UNREACHABLE.has(e.code)) return true;
    if (e instanceof ServiceError && /deadline|unavailable|connect/i.test(e.message)) return true;
  }
  return false;
}

/** Short, host-free reason for the reply: the gRPC status name, never the server address. */
function reason(err: unknown): string {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e)) return e.code === DEADLINE_EXCEEDED ? 'no answer in time' : 'connection unavailable';
  }
  return 'no answer';
}

/** The reply when a scan's state cannot be known: it may well still be running. */
export function statusUnknown(scanId: string, err: unknown): ToolError {
  return new ToolError(`status unknown: Temporal is unavailable (${reason(err)}); scan ${scanId} may still be running ` +
    'and its result is kept. Retry get_scan_status with this scan_id in a minute.');
}

/** The reply when a scan could not be started or joined. */
export function cannotStart(err: unknown): ToolError {
  return new ToolError(`Temporal is unavailable (${reason(err)}): the scan could not be started or joined. ` +
    'Retry in a minute; a cached result, if any, is still served.');
}
