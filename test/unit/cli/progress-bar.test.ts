// The progress line's pieces: the bar, durations, the rate and ETA over a window of samples, and
// the reporter's two modes (redrawn in place on a terminal, plain lines elsewhere).
import { describe, expect, it } from 'vitest';
import { emptyScanProgress, type ScanProgress } from '../../../core/scan.js';
import { RateTracker, bar, formatDuration, formatRate, plainLine, ttyLine } from '../../../cli/progress-bar.js';
import { CLEAR_LINE, createProgressReporter, progressModeFor } from '../../../cli/progress-reporter.js';

const progress = (over: Partial<ScanProgress>): ScanProgress => ({ ...emptyScanProgress(), phase: 'scanning', ...over });

describe('progress bar', () => {
  it('fills the bar in proportion to finished shards, and leaves it empty before the plan', () => {
    expect(bar(0, 0, 10)).toBe('░'.repeat(10));
    expect(bar(5, 10, 10)).toBe('█████░░░░░');
    expect(bar(10, 10, 4)).toBe('████');
    expect(bar(12, 10, 4)).toBe('████');
  });

  it('formats durations as a person reads them', () => {
    expect(formatDuration(undefined)).toBe('--');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('--');
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(formatRate(undefined)).toBe('-- res/s');
    expect(formatRate(3.14159)).toBe('3.1 res/s');
    expect(formatRate(1234.4)).toBe('1234 res/s');
  });

  it('computes resources per second and the ETA from the samples in its window only', () => {
    const rates = new RateTracker(10_000);
    rates.add(0, { resourcesSeen: 0, shardsDone: 0, shardsFailed: 0 });
    expect(rates.resourcesPerSecond()).toBeUndefined(); // one sample: no rate yet
    rates.add(10_000, { resourcesSeen: 500, shardsDone: 8, shardsFailed: 2 });
    expect(rates.resourcesPerSecond()).toBe(50);
    // 10 of 40 shards finished (failed ones count: they will not run again) in 10 s: 30 left, 30 s.
    expect(rates.etaSeconds(40)).toBe(30);
    expect(rates.etaSeconds(10)).toBe(0);
    // A stall: the old fast samples leave the window and the rate drops to what is recent.
    rates.add(20_000, { resourcesSeen: 500, shardsDone: 8, shardsFailed: 2 });
    rates.add(30_000, { resourcesSeen: 500, shardsDone: 8, shardsFailed: 2 });
    expect(rates.resourcesPerSecond()).toBe(0);
    expect(rates.etaSeconds(40)).toBeUndefined(); // no shard finished lately: no honest ETA
  });

  it('puts every figure on the terminal line and cuts it to the width without wrapping', () => {
    const f = { progress: progress({ shardsTotal: 40, shardsDone: 9, shardsFailed: 1, resourcesSeen: 1234 }), elapsedSeconds: 75, resourcesPerSecond: 20, etaSeconds: 90 };
    const line = ttyLine(f, 200);
    expect(line).toBe(`scanning   ${'██████'}${'░'.repeat(18)} · 10/40 shards · 1 failed · 1234 resources · 20.0 res/s · ETA 1m30s · 1m15s`);
    const narrow = ttyLine(f, 40);
    expect([...narrow].length).toBe(39);
    expect(narrow.endsWith('…')).toBe(true);
    expect(plainLine(f)).toBe('[1m15s] scanning: 10/40 shards, 1 failed, 0/0 accounts, 1234 resources, 20.0 res/s, ETA 1m30s');
    expect(plainLine({ progress: progress({ phase: 'planning' }), elapsedSeconds: 1 })).toContain('planning: planning shards');
  });
});

describe('progress reporter', () => {
  function sink() {
    let text = '';
    return { stream: { write: (t: string) => { text += t; return true; }, columns: 120 } as unknown as NodeJS.WritableStream & { columns: number }, text: () => text };
  }

  it('picks the terminal only when both streams are terminals, progress is wanted and CI is not set', () => {
    const tty = { noProgress: false, env: {}, stdoutTty: true, stderrTty: true };
    expect(progressModeFor(tty)).toBe('tty');
    expect(progressModeFor({ ...tty, stdoutTty: false })).toBe('line'); // `> file`: the table must not meet a redrawn line
    expect(progressModeFor({ ...tty, stderrTty: false })).toBe('line');
    expect(progressModeFor({ ...tty, noProgress: true })).toBe('line');
    expect(progressModeFor({ ...tty, env: { CI: 'true' } })).toBe('line');
    expect(progressModeFor({ ...tty, env: { CI: '' } })).toBe('tty');
  });

  it('line mode prints on a phase change or once the interval passed, not on every poll', () => {
    let now = 0;
    const out = sink();
    const r = createProgressReporter({ mode: 'line', stream: out.stream, intervalSeconds: 10, now: () => now });
    r.update(progress({ phase: 'planning' }));
    now = 1_000;
    r.update(progress({ shardsTotal: 4 })); // phase change: printed
    now = 2_000;
    r.update(progress({ shardsTotal: 4, shardsDone: 1 })); // within the interval: not printed
    now = 12_000;
    r.update(progress({ shardsTotal: 4, shardsDone: 2 })); // interval passed
    now = 13_000;
    r.finish(progress({ phase: 'completed', shardsTotal: 4, shardsDone: 4 }));
    const lines = out.text().trimEnd().split('\n');
    expect(lines.map((l) => l.replace(/,.*/, ''))).toEqual([
      '[0s] planning: planning shards', '[1s] scanning: 0/4 shards', '[12s] scanning: 2/4 shards', '[13s] completed: 4/4 shards',
    ]);
    expect(out.text()).not.toMatch(/\r|\x1b/); // eslint-disable-line no-control-regex
  });

  it('terminal mode redraws one line in place, clears it for a note and ends it with a newline', () => {
    const out = sink();
    const r = createProgressReporter({ mode: 'tty', stream: out.stream, intervalSeconds: 10 });
    r.update(progress({ shardsTotal: 4, shardsDone: 1 }));
    r.resume(); // draws now instead of waiting for the clock
    r.note('cancel requested');
    r.finish(progress({ phase: 'completed', shardsTotal: 4, shardsDone: 4 }));
    const text = out.text();
    expect(text.startsWith(`${CLEAR_LINE}scanning   `)).toBe(true);
    expect(text).toContain(`${CLEAR_LINE}cancel requested\n${CLEAR_LINE}scanning`);
    expect(text.endsWith(' · 0s\n')).toBe(true);
    expect(text).toContain(`${CLEAR_LINE}completed  ${'█'.repeat(24)} · 4/4 shards`);
    expect(text.split('\n')).toHaveLength(3); // the note, the final line, and nothing after it
  });
});
