// The Azure scanner: targets are subscriptions (configured, else every one the credential can
// list), each has two shards (resources.list and resourceGroups.list: groups are resources too,
// and their tags are what resources inherit), and a page's token is ARM's nextLink URL, a plain
// string that survives a worker restart in the shard's heartbeat.
import { getContinuationToken, type GenericResourceExpanded, type ResourceGroup } from '@azure/arm-resources';
import { ApplicationFailure } from '@temporalio/common';
import { DEFAULT_CONCURRENT_SHARDS } from '../../core/limits.js';
import type { Resource } from '../../core/resource.js';
import type { CloudScanner, LiveTags, ShardPage, ShardSpec, TargetPlan } from '../scanner.js';
import { azureClientsFrom, type AzureClients, type AzureClientSettings } from './clients.js';
import { toAzureFailure } from './errors.js';
import { anyAzureType, armTypeOfId, azureTypeSelected, isSubscriptionId, normaliseAzureType, subscriptionOfId } from './names.js';

/** What a shard lists; `types` are the scope's resource types, filtered on our side. */
export interface AzureShardSource {
  kind: 'resources' | 'resourceGroups';
  types: string[];
}

/** Live tag reads in flight at once. */
const READ_TAGS_CONCURRENCY = 5;

const invalidInput = (message: string) => ApplicationFailure.create({ type: 'InvalidInput', message, nonRetryable: true });

function toResource(subscriptionId: string, item: GenericResourceExpanded | ResourceGroup): Resource | undefined {
  if (!item.id || !item.type) return undefined;
  return {
    cloud: 'azure', account: subscriptionId, region: item.location?.toLowerCase() || 'global',
    type: normaliseAzureType(item.type), id: item.id, ...(item.name ? { name: item.name } : {}),
    tags: { ...(item.tags ?? {}) },
    ...('provisioningState' in item && typeof item.provisioningState === 'string' ? { state: item.provisioningState } : {}),
    ...('createdTime' in item && item.createdTime instanceof Date ? { created: item.createdTime.toISOString() } : {}),
  };
}

async function firstPage<T>(pages: AsyncIterableIterator<T[]>): Promise<{ items: T[]; next?: string }> {
  const { value, done } = await pages.next();
  if (done || !value) return { items: [] };
  const next = getContinuationToken(value);
  return { items: value, ...(next ? { next } : {}) };
}

export function createAzureScanner(settings: AzureClientSettings = {}, clients: AzureClients = azureClientsFrom(settings)): CloudScanner {
  const configured = settings.subscriptions?.map((s) => s.toLowerCase());
  const requireCredential = () => {
    if (!clients.credential) throw ApplicationFailure.create({ type: 'NoCredentials', nonRetryable: true, message: clients.missing ?? 'no Azure credentials configured' });
  };

  async function listSubscriptions(): Promise<string[]> {
    const ids: string[] = [];
    try {
      for await (const sub of clients.subscriptions().subscriptions.list()) {
        // Disabled and deleted subscriptions answer reads with errors; scan the ones in use.
        if (sub.subscriptionId && (!sub.state || sub.state === 'Enabled' || sub.state === 'PastDue' || sub.state === 'Warned')) ids.push(sub.subscriptionId.toLowerCase());
      }
    } catch (err) {
      throw toAzureFailure(err, 'azure subscriptions');
    }
    return ids;
  }

  return {
    id: 'azure',

    async listTargets(requested) {
      requireCredential();
      if (requested?.length) {
        const bad = requested.filter((s) => !isSubscriptionId(s));
        if (bad.length) throw invalidInput(`not Azure subscription ids: ${bad.slice(0, 5).join(', ').slice(0, 200)}`);
        const wanted = requested.map((s) => s.toLowerCase());
        if (configured) {
          const outside = wanted.filter((s) => !configured.includes(s));
          if (outside.length) throw invalidInput(`subscriptions outside clouds.azure.subscriptions: ${outside.join(', ').slice(0, 200)}`);
        }
        return { targets: wanted, source: 'scope' };
      }
      if (configured?.length) return { targets: configured, source: 'config' };
      const listed = await listSubscriptions();
      if (listed.length === 0) {
        throw ApplicationFailure.create({ type: 'AccessDenied', nonRetryable: true, message: 'the Azure credential sees no enabled subscription: grant it Reader on the subscriptions to scan' });
      }
      return { targets: listed, source: 'tenant' };
    },

    async planTarget(subscriptionId, scope): Promise<TargetPlan> {
      requireCredential();
      if (scope.resourceTypes.length === 0) throw invalidInput('no resource types to scan');
      // ARM lists a whole subscription at once: its locations are read per resource, not planned.
      const plan = { regions: ['*'], regionSource: 'subscription', maxConcurrentShards: settings.maxConcurrentShards ?? DEFAULT_CONCURRENT_SHARDS };
      if (!anyAzureType(scope.resourceTypes)) return { ...plan, shards: [] };
      const shard = (kind: AzureShardSource['kind']): ShardSpec => ({ region: '*', label: kind === 'resources' ? 'arm:resources' : 'arm:resourcegroups', source: { kind, types: scope.resourceTypes } satisfies AzureShardSource });
      return { ...plan, shards: [shard('resources'), shard('resourceGroups')] };
    },

    async fetchPage(subscriptionId, shard, token): Promise<ShardPage> {
      requireCredential();
      const source = shard.source as AzureShardSource;
      const client = clients.resources(subscriptionId);
      const settingsOf = token ? { continuationToken: token } : undefined;
      const page = source.kind === 'resourceGroups'
        ? await firstPage<ResourceGroup>(client.resourceGroups.list().byPage(settingsOf))
        : await firstPage<GenericResourceExpanded>(client.resources.list({ expand: 'createdTime,provisioningState' }).byPage(settingsOf));
      const resources = page.items.flatMap((item) => {
        const r = toResource(subscriptionId, item);
        return r && azureTypeSelected(r.type, source.types) ? [r] : [];
      });
      return { resources, ...(page.next ? { next: page.next } : {}) };
    },

    // ARM's nextLink carries its own skip token and does not expire the way AWS tokens do.
    isExpiredToken: () => false,
    toFailure: (err, where) => toAzureFailure(err, where),

    async readTags(ids) {
      requireCredential();
      const out = new Map<string, LiveTags | { error: string }>();
      const queue = [...ids];
      const lane = async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          const subscriptionId = subscriptionOfId(id);
          if (!subscriptionId) { out.set(id, { error: 'not an Azure resource id (/subscriptions/{id}/…)' }); continue; }
          if (configured && !configured.includes(subscriptionId)) { out.set(id, { error: `subscription ${subscriptionId} is not in clouds.azure.subscriptions` }); continue; }
          try {
            // Tags at a scope: one API version (Microsoft.Resources') for every resource type.
            const found = await clients.resources(subscriptionId).tagsOperations.getAtScope(id.replace(/^\/+/, ''));
            const type = armTypeOfId(id);
            out.set(id, { tags: { ...(found.properties?.tags ?? {}) }, account: subscriptionId, ...(type ? { type: normaliseAzureType(type) } : {}) });
          } catch (err) {
            out.set(id, { error: toAzureFailure(err, 'read tags').message });
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(READ_TAGS_CONCURRENCY, ids.length) }, lane));
      return new Map(ids.map((id) => [id, out.get(id)!]));
    },
  };
}
