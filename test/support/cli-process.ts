// The `finops-tag-compliance` command as its own process group, as a terminal runs it, so a test
// can send what Ctrl-C sends (a signal to the whole foreground group) and then look in /proc
// for anything it left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../worker/temporal-cli.js';

export interface CliProcess {
  child: ChildProcess;
  pid: number;
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** The code, or undefined while it runs. */
  exitStatus(): number | string | undefined;
  /** Sends `signal` to the whole process group, as a terminal's Ctrl-C does. */
  signalGroup(signal: NodeJS.Signals): void;
}

export function spawnCli(args: string[], env: NodeJS.ProcessEnv): CliProcess {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs'), ...args], {
    env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, // its own group: its pid is the group id
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-100_000); });
  child.stdout!.resume();
  let status: number | string | undefined;
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => {
    status = code ?? signal ?? 'unknown';
    resolve(status);
  }));
  return {
    child,
    pid: child.pid!,
    stderr: () => stderr,
    exited,
    exitStatus: () => status,
    signalGroup: (signal) => process.kill(-child.pid!, signal),
  };
}

interface ProcInfo { pid: number; pgid: number; state: string; cmdline: string }

function processes(): ProcInfo[] {
  const found: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) in parentheses: state, ppid, pgrp.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      found.push({ pid: Number(entry), pgid: Number(pgrp), state: state!, cmdline });
    } catch {
      // it exited while we looked
    }
  }
  return found;
}

/**
 * Live processes in process group `pgid`, or whose command line mentions `marker` (a test's own
 * temp dir, which the dev server's --db-filename names). Zombies count as gone.
 */
export function leftovers(pgid: number, marker: string): string[] {
  return processes()
    .filter((p) => p.state !== 'Z' && (p.pgid === pgid || p.cmdline.includes(marker)))
    .map((p) => `${p.pid}: ${p.cmdline.slice(0, 200)}`);
}

/** Polls `probe` every 200 ms until it returns a value; throws `what()` after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: () => string): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Kills whatever a failed test left (the group and anything naming `marker`). */
export function killLeftovers(pgid: number, marker: string): void {
  for (const line of leftovers(pgid, marker)) {
    try {
      process.kill(Number(line.split(':')[0]), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
