// cancel_scan: stops a running scan, which closes as cancelled with partial data.
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { defineTool } from '../context.js';
import { ToolError } from '../errors.js';
import { progressSchema, progressView } from '../scans/state-views.js';
import { cancelComplianceScan, scanHandle, scanProgress } from '../../client/scans.js';
import { scanIdParam } from '../scans/params.js';

export const cancelScan = defineTool({
  name: 'cancel_scan',
  title: 'Cancel scan',
  description: 'Stops a running scan: no new shards start, and the scan is closed as cancelled with partial data. Results written so far stay readable.',
  inputSchema: z.object({ scan_id: scanIdParam, reason: z.string().max(500).optional() }).strict(),
  outputSchema: z.object({ scan_id: z.string(), cancelled: z.boolean(), progress: progressSchema.optional() }),
  annotations: { title: 'Cancel scan', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(ctx, input) {
    const handle = scanHandle(ctx.temporal, input.scan_id);
    const described = await handle.describe().catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) throw new ToolError(`no scan with id ${input.scan_id}`);
      throw err;
    });
    if (described.status.name !== 'RUNNING') {
      throw new ToolError(`scan ${input.scan_id} is not running (${described.status.name.toLowerCase()}): nothing to cancel`);
    }
    await cancelComplianceScan(ctx.temporal, input.scan_id, input.reason ?? `cancelled by ${ctx.sessionId ?? 'a user'}`);
    const progress = await scanProgress(ctx.temporal, input.scan_id).catch(() => undefined);
    return {
      structured: { scan_id: input.scan_id, cancelled: true, ...(progress ? { progress: progressView(progress) } : {}) },
      text: `Cancel requested for ${input.scan_id}; it stops starting shards and closes as cancelled.`,
    };
  },
});
