// approve_scan: lets a scan waiting at its approval gate run. The scan records who approved it and
// when, on its row and in the audit log, as it does for the same signal sent from the Temporal UI.
import { z } from 'zod';
import { approveComplianceScan } from '../../client/scan-approval.js';
import { defineTool } from '../context.js';
import { ToolError } from '../errors.js';
import { scanIdParam } from '../scans/params.js';
import { awaitingApproval, deciderOf } from '../scans/awaiting-scan.js';

export const approveScan = defineTool({
  name: 'approve_scan',
  title: 'Approve scan',
  description:
    'Approves a scan that is awaiting approval (get_scan_status shows status "awaiting_approval" with its plan: targets, ' +
    'regions, resource types, estimated API calls, Cost Explorer charge and duration). Only call it when a person allowed ' +
    'to approve has agreed to that plan; pass plan_hash from the plan so a plan that changed meanwhile is not approved. ' +
    'The scan then starts; follow it with get_scan_status. reject_scan cancels it instead.',
  inputSchema: z.object({
    scan_id: scanIdParam,
    approver: z.string().min(1).max(200).optional().describe('Who approves; default: the caller\'s identity'),
    plan_hash: z.string().regex(/^[0-9a-f]{16}$/).optional().describe('The plan_hash shown with the plan being approved'),
    note: z.string().max(500).optional(),
  }).strict(),
  outputSchema: z.object({ scan_id: z.string(), approved: z.boolean(), approver: z.string(), plan_hash: z.string(), next_step: z.string() }),
  annotations: { title: 'Approve scan', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(ctx, input) {
    const pending = await awaitingApproval(ctx, input.scan_id);
    if (input.plan_hash && input.plan_hash !== pending.planHash) {
      throw new ToolError(`scan ${input.scan_id} waits with plan ${pending.planHash}, not ${input.plan_hash}: the plan changed; ` +
        'read it again with get_scan_status before approving');
    }
    const approver = deciderOf(ctx, input.approver);
    await approveComplianceScan(ctx.temporal, input.scan_id, {
      approver, planHash: pending.planHash, ...(input.note ? { note: input.note } : {}),
    });
    const next = `Call get_scan_status with scan_id "${input.scan_id}" to follow it.`;
    return {
      structured: { scan_id: input.scan_id, approved: true, approver, plan_hash: pending.planHash, next_step: next },
      text: `Scan ${input.scan_id} approved by ${approver} (plan ${pending.planHash}); it starts scanning now. ${next}`,
    };
  },
});
