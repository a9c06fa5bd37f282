// Builds every activity from injected dependencies; tests pass real local ones.
import type { Store } from '../store/index.js';
import { createInventoryActivities } from './inventory.js';
import { CompiledPolicyCache } from './policy-source.js';
import { createScanActivities } from './scans.js';

export interface ActivityDeps {
  store: Store;
  policyPath: string;
}

export function createActivities(deps: ActivityDeps) {
  const policies = new CompiledPolicyCache(deps.store);
  return {
    ...createScanActivities(deps.store, deps.policyPath),
    ...createInventoryActivities(deps.store, policies),
  };
}

export type Activities = ReturnType<typeof createActivities>;
