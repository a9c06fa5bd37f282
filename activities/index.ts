// Builds every activity from injected dependencies; tests pass real local ones.
import type { Store } from '../store/index.js';
import type { AwsClients } from '../cloud/aws/clients.js';
import { createPlanActivities, type AwsPlanDefaults } from './aws/plan.js';
import { createShardActivity } from './aws/shard.js';
import { createInventoryActivities } from './inventory.js';
import { CompiledPolicyCache } from '../store/policy-file.js';
import { createScanActivities } from './scans.js';

export interface ActivityDeps {
  store: Store;
  policyPath: string;
  aws: AwsClients;
  awsDefaults?: AwsPlanDefaults;
}

export function createActivities(deps: ActivityDeps) {
  const policies = new CompiledPolicyCache(deps.store);
  return {
    ...createScanActivities(deps.store, deps.policyPath),
    ...createInventoryActivities(deps.store, policies),
    ...createPlanActivities(deps.aws, deps.awsDefaults ?? {}),
    ...createShardActivity(deps.store, policies, deps.aws),
  };
}

export type Activities = ReturnType<typeof createActivities>;
