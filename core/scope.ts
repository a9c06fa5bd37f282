// A scan's scope: what to look at. Normalised (sorted, de-duplicated, filters folded in) so
// that the same question always produces the same scope, hash and workflow id.
import { z } from 'zod';
import { MAX_ACCOUNTS_PER_CALL, MAX_REGIONS_PER_CALL } from './limits.js';

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region code such as us-east-1');
const subscriptionId = z.string().regex(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i, 'must be an Azure subscription id (a GUID)');
// Project ids (domain-scoped ones carry `example.com:`), or numbers; folders and organisations by number.
const gcpScope = z.string().regex(/^(projects\/[a-z0-9][a-z0-9.:-]{0,62}|folders\/\d{1,20}|organizations\/\d{1,20})$/,
  'must be projects/P, folders/N or organizations/N');
const resourceType = z.string().regex(/^(all|[a-z0-9][a-z0-9.-]*:[A-Za-z0-9*][A-Za-z0-9./_*-]*)$/, 'must be service:kind (e.g. ec2:instance) or "all"');

export const scopeInputSchema = z.object({
  clouds: z.array(z.enum(['aws', 'azure', 'gcp'])).min(1).max(3).default(['aws']),
  accounts: z.array(accountId).max(MAX_ACCOUNTS_PER_CALL, `at most ${MAX_ACCOUNTS_PER_CALL} accounts per scope`).optional(),
  regions: z.array(region).max(MAX_REGIONS_PER_CALL, `at most ${MAX_REGIONS_PER_CALL} regions per scope`).optional(),
  resource_types: z.array(resourceType).min(1).max(200),
  subscriptions: z.array(subscriptionId).max(MAX_ACCOUNTS_PER_CALL, `at most ${MAX_ACCOUNTS_PER_CALL} subscriptions per scope`).optional(),
  gcp_scopes: z.array(gcpScope).max(MAX_ACCOUNTS_PER_CALL, `at most ${MAX_ACCOUNTS_PER_CALL} GCP scopes per scope`).optional(),
  filters: z.object({ region: region.optional(), account_id: accountId.optional() }).strict().optional(),
});

export type ScopeInput = z.input<typeof scopeInputSchema>;

export interface ScanScope {
  clouds: ('aws' | 'azure' | 'gcp')[];
  /** Unset: every account the worker is configured for, or the whole AWS organisation. */
  accounts?: string[];
  /** Unset: every opted-in region of each account. */
  regions?: string[];
  /** Azure subscription ids, lowercased. Unset: the configured subscriptions, else every one the credential sees. */
  subscriptions?: string[];
  /** GCP Cloud Asset scopes (`projects/P`, `folders/N`, `organizations/N`). Unset: the configured scopes. */
  gcpScopes?: string[];
  /** Sorted; `['all']` means every type. */
  resourceTypes: string[];
}

function sortedUnique(values: string[]): string[] {
  return [...new Set(values)].sort();
}

/** Validates and normalises; the peer's `filters` narrow accounts and regions. */
export function normaliseScope(input: ScopeInput): ScanScope {
  const parsed = scopeInputSchema.parse(input);
  const accounts = mergeFilter(parsed.accounts, parsed.filters?.account_id, 'filters.account_id', 'accounts');
  const regions = mergeFilter(parsed.regions, parsed.filters?.region, 'filters.region', 'regions');
  const types = sortedUnique(parsed.resource_types);
  const clouds = sortedUnique(parsed.clouds) as ScanScope['clouds'];
  // Lowercased: Azure compares subscription ids case-insensitively, so one scope hashes one way.
  const subscriptions = parsed.subscriptions?.length ? sortedUnique(parsed.subscriptions.map((s) => s.toLowerCase())) : undefined;
  const gcpScopes = parsed.gcp_scopes?.length ? sortedUnique(parsed.gcp_scopes) : undefined;
  // Targets of a cloud the scope does not scan would be silently ignored: refuse them instead.
  if (subscriptions && !clouds.includes('azure')) throw new ScopeError('subscriptions name Azure targets: set cloud_provider to azure or all');
  if (gcpScopes && !clouds.includes('gcp')) throw new ScopeError('gcp_scopes name GCP targets: set cloud_provider to gcp or all');
  return {
    clouds,
    ...(accounts ? { accounts } : {}),
    ...(regions ? { regions } : {}),
    // Absent rather than empty, so scopes without them keep the hash they always had.
    ...(subscriptions ? { subscriptions } : {}),
    ...(gcpScopes ? { gcpScopes } : {}),
    resourceTypes: types.includes('all') ? ['all'] : types,
  };
}

function mergeFilter(list: string[] | undefined, filter: string | undefined, filterName: string, listName: string): string[] | undefined {
  if (filter === undefined) return list ? sortedUnique(list) : undefined;
  if (list && !list.includes(filter)) {
    throw new ScopeError(`${filterName} "${filter}" is not among ${listName}: the scope would be empty`);
  }
  return [filter];
}

export class ScopeError extends Error {
  override name = 'ScopeError';
}

/** Deterministic JSON with sorted keys: the input of the scope hash. */
export function canonicalScope(scope: ScanScope): string {
  return JSON.stringify(scope, Object.keys(scope).sort());
}
