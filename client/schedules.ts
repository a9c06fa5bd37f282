// Scheduled audits on Temporal Schedules: each schedule starts scheduledAudit (a complianceScan
// child with trigger 'scheduled' and a stored snapshot, then its notifications). Ids are stable
// names derived from what the schedule does, so creating the same schedule twice gives one.
// Overlap SKIP: a run never starts while the previous one runs. Catch-up window: CATCHUP_WINDOW.
import {
  ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, WorkflowNotFoundError,
  type Client, type ScheduleDescription, type ScheduleOptionsStartWorkflowAction, type ScheduleSpec,
} from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { scopeHash } from '../core/scan-id.js';
import type { Config } from '../config/index.js';
import { ID_PREFIX, ScheduleInputError, resolveSchedule, scheduleIdFor, type ResolvedSchedule } from './schedule-params.js';
import { searchAttributesRegistered } from './scans.js';
import { approvalInputFor } from './scan-approval.js';
import { CLOUDS_ATTRIBUTE, SCAN_TRIGGER_ATTRIBUTE, scheduledAudit, type ScanOutcome, type ScheduledAuditInput } from '../workflows/contract.js';

/**
 * Missed runs (the Temporal server was down at the scheduled time) still run if it comes back
 * within 6 hours; older ones are dropped and counted as missed. A nightly audit late by a restart
 * or a short outage still lands the day's snapshot; one a day late would only duplicate the next.
 * A stopped *worker* does not need it: the run starts on time and waits on the task queue.
 */
export const CATCHUP_WINDOW = '6 hours';
/** The schedule the config's scheduledCompliance block owns. */
export const DEFAULT_SCHEDULE_ID = 'tag-audit-default';

export * from './schedule-params.js';

async function scheduleParts(client: Client, config: Config, scheduleId: string, resolved: ResolvedSchedule, storeSnapshot: boolean,
  approver = 'schedule owner') {
  const searchAttributes = await searchAttributesRegistered(client, config.temporal.namespace);
  // Approved once, by whoever creates (or updates) the schedule: a nightly run never waits for a person.
  const approval = approvalInputFor(config, { preApproved: { approver, at: new Date().toISOString(), note: `schedule ${scheduleId}` } });
  const input: ScheduledAuditInput = {
    scheduleId,
    scan: {
      scope: resolved.scope, scopeHash: scopeHash(resolved.scope), trigger: 'scheduled', storeSnapshot, searchAttributes,
      maxParallelAccounts: config.clouds.aws.maxParallelAccounts, shardHeartbeatSeconds: config.clouds.aws.shardHeartbeatSeconds,
      ...(approval ? { approval } : {}),
    },
    recipients: resolved.recipients,
    channels: resolved.channels,
  };
  const typedSearchAttributes: SearchAttributePair[] = searchAttributes
    ? [{ key: SCAN_TRIGGER_ATTRIBUTE, value: 'scheduled' }, { key: CLOUDS_ATTRIBUTE, value: resolved.scope.clouds }] : [];
  const spec: ScheduleSpec = { cronExpressions: [resolved.cron], timezone: resolved.timezone };
  const action: ScheduleOptionsStartWorkflowAction<typeof scheduledAudit> = {
    type: 'startWorkflow', workflowType: scheduledAudit, taskQueue: config.temporal.taskQueue,
    // Temporal appends the scheduled time to this id for each run.
    workflowId: `audit-${scheduleId}`,
    args: [input], typedSearchAttributes,
    // The server compiles cron into calendars; the memo keeps what the caller asked for.
    memo: { cron: resolved.cron, timezone: resolved.timezone, params: resolved.params, scope: resolved.scope },
    staticSummary: `scheduled audit ${scheduleId}: ${resolved.cron} ${resolved.timezone}, ${resolved.scope.resourceTypes.join(',')}`,
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW, pauseOnFailure: false };
  return { spec, action, policies, typedSearchAttributes };
}

export interface SaveOptions {
  /** Default: the id derived from the cron, zone and scope. */
  scheduleId?: string;
  storeSnapshot?: boolean;
  note?: string;
  /** Who approves the schedule's scans once, for every run (the creator); recorded on each scan. */
  approver?: string;
}

