// Runs the synthetic AWS endpoint in its own Node process, so that serving pages never competes
// with the code under measurement for one event loop: the bare loop and the full scan's worker
// both talk to it over HTTP from another process, as they would to AWS.
// Run directly (`node --import tsx endpoint-process.ts '<shape json>'`) it serves and prints its URL.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createAwsEndpoint, listen } from './aws-endpoint.js';
import { Inventory, type InventoryShape } from './inventory.js';
import { startServingProcess } from './serving-process.js';

export interface EndpointProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startEndpointProcess(shape: InventoryShape): Promise<EndpointProcess> {
  const { line: url, pid, stop } = await startServingProcess(fileURLToPath(import.meta.url), shape, 'synthetic AWS endpoint');
  return { url, pid, stop };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const shape = JSON.parse(process.argv[2] ?? '{}') as InventoryShape;
  const server = createAwsEndpoint(new Inventory(shape));
  console.log(await listen(server));
  process.once('SIGTERM', () => process.exit(0));
}
