// A shard: one source of resources in one account and region. Shared by the planner, the shard
// activity and the workflow that labels shard activities in the Temporal UI.
import type { ListedType } from './resource-types.js';

export type ShardSource =
  /** GetResources, minus the listed types (their listers cover them) and, outside the home region, global types. */
  | { kind: 'tagging'; filters?: string[]; requested: string[]; includeGlobal: boolean }
  /** `regions`: keep only resources in these (S3 lists every bucket of the account from one region). */
  | { kind: 'service'; resourceType: ListedType; regions?: string[] };

export function shardLabel(source: ShardSource): string {
  return source.kind === 'service' ? source.resourceType : `tagged:${source.filters?.join(',') || 'all'}`;
}
