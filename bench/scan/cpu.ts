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

/** CPU ticks so far of each entry in /proc/<dir>, by id, with the group it counts towards. */
type Snapshot = Map<string, { group: string; ticks: number }>;

function snapshot(dir: string, groupOf: (id: string, comm: string) => string | undefined): Snapshot {
  const out: Snapshot = new Map();
  let ids: string[] = [];
  try { ids = readdirSync(dir).filter((id) => /^\d+$/.test(id)); } catch { /* the process is gone */ }
  for (const id of ids) {
    const info = cpuTicks(`${dir}/${id}/stat`);
    const group = info && groupOf(id, info.comm);
    if (info && group) out.set(id, { group, ticks: info.ticks });
  }
  return out;
}

export interface CpuMeter {
  /** CPU seconds per group since the meter started; processes that exited meanwhile are not counted. */
  stop(): Record<string, number>;
}

function meter(read: () => Snapshot): CpuMeter {
  const before = read();
  return {
    stop() {
      const totals: Record<string, number> = {};
      for (const [id, { group, ticks }] of read()) {
        totals[group] = (totals[group] ?? 0) + (ticks - (before.get(id)?.ticks ?? 0)) / TICKS_PER_SECOND;
      }
      return totals;
    },
  };
}

export function meterCpu(classify: Classify): CpuMeter {
  return meter(() => snapshot('/proc', (pid, comm) => classify(Number(pid), comm)));
}

/** CPU seconds per thread name of one process (V8's GC helpers, libuv's pool, the Temporal core's runtime...). */
export function meterThreads(pid: number): CpuMeter {
  return meter(() => snapshot(`/proc/${pid}/task`, (tid, comm) => (Number(tid) === pid ? 'main' : comm)));
}

export const formatCpu = (totals: Record<string, number>) => Object.entries(totals)
  .sort(([, a], [, b]) => b - a)
  .map(([group, s]) => `${group} ${s.toFixed(2)}`).join(', ');
