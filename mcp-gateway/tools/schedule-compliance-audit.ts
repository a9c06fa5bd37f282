// schedule_compliance_audit: manages scheduled audits (Temporal Schedules that run a stored,
// scheduled compliance scan and notify on failures and low scores). The peer's tool 11.
import { z } from 'zod';
import { defineTool, type ToolContext } from '../context.js';
import { ToolError } from '../errors.js';
import { assertScopeAllowed } from '../allowed-accounts.js';
import { dryRunOf, dryRunParams } from '../scans/dry-run.js';
import { dryRunShape } from '../scans/approval-views.js';
import {
  ScheduleInputError, checkScheduleId, createAuditSchedule, deleteAuditSchedule, describeAuditSchedule, listAuditSchedules,
  pauseAuditSchedule, resolveSchedule, safeText, resumeAuditSchedule, scheduleParamsSchema, triggerAuditSchedule, updateAuditSchedule,
  type ScheduleParamsInput,
} from '../../client/schedules.js';

const p = scheduleParamsSchema.shape;

const runSchema = z.object({
  workflowId: z.string(), scheduledAt: z.string(), startedAt: z.string(), status: z.string(),
  outcome: z.object({
    scheduleId: z.string(), scanWorkflowId: z.string(), scanId: z.string(), status: z.string(),
    score: z.number().nullable().optional(), total: z.number().optional(), missing: z.number().optional(), error: z.string().optional(),
  }).optional(),
});

const inputSchema = z.object({
  action: z.enum(['create', 'update', 'list', 'describe', 'pause', 'resume', 'trigger', 'delete']),
  schedule_id: z.string().max(60).optional().describe('From create or list; needed by every action but create and list'),
  schedule: p.schedule.optional(), time: p.time.optional(), timezone: p.timezone.optional(), cron: p.cron,
  resource_types: p.resource_types.optional(), accounts: p.accounts, regions: p.regions,
  cloud_provider: p.cloud_provider.optional(), recipients: p.recipients, notification_format: p.notification_format.optional(),
  note: safeText(200).optional()
    .describe('Why you pause or resume: shown on the Temporal Schedules page'),
  dry_run: dryRunParams.dry_run.describe('With create: create nothing; return the plan of one run (targets, regions, types, ' +
    'estimated API calls and duration) and its plan_hash. Created schedules are approved once by their creator: runs never wait'),
}).strict();

type Input = z.infer<typeof inputSchema>;

