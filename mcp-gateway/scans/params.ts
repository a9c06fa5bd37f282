// What a scanning tool accepts: the scope (the peer's parameters plus accounts, regions and cloud),
// how long to wait, and a scan id; and the one translation of those into a normalised scope.
import { z } from 'zod';
import { MAX_ACCOUNTS_PER_CALL, MAX_REGIONS_PER_CALL } from '../../core/limits.js';
import { normaliseScope, ScopeError, type ScanScope, type ScopeInput } from '../../core/scope.js';
import { ToolError } from '../errors.js';
import { malformedRegionRefusal, targetsRefusal } from './known-scope.js';

/** Scope parameters every scanning tool accepts: the peer's, plus accounts, regions and cloud_provider. */
export const scopeParams = {
  resource_types: z.array(z.string().min(1).max(100)).min(1).max(200)
    .describe('Resource types as service:kind (e.g. ec2:instance, s3:bucket, rds:db), wildcards such as ec2:*, or ["all"]'),
  filters: z.object({
    region: z.string().max(32).optional(),
    account_id: z.string().max(12).optional(),
  }).strict().optional().describe('Narrow the scope to one region and/or one account (the peer\'s filters)'),
  accounts: z.array(z.string().max(12)).max(MAX_ACCOUNTS_PER_CALL, `at most ${MAX_ACCOUNTS_PER_CALL} accounts per call`).optional()
    .describe(`12-digit AWS account ids, at most ${MAX_ACCOUNTS_PER_CALL}, each within the allowed set (SCAN_ACCOUNTS, else the ` +
      'organisation\'s active accounts); default: every allowed account'),
  regions: z.array(z.string().max(32)).max(MAX_REGIONS_PER_CALL, `at most ${MAX_REGIONS_PER_CALL} regions per call`).optional()
    .describe(`Region codes, at most ${MAX_REGIONS_PER_CALL}; default: every opted-in region`),
  cloud_provider: z.enum(['aws', 'azure', 'gcp', 'all']).default('aws')
    .describe('Cloud to scan: aws, azure, gcp, or all three. A cloud the workers cannot read (no credentials) is named in ' +
      'data_quality.missing and the others still answer. accounts and regions apply to AWS, subscriptions to Azure, gcp_scopes to GCP'),
  subscriptions: z.array(z.string().max(64)).max(MAX_ACCOUNTS_PER_CALL, `at most ${MAX_ACCOUNTS_PER_CALL} subscriptions per call`).optional()
    .describe('Azure subscription ids (GUIDs) to scan, each within clouds.azure.subscriptions when that is configured; default: ' +
      'the configured subscriptions, else every subscription the credential can read. Needs cloud_provider azure or all'),
  gcp_scopes: z.array(z.string().max(100)).max(MAX_ACCOUNTS_PER_CALL, `at most ${MAX_ACCOUNTS_PER_CALL} GCP scopes per call`).optional()
    .describe('GCP Cloud Asset scopes to scan (projects/P, folders/N, organizations/N), each one of clouds.gcp.scopes; ' +
      'default: every configured scope. Needs cloud_provider gcp or all'),
};

export const waitParams = {
  wait_seconds: z.number().min(0).max(300).optional()
    .describe('How long to wait for a scan before returning a scan id to poll with get_scan_status (default 20)'),
};

export interface ScopeArgs {
  resource_types: string[];
  filters?: { region?: string; account_id?: string };
  accounts?: string[];
  regions?: string[];
  cloud_provider?: 'aws' | 'azure' | 'gcp' | 'all';
  subscriptions?: string[];
  gcp_scopes?: string[];
}

export function scopeOf(args: ScopeArgs): ScanScope {
  const input: ScopeInput = {
    clouds: args.cloud_provider === 'all' ? ['aws', 'azure', 'gcp'] : [args.cloud_provider ?? 'aws'],
    resource_types: args.resource_types,
    ...(args.accounts ? { accounts: args.accounts } : {}),
    ...(args.regions ? { regions: args.regions } : {}),
    ...(args.filters ? { filters: args.filters } : {}),
    ...(args.subscriptions ? { subscriptions: args.subscriptions } : {}),
    ...(args.gcp_scopes ? { gcp_scopes: args.gcp_scopes } : {}),
  };
  try {
    const scope = normaliseScope(input);
    return scope;
  } catch (err) {
    if (err instanceof ScopeError) throw new ToolError(`invalid scope: ${err.message}`);
    if (err instanceof z.ZodError) {
      // A region not even shaped like one (`us-east1`) is answered with the nearest real regions.
      const region = malformedRegionRefusal(err, input);
      if (region) throw region;
      const issue = err.issues[0]!;
      throw new ToolError(`invalid ${issue.path.map(String).join('.') || 'scope'}: ${issue.message}`);
    }
    throw err;
  }
}

/** What the gateway knows of the other clouds' configured targets (config clouds.azure / clouds.gcp). */
export interface ConfiguredCloudTargets {
  azure?: { subscriptions?: string[] };
  gcp?: { scopes?: string[] };
}

/**
 * Refuses (ToolError) a scope naming Azure subscriptions or GCP scopes outside the configured ones,
 * before any workflow starts, as AWS accounts outside the allowed set are. Azure without configured
 * subscriptions leaves the choice to the credential (the worker lists what it may read); GCP scans
 * only configured scopes.
 */
export function assertCloudTargetsConfigured(clouds: ConfiguredCloudTargets, scope: ScanScope): void {
  if (scope.subscriptions?.length) {
    const configured = clouds.azure?.subscriptions?.map((s) => s.toLowerCase());
    const outside = configured ? scope.subscriptions.filter((s) => !configured.includes(s.toLowerCase())) : [];
    if (outside.length) {
      throw targetsRefusal(`subscription(s) ${listOf(outside)} are not configured for scanning (clouds.azure.subscriptions: ` +
        `${listOf(configured!)}): name configured subscriptions, or none to scan them all`, 'subscriptions', outside, configured!);
    }
  }
  if (scope.gcpScopes?.length) {
    const configured = clouds.gcp?.scopes ?? [];
    const outside = scope.gcpScopes.filter((s) => !configured.includes(s));
    if (outside.length) {
      throw targetsRefusal(`GCP scope(s) ${listOf(outside)} are not configured for scanning (clouds.gcp.scopes: ` +
        `${configured.length ? listOf(configured) : 'none'}): name configured scopes, or none to scan them all`, 'gcp_scopes', outside, configured);
    }
  }
}

function listOf(values: string[]): string {
  return values.length > 5 ? `${values.slice(0, 5).join(', ')} and ${values.length - 5} more` : values.join(', ');
}

// The scan id parameter shared by the scan control tools: the scan's Temporal workflow id.

export const scanIdParam = z.string().regex(/^scan-[a-z]+-[0-9a-f]{12}-\d{8}T\d{4}Z(-snapshot)?(-r\d{6})?$/,
  'must be a scan id as returned by start_compliance_scan or check_tag_compliance, e.g. scan-adhoc-1a2b3c4d5e6f-20261125T0215Z')
  .describe('The scan_id returned by start_compliance_scan, check_tag_compliance or list_scans');
