// Violation history: stored snapshots grouped by UTC day, ISO week or month (the last snapshot of
// a period stands for it), and the trend between the first and last period.
import { complianceScore } from '../compliance/score.js';

export const HISTORY_GROUPINGS = ['day', 'week', 'month'] as const;
export type HistoryGrouping = (typeof HISTORY_GROUPINGS)[number];
export type Trend = 'improving' | 'declining' | 'stable';

/** A change of at least this many percentage points between first and last period is a trend. */
export const TREND_THRESHOLD_POINTS = 1;

export interface SnapshotSummary {
  scanId: string;
  finishedAt: string;
  total: number;
  compliant: number;
  /** The stored score, when the scan recorded one. */
  score?: number | null;
  dataQuality: string | null;
}

export interface HistoryPoint {
  /** 2026-01-31, 2026-W05 (ISO week) or 2026-01. */
  period: string;
  /** First day of the period (UTC). */
  period_start: string;
  compliance_score: number;
  total: number;
  compliant: number;
  /** Non-compliant resources. */
  violations: number;
  /** Snapshots taken in the period; the last one gives the figures. */
  scans: number;
  snapshot_id: string;
  snapshot_finished_at: string;
  data_quality: string | null;
}

const DAY_MS = 86_400_000;

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The period a time falls in, in UTC. Weeks are ISO 8601: Monday first, week 1 holds the first Thursday. */
export function periodOf(time: Date, groupBy: HistoryGrouping): { period: string; start: string } {
  const day = Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate());
  if (groupBy === 'day') return { period: isoDate(day), start: isoDate(day) };
  if (groupBy === 'month') {
    const start = isoDate(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), 1));
    return { period: start.slice(0, 7), start };
  }
  const weekday = (time.getUTCDay() + 6) % 7; // Monday = 0
  const monday = day - weekday * DAY_MS;
  const thursday = monday + 3 * DAY_MS; // its year is the ISO week-numbering year
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return { period: `${year}-W${String(week).padStart(2, '0')}`, start: isoDate(monday) };
}

/** One point per period that has snapshots, oldest first. */
export function groupSnapshots(snapshots: SnapshotSummary[], groupBy: HistoryGrouping): HistoryPoint[] {
  const periods = new Map<string, { start: string; last: SnapshotSummary; scans: number }>();
  for (const snap of snapshots) {
    const { period, start } = periodOf(new Date(snap.finishedAt), groupBy);
    const entry = periods.get(period);
    if (!entry) periods.set(period, { start, last: snap, scans: 1 });
    else {
      entry.scans++;
      if (isLater(snap, entry.last)) entry.last = snap;
    }
  }
  return [...periods.entries()]
    .sort((a, b) => (a[1].start < b[1].start ? -1 : a[1].start > b[1].start ? 1 : 0))
    .map(([period, { start, last, scans }]) => ({
      period,
      period_start: start,
      compliance_score: last.score ?? complianceScore(last.compliant, last.total),
      total: last.total,
      compliant: last.compliant,
      violations: last.total - last.compliant,
      scans,
      snapshot_id: last.scanId,
      snapshot_finished_at: new Date(last.finishedAt).toISOString(),
      data_quality: last.dataQuality,
    }));
}

function isLater(a: SnapshotSummary, b: SnapshotSummary): boolean {
  const ta = Date.parse(a.finishedAt);
  const tb = Date.parse(b.finishedAt);
  return ta > tb || (ta === tb && a.scanId > b.scanId);
}

export interface TrendResult {
  trend: Trend;
  /** Last minus first score, in percentage points (2 decimals); null with fewer than two points. */
  change_points: number | null;
}

export function trendOf(points: Pick<HistoryPoint, 'compliance_score'>[], thresholdPoints = TREND_THRESHOLD_POINTS): TrendResult {
  if (points.length < 2) return { trend: 'stable', change_points: null };
  const change = Math.round((points.at(-1)!.compliance_score - points[0]!.compliance_score) * 10_000) / 100;
  const trend = change >= thresholdPoints ? 'improving' : change <= -thresholdPoints ? 'declining' : 'stable';
  return { trend, change_points: change };
}

/** Which parts of a snapshot's scope must equal the caller's; unset parts match anything. */
export interface ScopeFilter {
  resourceTypes?: string[];
  accounts?: string[];
  regions?: string[];
}

/** Compares with a stored scope (a normalised ScanScope: sorted lists, `accounts`/`regions` unset = all). */
export function scopeMatches(stored: Record<string, unknown>, filter: ScopeFilter): boolean {
  return listMatches(stored.resourceTypes, filter.resourceTypes) && listMatches(stored.accounts, filter.accounts) &&
    listMatches(stored.regions, filter.regions);
}

function listMatches(stored: unknown, wanted: string[] | undefined): boolean {
  if (wanted === undefined) return true;
  if (!Array.isArray(stored)) return false;
  const a = [...stored].map(String).sort();
  const b = [...wanted].sort();
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
