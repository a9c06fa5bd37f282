// Target planning: which accounts, which regions, which shards. Each answer is small (ids and
// names), so it can travel through workflow history.
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/common';
import {
  FALLBACK_REGIONS, HOME_REGION, isGlobalType, isListedType, listedTypesOf, taggingApiFilter,
} from '../../core/aws/resource-types.js';
import { accountsOutside, notAllowedMessage } from '../../core/allowed-accounts.js';
import { resolveAllowedAccounts } from './accounts.js';
import type { AwsClients } from './clients.js';
import { toActivityFailure } from './errors.js';
import type { ShardSource } from '../../core/aws/shards.js';

export interface AwsPlanDefaults {
  accounts?: string[];
  regions?: string[];
}

export interface PlannedShard {
  region: string;
  source: ShardSource;
}

export interface AccountPlan {
  regions: string[];
  /** Where the regions came from: the scope, config, DescribeRegions, or the fallback list. */
  regionSource: 'scope' | 'config' | 'describe-regions' | 'fallback';
  regionError?: string;
  shards: PlannedShard[];
}

/**
 * Region x source shards for one account. Global types go once, to the home region. With
 * `onlyTheseRegions` (regions chosen by the scope or config, not discovered) the once-per-account
 * S3 listing keeps only the buckets that live in them.
 */
export function planShards(regions: string[], resourceTypes: string[], onlyTheseRegions = false): PlannedShard[] {
  const listed = listedTypesOf(resourceTypes);
  const all = resourceTypes.includes('all');
  // Types left for the Tagging API: everything but the listed ones.
  const tagged = all ? [] : resourceTypes.filter((t) => !isListedType(t));
  const wantsTagging = all || tagged.length > 0;
  const regionalTagged = tagged.filter((t) => !isGlobalType(t));
  const globalTagged = tagged.filter((t) => isGlobalType(t));
  const home = regions.includes(HOME_REGION) ? HOME_REGION : regions[0]!;
  const shards: PlannedShard[] = [];
  for (const region of regions) {
    for (const type of listed) {
      if (type === 's3:bucket' && region !== home) continue;
      const bucketRegions = type === 's3:bucket' && onlyTheseRegions ? { regions: [...regions] } : {};
      shards.push({ region, source: { kind: 'service', resourceType: type, ...bucketRegions } });
    }
    if (!wantsTagging) continue;
    const includeGlobal = region === home;
    const filters = all ? undefined : [...new Set([...regionalTagged, ...(includeGlobal ? globalTagged : [])].map(taggingApiFilter))];
    if (filters && filters.length === 0) continue;
    shards.push({ region, source: { kind: 'tagging', filters, requested: resourceTypes, includeGlobal } });
  }
  return shards;
}

export function createPlanActivities(clients: AwsClients, defaults: AwsPlanDefaults) {
  return {
    /**
     * Accounts to scan: the scope's, else the allowed set (configured, organisation, or caller).
     * A scope naming an account outside the allowed set fails here, before any AssumeRole: the
     * gateway refuses it first, this is the defence for callers that start workflows directly.
     */
    async planAwsAccounts(input: { accounts?: string[] }): Promise<{ accounts: string[]; source: string }> {
      const allowed = await resolveAllowedAccounts(clients, defaults.accounts);
      if (input.accounts?.length) {
        const outside = accountsOutside(input.accounts, allowed);
        if (outside.length) throw ApplicationFailure.create({ type: 'InvalidInput', message: notAllowedMessage(outside, allowed), nonRetryable: true });
        return { accounts: input.accounts, source: 'scope' };
      }
      return { accounts: allowed.accounts, source: allowed.note ? `${allowed.source} (${allowed.note})` : allowed.source };
    },

    /** Regions and shards of one account; failing to reach the account at all fails this. */
    async planAccountShards(input: { accountId: string; regions?: string[]; resourceTypes: string[] }): Promise<AccountPlan> {
      if (input.resourceTypes.length === 0) throw ApplicationFailure.create({ type: 'InvalidInput', message: 'no resource types to scan', nonRetryable: true });
      // Fails here, once, when AssumeRole is denied: the whole account is then reported missing.
      await clients.sessions.credentialsFor(input.accountId);
      let regions: string[];
      let regionSource: AccountPlan['regionSource'];
      let regionError: string | undefined;
      if (input.regions?.length) {
        regions = input.regions; regionSource = 'scope';
      } else if (defaults.regions?.length) {
        regions = defaults.regions; regionSource = 'config';
      } else {
        try {
          regions = await describeRegions(clients, input.accountId);
          regionSource = 'describe-regions';
        } catch (err) {
          regions = FALLBACK_REGIONS; regionSource = 'fallback';
          regionError = toActivityFailure(err, `${input.accountId}: ec2:DescribeRegions`).message;
        }
      }
      return { regions, regionSource, ...(regionError ? { regionError } : {}), shards: planShards(regions, input.resourceTypes, regionSource === 'scope' || regionSource === 'config') };
    },
  };
}

async function describeRegions(clients: AwsClients, accountId: string): Promise<string[]> {
  const out = await clients.client('ec2', accountId, HOME_REGION).send(new DescribeRegionsCommand({
    Filters: [{ Name: 'opt-in-status', Values: ['opt-in-not-required', 'opted-in'] }],
  }));
  const regions = (out.Regions ?? []).map((r) => r.RegionName!).filter(Boolean).sort();
  if (regions.length === 0) throw new Error('DescribeRegions returned no regions');
  return regions;
}
