// Target planning against AWS: which regions an account has, and the region x source shards to
// scan in them. Each answer is small (ids and names), so it can travel through workflow history.
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import {
  FALLBACK_REGIONS, HOME_REGION, isGlobalType, isListedType, listedTypesOf, taggingApiFilter,
} from '../../core/aws/resource-types.js';
import type { ShardSource } from '../../core/aws/shards.js';
import type { AwsClients } from './clients.js';
import { toActivityFailure } from './errors.js';

const OTHER_CLOUD_TYPE = /^(azure|gcp):/i;

export interface PlannedShard {
  region: string;
  source: ShardSource;
}

/** Regions found for an account, and where they came from when nobody chose them. */
export interface DiscoveredRegions {
  regions: string[];
  regionSource: 'describe-regions' | 'fallback';
  regionError?: string;
}

/**
 * Region x source shards for one account. Global types go once, to the home region. With
 * `onlyTheseRegions` (regions chosen by the scope or config, not discovered) the once-per-account
 * S3 listing keeps only the buckets that live in them.
 */
export function planShards(regions: string[], scopeTypes: string[], onlyTheseRegions = false): PlannedShard[] {
  // A scope over several clouds names their types side by side; AWS gets only its own.
  const resourceTypes = scopeTypes.filter((t) => !OTHER_CLOUD_TYPE.test(t));
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

/**
 * The account's opted-in regions from EC2 DescribeRegions; when that fails (often a missing
 * permission), the built-in list, with the reason, so the scan still covers the usual regions.
 */
export async function discoverRegions(clients: AwsClients, accountId: string): Promise<DiscoveredRegions> {
  try {
    return { regions: await describeRegions(clients, accountId), regionSource: 'describe-regions' };
  } catch (err) {
    return { regions: FALLBACK_REGIONS, regionSource: 'fallback', regionError: toActivityFailure(err, `${accountId}: ec2:DescribeRegions`).message };
  }
}

export async function describeRegions(clients: AwsClients, accountId: string): Promise<string[]> {
  const out = await clients.client('ec2', accountId, HOME_REGION).send(new DescribeRegionsCommand({
    Filters: [{ Name: 'opt-in-status', Values: ['opt-in-not-required', 'opted-in'] }],
  }));
  const regions = (out.Regions ?? []).map((r) => r.RegionName!).filter(Boolean).sort();
  if (regions.length === 0) throw new Error('DescribeRegions returned no regions');
  return regions;
}