/** Creates the schedule, or finds it already there (same id): `created` says which. */
export async function createAuditSchedule(client: Client, config: Config, resolved: ResolvedSchedule, opts: SaveOptions = {})
  : Promise<{ scheduleId: string; created: boolean }> {
  const scheduleId = opts.scheduleId ?? scheduleIdFor(resolved);
  const { spec, action, policies, typedSearchAttributes } = await scheduleParts(client, config, scheduleId, resolved, opts.storeSnapshot ?? true, opts.approver);
  try {
    await client.schedule.create({
      scheduleId, spec, action, policies, typedSearchAttributes,
      memo: { kind: 'tag-compliance-audit' },
      state: { note: opts.note ?? 'created by schedule_compliance_audit' },
    });
    return { scheduleId, created: true };
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return { scheduleId, created: false };
    throw err;
  }
}

/** Replaces the spec, scope and recipients of an existing schedule in place (same id, same run history). */
export async function updateAuditSchedule(client: Client, config: Config, scheduleId: string, resolved: ResolvedSchedule, opts: Omit<SaveOptions, 'scheduleId'> = {}): Promise<void> {
  const { spec, action, policies, typedSearchAttributes } = await scheduleParts(client, config, scheduleId, resolved, opts.storeSnapshot ?? true, opts.approver);
  await withSchedule(scheduleId, () => client.schedule.getHandle(scheduleId).update((previous) => ({
    spec, action, policies, typedSearchAttributes,
    state: { paused: previous.state.paused, note: opts.note ?? previous.state.note ?? '' },
  })));
}

/** Maps "no such schedule" to a clear error. */
async function withSchedule<T>(scheduleId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new ScheduleInputError(`no scheduled audit with id ${scheduleId}; list the schedules to find one`);
    throw err;
  }
}

export interface ScheduleRun {
  workflowId: string;
  scheduledAt: string;
  startedAt: string;
  status: string;
  /** Present once the run finished: how its scan ended. */
  outcome?: ScanOutcome;
}

export interface AuditScheduleView {
  scheduleId: string;
  paused: boolean;
  note?: string;
  cron?: string;
  timezone?: string;
  params?: unknown;
  scope?: unknown;
  nextRuns: string[];
  recentRuns: ScheduleRun[];
  running: string[];
  actionsTaken?: number;
  missedCatchupWindow?: number;
  skippedOverlap?: number;
  catchupWindowSeconds?: number;
  overlap?: string;
}

/** A schedule with its next run times and the outcomes of its last runs (newest first). */
export async function describeAuditSchedule(client: Client, scheduleId: string, recent = 5): Promise<AuditScheduleView> {
  const d: ScheduleDescription = await withSchedule(scheduleId, () => client.schedule.getHandle(scheduleId).describe());
  const runs = await Promise.all([...d.info.recentActions].reverse().slice(0, recent).map((a) => runOf(client, a)));
  const memo = (d.action.memo ?? {}) as { cron?: string; params?: unknown; scope?: unknown };
  return {
    scheduleId, paused: d.state.paused, ...(d.state.note ? { note: d.state.note } : {}),
    ...(memo.cron ? { cron: memo.cron } : {}), timezone: d.spec.timezone ?? 'UTC',
    params: memo.params, scope: memo.scope,
    nextRuns: d.info.nextActionTimes.slice(0, 5).map((t) => t.toISOString()), recentRuns: runs,
    running: d.info.runningActions.map((a) => a.workflow.workflowId),
    actionsTaken: d.info.numActionsTaken, missedCatchupWindow: d.info.numActionsMissedCatchupWindow, skippedOverlap: d.info.numActionsSkippedOverlap,
    catchupWindowSeconds: Math.round(d.policies.catchupWindow / 1000), overlap: d.policies.overlap,
  };
}

async function runOf(client: Client, action: ScheduleDescription['info']['recentActions'][number]): Promise<ScheduleRun> {
  const { workflowId, firstExecutionRunId } = action.action.workflow;
  const base = { workflowId, scheduledAt: action.scheduledAt.toISOString(), startedAt: action.takenAt.toISOString() };
  const handle = client.workflow.getHandle<typeof scheduledAudit>(workflowId, undefined, { firstExecutionRunId });
  try {
    const described = await handle.describe();
    const status = described.status.name;
    if (status === 'COMPLETED') return { ...base, status, outcome: await handle.result() };
    return { ...base, status };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { ...base, status: 'UNKNOWN (no longer retained)' };
    throw err;
  }
}

