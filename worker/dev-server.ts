// Runs a local Temporal dev server (`temporal server start-dev`) as a child process and
// waits until its frontend answers. Spawned by us rather than the SDK's TestWorkflowEnvironment
// because the SDK waits a fixed 5 s and would try to download the CLI without a path.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions.js';
import { freePort } from './free-port.js';

export { freePort };

export interface DevServerOptions {
  cliPath: string;
  ip?: string;
  port?: number;
  uiPort?: number;
  /** SQLite file that keeps history across restarts; omitted = in memory. */
  dbFile?: string;
  headless?: boolean;
  namespace?: string;
  startTimeoutMs?: number;
  /** Where the server's own output goes; default: discarded. */
  onOutput?: (line: string) => void;
  /**
   * Spawn the server in its own process group (and session), so a terminal's Ctrl-C or hangup,
   * sent to the foreground group, reaches only us: we stop it ourselves once the worker has
   * drained, instead of racing it. The owner must then stop it on every exit path (see below).
   */
  ownProcessGroup?: boolean;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  /** Stops it (SIGTERM, then SIGKILL after STOP_GRACE_MS) and waits for it to exit. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 5_000;

/**
 * Dev servers this process launched and has not seen exit. A process that ends without stopping
 * them (an uncaught error, process.exit() from a shutdown deadline) kills them on its way out:
 * a detached server would otherwise live on with parent 1 and be silently reused by the next run.
 * Only SIGKILL of this process escapes this.
 */
const live = new Map<ChildProcess, boolean>(); // child -> spawned in its own process group
let exitHookInstalled = false;

function signalChild(child: ChildProcess, signal: NodeJS.Signals, group: boolean): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // The group as well: `temporal` may have children of its own.
    if (group) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // ESRCH: it exited between the check and the kill; nothing left to stop.
  }
}

function track(child: ChildProcess, group: boolean): void {
  live.set(child, group);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' listeners must be synchronous: no waiting here, hence SIGKILL (SQLite survives it).
  process.on('exit', () => {
    for (const [c, ownGroup] of live) signalChild(c, 'SIGKILL', ownGroup);
  });
}


export async function isTemporalReachable(address: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    try {
      await connection.healthService.check({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(ip));
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--log-level', 'warn'];
  args.push('--namespace', opts.namespace ?? 'default');
  if (opts.headless) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort ?? (await freePort(ip))));
  if (opts.dbFile) {
    mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);

  const group = opts.ownProcessGroup === true;
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: group });
  track(child, group);
  let stopping = false; // its complaints while we stop it (polls failing) are noise, not news
  const forward = (chunk: Buffer) => { if (!stopping) opts.onOutput?.(chunk.toString()); };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  let exited: string | undefined;
  child.once('exit', (code, signal) => { exited = `exited with ${signal ?? code}`; });
  child.once('error', (err) => { exited = `could not be started (${err.message})`; live.delete(child); });

  const address = `${ip}:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 120_000);
  try {
    while (!(await isTemporalReachable(address, 1000))) {
      if (exited) throw new Error(`temporal dev server ${exited} before it was ready (args: ${args.join(' ')})`);
      if (Date.now() > deadline) throw new Error(`temporal dev server did not answer on ${address} within ${opts.startTimeoutMs ?? 120_000} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (err) {
    stopping = true;
    await stopChild(child, group); // never leave a half-started server behind
    throw err;
  }
  const uiUrl = opts.headless ? undefined : `http://${ip}:${args[args.indexOf('--ui-port') + 1]}`;
  return {
    address,
    uiUrl,
    process: child,
    stop: () => {
      stopping = true;
      return stopChild(child, group);
    },
  };
}

async function stopChild(child: ChildProcess, group: boolean): Promise<void> {
  // No pid: the spawn itself failed, so there is no process to wait for.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalChild(child, 'SIGTERM', group);
  const timer = setTimeout(() => signalChild(child, 'SIGKILL', group), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}
