// A bench server in a Node process of its own: the module given is run with one JSON argument and
// must print one line (what a client needs to reach it) once it serves; SIGTERM stops it.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ServingProcess {
  /** The first line the process printed. */
  line: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startServingProcess(modulePath: string, arg: unknown, what: string): Promise<ServingProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', modulePath, JSON.stringify(arg)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code, signal) => reject(new Error(`${what} exited (${signal ?? code}) before listening`)));
  }).catch(async (err: unknown) => { await stop(); throw err; });
  return { line, pid: child.pid!, stop };
}
