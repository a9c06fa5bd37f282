// `schedules`: the scheduled audits in Temporal, one row each: cron and zone, paused, the next runs
// and how the last run ended (its scan's status and score).
import type { Config } from '../config/index.js';
import { describeAuditSchedule, listAuditSchedules, type AuditScheduleView } from '../client/schedules.js';
import { percent } from '../core/report/format.js';
import { parseCommandArgs } from './args.js';
import { safeText, table } from './summary-table.js';
import { withTemporalClient } from './temporal-client.js';

export const SCHEDULES_USAGE = 'usage: finops-tag-compliance schedules [--json]';

export interface SchedulesArgs { json: boolean; help?: boolean }

export function parseSchedulesArgs(argv: string[]): SchedulesArgs {
  const { values: v } = parseCommandArgs('schedules', argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  return { json: Boolean(v.json), ...(v.help ? { help: true } : {}) };
}

/** `completed 87.5% (scan completed)`, `RUNNING`, or `-` before the first run. */
export function lastOutcomeText(view: Pick<AuditScheduleView, 'recentRuns'>): string {
  const last = view.recentRuns[0];
  if (!last) return '-';
  if (!last.outcome) return last.status.toLowerCase();
  const score = last.outcome.score;
  return `${last.outcome.status}${typeof score === 'number' ? ` ${percent(score)}` : ''} (${last.startedAt.slice(0, 16)}Z)`;
}

export async function runSchedules(config: Config, args: SchedulesArgs): Promise<void> {
  if (args.help) {
    process.stdout.write(`${SCHEDULES_USAGE}\n`);
    return;
  }
  await withTemporalClient(config, async (client) => {
    const listed = await listAuditSchedules(client);
    const views = await Promise.all(listed.map((s) => describeAuditSchedule(client, s.scheduleId, 1)));
    if (args.json) {
      process.stdout.write(`${JSON.stringify(views.map((v) => ({
        schedule_id: v.scheduleId, cron: v.cron ?? null, timezone: v.timezone ?? 'UTC', paused: v.paused, next_runs: v.nextRuns,
        last_run: v.recentRuns[0] ?? null, running: v.running,
      })), null, 2)}\n`);
      return;
    }
    if (!views.length) {
      process.stdout.write('No scheduled audits. Create one with the schedule_compliance_audit tool, or enable scheduledCompliance in the config.\n');
      return;
    }
    const rows = views.map((v) => [
      safeText(v.scheduleId, 60), safeText(`${v.cron ?? '?'} ${v.timezone ?? 'UTC'}`, 60), v.paused ? 'yes' : 'no',
      v.nextRuns.slice(0, 2).map((t) => `${t.slice(0, 16)}Z`).join(', ') || '-',
      v.running.length ? 'running now' : lastOutcomeText(v),
    ]);
    process.stdout.write(`${table(['SCHEDULE', 'CRON', 'PAUSED', 'NEXT RUNS', 'LAST OUTCOME'], rows).join('\n')}\n`);
  });
}
