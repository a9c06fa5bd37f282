// `evaluate FILE`: runs the evaluateInventory workflow on a file and prints its summary.
import { existsSync } from 'node:fs';
import type { Config } from '../config/index.js';
import { startInventoryEvaluation } from '../client/scans.js';
import { withTemporalClient } from './temporal-client.js';

export async function runEvaluate(config: Config, file: string, storeSnapshot: boolean): Promise<void> {
  if (!existsSync(file)) throw new Error(`inventory file ${file} does not exist`);
  await withTemporalClient(config, async (client) => {
    const { workflowId, handle } = await startInventoryEvaluation(client, config, file, storeSnapshot);
    process.stderr.write(`started ${workflowId}; waiting for the result…\n`);
    const result = await handle.result();
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  });
}
