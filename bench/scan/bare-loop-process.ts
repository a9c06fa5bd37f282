// The bare loop in a process of its own, under given node flags: with the worker's heap limits it
// shows what those limits alone cost the same SDK calls, so the full scan can be compared like for
// like. Run directly (`node [flags] --import tsx bare-loop-process.ts '<args json>'`) it prints
// its result as JSON.
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { runBareLoop, type BareLoopResult, type Concurrency } from './bare-loop.js';
import { Inventory, type InventoryShape } from './inventory.js';

interface Args {
  endpoint: string;
  shape: InventoryShape;
  limits: Concurrency;
}

export async function runBareLoopProcess(args: Args, nodeFlags: string[]): Promise<BareLoopResult & { cpuSeconds: number }> {
  const { stdout } = await promisify(execFile)(process.execPath,
    [...nodeFlags, '--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(args)], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as BareLoopResult & { cpuSeconds: number };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = JSON.parse(process.argv[2] ?? '{}') as Args;
  const before = process.cpuUsage();
  const result = await runBareLoop(args.endpoint, new Inventory(args.shape), args.limits);
  const { user, system } = process.cpuUsage(before);
  console.log(JSON.stringify({ ...result, cpuSeconds: (user + system) / 1e6 }));
}
