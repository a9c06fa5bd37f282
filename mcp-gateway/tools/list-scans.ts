// list_scans: recent scans with status and headline numbers.
import { z } from 'zod';
import { defineTool } from '../context.js';
import { scanSummarySchema, summaryView } from '../scans/result-views.js';

export const listScans = defineTool({
  name: 'list_scans',
  title: 'List scans',
  description: 'Recent scans, newest first, with status and headline numbers. snapshots_only lists the stored snapshots that history and trends use.',
  inputSchema: z.object({
    limit: z.number().int().min(1).max(100).default(20),
    snapshots_only: z.boolean().default(false),
  }).strict(),
  outputSchema: z.object({ scans: z.array(scanSummarySchema.extend({ trigger: z.string(), store_snapshot: z.boolean() })) }),
  annotations: { title: 'List scans', readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  async handler(ctx, input) {
    const scans = await ctx.store.listScans({ limit: input.limit, snapshotsOnly: input.snapshots_only });
    const views = scans.map((scan) => ({ ...summaryView(scan), trigger: scan.trigger, store_snapshot: scan.storeSnapshot }));
    const lines = views.map((v) => `${v.scan_id} ${v.status}${v.compliance_score === null ? '' : ` ${(v.compliance_score * 100).toFixed(1)}%`}`);
    return { structured: { scans: views }, text: views.length ? `${views.length} scan(s):\n${lines.join('\n')}` : 'No scans yet.' };
  },
});
