// Planning activities: which accounts, which regions, which shards. The AWS work is in
// cloud/aws/ (accounts.ts, plan.ts); these add the scope's and config's choices and the checks.
import { ApplicationFailure } from '@temporalio/common';
import { accountsOutside, notAllowedMessage } from '../../core/allowed-accounts.js';
import { DEFAULT_CONCURRENT_SHARDS } from '../../core/limits.js';
import { resolveAllowedAccounts } from '../../cloud/aws/accounts.js';
import type { AwsClients } from '../../cloud/aws/clients.js';
import { CallCounter, countingCalls } from '../../cloud/call-count.js';
import type { CloudCalls } from '../../core/cloud-calls.js';
import { discoverRegions, planShards, type PlannedShard } from '../../cloud/aws/plan.js';

export type { PlannedShard } from '../../cloud/aws/plan.js';

export interface AwsPlanDefaults {
  accounts?: string[];
  regions?: string[];
  /** The worker's config aws.maxConcurrentShards. */
  maxConcurrentShards?: number;
}

export interface AccountPlan {
  regions: string[];
  /** Where the regions came from: the scope, config, DescribeRegions, or the fallback list. */
  regionSource: 'scope' | 'config' | 'describe-regions' | 'fallback';
  regionError?: string;
  shards: PlannedShard[];
  /**
   * Shards to run at once: the setting of the worker that planned, so the worker owns it whoever
   * started the scan. Absent from results recorded before it existed (the workflow then falls back).
   */
  maxConcurrentShards?: number;
  /** Cloud API requests planning made (AssumeRole, DescribeRegions …), per API. */
  calls?: CloudCalls;
}

export function createPlanActivities(clients: AwsClients, defaults: AwsPlanDefaults) {
  return {
    /**
     * Accounts to scan: the scope's, else the allowed set (configured, organisation, or caller).
     * A scope naming an account outside the allowed set fails here, before any AssumeRole: the
     * gateway refuses it first, this is the defence for callers that start workflows directly.
     */
    async planAwsAccounts(input: { accounts?: string[] }): Promise<{ accounts: string[]; source: string; calls: CloudCalls }> {
      const counter = new CallCounter();
      const allowed = await countingCalls(counter, () => resolveAllowedAccounts(clients, defaults.accounts));
      if (input.accounts?.length) {
        const outside = accountsOutside(input.accounts, allowed);
        if (outside.length) throw ApplicationFailure.create({ type: 'InvalidInput', message: notAllowedMessage(outside, allowed), nonRetryable: true });
        return { accounts: input.accounts, source: 'scope', calls: counter.snapshot() };
      }
      return { accounts: allowed.accounts, source: allowed.note ? `${allowed.source} (${allowed.note})` : allowed.source, calls: counter.snapshot() };
    },

    /** Regions and shards of one account; failing to reach the account at all fails this. */
    async planAccountShards(input: { accountId: string; regions?: string[]; resourceTypes: string[] }): Promise<AccountPlan> {
      if (input.resourceTypes.length === 0) throw ApplicationFailure.create({ type: 'InvalidInput', message: 'no resource types to scan', nonRetryable: true });
      const counter = new CallCounter();
      // Fails here, once, when AssumeRole is denied: the whole account is then reported missing.
      await countingCalls(counter, () => clients.sessions.credentialsFor(input.accountId));
      let found: Omit<AccountPlan, 'shards'>;
      if (input.regions?.length) found = { regions: input.regions, regionSource: 'scope' };
      else if (defaults.regions?.length) found = { regions: defaults.regions, regionSource: 'config' };
      else found = await countingCalls(counter, () => discoverRegions(clients, input.accountId));
      const chosen = found.regionSource === 'scope' || found.regionSource === 'config';
      const maxConcurrentShards = defaults.maxConcurrentShards ?? DEFAULT_CONCURRENT_SHARDS;
      return { ...found, shards: planShards(found.regions, input.resourceTypes, chosen), maxConcurrentShards, calls: counter.snapshot() };
    },
  };
}
