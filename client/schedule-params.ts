// What a caller controls about a scheduled audit, validated: the peer's parameters (schedule,
// time, timezone, scope, recipients, notification_format) or a raw cron, turned into a cron, an
// IANA zone and a normalised scan scope, and the stable schedule id they give. Pure: no Temporal.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MAX_ACCOUNTS_PER_CALL, MAX_REGIONS_PER_CALL } from '../core/limits.js';
import { scopeHash } from '../core/scan-id.js';
import { normaliseScope, type ScanScope } from '../core/scope.js';

/** Every scheduled-audit id starts so; list filters on it. */
export const ID_PREFIX = 'tag-audit-';

export class ScheduleInputError extends Error {
  override name = 'ScheduleInputError';
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/** A string without control characters (NUL, newlines, escapes), at most `max` long. */
export const safeText = (max: number) => z.string().max(max, `at most ${max} characters`).refine((s) => !CONTROL.test(s), 'must not contain control characters');

/** What a caller controls, as the tool and the config give it (the peer's names). */
export const scheduleParamsSchema = z.object({
  schedule: z.enum(['daily', 'weekly', 'monthly']).default('daily'),
  /** HH:MM, 24 h, in `timezone`. Ignored when `cron` is given. */
  time: safeText(5).regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h), e.g. 09:00').default('09:00'),
  timezone: safeText(64).default('UTC'),
  /** Five fields: minute hour day-of-month month day-of-week. Wins over schedule/time. */
  cron: safeText(100).optional(),
  resource_types: z.array(safeText(100)).min(1).max(200).default(['all']),
  accounts: z.array(safeText(12)).max(MAX_ACCOUNTS_PER_CALL).optional(),
  regions: z.array(safeText(30)).max(MAX_REGIONS_PER_CALL).optional(),
  cloud_provider: z.enum(['aws', 'azure', 'gcp', 'all']).default('aws'),
  recipients: z.array(safeText(254).pipe(z.string().email('must be an email address'))).max(20, 'at most 20 recipients').optional(),
  /** The peer's parameter: which configured channels this schedule notifies on. */
  notification_format: z.enum(['email', 'webhook', 'both']).default('both'),
}).strict();

export type ScheduleParamsInput = z.input<typeof scheduleParamsSchema>;

export interface ResolvedSchedule {
  channels: ('email' | 'webhook')[];
  cron: string;
  timezone: string;
  scope: ScanScope;
  recipients: string[];
  /** The caller's parameters as given (normalised), kept in the schedule's memo for describe. */
  params: z.output<typeof scheduleParamsSchema>;
}

const CRON_FIELDS: [name: string, min: number, max: number][] = [
  ['minute', 0, 59], ['hour', 0, 23], ['day of month', 1, 31], ['month', 1, 12], ['day of week', 0, 7],
];

/** Checks a five-field cron; the minute must be one number, so a schedule fires at most hourly. */
export function validateCron(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw new ScheduleInputError(`cron "${cron}" must have 5 fields (minute hour day-of-month month day-of-week), e.g. "0 2 * * *"`);
  fields.forEach((field, i) => {
    const [name, min, max] = CRON_FIELDS[i]!;
    for (const part of field.split(',')) {
      const m = /^(\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/.exec(part);
      const numbers = m ? [m[2], m[3]].filter((n): n is string => n !== undefined).map(Number) : [];
      if (!m || numbers.some((n) => n < min || n > max) || (m[4] !== undefined && (Number(m[4]) < 1 || Number(m[4]) > max))) {
        throw new ScheduleInputError(`cron "${cron}": ${name} "${part}" must be *, a number ${min}-${max}, a range a-b, or a step /n`);
      }
    }
  });
  if (!/^\d{1,2}$/.test(fields[0]!)) {
    throw new ScheduleInputError(`cron "${cron}": the minute must be a single number (a scheduled audit scans the whole scope: at most one run an hour)`);
  }
  return fields.join(' ');
}

/** An IANA zone the runtime knows (the same database Temporal's server uses for names). */
export function validateTimezone(timezone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new ScheduleInputError(`unknown timezone "${timezone}": use an IANA name such as UTC, Europe/Paris or America/New_York`);
  }
  if (!/^[A-Za-z0-9_+\-/]+$/.test(timezone)) throw new ScheduleInputError(`timezone "${timezone}" is not an IANA zone name`);
  return timezone;
}

/** Validates everything a caller controls and turns it into a cron, a zone and a scan scope. */
export function resolveSchedule(input: ScheduleParamsInput): ResolvedSchedule {
  const parsed = scheduleParamsSchema.safeParse(input);
  if (!parsed.success) {
    throw new ScheduleInputError(parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '));
  }
  const params = parsed.data;
  const timezone = validateTimezone(params.timezone);
  let cron: string;
  if (params.cron !== undefined) {
    cron = validateCron(params.cron);
  } else {
    const [hour, minute] = params.time.split(':').map(Number);
    // weekly: Mondays; monthly: the 1st (the peer's choices).
    cron = validateCron(`${minute} ${hour} ${params.schedule === 'monthly' ? '1' : '*'} * ${params.schedule === 'weekly' ? '1' : '*'}`);
  }
  let scope: ScanScope;
  try {
    scope = normaliseScope({
      clouds: params.cloud_provider === 'all' ? ['aws', 'azure', 'gcp'] : [params.cloud_provider], resource_types: params.resource_types,
      ...(params.accounts ? { accounts: params.accounts } : {}), ...(params.regions ? { regions: params.regions } : {}),
    });
  } catch (err) {
    const issues = err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (err as Error).message;
    throw new ScheduleInputError(`invalid scope: ${issues}`);
  }
  const channels: ResolvedSchedule['channels'] = params.notification_format === 'both' ? ['email', 'webhook'] : [params.notification_format];
  return { channels, cron, timezone, scope, recipients: [...new Set(params.recipients ?? [])].sort(), params };
}

/** The stable id of a schedule: the same cron, zone and scope always give the same one. */
export function scheduleIdFor(resolved: Pick<ResolvedSchedule, 'cron' | 'timezone' | 'scope'>): string {
  const digest = createHash('sha256').update(JSON.stringify([resolved.cron, resolved.timezone, scopeHash(resolved.scope)])).digest('hex');
  return `${ID_PREFIX}${digest.slice(0, 12)}`;
}

/** Ids this module hands out; anything else is refused before it reaches Temporal. */
export function checkScheduleId(id: string): string {
  if (!/^tag-audit-[a-z0-9-]{1,40}$/.test(id)) throw new ScheduleInputError(`schedule_id "${id.slice(0, 80)}" is not a scheduled-audit id (tag-audit-…); list the schedules to find one`);
  return id;
}
