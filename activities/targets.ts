// Planning activities for every cloud: which targets a scan covers, and the shards of one target.
// Each answer is small (ids, regions, shard descriptions), so it can travel through history.
import type { CloudCalls } from '../core/cloud-calls.js';
import { CallCounter, countingCalls } from '../cloud/call-count.js';
import type { CloudScanners, TargetList, TargetPlan } from '../cloud/scanner.js';
import { withCalls } from './failure-calls.js';

export function createTargetActivities(scanners: CloudScanners) {
  return {
    /** The scope's targets of one cloud (checked against what the worker may scan), else all of them. */
    async planTargets(input: { cloud: string; targets?: string[] }): Promise<TargetList & { calls: CloudCalls }> {
      const scanner = scanners.get(input.cloud);
      const counter = new CallCounter();
      const list = await countingCalls(counter, () => scanner.listTargets(input.targets)).catch((err: unknown) => {
        throw withCalls(err, counter.snapshot());
      });
      return { ...list, calls: counter.snapshot() };
    },

    /** Regions and shards of one target; failing to reach the target at all fails this. */
    async planTargetShards(input: { cloud: string; target: string; regions?: string[]; resourceTypes: string[] })
      : Promise<TargetPlan & { calls: CloudCalls }> {
      const scanner = scanners.get(input.cloud);
      const counter = new CallCounter();
      const plan = await countingCalls(counter, () => scanner.planTarget(input.target, input)).catch((err: unknown) => {
        throw withCalls(err, counter.snapshot());
      });
      return { ...plan, calls: counter.snapshot() };
    },
  };
}
