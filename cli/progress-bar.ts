// The scan's progress as one line of text: a bar with shards done of total, failures, resources
// per second, the ETA and the time elapsed. Pure: the reporter decides when and where to print.
import type { ScanProgress } from '../core/scan.js';

/** Long enough to smooth a shard's burst of resources, short enough to follow a slowdown. */
const RATE_WINDOW_MS = 15_000;

interface Sample { at: number; resources: number; shards: number }

/** Resources per second and the ETA from the recent samples of the progress query. */
export class RateTracker {
  private samples: Sample[] = [];

  constructor(private readonly windowMs = RATE_WINDOW_MS) {}

  add(at: number, p: Pick<ScanProgress, 'resourcesSeen' | 'shardsDone' | 'shardsFailed'>): void {
    // Finished shards never go down; a failed poll repeats the last sample and changes nothing.
    this.samples.push({ at, resources: p.resourcesSeen, shards: p.shardsDone + p.shardsFailed });
    while (this.samples.length > 2 && this.samples[0]!.at < at - this.windowMs) this.samples.shift();
  }

  private span(): { first: Sample; last: Sample; seconds: number } | undefined {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 1_000) return undefined;
    return { first, last, seconds: (last.at - first.at) / 1000 };
  }

  /** Resources read per second over the window; undefined until a second of samples exists. */
  resourcesPerSecond(): number | undefined {
    const s = this.span();
    return s ? Math.max(0, s.last.resources - s.first.resources) / s.seconds : undefined;
  }

  /** Seconds until every planned shard has finished at the recent pace; undefined while unknown. */
  etaSeconds(shardsTotal: number): number | undefined {
    const s = this.span();
    if (!s || shardsTotal <= 0) return undefined;
    const remaining = shardsTotal - s.last.shards;
    if (remaining <= 0) return 0;
    const perSecond = (s.last.shards - s.first.shards) / s.seconds;
    return perSecond > 0 ? remaining / perSecond : undefined;
  }
}

/** `42s`, `3m05s`, `1h02m`: durations as a person reads them; `--` when unknown. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatRate(perSecond: number | undefined): string {
  if (perSecond === undefined) return '-- res/s';
  return `${perSecond >= 100 ? Math.round(perSecond) : perSecond.toFixed(1)} res/s`;
}

/** `█████░░░░░` for the share of shards finished; all light while the plan is not known. */
export function bar(done: number, total: number, width: number): string {
  const share = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const full = Math.round(share * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

export interface ProgressFigures {
  progress: ScanProgress;
  elapsedSeconds: number;
  resourcesPerSecond?: number;
  etaSeconds?: number;
}

function shardText(p: ScanProgress): string {
  return p.shardsTotal > 0 ? `${p.shardsDone + p.shardsFailed}/${p.shardsTotal} shards` : 'planning shards';
}

/** The terminal's line, cut to `columns` so it never wraps (a wrapped line cannot be redrawn in place). */
export function ttyLine(f: ProgressFigures, columns = 80): string {
  const p = f.progress;
  const parts = [
    `${p.phase.padEnd(10)} ${bar(p.shardsDone + p.shardsFailed, p.shardsTotal, 24)}`,
    shardText(p),
    `${p.shardsFailed} failed`,
    `${p.resourcesSeen} resources`,
    formatRate(f.resourcesPerSecond),
    `ETA ${formatDuration(f.etaSeconds)}`,
    formatDuration(f.elapsedSeconds),
  ];
  const line = parts.join(' · ');
  const width = Math.max(20, columns - 1);
  return [...line].length > width ? `${[...line].slice(0, width - 1).join('')}…` : line;
}

/** One line for logs and CI: every figure labelled, nothing redrawn. */
export function plainLine(f: ProgressFigures): string {
  const p = f.progress;
  return `[${formatDuration(f.elapsedSeconds)}] ${p.phase}: ${shardText(p)}, ${p.shardsFailed} failed, ` +
    `${p.accountsDone}/${p.accountsTotal} accounts, ${p.resourcesSeen} resources, ${formatRate(f.resourcesPerSecond)}, ` +
    `ETA ${formatDuration(f.etaSeconds)}`;
}
