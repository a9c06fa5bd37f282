// evaluateInventoryFile: the inventory activity of evaluateInventory runs from before the cloud
// seam. Kept so those runs (and their recorded histories) finish on this worker; it is one
// scanShard of the inventory scanner. Idempotent: rows are upserted by (scan id, resource id).
import type { ShardCounts } from '../core/scan.js';
import type { CloudScanner } from '../cloud/scanner.js';
import { runShard, type ShardDeps } from './shard.js';

export interface EvaluateInventoryFileInput {
  scanId: string;
  inventoryPath: string;
  policyVersionId: number;
}

export function createInventoryActivities(deps: ShardDeps, inventory: CloudScanner) {
  return {
    async evaluateInventoryFile(input: EvaluateInventoryFileInput): Promise<ShardCounts> {
      const plan = await inventory.planTarget(input.inventoryPath, { resourceTypes: ['all'] });
      const { resources, compliant } = await runShard(deps, inventory, {
        scanId: input.scanId, policyVersionId: input.policyVersionId, cloud: 'inventory', target: input.inventoryPath, shard: plan.shards[0]!,
      });
      return { resources, compliant };
    },
  };
}
