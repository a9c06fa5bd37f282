// What a scanning tool accepts: the scope (the peer's parameters plus accounts, regions and cloud),
// how long to wait, and a scan id; and the one translation of those into a normalised scope.
import { z } from 'zod';
import { MAX_ACCOUNTS_PER_CALL, MAX_REGIONS_PER_CALL } from '../../core/limits.js';
import { normaliseScope, ScopeError, type ScanScope, type ScopeInput } from '../../core/scope.js';
import { ToolError } from '../errors.js';

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
      'data_quality.missing and the others still answer. accounts and regions apply to AWS'),
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
}

export function scopeOf(args: ScopeArgs): ScanScope {
  const input: ScopeInput = {
    clouds: args.cloud_provider === 'all' ? ['aws', 'azure', 'gcp'] : [args.cloud_provider ?? 'aws'],
    resource_types: args.resource_types,
    ...(args.accounts ? { accounts: args.accounts } : {}),
    ...(args.regions ? { regions: args.regions } : {}),
    ...(args.filters ? { filters: args.filters } : {}),
  };
  try {
    const scope = normaliseScope(input);
    return scope;
  } catch (err) {
    if (err instanceof ScopeError) throw new ToolError(`invalid scope: ${err.message}`);
    if (err instanceof z.ZodError) {
      const issue = err.issues[0]!;
      throw new ToolError(`invalid ${issue.path.map(String).join('.') || 'scope'}: ${issue.message}`);
    }
    throw err;
  }
}

// The scan id parameter shared by the scan control tools: the scan's Temporal workflow id.

export const scanIdParam = z.string().regex(/^scan-[a-z]+-[0-9a-f]{12}-\d{8}T\d{4}Z(-snapshot)?(-r\d{6})?$/,
  'must be a scan id as returned by start_compliance_scan or check_tag_compliance, e.g. scan-adhoc-1a2b3c4d5e6f-20261125T0215Z')
  .describe('The scan_id returned by start_compliance_scan, check_tag_compliance or list_scans');
