// CPU seconds spent by each process taking part in a run, read from /proc (Linux): a scan on a
// 2-core machine is bound by the CPU that the worker, PostgreSQL, the Temporal server and the
// endpoint need together, and this shows who took how much.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Groups a process into a row of the report: by pid for our own children, by name for servers. */
export type Classify = (pid: number, comm: string) => string | undefined;

function cpuTicks(statPath: string): { comm: string; ticks: number } | undefined {
  try {
    const stat = readFileSync(statPath, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' '); // fields[0] is field 3 (state)
    return { comm, ticks: Number(fields[11]) + Number(fields[12]) }; // utime + stime
  } catch {
    return undefined; // gone
  }
}

function snapshot(classify: Classify): Map<number, { group: string; ticks: number }> {
  const out = new Map<number, { group: string; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const info = cpuTicks(`/proc/${pid}/stat`);
    const group = info && classify(pid, info.comm);
    if (info && group) out.set(pid, { group, ticks: info.ticks });
  }
  return out;
}

export interface CpuMeter {
  /** CPU seconds per group since the meter started; processes that exited meanwhile are not counted. */
  stop(): Record<string, number>;
}

export function meterCpu(classify: Classify): CpuMeter {
  const before = snapshot(classify);
  return {
    stop() {
      const totals: Record<string, number> = {};
      for (const [pid, { group, ticks }] of snapshot(classify)) {
        const spent = (ticks - (before.get(pid)?.ticks ?? 0)) / TICKS_PER_SECOND;
        totals[group] = (totals[group] ?? 0) + spent;
      }
      return totals;
    },
  };
}

export const formatCpu = (totals: Record<string, number>) => Object.entries(totals)
  .sort(([, a], [, b]) => b - a)
  .map(([group, s]) => `${group} ${s.toFixed(2)}`).join(', ');

/** CPU seconds per thread name of one process (V8's GC helpers, libuv's pool, the Temporal core's runtime...). */
export function meterThreads(pid: number): CpuMeter {
  const read = () => {
    const out = new Map<string, { name: string; ticks: number }>();
    let tids: string[] = [];
    try { tids = readdirSync(`/proc/${pid}/task`); } catch { /* gone */ }
    for (const tid of tids) {
      const info = cpuTicks(`/proc/${pid}/task/${tid}/stat`);
      if (info) out.set(tid, { name: Number(tid) === pid ? 'main' : info.comm, ticks: info.ticks });
    }
    return out;
  };
  const before = read();
  return {
    stop() {
      const totals: Record<string, number> = {};
      for (const [tid, { name, ticks }] of read()) {
        totals[name] = (totals[name] ?? 0) + (ticks - (before.get(tid)?.ticks ?? 0)) / TICKS_PER_SECOND;
      }
      return totals;
    },
  };
}
