// Intent disambiguation of a scope: a region, resource type or account the caller named that does
// not exist, that the policy does not cover, or that is outside the allowed set is answered with
// candidates (the nearest known values, and what is valid), never replaced by a guess. Pure: the
// gateway supplies what is known (regions, scanner types, the policy's types, the allowed set).
import { listText, nearest } from './candidates.js';

export type IntentField = 'regions' | 'resource_types' | 'accounts' | 'subscriptions' | 'gcp_scopes';

export interface UnresolvedValue {
  field: IntentField;
  value: string;
  /**
   * unknown: no such thing; not_covered: no rule of the policy applies to it; not_allowed: outside
   * the allowed set; not_configured: not among the configured targets of its cloud.
   */
  reason: 'unknown' | 'not_covered' | 'not_allowed' | 'not_configured';
  /** The nearest valid values, closest first; empty when none is close. */
  did_you_mean: string[];
}

export interface ValidValues {
  /** What is valid for the field, capped (see `total`). */
  values: string[];
  total: number;
}

export interface Disambiguation {
  unresolved: UnresolvedValue[];
  valid: Partial<Record<IntentField, ValidValues>>;
}

/** Valid values listed in a refusal at most (an organisation may have thousands of accounts). */
export const MAX_VALID_LISTED = 20;
const MAX_SUGGESTIONS = 3;

/** Regions are a small fixed set: all of them fit in a refusal. */
const MAX_REGIONS_LISTED = 50;

function validOf(values: readonly string[], cap = MAX_VALID_LISTED): ValidValues {
  return { values: values.slice(0, cap), total: values.length };
}

/** Regions that do not exist, each with the nearest real ones. */
export function unknownRegions(requested: readonly string[], known: readonly string[]): Disambiguation | undefined {
  const set = new Set(known);
  const unresolved = [...new Set(requested)].filter((r) => !set.has(r)).map((value): UnresolvedValue => ({
    field: 'regions', value, reason: 'unknown', did_you_mean: nearest(value, known, { max: MAX_SUGGESTIONS }),
  }));
  return unresolved.length ? { unresolved, valid: { regions: validOf([...set].sort(), MAX_REGIONS_LISTED) } } : undefined;
}

export interface PolicyCoverage {
  /** The policy's applies_to types and patterns, lowercase (`ec2:instance`, `ec2:*`, `azure:compute/*`). */
  types: readonly string[];
  /** Some required tag applies to every type. */
  appliesToAll: boolean;
}

const serviceOf = (type: string): string => type.split(':', 1)[0]!;

/** Whether a policy pattern (`svc:kind`, `svc:*`, `azure:compute/*`) selects the requested type or pattern. */
function patternCovers(pattern: string, type: string): boolean {
  if (pattern === type) return true;
  if (pattern.endsWith(':*')) return serviceOf(pattern) === serviceOf(type);
  if (pattern.endsWith('/*')) return type.startsWith(pattern.slice(0, -1));
  // A requested wildcard (`ec2:*`) is covered when the policy names any type of that service.
  return type.endsWith(':*') && serviceOf(pattern) === serviceOf(type);
}

/**
 * Requested types the scanner does not know (AWS types outside `scannerTypes` and the policy's) or
 * the policy does not cover. `all` and Azure / GCP types pass the existence check (their clouds
 * have too many types to list); every type must still be covered by the policy.
 */
