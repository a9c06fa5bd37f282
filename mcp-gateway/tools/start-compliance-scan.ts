// start_compliance_scan: starts (or joins) a durable scan and returns its id at once.
import { z } from 'zod';
import { MAX_ACCOUNTS_PER_CALL, MAX_REGIONS_PER_CALL } from '../../core/limits.js';
import { assertScopeAllowed } from '../allowed-accounts.js';
import { defineTool } from '../context.js';
import { startComplianceScan } from '../../client/scans.js';
import { scopeOf, scopeParams } from '../scans/params.js';
import { confirmScopeOrAsk, confirmScopeParam } from '../scans/confirm-scope.js';

export const startComplianceScanTool = defineTool({
  name: 'start_compliance_scan',
  title: 'Start compliance scan',
  description:
    'Starts a durable compliance scan of the scope and returns its scan_id at once, without waiting. Use it for ' +
    'big scopes (the whole organisation); then poll get_scan_status. An identical request in the same 15 minutes ' +
    'joins the running scan instead of starting another. check_tag_compliance does the same but waits a little and ' +
    'serves cached results. Accounts must be within the allowed set (SCAN_ACCOUNTS, else the organisation\'s active ' +
    `accounts); a scope naming any other account is refused. At most ${MAX_ACCOUNTS_PER_CALL} accounts and ` +
    `${MAX_REGIONS_PER_CALL} regions per call; name none to scan every allowed account and opted-in region. A scope of ` +
    'every resource type in every allowed account (several accounts) is first confirmed with the user (or pass confirm_scope: true).',
  inputSchema: z.object({
    ...scopeParams,
    ...confirmScopeParam,
    store_snapshot: z.boolean().default(false).describe('Keep the result in history and trends'),
    force_refresh: z.boolean().default(false).describe('Start a new run even if this scope was scanned minutes ago'),
  }).strict(),
  outputSchema: z.object({ scan_id: z.string(), workflow_run_id: z.string(), next_step: z.string() }),
  annotations: { title: 'Start compliance scan', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(ctx, input) {
    const scope = scopeOf(input);
    // Every resource type in every allowed account: the caller confirms first (input_required).
    await confirmScopeOrAsk(ctx, 'start_compliance_scan', scope, input.confirm_scope);
    await assertScopeAllowed(ctx, scope);
    const { workflowId, handle } = await startComplianceScan(ctx.temporal, ctx.config, {
      scope, storeSnapshot: input.store_snapshot, fresh: input.force_refresh,
    });
    const next = `Call get_scan_status with scan_id "${workflowId}" to follow it.`;
    return { structured: { scan_id: workflowId, workflow_run_id: handle.firstExecutionRunId, next_step: next }, text: `Scan ${workflowId} started. ${next}` };
  },
});
