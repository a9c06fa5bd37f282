// A resource as the row a scan writes: the one mapping every shard uses.
import type { Resource } from '../core/resource.js';
import type { ScanResourceRow } from '../core/scan.js';

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
    context: resource.context ?? null,
  };
}
