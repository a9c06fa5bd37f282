// Remembers the dev server `start` launched (<dataDir>/temporal-dev.pid), so the next run can
// stop one left behind by a process that could not clean up (SIGKILL, a power cut) instead of
// silently reusing a server that nothing would ever stop.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../config/logger.js';
import { processAlive } from './process-alive.js';

const FILE = 'temporal-dev.pid';
const STOP_WAIT_MS = 10_000;

interface Record { devServerPid: number; ownerPid: number; dbFile: string }

/** The process's command line, or undefined where /proc is not available (macOS) or it is gone. */
function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

export function recordDevServer(dataDir: string, devServerPid: number, dbFile: string): void {
  const record: Record = { devServerPid, ownerPid: process.pid, dbFile };
  writeFileSync(path.join(dataDir, FILE), `${JSON.stringify(record)}\n`);
}

export function forgetDevServer(dataDir: string): void {
  rmSync(path.join(dataDir, FILE), { force: true });
}

/**
 * Stops the dev server an earlier run launched for this data dir if that run is gone and the
 * server still runs. A server whose owner is alive (another `start`) is left alone, and so is a
 * pid now used by something else (its command line must name the same history file).
 */
export async function stopOrphanedDevServer(dataDir: string, logger: Logger): Promise<void> {
  let record: Record;
  try {
    record = JSON.parse(readFileSync(path.join(dataDir, FILE), 'utf8')) as Record;
  } catch {
    return; // none recorded, or unreadable: nothing we can safely stop
  }
  const { devServerPid, ownerPid, dbFile } = record;
  if (!Number.isInteger(devServerPid) || processAlive(ownerPid)) return;
  const cmdline = commandLine(devServerPid);
  if (!cmdline?.includes('start-dev') || !cmdline.includes(dbFile)) {
    forgetDevServer(dataDir);
    return;
  }
  logger.warn({ devServerPid, ownerPid }, 'stopping the Temporal dev server an earlier run left behind (that process ended without cleaning up)');
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-devServerPid, sig); // it was launched as its own process group's leader
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  for (const deadline = Date.now() + STOP_WAIT_MS; processAlive(devServerPid);) {
    if (Date.now() > deadline - STOP_WAIT_MS / 2) signal('SIGKILL');
    if (Date.now() > deadline) throw new Error(`the Temporal dev server left by an earlier run (pid ${devServerPid}) did not stop; stop it and retry`);
    await new Promise((r) => setTimeout(r, 100));
  }
  forgetDevServer(dataDir);
}
