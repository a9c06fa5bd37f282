// Validates an inventory document (a JSON list of resources) into the resource model.
import { z } from 'zod';
import type { Resource } from './resource.js';

const resourceTypeShape = /^[a-z0-9][a-z0-9.-]*:[A-Za-z0-9*][A-Za-z0-9./_-]*$/;

export const resourceSchema = z.object({
  cloud: z.enum(['aws', 'azure', 'gcp']),
  account: z.string().min(1).max(256),
  region: z.string().min(1).max(64),
  type: z.string().regex(resourceTypeShape, 'must be service:kind, e.g. ec2:instance'),
  id: z.string().min(1).max(2048),
  name: z.string().max(1024).optional(),
  tags: z.record(z.string().max(512), z.string().max(1024)).default({}),
  state: z.string().max(64).optional(),
  created: z.iso.datetime({ offset: true }).optional(),
  monthlyCost: z.number().nonnegative().finite().optional(),
});

export const inventorySchema = z.union([
  z.array(resourceSchema),
  z.object({ resources: z.array(resourceSchema) }).transform((doc) => doc.resources),
]);

export class InventoryError extends Error {
  override name = 'InventoryError';
}

/** Parses inventory JSON text; errors name the offending item and field. */
export function parseInventory(text: string): Resource[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InventoryError(`inventory is not valid JSON: ${(err as Error).message}`);
  }
  const result = inventorySchema.safeParse(doc);
  if (!result.success) {
    const first = result.error.issues.slice(0, 5).map((i) => `${formatPath(i.path)}: ${i.message}`);
    throw new InventoryError(`invalid inventory: ${first.join('; ')}`);
  }
  return result.data;
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '') || '(root)';
}
