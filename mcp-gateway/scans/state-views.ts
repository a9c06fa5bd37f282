// Output pieces every scan-backed tool shares, so they look alike: the running-scan reply (status,
// scan_id, progress, next_step) and the data_quality block with failed targets in snake_case,
// capped and redacted.
import { z } from 'zod';
import type { DataQualitySummary, MissingTarget, ReportScope } from '../../core/report/index.js';
import type { ScanRecord } from '../../store/index.js';
import type { ToolResult } from '../context.js';
import { redactSecrets } from '../errors.js';
import type { LiveProgress } from './live-progress.js';
import { progressText } from './resolve.js';
import { approvalNextStep, approvalSchema, approvalView } from './approval-views.js';

const MAX_MISSING_LISTED = 20;
const MAX_RETRYING_LISTED = 20;

export const progressSchema = z.object({
  phase: z.string(),
  shards_done: z.number(), shards_total: z.number(), shards_failed: z.number(),
  accounts_done: z.number(), accounts_total: z.number(),
  resources_seen: z.number(), failures: z.number(),
  retrying: z.array(z.object({
    account: z.string(), region: z.string().nullable(), resource_type: z.string().nullable(),
    attempt: z.number().int(), last_error: z.string(),
  })).optional().describe('Shards being retried right now (throttling, connection errors), with their last error: ' +
    'failures counts only targets that gave up'),
});

export function progressView(p: LiveProgress): z.infer<typeof progressSchema> {
  const retrying = p.retrying ?? [];
  return {
    phase: p.phase, shards_done: p.shardsDone, shards_total: p.shardsTotal, shards_failed: p.shardsFailed,
    accounts_done: p.accountsDone, accounts_total: p.accountsTotal, resources_seen: p.resourcesSeen, failures: p.failuresTotal,
    ...(retrying.length ? {
      retrying: retrying.slice(0, MAX_RETRYING_LISTED).map((r) => ({
        account: r.account, region: r.region, resource_type: r.resourceType, attempt: r.attempt, last_error: r.lastError,
      })),
    } : {}),
  };
}

/** Fields at the top of every scan-backed tool's output; the rest is present when status is completed. */
export const scanStateShape = {
  status: z.enum(['completed', 'running', 'awaiting_approval'])
    .describe('completed: the result fields are present. running: the scan is still going; only scan_id, progress and next_step are set. ' +
      'awaiting_approval: the scan waits at its approval gate; approval holds the plan'),
  scan_id: z.string().describe('The scan the result comes from, or the running scan to poll (a get_scan_status scan_id)'),
  progress: progressSchema.optional().describe('How far the running scan is (the same object get_scan_status returns)'),
  next_step: z.string().optional().describe('What to call next while the scan runs'),
  approval: approvalSchema.optional(),
};

export const missingTargetSchema = z.object({
  account: z.string().nullable(),
  region: z.string().nullable(),
  resource_type: z.string().nullable(),
  error_type: z.string().nullable(),
  reason: z.string().nullable(),
});

export const dataQualitySchema = z.object({
  status: z.enum(['complete', 'partial', 'unknown'])
    .describe('complete: every planned target was read. partial: some were not; never present partial figures as complete'),
  missing_total: z.number().int().describe('Targets (account, region or shard) that could not be read'),
  missing: z.array(missingTargetSchema).describe(`Up to ${MAX_MISSING_LISTED} of them, with the reason`),
});

export interface RunningScan {
  status: 'running' | 'awaiting_approval';
  scan_id: string;
  progress: z.infer<typeof progressSchema>;
  next_step: string;
  approval?: z.infer<typeof approvalSchema>;
}

/** The handle a tool returns when its scan is still running after the wait (or waits for approval). */
export function runningScan(scanId: string, progress: LiveProgress): ToolResult<RunningScan> {
  if (progress.phase === 'awaiting_approval' && progress.approval) {
    const next = approvalNextStep(scanId, progress.approval);
    return {
      structured: { status: 'awaiting_approval', scan_id: scanId, progress: progressView(progress), next_step: next, approval: approvalView(progress.approval) },
      text: `Scan ${scanId} has not started scanning: it is awaiting approval. ${next}`,
    };
  }
  return {
    structured: {
      status: 'running',
      scan_id: scanId,
      progress: progressView(progress),
      next_step: 'call get_scan_status with scan_id',
    },
    text: `Scan ${scanId} is still running (${progressText(progress)}). Call get_scan_status with scan_id "${scanId}" ` +
      'until it completes, then call this tool again: it will answer from the stored result.',
  };
}

function textOrNull(value: unknown, max = 300): string | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  const text = redactSecrets(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The sentence a reply leads its caveats with when the scan did not read everything; '' when it did. */
export function dataQualityWarning(dq: Pick<DataQualitySummary, 'status' | 'missing_total'>, consequence: string): string {
  return dq.status === 'complete' ? '' : `Warning: data quality is ${dq.status} (${dq.missing_total} target(s) not read); ${consequence}.`;
}

/** The stored data quality of a scan, with failed targets in snake_case and reasons redacted. */
export function dataQualityOf(scan: ScanRecord): DataQualitySummary {
  const dq = scan.dataQuality as (ScanRecord['dataQuality'] & { missingTotal?: unknown }) | null;
  if (!dq || (dq.status !== 'complete' && dq.status !== 'partial')) return { status: 'unknown', missing_total: 0, missing: [] };
  const missing = Array.isArray(dq.missing) ? dq.missing : [];
  return {
    status: dq.status,
    missing_total: typeof dq.missingTotal === 'number' ? dq.missingTotal : missing.length,
    missing: missing.slice(0, MAX_MISSING_LISTED).map((item): MissingTarget => {
      const m = (item && typeof item === 'object' ? item : {}) as Record<string, unknown>;
      return {
        account: textOrNull(m.account, 64),
        region: textOrNull(m.region, 64),
        resource_type: textOrNull(m.resourceType ?? m.resource_type, 100),
        error_type: textOrNull(m.errorType ?? m.error_type, 100),
        reason: textOrNull(m.reason),
      };
    }),
  };
}

/** The scope a scan stored (a normalised ScanScope), in the report's terms. */
export function reportScopeOf(scan: ScanRecord): ReportScope {
  const list = (value: unknown) => (Array.isArray(value) ? value.map(String) : null);
  // Read defensively: a row is what some version wrote (an inventory scan has none of these).
  const scope = scan.scope as Partial<Record<'resourceTypes' | 'accounts' | 'regions', unknown>>;
  return {
    resource_types: list(scope.resourceTypes) ?? [],
    accounts: list(scope.accounts),
    regions: list(scope.regions),
  };
}
