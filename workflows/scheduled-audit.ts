// scheduledAudit: what a Temporal Schedule starts. Runs complianceScan as a child (trigger
// scheduled, snapshot stored, under a scan id the scan tools accept), then sends the notifications
// its outcome calls for: failed or partial scans, and scores under the configured threshold.
// The notification activities decide and dedupe per (scan, kind, channel), so a retried activity
// or a replayed workflow never sends one twice. A failed scan fails this run too (after notifying),
// so the Schedules page shows it failed.
import {
  ApplicationFailure, ParentClosePolicy, executeChild, isCancellation, proxyActivities, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { complianceScan } from './compliance-scan.js';
import { CLOUDS_ATTRIBUTE, SCAN_TRIGGER_ATTRIBUTE } from './definitions.js';
import { failureOf } from './failures.js';
import type { ComplianceScanInput } from './types.js';
/** What a Temporal Schedule passes to scheduledAudit each time it fires. */
export interface ScheduledAuditInput {
  scheduleId: string;
  /** The scan to run; its trigger is always 'scheduled'. */
  scan: Omit<ComplianceScanInput, 'carry'>;
  /** Extra email recipients of this schedule's notifications (the config's are always added). */
  recipients?: string[];
  /** Channels this schedule notifies on (those configured on the worker); unset: both. */
  channels?: ('email' | 'webhook')[];
}

/** How a scheduled scan ended, as notifications and /health describe it. */
export interface ScanOutcome {
  scheduleId: string;
  scanWorkflowId: string;
  /** The stored scan's id; the scan workflow id when the scan failed before it had one. */
  scanId: string;
  status: 'completed' | 'partial' | 'cancelled' | 'failed';
  /** 0..1; null when the scan saw no resource. */
  score?: number | null;
  total?: number;
  /** Targets or shards that could not be read. */
  missing?: number;
  error?: string;
}

const notify = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // SMTP or webhook receivers down for a while: keep trying for about an hour, then give up.
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 10,
    nonRetryableErrorTypes: ['InvalidInput', 'NotConfigured'] },
});

/** UTC minute as 20261125T0215Z, the time-bucket shape of scan ids (core/scan-id.ts). */
function minuteStamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z';
}

export async function scheduledAudit(input: ScheduledAuditInput): Promise<ScanOutcome> {
  const info = workflowInfo();
  // The scheduled time when Temporal recorded one; trigger-now and tests start at "now".
  const scanWorkflowId = `scan-scheduled-${input.scan.scopeHash ?? 'noscope0000'}-${minuteStamp(new Date(info.startTime))}`;
  let outcome: ScanOutcome;
  try {
    const result = await executeChild(complianceScan, {
      workflowId: scanWorkflowId,
      args: [{ ...input.scan, trigger: 'scheduled' }],
      parentClosePolicy: ParentClosePolicy.TERMINATE,
      staticSummary: `scheduled scan of ${input.scheduleId}`,
      ...(input.scan.searchAttributes ? {
        typedSearchAttributes: [{ key: SCAN_TRIGGER_ATTRIBUTE, value: 'scheduled' }, { key: CLOUDS_ATTRIBUTE, value: input.scan.scope.clouds }],
      } : {}),
    });
    outcome = {
      scheduleId: input.scheduleId, scanWorkflowId, scanId: result.scanId,
      status: result.status === 'cancelled' ? 'cancelled' : result.dataQuality.status === 'partial' ? 'partial' : 'completed',
      score: result.totals.total > 0 ? result.totals.score : null, total: result.totals.total,
      missing: result.dataQuality.missingTotal,
    };
  } catch (err) {
    if (isCancellation(err)) throw err;
    const failure = failureOf(err, { account: '*' });
    outcome = { scheduleId: input.scheduleId, scanWorkflowId, scanId: scanWorkflowId, status: 'failed', error: `${failure.errorType}: ${failure.reason}` };
  }
  const request = { outcome, recipients: input.recipients ?? [] };
  const channels = input.channels ?? ['email', 'webhook'];
  await Promise.all([
    channels.includes('email') ? notify.emailScanNotifications(request) : undefined,
    channels.includes('webhook') ? notify.webhookScanNotifications(request) : undefined,
  ]);
  if (outcome.status === 'failed') {
    throw ApplicationFailure.nonRetryable(`scheduled scan ${scanWorkflowId} failed: ${outcome.error}`, 'ScanFailed');
  }
  return outcome;
}
