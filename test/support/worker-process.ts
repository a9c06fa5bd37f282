// The worker as its own OS process (`finops-tag-compliance worker`), so a test can SIGKILL it
// mid-scan and start another, as a crash in production would.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../../worker/temporal-cli.js';

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `execArgv`: node flags NODE_OPTIONS refuses, such as --cpu-prof (benchmarks). */
export function spawnWorker(env: Record<string, string>, execArgv: string[] = []): WorkerProcess {
  const child = spawn(process.execPath, [...execArgv, path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs'), 'worker'], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk.toString()).slice(-20_000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
