// Runs the synthetic AWS endpoint in its own Node process, so that serving pages never competes
// with the code under measurement for one event loop: the bare loop and the full scan's worker
// both talk to it over HTTP from another process, as they would to AWS.
// Run directly (`node --import tsx endpoint-process.ts '<shape json>'`) it serves and prints its URL.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createAwsEndpoint, listen } from './aws-endpoint.js';
import { Inventory, type InventoryShape } from './inventory.js';

export interface EndpointProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startEndpointProcess(shape: InventoryShape): Promise<EndpointProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(shape)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code, signal) => reject(new Error(`synthetic AWS endpoint exited (${signal ?? code}) before listening`)));
  }).catch(async (err: unknown) => { await stop(); throw err; });
  return { url, pid: child.pid!, stop };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const shape = JSON.parse(process.argv[2] ?? '{}') as InventoryShape;
  const server = createAwsEndpoint(new Inventory(shape));
  console.log(await listen(server));
  process.once('SIGTERM', () => process.exit(0));
}
