// A failure that still says what it cost: the cloud requests an attempt sent before it failed
// travel in the failure's details, so a shard or plan that fails for good is still counted.
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { CloudCalls } from '../core/cloud-calls.js';

export function withCalls(err: unknown, calls: CloudCalls): unknown {
  if (err instanceof CancelledFailure || Object.keys(calls).length === 0) return err;
  if (err instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      type: err.type ?? undefined, message: err.message, nonRetryable: err.nonRetryable ?? false, details: [{ calls }],
      ...(err.nextRetryDelay !== undefined ? { nextRetryDelay: err.nextRetryDelay } : {}),
    });
  }
  // What the SDK would make of a plain error (retryable, typed by its name), with the calls.
  const error = err instanceof Error ? err : new Error(String(err));
  return ApplicationFailure.create({ type: error.name, message: error.message, details: [{ calls }] });
}
