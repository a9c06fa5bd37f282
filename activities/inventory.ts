// The inventory-file provider: reads a JSON inventory, evaluates it and writes scan rows.
// Idempotent: rows are upserted by (scan id, resource id), so a retry rewrites, never duplicates.
import { readFile } from 'node:fs/promises';
import { heartbeat } from '@temporalio/activity';
import { evaluate } from '../core/compliance/index.js';
import { InventoryError, parseInventory } from '../core/inventory.js';
import type { Resource } from '../core/resource.js';
import type { ScanResourceRow, ShardCounts } from '../core/scan.js';
import type { Store } from '../store/index.js';
import { invalidInput, notFound } from './errors.js';
import type { CompiledPolicyCache } from '../store/policy-file.js';

export const UPSERT_BATCH = 1000;

export interface EvaluateInventoryFileInput {
  scanId: string;
  inventoryPath: string;
  policyVersionId: number;
}

export async function readInventory(path: string): Promise<Resource[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`inventory file ${path} does not exist`);
    throw err;
  }
  try {
    return parseInventory(text);
  } catch (err) {
    if (err instanceof InventoryError) throw invalidInput(`${path}: ${err.message}`);
    throw err;
  }
}

export function createInventoryActivities(store: Store, policies: CompiledPolicyCache) {
  return {
    async evaluateInventoryFile(input: EvaluateInventoryFileInput): Promise<ShardCounts> {
      const compiled = await policies.get(input.policyVersionId);
      if (!compiled) throw notFound(`policy version ${input.policyVersionId} does not exist`);
      const resources = await readInventory(input.inventoryPath);
      let compliantCount = 0;
      for (let start = 0; start < resources.length; start += UPSERT_BATCH) {
        const rows: ScanResourceRow[] = resources.slice(start, start + UPSERT_BATCH).map((resource) => {
          const result = evaluate(compiled, resource);
          if (result.compliant) compliantCount++;
          return toRow(resource, result.compliant, result.findings);
        });
        await store.upsertScanResources(input.scanId, rows);
        heartbeat({ rowsWritten: start + rows.length });
      }
      return { resources: resources.length, compliant: compliantCount };
    },
  };
}

export function toRow(resource: Resource, compliant: boolean, findings: unknown[]): ScanResourceRow {
  return {
    resourceId: resource.id,
    cloud: resource.cloud,
    account: resource.account,
    region: resource.region,
    resourceType: resource.type,
    name: resource.name ?? null,
    tags: resource.tags,
    state: resource.state ?? null,
    createdAt: resource.created ?? null,
    compliant,
    violations: findings,
    monthlyCost: resource.monthlyCost ?? null,
  };
}
