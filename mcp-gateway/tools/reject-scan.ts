// reject_scan: cancels a scan waiting at its approval gate without scanning; the scan records who
// rejected it, when and why, on its row and in the audit log.
import { z } from 'zod';
import { rejectComplianceScan } from '../../client/scan-approval.js';
import { defineTool } from '../context.js';
import { scanIdParam } from '../scans/params.js';
import { awaitingApproval, deciderOf } from '../scans/awaiting-scan.js';

export const rejectScan = defineTool({
  name: 'reject_scan',
  title: 'Reject scan',
  description:
    'Rejects a scan that is awaiting approval: it closes as cancelled without calling any cloud API beyond its planning. ' +
    'Give the reason (it is recorded with the scan and in the audit log).',
  inputSchema: z.object({
    scan_id: scanIdParam,
    reason: z.string().min(1).max(500).describe('Why the scan must not run'),
  }).strict(),
  outputSchema: z.object({ scan_id: z.string(), rejected: z.boolean(), rejected_by: z.string(), plan_hash: z.string() }),
  annotations: { title: 'Reject scan', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async handler(ctx, input) {
    const pending = await awaitingApproval(ctx, input.scan_id);
    const approver = deciderOf(ctx);
    await rejectComplianceScan(ctx.temporal, input.scan_id, { approver, reason: input.reason });
    return {
      structured: { scan_id: input.scan_id, rejected: true, rejected_by: approver, plan_hash: pending.planHash },
      text: `Scan ${input.scan_id} rejected by ${approver}: it is cancelled without scanning.`,
    };
  },
});