export const scheduleComplianceAudit = defineTool({
  name: 'schedule_compliance_audit',
  title: 'Schedule compliance audit',
  description: [
    'Manages scheduled compliance audits: recurring scans of a scope whose results are stored as snapshots (the history and trends of get_violation_history),',
    'with email/webhook notifications when a run fails, has partial data, or scores below the configured threshold.',
    'action=create: schedule (daily|weekly|monthly, weekly = Mondays, monthly = the 1st) at time HH:MM in timezone (IANA, e.g. Europe/Paris),',
    'or a raw 5-field cron (minute must be one number: at most hourly); scope: resource_types (service:kind or "all"), accounts, regions, cloud_provider;',
    'recipients: extra email addresses; notification_format: email, webhook or both (channels the server has configured).',
    'The same schedule and scope always get the same schedule_id, so creating it twice keeps one.',
    'action=list: every scheduled audit. action=describe (schedule_id): next run times and the last runs with their status and score.',
    'action=update (schedule_id + the full new parameters), pause, resume, trigger (run now; skipped if a run is still going), delete.',
    'A run never starts while the previous one is running; runs missed while the server was down start if it is back within 6 hours.',
  ].join(' '),
  inputSchema,
  outputSchema: z.object({
    action: z.string(),
    schedule_id: z.string().optional(),
    created: z.boolean().optional(),
    schedules: z.array(z.object({
      scheduleId: z.string(), paused: z.boolean(), note: z.string().optional(), timezone: z.string().optional(),
      nextRun: z.string().optional(), lastRunAt: z.string().optional(),
    })).optional(),
    schedule: z.object({
      scheduleId: z.string(), paused: z.boolean(), note: z.string().optional(), cron: z.string().optional(), timezone: z.string().optional(),
      params: z.unknown().optional(), scope: z.unknown().optional(), nextRuns: z.array(z.string()), recentRuns: z.array(runSchema),
      running: z.array(z.string()), actionsTaken: z.number().optional(), missedCatchupWindow: z.number().optional(),
      skippedOverlap: z.number().optional(), catchupWindowSeconds: z.number().optional(), overlap: z.string().optional(),
    }).optional(),
    ...z.object(dryRunShape).partial().shape,
  }),
  annotations: { title: 'Schedule compliance audit', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async handler(ctx, input) {
    try {
      return await run(ctx, input);
    } catch (err) {
      if (err instanceof ScheduleInputError) throw new ToolError(err.message);
      throw err;
    }
  },
});

function paramsOf(input: Input): ScheduleParamsInput {
  const { action: _action, schedule_id: _id, note: _note, ...params } = input;
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as ScheduleParamsInput;
}

function idOf(input: Input): string {
  if (!input.schedule_id) throw new ToolError(`action ${input.action} needs schedule_id: call with action=list to find it`);
  return checkScheduleId(input.schedule_id);
}

async function run(ctx: ToolContext, input: Input) {
  const who = `by ${ctx.sessionId ? `MCP session ${ctx.sessionId.slice(0, 8)}` : 'a tool call'} (${ctx.correlationId})`;
  switch (input.action) {
    case 'create': {
      if (input.schedule_id) throw new ToolError('create derives schedule_id from the schedule and scope; leave it out (use update to change one)');
      const resolved = resolveSchedule(paramsOf(input));
      // A schedule runs unattended for months: refuse foreign accounts now, not at its first run.
      await assertScopeAllowed(ctx, resolved.scope);
      if (input.dry_run) {
        const dry = await dryRunOf(ctx, resolved.scope);
        return { structured: { action: 'create', ...dry.structured }, text: `${dry.text} (one run of the schedule; nothing was created)` };
      }
      const { scheduleId, created } = await createAuditSchedule(ctx.temporal, ctx.config, resolved, { note: `created ${who}`, approver: ctx.actor ?? who });
      const schedule = await describeAuditSchedule(ctx.temporal, scheduleId);
      return {
        structured: { action: 'create', schedule_id: scheduleId, created, schedule },
        text: created
          ? `Scheduled audit ${scheduleId} created; next run ${schedule.nextRuns[0] ?? 'not planned'}.`
          : `A scheduled audit with this schedule and scope already exists (${scheduleId}); nothing was created. Use update to change its recipients.`,
      };
    }
    case 'update': {
      const scheduleId = idOf(input);
      const resolved = resolveSchedule(paramsOf(input));
      await assertScopeAllowed(ctx, resolved.scope);
      await updateAuditSchedule(ctx.temporal, ctx.config, scheduleId, resolved, { note: `updated ${who}`, approver: ctx.actor ?? who });
      const schedule = await describeAuditSchedule(ctx.temporal, scheduleId);
      return { structured: { action: 'update', schedule_id: scheduleId, schedule }, text: `Scheduled audit ${scheduleId} updated; next run ${schedule.nextRuns[0] ?? 'not planned'}.` };
    }
    case 'list': {
      const schedules = await listAuditSchedules(ctx.temporal);
      return { structured: { action: 'list', schedules }, text: `${schedules.length} scheduled audit(s).` };
    }
    case 'describe': {
      const schedule = await describeAuditSchedule(ctx.temporal, idOf(input));
      const last = schedule.recentRuns[0];
      return {
        structured: { action: 'describe', schedule_id: schedule.scheduleId, schedule },
        text: `${schedule.scheduleId}: ${schedule.paused ? 'paused' : 'active'}, next run ${schedule.nextRuns[0] ?? 'none'}; last run ${last ? `${last.startedAt} ${last.status}` : 'none yet'}.`,
      };
    }
    case 'pause':
    case 'resume': {
      const scheduleId = idOf(input);
      const note = input.note ?? `${input.action}d ${who}`;
      await (input.action === 'pause' ? pauseAuditSchedule : resumeAuditSchedule)(ctx.temporal, scheduleId, note);
      return { structured: { action: input.action, schedule_id: scheduleId }, text: `Scheduled audit ${scheduleId} ${input.action === 'pause' ? 'paused' : 'resumed'}.` };
    }
    case 'trigger': {
      const scheduleId = idOf(input);
      await triggerAuditSchedule(ctx.temporal, scheduleId);
      return { structured: { action: 'trigger', schedule_id: scheduleId }, text: `Scheduled audit ${scheduleId} triggered (skipped if a run is still going); describe it to follow the run.` };
    }
    case 'delete': {
      const scheduleId = idOf(input);
      await deleteAuditSchedule(ctx.temporal, scheduleId);
      return { structured: { action: 'delete', schedule_id: scheduleId }, text: `Scheduled audit ${scheduleId} deleted; its past snapshots stay in history.` };
    }
  }
}
