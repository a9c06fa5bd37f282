// Cloud Asset search results in our resource model: labels are tags, the asset type becomes
// `gcp:service/kind` in lowercase, the full resource name is the id.
import type { Resource } from '../../core/resource.js';

/** What the scanner reads of a Cloud Asset ResourceSearchResult (all optional, as the API returns them). */
export interface SearchResult {
  name?: string | null;
  assetType?: string | null;
  project?: string | null;
  displayName?: string | null;
  location?: string | null;
  labels?: Record<string, string> | null;
  state?: string | null;
  createTime?: unknown;
}

/** `compute.googleapis.com/Instance` → `gcp:compute/instance`; an unexpected shape keeps its text, lowercased. */
export function normalizeAssetType(assetType: string): string {
  const match = /^([a-z0-9-]+)\.googleapis\.com\/(.+)$/i.exec(assetType);
  return match ? `gcp:${match[1]!.toLowerCase()}/${match[2]!.toLowerCase()}` : `gcp:${assetType.toLowerCase()}`;
}

/** `projects/123` → `123`: the project a result belongs to, as the API names it (number or id). */
export function projectOf(project: string | null | undefined, fallback: string): string {
  return project ? project.replace(/^projects\//, '') : fallback;
}

/**
 * `//compute.googleapis.com/projects/p/zones/z/instances/vm` → `p`, for names that carry their
 * project; buckets' `projects/_` names none.
 */
export function projectInName(fullName: string): string | undefined {
  const project = /^\/\/[^/]+\/projects\/([^/]+)/.exec(fullName)?.[1];
  return project === '_' ? undefined : project;
}

/** Protobuf Timestamp ({seconds, nanos}) or an RFC 3339 string, as ISO-8601. */
function isoTime(value: unknown): string | undefined {
  if (typeof value === 'string' && value) return value;
  if (value && typeof value === 'object' && 'seconds' in value) {
    const seconds = Number((value as { seconds: unknown }).seconds);
    if (Number.isFinite(seconds) && seconds > 0) return new Date(seconds * 1000).toISOString();
  }
  return undefined;
}

/** One search result as a resource; `scope` stands in for a result that names no project (folders, organisations). */
export function toResource(result: SearchResult, scope: string): Resource | undefined {
  if (!result.name || !result.assetType) return undefined; // nothing to key or type it by
  const created = isoTime(result.createTime);
  return {
    cloud: 'gcp',
    account: projectOf(result.project, scope),
    region: result.location || 'global',
    type: normalizeAssetType(result.assetType),
    id: result.name,
    ...(result.displayName ? { name: result.displayName } : {}),
    tags: { ...(result.labels ?? {}) },
    ...(result.state ? { state: result.state } : {}),
    ...(created ? { created } : {}),
  };
}

/** Whether a normalised type is among the scope's resource types (`all`, or a `gcp:` type listed). */
export function typeRequested(type: string, requested: string[]): boolean {
  return requested.some((r) => r === 'all' || r.toLowerCase() === type);
}
