// What the policy-as-guardrail tools (generate_terraform_policy, generate_config_rules) read: the
// scan (an explicit scan_id, else the latest of the scope, scanned if needed), the policy it was
// evaluated against, and a digest of its violating rows read page by page, never whole.
import { z } from 'zod';
import type { TaggingPolicy } from '../../core/policy/index.js';
import { digestScan, type ScanDigest } from '../../core/remediation/config-rules-policy.js';
import type { Cloud } from '../../core/resource.js';
import type { ScanRecord } from '../../store/index.js';
import type { ToolContext } from '../context.js';
import { findingPages, remediationScan, scanPolicy } from '../remediation/scan-source.js';
import type { ScanOutcome } from './resolve.js';
import { scanIdParam, scopeParams, waitParams } from './params.js';

/** Inputs both guardrail tools take: the cloud(s), the scan, dry run and the tags to cover. */
export const guardrailParams = {
  cloud: z.enum(['aws', 'azure', 'gcp', 'all']).default('all')
    .describe('Which cloud\'s artefacts to generate (and, without scan_id, which clouds the scan covers)'),
  scan_id: scanIdParam.optional()
    .describe('Build from this scan (a get_scan_status scan_id); default: the latest scan of resource_types/accounts/regions'),
  resource_types: scopeParams.resource_types.default(['all'])
    .describe('Scope of the scan to read when no scan_id is given (service:kind, wildcards, or ["all"])'),
  accounts: scopeParams.accounts,
  regions: scopeParams.regions,
  filters: scopeParams.filters,
  ...waitParams,
  dry_run: z.boolean().default(true)
    .describe('true (default): report-only artefacts (AWS tag policy without enforced_for, Azure Audit with Modify disabled, ' +
      'GCP dry-run org policy). false: enforcing ones'),
  target_tags: z.array(z.string().min(1).max(256)).max(100).optional()
    .describe('Only these policy tags (names as get_tagging_policy lists them); default: every tag of the policy'),
  name_prefix: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lowercase letters, digits and "-", starting with a letter, at most 40')
    .optional().describe('Prefix of generated AWS policy/rule names and the Azure initiative (default "tag-policy")'),
};

export function cloudsOf(cloud: 'aws' | 'azure' | 'gcp' | 'all'): Cloud[] {
  return cloud === 'all' ? ['aws', 'azure', 'gcp'] : [cloud];
}

export interface GuardrailSource {
  scan: ScanRecord;
  cached: boolean;
  policy: TaggingPolicy;
  policyVersionId: number;
  digest: ScanDigest;
}

type GuardrailInput = {
  cloud: 'aws' | 'azure' | 'gcp' | 'all';
  scan_id?: string;
  resource_types: string[];
  accounts?: string[];
  regions?: string[];
  filters?: { region?: string; account_id?: string };
  wait_seconds?: number;
};

/** The scan to build from, or a running scan's handle (a running scan_id is not waited for unless wait_seconds says so). */
export function guardrailScan(ctx: ToolContext, input: GuardrailInput): Promise<ScanOutcome> {
  const waitSeconds = input.scan_id ? input.wait_seconds ?? 0 : input.wait_seconds;
  return remediationScan(ctx, { ...input, cloud_provider: input.cloud, wait_seconds: waitSeconds });
}

export async function guardrailSource(ctx: ToolContext, scan: ScanRecord, cached: boolean): Promise<GuardrailSource> {
  // The policy the scan's violations were found against, so the artefacts and the counts agree.
  const { policy, versionId } = await scanPolicy(ctx, scan);
  const digest = await digestScan(findingPages(ctx.store, scan.id, { nonCompliantOnly: true }));
  return { scan, cached, policy, policyVersionId: versionId, digest };
}

export const warningSchema = z.object({
  cloud: z.enum(['aws', 'azure', 'gcp']),
  tag: z.string().nullable().describe('The policy tag concerned; null for the whole cloud'),
  message: z.string(),
});

export const guardrailOutputShape = {
  policy_version_id: z.number().int().optional().describe('The policy version the artefacts encode (the scan\'s)'),
  violating_resources: z.number().int().optional().describe('Non-compliant resources in the scan'),
  violations_by_tag: z.array(z.object({
    cloud: z.enum(['aws', 'azure', 'gcp']), tag: z.string(), missing: z.number().int(), invalid: z.number().int(),
  })).optional().describe('Per tag: resources missing it and findings on its value, as the scan found them (top 50)'),
  warnings: z.array(warningSchema).optional().describe('What an engine cannot express (regexes, commas in Config values, label rules): tell the user'),
};

export function violationsByTag(digest: ScanDigest, clouds: readonly Cloud[]) {
  return clouds.flatMap((cloud) => [...digest.tags[cloud]].map(([tag, f]) => ({ cloud, tag, missing: f.missing, invalid: f.invalid })))
    .sort((a, b) => b.missing + b.invalid - (a.missing + a.invalid))
    .slice(0, 50);
}
