// Resident memory of another process, read from /proc/<pid>/status (Linux): VmRSS sampled on a
// timer for the peak while something runs, and VmHWM, the kernel's own peak over the process life.
import { readFileSync } from 'node:fs';

/** A field of /proc/<pid>/status in KiB, or undefined when the process or /proc is gone. */
export function procStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface RssSampler {
  /** Stops sampling; the highest VmRSS seen, in KiB (undefined when never readable). */
  stop(): { peakKiB: number | undefined; samples: number };
}

export function sampleRss(pid: number, everyMs = 100): RssSampler {
  let peakKiB: number | undefined;
  let samples = 0;
  const sample = () => {
    const kib = procStatusKiB(pid, 'VmRSS');
    if (kib === undefined) return;
    samples++;
    if (peakKiB === undefined || kib > peakKiB) peakKiB = kib;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { peakKiB, samples };
    },
  };
}
