// The GCP scanner: targets are Cloud Asset scopes (organizations/N, folders/N, projects/P) from
// config clouds.gcp, each scope is one shard, and a page is one searchAllResources page whose
// token resumes it (the token is the API's, so it survives a worker restart in the heartbeat).
import { ApplicationFailure } from '@temporalio/common';
import { DEFAULT_CONCURRENT_SHARDS } from '../../core/limits.js';
import type { Resource } from '../../core/resource.js';
import type { CloudScanner, LiveTags, ShardPage, ShardSpec, TargetPlan } from '../scanner.js';
import type { GcpClients, GcpSettings } from './clients.js';
import { isExpiredPageToken, toGcpFailure } from './errors.js';
import { projectInName, toResource, typeRequested, type SearchResult } from './resources.js';

/** The API's own cap on a page. */
const MAX_PAGE_SIZE = 500;
const SCOPE = /^(organizations|folders|projects)\/[^/\s]+$/;

/** What a GCP shard carries through history: the resource types it keeps. */
interface GcpShardSource {
  kind: 'search';
  resourceTypes: string[];
}

/**
 * The configured scopes a full resource name may be searched in: its project's own scope when
 * configured, else the configured folders and organisations (which may hold it); empty when no
 * configured scope can hold it.
 */
export function readScopes(name: string, configured: readonly string[]): string[] {
  const project = projectInName(name);
  if (!project) return [...configured];
  if (configured.includes(`projects/${project}`)) return [`projects/${project}`];
  return configured.filter((s) => !s.startsWith('projects/'));
}

const invalidInput = (message: string) => ApplicationFailure.create({ type: 'InvalidInput', message, nonRetryable: true });

export function createGcpScanner(clients: GcpClients, settings: GcpSettings = {}): CloudScanner {
  const pageSize = Math.min(settings.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);

  async function search(scope: string, request: { query?: string; pageToken?: string }) {
    const client = await clients.asset();
    // One page per call: the scan checkpoints the token between pages instead of the SDK looping.
    const [results, , response] = await clients.budgeted(() => client.searchAllResources(
      { scope, pageSize, ...(request.query ? { query: request.query } : {}), ...(request.pageToken ? { pageToken: request.pageToken } : {}) },
      { autoPaginate: false },
    ));
    return { results: (results ?? []) as SearchResult[], next: response?.nextPageToken || undefined };
  }

  async function readOne(id: string, scopes: string[]): Promise<LiveTags | { error: string }> {
    for (const scope of scopes) {
      try {
        const { results } = await search(scope, { query: `name=${JSON.stringify(id)}` });
        const found = results.find((r) => r.name === id);
        const resource = found && toResource(found, scope);
        if (resource) return { tags: resource.tags, type: resource.type, region: resource.region, account: resource.account };
      } catch (err) {
        return { error: toGcpFailure(err, scope).message };
      }
    }
    return { error: `not found in ${scopes.join(', ')}` };
  }

  return {
    id: 'gcp',

    async listTargets(requested) {
      const configured = settings.scopes ?? [];
      if (configured.length === 0) {
        throw invalidInput('no GCP scopes configured: set clouds.gcp.scopes (or GCP_SCOPES) to organizations/N, folders/N or projects/P');
      }
      // Fail here, once, when there are no credentials: the scan then reports GCP missing and why.
      await clients.asset().catch((err: unknown) => { throw toGcpFailure(err, 'gcp'); });
      if (!requested?.length) return { targets: configured, source: 'config' };
      const outside = requested.filter((s) => !configured.includes(s));
      if (outside.length) throw invalidInput(`GCP scopes not configured for this worker: ${outside.slice(0, 5).join(', ')} (configured: ${configured.join(', ')})`);
      return { targets: requested, source: 'scope' };
    },

    async planTarget(scope, request): Promise<TargetPlan> {
      if (!SCOPE.test(scope)) throw invalidInput(`not a GCP scope: ${scope.slice(0, 80)} (expected organizations/N, folders/N or projects/P)`);
      if (request.resourceTypes.length === 0) throw invalidInput('no resource types to scan');
      await clients.asset().catch((err: unknown) => { throw toGcpFailure(err, scope); });
      // Locations come with each result; one search covers them all, so the scope is one shard.
      const source: GcpShardSource = { kind: 'search', resourceTypes: request.resourceTypes };
      return {
        regions: ['*'], regionSource: 'gcp locations (per resource)',
        shards: [{ region: '*', label: 'asset:search', source }],
        maxConcurrentShards: settings.maxConcurrentShards ?? DEFAULT_CONCURRENT_SHARDS,
      };
    },

    async fetchPage(scope, shard: ShardSpec, token): Promise<ShardPage> {
      const { resourceTypes } = shard.source as GcpShardSource;
      const page = await search(scope, token ? { pageToken: token } : {});
      const resources: Resource[] = [];
      for (const result of page.results) {
        const resource = toResource(result, scope);
        if (resource && typeRequested(resource.type, resourceTypes)) resources.push(resource);
      }
      return { resources, ...(page.next ? { next: page.next } : {}) };
    },

    isExpiredToken: isExpiredPageToken,
    toFailure: toGcpFailure,

    /**
     * Full resource names (`//service.googleapis.com/...`), searched by exact name within the
     * configured scopes only: the project's own scope when it is configured, else the configured
     * folders and organisations (a project outside them is not found), or every configured scope
     * for names that carry no project (a bucket's `projects/_`).
     */
    async readTags(ids) {
      const out = new Map<string, LiveTags | { error: string }>();
      const configured = settings.scopes ?? [];
      for (const id of ids) {
        if (!id.startsWith('//')) {
          out.set(id, { error: 'not a GCP full resource name (//service.googleapis.com/...)' });
          continue;
        }
        const scopes = readScopes(id, configured);
        if (scopes.length === 0) {
          out.set(id, { error: configured.length ? `project ${projectInName(id)} is not within clouds.gcp.scopes` : 'no GCP scopes are configured (clouds.gcp.scopes)' });
          continue;
        }
        out.set(id, await readOne(id, scopes));
      }
      return out;
    },
  };
}
