// `evaluate FILE`: runs the evaluateInventory workflow on a file and prints its summary.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/index.js';
import type { evaluateInventory } from '../workflows/index.js';

export async function runEvaluate(config: Config, file: string, storeSnapshot: boolean): Promise<void> {
  if (!existsSync(file)) throw new Error(`inventory file ${file} does not exist`);
  const dev = config.temporal.devServer;
  const address = config.temporal.address ?? `${dev.ip}:${dev.port}`;
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
    const workflowId = `inventory-${createHash('sha256').update(file).digest('hex').slice(0, 8)}-${stamp}`;
    const handle = await client.workflow.start<typeof evaluateInventory>('evaluateInventory', {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [{ inventoryPath: file, trigger: 'adhoc', storeSnapshot }],
      memo: { inventoryPath: file },
    });
    process.stderr.write(`started ${workflowId}; waiting for the result…\n`);
    const result = await handle.result();
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await connection.close();
  }
}
