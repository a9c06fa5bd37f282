// Starts a private moto server (the AWS mock installed in .venv-tools by `npm run setup:tools`) on
// a free local port, so AWS scan tests talk to real SDK clients over real HTTP without touching
// AWS, and each suite gets a fresh, isolated set of accounts.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from '../../worker/dev-server.js';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MOTO_SERVER = path.join(REPO_ROOT, '.venv-tools', 'bin', 'moto_server');
const START_TIMEOUT_MS = 30_000;
const KILL_GRACE_MS = 3_000;
const STDERR_TAIL_CHARS = 4_000;

/** moto accepts any credentials; these are what its docs use. Account 123456789012 is its default. */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface MotoServer {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** Client config for any AWS SDK v3 client pointed at moto (path-style so S3 needs no DNS). */
export function awsClientConfig(endpoint: string, region: string, credentials: AwsCredentials = MOTO_CREDENTIALS) {
  return { endpoint, region, credentials, forcePathStyle: true };
}

export async function startMoto(): Promise<MotoServer> {
  if (!existsSync(MOTO_SERVER)) {
    throw new Error(`moto_server not found at ${MOTO_SERVER}; run \`npm run setup:tools\``);
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  // Should the test process end without stop() (a crash, a timeout), take moto down with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    process.off('exit', killOnExit);
    resolve();
  }));
  let spawnError: Error | undefined;
  child.once('error', (err) => { spawnError = err; });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (spawnError) throw new Error(`could not start moto_server: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`moto_server exited (${child.exitCode ?? child.signalCode}) before answering; stderr:\n${stderr}`);
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return { endpoint, port, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server did not answer on ${endpoint} within ${START_TIMEOUT_MS / 1000}s; stderr:\n${stderr}`);
    }
    await sleep(100);
  }
}
