// scanAwsShard: the AWS-only shard activity of accountScan, the workflow of scans started before
// the cloud seam. Kept so those scans (and their recorded histories) finish on this worker; it is
// the cloud-neutral scanShard (activities/shard.ts) with the AWS scanner.
import type { ShardSource } from '../../core/aws/shards.js';
import { shardLabel } from '../../core/aws/shards.js';
import type { CloudScanner } from '../../cloud/scanner.js';
import { runShard, type ShardDeps, type ShardSummary } from '../shard.js';

export type { ShardSummary } from '../shard.js';

export interface AwsShardInput {
  scanId: string;
  policyVersionId: number;
  accountId: string;
  region: string;
  source: ShardSource;
}

export function createShardActivity(deps: ShardDeps, aws: CloudScanner) {
  return {
    async scanAwsShard(input: AwsShardInput): Promise<ShardSummary> {
      return runShard(deps, aws, {
        scanId: input.scanId, policyVersionId: input.policyVersionId, cloud: 'aws', target: input.accountId,
        shard: { region: input.region, label: shardLabel(input.source), source: input.source },
      });
    },
  };
}
