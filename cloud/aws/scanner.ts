// The AWS scanner: targets are accounts (configured, the organisation's, or the caller's), a
// target's shards are region x source (a service's list API or the Tagging API), and pages carry
// the API's own token. The worker owns its settings (config clouds.aws).
import { ApplicationFailure } from '@temporalio/common';
import { accountsOutside, notAllowedMessage } from '../../core/allowed-accounts.js';
import { parseArn, regionOfArn } from '../../core/aws/arn.js';
import { isGlobalType, isListedType, typeSelected } from '../../core/aws/resource-types.js';
import { shardLabel, type ShardSource } from '../../core/aws/shards.js';
import { DEFAULT_CONCURRENT_SHARDS } from '../../core/limits.js';
import type { Resource } from '../../core/resource.js';
import type { CloudScanner, ShardPage, ShardSpec, TargetPlan } from '../scanner.js';
import { resolveAllowedAccounts } from './accounts.js';
import type { AwsClients } from './clients.js';
import { toActivityFailure } from './errors.js';
import { LISTERS } from './listers.js';
import { readLiveTags, type LiveReadContext } from './live-tags.js';
import { discoverRegions, planShards } from './plan.js';
import { getResourcesPage, tagsOf } from './tags.js';

export interface AwsScanSettings {
  /** Accounts to scan when a scope names none (config clouds.aws.accounts); unset: the organisation. */
  accounts?: string[];
  /** Regions when a scope names none; unset: DescribeRegions. */
  regions?: string[];
  maxConcurrentShards?: number;
  /** Where live reads log what the SDK said; default: nowhere. */
  logger?: LiveReadContext['logger'];
}

const EXPIRED_TOKEN = ['PaginationTokenExpiredException', 'InvalidPaginationToken', 'InvalidNextToken'];

export function createAwsScanner(clients: AwsClients, settings: AwsScanSettings = {}): CloudScanner {
  return {
    id: 'aws',

    /**
     * A scope naming an account outside the allowed set fails here, before any AssumeRole: the
     * gateway refuses it first, this is the defence for callers that start workflows directly.
     */
    async listTargets(requested) {
      const allowed = await resolveAllowedAccounts(clients, settings.accounts);
      if (requested?.length) {
        const outside = accountsOutside(requested, allowed);
        if (outside.length) throw ApplicationFailure.create({ type: 'InvalidInput', message: notAllowedMessage(outside, allowed), nonRetryable: true });
        return { targets: requested, source: 'scope' };
      }
      return { targets: allowed.accounts, source: allowed.note ? `${allowed.source} (${allowed.note})` : allowed.source };
    },

    async planTarget(accountId, scope): Promise<TargetPlan> {
      if (scope.resourceTypes.length === 0) throw ApplicationFailure.create({ type: 'InvalidInput', message: 'no resource types to scan', nonRetryable: true });
      // Fails here, once, when AssumeRole is denied: the whole account is then reported missing.
      await clients.sessions.credentialsFor(accountId);
      let found: Omit<TargetPlan, 'shards' | 'maxConcurrentShards'>;
      if (scope.regions?.length) found = { regions: scope.regions, regionSource: 'scope' };
      else if (settings.regions?.length) found = { regions: settings.regions, regionSource: 'config' };
      else found = await discoverRegions(clients, accountId);
      const chosen = found.regionSource === 'scope' || found.regionSource === 'config';
      const shards = planShards(found.regions, scope.resourceTypes, chosen)
        .map(({ region, source }) => ({ region, label: shardLabel(source), source }));
      return { ...found, shards, maxConcurrentShards: settings.maxConcurrentShards ?? DEFAULT_CONCURRENT_SHARDS };
    },

    fetchPage: (accountId, shard, token) => fetchAwsPage(clients, accountId, shard, token),
    isExpiredToken: (err) => EXPIRED_TOKEN.includes((err as Error)?.name),
    toFailure: (err, where) => toActivityFailure(err, where),

    async readTags(ids) {
      const ctx: LiveReadContext = { logger: settings.logger ?? { warn: () => {} }, configuredAccounts: settings.accounts };
      const outcomes = await readLiveTags(ctx, clients, ids, []);
      return new Map([...outcomes].map(([id, o]) => [id, 'error' in o ? { error: o.error } : { tags: o.tags }]));
    },
  };
}

function fromMapping(accountId: string, arn: string, tags: Record<string, string>): Resource | undefined {
  let parts;
  try {
    parts = parseArn(arn);
  } catch {
    return undefined; // not an ARN we can place; the Tagging API only returns ARNs, so this is defensive
  }
  return { cloud: 'aws', account: parts.accountId || accountId, region: regionOfArn(parts), type: parts.type, id: arn, name: tags.Name ?? parts.name, tags };
}

async function fetchAwsPage(clients: AwsClients, accountId: string, shard: ShardSpec, token: string | undefined): Promise<ShardPage> {
  const source = shard.source as ShardSource;
  const region = shard.region;
  if (source.kind === 'service') {
    return LISTERS[source.resourceType]({ clients, accountId, region, ...(source.regions ? { onlyRegions: source.regions } : {}) }, token);
  }
  const page = await getResourcesPage(clients.client('tagging', accountId, region), source.filters, token);
  const resources: Resource[] = [];
  for (const m of page.mappings) {
    const r = fromMapping(accountId, m.ResourceARN ?? '', tagsOf(m.Tags));
    if (!r || isListedType(r.type) || !typeSelected(r.type, source.requested)) continue;
    if (isGlobalType(r.type) && !source.includeGlobal) continue;
    resources.push(r);
  }
  return { resources, next: page.next };
}
