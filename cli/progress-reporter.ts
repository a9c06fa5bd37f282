// Shows a running scan's progress on stderr: in a terminal, one line redrawn in place (at most
// four times a second); anywhere else (CI, a pipe, --no-progress), a plain line every interval
// or when the phase changes, so logs stay readable and stdout stays free for the table.
import type { ScanProgress } from '../core/scan.js';
import { RateTracker, plainLine, ttyLine, type ProgressFigures } from './progress-bar.js';

export type ProgressMode = 'tty' | 'line';

/** Carriage return and ANSI "erase the whole line": the cursor is back at column 0 of a clean line. */
export const CLEAR_LINE = '\r\x1b[2K';
const REDRAW_MS = 250;

export interface ProgressReporter {
  update(progress: ScanProgress): void;
  /** Clears the redrawn line and stops redrawing (a prompt is about to be shown). */
  pause(): void;
  resume(): void;
  /** A last line for the final figures; no redraw afterwards. */
  finish(progress?: ScanProgress): void;
  note(text: string): void;
}

export interface ReporterOptions {
  mode: ProgressMode;
  stream: NodeJS.WritableStream & { columns?: number };
  /** Line mode: seconds between lines when the phase does not change. */
  intervalSeconds: number;
  now?: () => number;
}

/** Terminal mode needs both streams on a terminal (the table must not land in a redrawn line) and no CI. */
export function progressModeFor(opts: { noProgress: boolean; env: NodeJS.ProcessEnv; stdoutTty: boolean; stderrTty: boolean }): ProgressMode {
  const ci = /^(1|true|yes)$/i.test(opts.env.CI ?? '');
  return !opts.noProgress && !ci && opts.stdoutTty && opts.stderrTty ? 'tty' : 'line';
}

export function createProgressReporter(opts: ReporterOptions): ProgressReporter {
  const now = opts.now ?? Date.now;
  const started = now();
  const rates = new RateTracker();
  let latest: ScanProgress | undefined;
  let paused = false;
  let finished = false;
  let lastPrintedAt = 0;
  let lastPhase: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let drawn = '';

  const figures = (p: ScanProgress): ProgressFigures => ({
    progress: p,
    elapsedSeconds: (now() - started) / 1000,
    resourcesPerSecond: rates.resourcesPerSecond(),
    etaSeconds: p.phase === 'scanning' ? rates.etaSeconds(p.shardsTotal) : undefined,
  });
  const write = (text: string) => { opts.stream.write(text); };

  const redraw = () => {
    if (paused || finished || !latest) return;
    const line = ttyLine(figures(latest), opts.stream.columns || 100);
    if (line === drawn) return; // nothing moved: no write, no flicker
    drawn = line;
    write(`${CLEAR_LINE}${line}`);
  };

  const printLine = (p: ScanProgress) => {
    lastPrintedAt = now();
    lastPhase = p.phase;
    write(`${plainLine(figures(p))}\n`);
  };

  if (opts.mode === 'tty') {
    // The elapsed time and ETA move between polls too: redraw on a clock, not only on news.
    timer = setInterval(redraw, REDRAW_MS);
    timer.unref();
  }

  return {
    update(p) {
      latest = p;
      rates.add(now(), p);
      if (opts.mode === 'line' && !finished && (p.phase !== lastPhase || now() - lastPrintedAt >= opts.intervalSeconds * 1000)) printLine(p);
    },
    pause() {
      paused = true;
      drawn = '';
      if (opts.mode === 'tty') write(CLEAR_LINE);
    },
    resume() {
      paused = false;
      redraw();
    },
    finish(p) {
      if (finished) return;
      if (p) latest = p;
      clearInterval(timer);
      if (opts.mode === 'tty') {
        if (latest) write(`${CLEAR_LINE}${ttyLine(figures(latest), opts.stream.columns || 100)}\n`);
      } else if (latest && (latest.phase !== lastPhase || p)) {
        printLine(latest);
      }
      finished = true;
    },
    note(text) {
      if (opts.mode === 'tty' && !paused && !finished) write(CLEAR_LINE);
      drawn = '';
      write(`${text}\n`);
      if (opts.mode === 'tty') redraw();
    },
  };
}
