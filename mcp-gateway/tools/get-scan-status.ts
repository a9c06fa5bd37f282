// get_scan_status: a scan's progress while it runs, its result once done.
import { z } from 'zod';
import { defineTool } from '../context.js';
import { runningScan } from '../scans/state-views.js';
import { scanResultSchema, summaryText, summaryView } from '../scans/result-views.js';
import { awaitScan } from '../scans/resolve.js';
import { pageParams, severityParam, violationPage } from '../scans/violation-pages.js';
import { scanIdParam } from '../scans/params.js';
import { decideHeldScan, withGateNote } from '../scans/approval-question.js';

export const getScanStatus = defineTool({
  name: 'get_scan_status',
  title: 'Get scan status',
  description:
    'Progress of a scan (shards done/total, accounts, resources seen, failures) while it runs; its full result ' +
    '(score, counts, breakdowns, data_quality, a page of violations) once it is done. wait_seconds (default 0) waits ' +
    'for completion up to that long, sending progress notifications. progress.retrying lists shards being retried ' +
    '(throttling, connection errors) with their last error. An error starting "status unknown" means Temporal could ' +
    'not be reached: the scan may still be running; call again later, never start a new scan because of it.',
  inputSchema: z.object({
    scan_id: scanIdParam,
    wait_seconds: z.number().min(0).max(300).default(0).describe('Wait up to this long for the scan to finish'),
    ...pageParams,
    severity: severityParam,
  }).strict(),
  outputSchema: scanResultSchema,
  annotations: { title: 'Get scan status', readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  async handler(ctx, input) {
    // A scan held for approval is put to a caller who may decide (input_required); approved, the wait goes on.
    const { outcome, approvedBy } = await decideHeldScan(ctx, await awaitScan(ctx, input.scan_id, input.wait_seconds),
      (scanId) => awaitScan(ctx, scanId, input.wait_seconds));
    const gate = approvedBy ? { approvedBy } : {};
    if (outcome.state === 'running') return withGateNote(runningScan(outcome.scanId, outcome.progress), gate);
    const page = await violationPage(ctx.store, outcome.scan.id, { severity: input.severity, limit: input.limit, cursor: input.cursor });
    return {
      structured: { status: outcome.scan.status, scan_id: outcome.scan.workflowId, scan: summaryView(outcome.scan), ...page },
      text: withGateNote({ structured: {}, text: summaryText(outcome.scan) }, gate).text,
    };
  },
});
