// Cost periods: Cost Explorer's {Start, End} (End exclusive, dates in UTC). The default is the
// last full calendar month; resource-level data covers only the last 14 days.

export interface CostPeriod {
  /** YYYY-MM-DD, inclusive. */
  start: string;
  /** YYYY-MM-DD, exclusive. */
  end: string;
}

const DAY_MS = 86_400_000;
/** How far back GetCostAndUsageWithResources reaches. */
export const RESOURCE_LEVEL_DAYS = 14;

export class PeriodError extends Error {
  override name = 'PeriodError';
}

const ymd = (d: Date) => d.toISOString().slice(0, 10);

/** The last full calendar month before `now`, in UTC. */
export function lastFullMonth(now: Date): CostPeriod {
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return { start: ymd(start), end: ymd(end) };
}

/** The 14 days ending today (exclusive), the window resource-level data covers. */
export function resourceLevelWindow(now: Date): CostPeriod {
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  return { start: ymd(new Date(end.getTime() - RESOURCE_LEVEL_DAYS * DAY_MS)), end: ymd(end) };
}

export function periodDays(p: CostPeriod): number {
  return Math.round((Date.parse(`${p.end}T00:00:00Z`) - Date.parse(`${p.start}T00:00:00Z`)) / DAY_MS);
}

function parseDay(value: string, field: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new PeriodError(`${field} must be a date as YYYY-MM-DD, got "${value}"`);
  const t = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(t) || ymd(new Date(t)) !== value) throw new PeriodError(`${field} "${value}" is not a calendar date`);
  return t;
}

/** Checks a caller's {Start, End}: real dates, Start before End, End not after tomorrow, at most a year. */
export function checkPeriod(p: CostPeriod, now: Date): CostPeriod {
  const start = parseDay(p.start, 'time_period.Start');
  const end = parseDay(p.end, 'time_period.End');
  if (end <= start) throw new PeriodError('time_period.End must be after Start (End is exclusive)');
  if (end > Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)) {
    throw new PeriodError('time_period.End must not be in the future (Cost Explorer has no forecast here)');
  }
  if (end - start > 366 * DAY_MS) throw new PeriodError('time_period may span at most 366 days');
  return p;
}