export function unresolvedTypes(requested: readonly string[], scannerTypes: readonly string[], policy: PolicyCoverage)
  : Disambiguation | undefined {
  const policyExact = policy.types.filter((t) => !t.includes('*'));
  const known = [...new Set([...scannerTypes, ...policyExact])].sort();
  const knownSet = new Set(known);
  const knownServices = new Set([...known, ...policy.types].map(serviceOf));
  const unresolved: UnresolvedValue[] = [];
  for (const raw of new Set(requested)) {
    const type = raw.toLowerCase();
    if (type === 'all') continue;
    const otherCloud = type.startsWith('azure:') || type.startsWith('gcp:');
    const exists = otherCloud || (type.endsWith(':*') ? knownServices.has(serviceOf(type)) : type.includes('*') || knownSet.has(type));
    if (!exists) {
      const wildcards = [...knownServices].map((s) => `${s}:*`);
      unresolved.push({ field: 'resource_types', value: raw, reason: 'unknown',
        did_you_mean: nearest(type, type.endsWith(':*') ? wildcards : known, { max: MAX_SUGGESTIONS }) });
    } else if (!policy.appliesToAll && !policy.types.some((p) => patternCovers(p, type))) {
      unresolved.push({ field: 'resource_types', value: raw, reason: 'not_covered',
        did_you_mean: nearest(type, policy.types, { max: MAX_SUGGESTIONS }) });
    }
  }
  if (!unresolved.length) return undefined;
  const valid = policy.appliesToAll ? known : [...policy.types];
  return { unresolved, valid: { resource_types: validOf(valid) } };
}

/**
 * Accounts outside the allowed set, each with the nearest allowed ids (a mistyped digit or two);
 * the allowed set itself is listed only when it is small, never a whole large organisation.
 */
export function accountsNotAllowed(outside: readonly string[], allowed: readonly string[]): Disambiguation | undefined {
  if (!outside.length) return undefined;
  const unresolved = outside.map((value): UnresolvedValue => ({
    field: 'accounts', value, reason: 'not_allowed', did_you_mean: nearest(value, allowed, { max: MAX_SUGGESTIONS, maxDistance: 3 }),
  }));
  return { unresolved, valid: allowed.length <= MAX_VALID_LISTED ? { accounts: validOf(allowed) } : {} };
}

/**
 * Azure subscriptions or GCP scopes outside the configured ones, each with the nearest configured
 * ones (compared case-insensitively), the configured list capped.
 */
export function targetsNotConfigured(field: 'subscriptions' | 'gcp_scopes', outside: readonly string[], configured: readonly string[])
  : Disambiguation | undefined {
  if (!outside.length) return undefined;
  const unresolved = outside.map((value): UnresolvedValue => ({
    field, value, reason: 'not_configured', did_you_mean: nearest(value, configured, { max: MAX_SUGGESTIONS }),
  }));
  return { unresolved, valid: { [field]: validOf(configured) } };
}

const NOUN: Record<IntentField, string> = {
  regions: 'region', resource_types: 'resource type', accounts: 'account', subscriptions: 'subscription', gcp_scopes: 'GCP scope',
};
const REASON: Record<UnresolvedValue['reason'], string> = {
  unknown: 'unknown', not_covered: 'not covered by the tagging policy', not_allowed: 'not in the allowed set',
  not_configured: 'not configured for scanning',
};

/**
 * One sentence per unresolved value, then what is valid: `unknown region us-east1; did you mean
 * us-east-1? Valid regions: …`. Ends by asking for a choice, so the model asks the user rather
 * than picking one itself.
 */
export function disambiguationText(d: Disambiguation): string {
  const parts = d.unresolved.map((u) => {
    const head = u.reason === 'unknown' ? `unknown ${NOUN[u.field]} "${u.value}"` : `${NOUN[u.field]} "${u.value}" is ${REASON[u.reason]}`;
    return u.did_you_mean.length ? `${head}; did you mean ${orList(u.did_you_mean)}?` : `${head}; nothing close to it is valid`;
  });
  for (const [field, valid] of Object.entries(d.valid) as [IntentField, ValidValues][]) {
    const label = field === 'resource_types' ? 'resource types' : field === 'gcp_scopes' ? 'GCP scopes' : field;
    parts.push(`valid ${label}${valid.total > valid.values.length ? ` (${valid.total})` : ''}: ${listText(valid.values, valid.values.length)}`
      + (valid.total > valid.values.length ? ` and ${valid.total - valid.values.length} more` : ''));
  }
  // Sentences end in `?` or need a `.`; never both.
  return `${parts.map((p) => (p.endsWith('?') ? p : `${p}.`)).join(' ')} Ask the user which one they meant and call again with it; nothing was scanned.`;
}

function orList(values: readonly string[]): string {
  return values.length === 1 ? values[0]! : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}
