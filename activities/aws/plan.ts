// planAwsAccounts and planAccountShards: the AWS-only planning activities of scans started before
// the cloud seam (complianceScan's old path, accountScan). Kept so those scans finish on this
// worker; they are planTargets and planTargetShards (activities/targets.ts) with the AWS scanner.
import type { ShardSource } from '../../core/aws/shards.js';
import type { CloudCalls } from '../../core/cloud-calls.js';
import { CallCounter, countingCalls } from '../../cloud/call-count.js';
import { createAwsScanner, type AwsScanSettings } from '../../cloud/aws/scanner.js';
import type { AwsClients } from '../../cloud/aws/clients.js';
import type { CloudScanner } from '../../cloud/scanner.js';

export interface PlannedShard {
  region: string;
  source: ShardSource;
}

export interface AccountPlan {
  regions: string[];
  regionSource: string;
  regionError?: string;
  shards: PlannedShard[];
  /** Shards to run at once: the setting of the worker that planned, whoever started the scan. */
  maxConcurrentShards?: number;
  /** Cloud API requests planning made (AssumeRole, DescribeRegions …), per API. */
  calls?: CloudCalls;
}

export function createPlanActivities(clients: AwsClients | CloudScanner, defaults: AwsScanSettings = {}) {
  const aws = 'planTarget' in clients ? clients : createAwsScanner(clients, defaults);
  return {
    async planAwsAccounts(input: { accounts?: string[] }): Promise<{ accounts: string[]; source: string; calls: CloudCalls }> {
      const counter = new CallCounter();
      const { targets, source } = await countingCalls(counter, () => aws.listTargets(input.accounts));
      return { accounts: targets, source, calls: counter.snapshot() };
    },

    async planAccountShards(input: { accountId: string; regions?: string[]; resourceTypes: string[] }): Promise<AccountPlan> {
      const counter = new CallCounter();
      const plan = await countingCalls(counter, () => aws.planTarget(input.accountId, input));
      const shards = plan.shards.map(({ region, source }) => ({ region, source: source as ShardSource }));
      return { ...plan, shards, calls: counter.snapshot() };
    },
  };
}