/** Every scheduled audit of the namespace, with its next run. */
export async function listAuditSchedules(client: Client, limit = 100)
  : Promise<Array<{ scheduleId: string; paused: boolean; note?: string; timezone?: string; nextRun?: string; lastRunAt?: string }>> {
  const out = [];
  for await (const s of client.schedule.list({ pageSize: 100 })) {
    if (!s.scheduleId.startsWith(ID_PREFIX)) continue;
    const last = s.info.recentActions.at(-1);
    out.push({
      scheduleId: s.scheduleId, paused: s.state.paused, ...(s.state.note ? { note: s.state.note } : {}),
      ...(s.spec?.timezone ? { timezone: s.spec.timezone } : {}),
      ...(s.info.nextActionTimes[0] ? { nextRun: s.info.nextActionTimes[0].toISOString() } : {}),
      ...(last ? { lastRunAt: last.takenAt.toISOString() } : {}),
    });
    if (out.length >= limit) break;
  }
  return out;
}

export const pauseAuditSchedule = (client: Client, id: string, note: string) => withSchedule(id, () => client.schedule.getHandle(id).pause(note));
export const resumeAuditSchedule = (client: Client, id: string, note: string) => withSchedule(id, () => client.schedule.getHandle(id).unpause(note));
export const deleteAuditSchedule = (client: Client, id: string) => withSchedule(id, () => client.schedule.getHandle(id).delete());
/** Runs the schedule now; skipped (like a timed run) when one of its runs is still going. */
export const triggerAuditSchedule = (client: Client, id: string) =>
  withSchedule(id, () => client.schedule.getHandle(id).trigger(ScheduleOverlapPolicy.SKIP));

/**
 * The config's default daily snapshot, made to match `scheduledCompliance` at every start: created
 * when missing, updated in place when it differs, paused (not deleted: its run history stays
 * on the Schedules page) when `enabled` is false, and unpaused when enabled again.
 */
export async function syncDefaultSchedule(client: Client, config: Config): Promise<{ scheduleId: string; action: 'created' | 'updated' | 'paused' | 'unchanged-disabled' | 'absent-disabled' }> {
  const block = config.scheduledCompliance;
  const resolved = resolveSchedule({
    cron: block.schedule, timezone: block.timezone, resource_types: block.resourceTypes,
    ...(block.regions ? { regions: block.regions } : {}),
  });
  const scheduleId = DEFAULT_SCHEDULE_ID;
  const handle = client.schedule.getHandle(scheduleId);
  if (!block.enabled) {
    try {
      const d = await handle.describe();
      if (d.state.paused) return { scheduleId, action: 'unchanged-disabled' };
      await handle.pause('disabled by config (scheduledCompliance.enabled = false)');
      return { scheduleId, action: 'paused' };
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return { scheduleId, action: 'absent-disabled' };
      throw err;
    }
  }
  const note = 'default daily snapshot, from config scheduledCompliance';
  // The operator who wrote the config approved its scans: the default audit never waits.
  const approver = 'config (scheduledCompliance)';
  const { created } = await createAuditSchedule(client, config, resolved, { scheduleId, storeSnapshot: block.storeSnapshot, note, approver });
  if (created) return { scheduleId, action: 'created' };
  await updateAuditSchedule(client, config, scheduleId, resolved, { storeSnapshot: block.storeSnapshot, note, approver });
  // update keeps the paused flag; a config that enables it again means run.
  const d = await handle.describe();
  if (d.state.paused) await handle.unpause(`enabled by config`);
  return { scheduleId, action: 'updated' };
}

/** For /health: the default schedule's next run and its last run's outcome, from Temporal. */
export async function defaultScheduleHealth(client: Client): Promise<{
  scheduleId: string; paused: boolean; nextRun: string | null;
  lastRun: { workflowId: string; startedAt: string; status: string; scanStatus?: string; score?: number | null } | null;
} | null> {
  let view: AuditScheduleView;
  try {
    view = await describeAuditSchedule(client, DEFAULT_SCHEDULE_ID, 1);
  } catch (err) {
    if (err instanceof ScheduleInputError) return null;
    throw err;
  }
  const last = view.recentRuns[0];
  return {
    scheduleId: view.scheduleId, paused: view.paused, nextRun: view.nextRuns[0] ?? null,
    lastRun: last ? {
      workflowId: last.workflowId, startedAt: last.startedAt, status: last.status,
      ...(last.outcome ? { scanStatus: last.outcome.status, score: last.outcome.score ?? null } : {}),
    } : null,
  };
}
