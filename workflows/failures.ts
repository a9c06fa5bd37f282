// Failure bookkeeping shared by the scan workflows: what a failed target looks like in results.
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';
import type { CloudCalls } from '../core/cloud-calls.js';
import type { ScanFailure } from '../core/scan.js';

/** Permission, credentials of the wrong account, opted-out regions, bad input, missing files or policies: retrying cannot help. */
export const NON_RETRYABLE = ['AccessDenied', 'AccountMismatch', 'RegionNotEnabled', 'InvalidInput', 'NotFound', 'PolicyInvalid'];

export function failureOf(err: unknown, where: Omit<ScanFailure, 'errorType' | 'reason'>): ScanFailure {
  let cause = err;
  while (cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) cause = cause.cause;
  const errorType = cause instanceof ApplicationFailure ? cause.type ?? 'Error' : (cause as Error)?.name ?? 'Error';
  const reason = cause instanceof Error ? cause.message : String(cause);
  return { ...where, errorType, reason: reason.slice(0, 500) };
}

/** Cloud requests a failed activity sent before it failed (activities/failure-calls.ts), if it said. */
export function callsOf(err: unknown): CloudCalls | undefined {
  let cause = err;
  while (cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) cause = cause.cause;
  const details = cause instanceof ApplicationFailure ? cause.details?.[0] : undefined;
  const calls = (details as { calls?: unknown } | undefined)?.calls;
  return calls && typeof calls === 'object' ? calls as CloudCalls : undefined;
}
