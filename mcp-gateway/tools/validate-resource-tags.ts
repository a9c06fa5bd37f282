// validate_resource_tags: the live tags of up to 100 named resources (AWS ARNs, Azure resource ids,
// GCP full resource names), checked against the current policy right now. Reads each cloud directly
// from the gateway (no scan, no Temporal, nothing stored), so a model can confirm a fix the moment
// it is made.
import { z } from 'zod';
import { loadActivePolicy } from '../../store/policy-sync.js';
import { evaluate } from '../../core/compliance/index.js';
import { compilePolicy, type CompiledPolicy } from '../../core/policy/index.js';
import { MAX_ARNS_PER_CALL } from '../../core/limits.js';
import { accountsOfArns, assertAccountsAllowed } from '../allowed-accounts.js';
import { defineTool } from '../context.js';
import { redactSecrets, ToolError } from '../errors.js';
import { readLiveTags } from '../../cloud/aws/live-tags.js';
import type { Cloud } from '../../core/resource.js';
import { assertLiveIdsConfigured, cloudOfId, liveResource, liveScanner, malformedId, readCloudTags } from '../live-tags.js';

export { NOT_RETURNED_NOTE } from '../../cloud/aws/live-tags.js';
export const MAX_ARNS = MAX_ARNS_PER_CALL;

const violationSchema = z.object({
  kind: z.string().describe('missing_required_tag, invalid_value, invalid_format, empty_value, wrong_key_case, key_case_mismatch or gcp_label_rule'),
  tag: z.string().describe('The tag key as the policy spells it'),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
  value: z.string().optional(),
  found_key: z.string().optional().describe('The key on the resource when it differs from `tag` only by case'),
  allowed: z.array(z.string()).optional(),
  suggestion: z.string().optional().describe('The allowed value that matches ignoring case'),
});

const resultSchema = z.object({
  arn: z.string().describe('The id as given: an ARN, an Azure resource id or a GCP full resource name'),
  cloud: z.enum(['aws', 'azure', 'gcp']),
  resource_type: z.string().describe('service:kind, e.g. ec2:instance, azure:compute/virtualmachines, gcp:compute/instance'),
  account: z.string().describe('AWS account, Azure subscription or GCP project'),
  region: z.string().describe("The resource's region; an S3 bucket's own region; `global` for region-less ARNs; `unknown` for Azure (tags are read without the location)"),
  compliant: z.boolean().describe('No error-severity violation (warnings alone keep a resource compliant)'),
  violations: z.array(violationSchema),
  tags: z.record(z.string(), z.string()).describe('The tags read just now'),
  note: z.string().optional(),
});

/** Compiled policies by hash: a policy file that has not changed is compiled once per process. */
const compiledByHash = new Map<string, CompiledPolicy>();
const MAX_COMPILED = 8;

function compiledFor(hash: string, compile: () => CompiledPolicy): CompiledPolicy {
  let compiled = compiledByHash.get(hash);
  if (!compiled) {
    compiled = compile();
    if (compiledByHash.size >= MAX_COMPILED) compiledByHash.delete(compiledByHash.keys().next().value!);
    compiledByHash.set(hash, compiled);
  }
  return compiled;
}

export const validateResourceTags = defineTool({
  name: 'validate_resource_tags',
  title: 'Validate resource tags',
  description:
    'Reads the CURRENT tags of specific resources straight from their cloud and checks them against the tagging ' +
    'policy now: AWS ARNs, Azure resource ids (/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.X/<type>/<name>, ' +
    'any case) and GCP full resource names (//compute.googleapis.com/projects/<p>/zones/<z>/instances/<name>), mixed freely. ' +
    'Use it for a handful of known resources: to confirm a fix right after tags were changed, or to check resources the ' +
    'user names. It does not use or update scan results; for a whole account, subscription, project, region or resource ' +
    'type use check_tag_compliance instead. Up to 100 ids per call (S3 buckets as arn:aws:s3:::name). Each id is reported ' +
    'on its own: `results` holds resources that were read (compliant, violations, the tags found), `errors` the ids that ' +
    'could not be checked and why (malformed id, resource does not exist, access denied), so one bad id never hides the ' +
    'others. A result with note "not returned by the Tagging API" was evaluated as having no tags: the resource was never ' +
    'tagged, or it does not exist. Azure tag keys are compared ignoring case; GCP labels follow the label rules. Every AWS ' +
    'account named (in an ARN or in bucket_accounts) must be within the allowed set (SCAN_ACCOUNTS, else the organisation\'s ' +
    'active accounts), every Azure subscription within clouds.azure.subscriptions when configured, and every GCP project ' +
    'within clouds.gcp.scopes; otherwise the whole call is refused and nothing is read. Call get_tagging_policy to explain a violation.',
  inputSchema: z.object({
    resource_arns: z.array(z.string().min(1).max(2048, 'an ARN or id is at most 2048 characters'))
      .min(1, 'give at least one ARN or resource id')
      .max(MAX_ARNS, `at most ${MAX_ARNS} ARNs per call (Azure and GCP ids count alike): split the list, or use check_tag_compliance for a whole scope`)
      .describe('Ids of the resources to check: ARNs (arn:aws:ec2:us-east-1:123456789012:instance/i-0abc), Azure resource ids, ' +
        'GCP full resource names; duplicates are checked once'),
    cloud_provider: z.enum(['aws', 'azure', 'gcp', 'all']).optional()
      .describe('Only accept ids of this cloud (others are reported in errors); default: each id\'s own cloud'),
    bucket_accounts: z.array(z.string().regex(/^\d{12}$/, 'an account id is 12 digits')).max(100).optional()
      .describe('Accounts that may own the S3 buckets listed (bucket ARNs carry no account id). The server\'s own account, ' +
        'the accounts of the other ARNs and the configured accounts are searched anyway.'),
  }).strict(),
  outputSchema: z.object({
    policy_version_id: z.number().int(),
    results: z.array(resultSchema),
    errors: z.array(z.object({ arn: z.string(), error: z.string() })),
    summary: z.object({
      checked: z.number().int().describe('Resources read and evaluated (compliant + non_compliant)'),
      compliant: z.number().int(),
      non_compliant: z.number().int(),
      errors: z.number().int().describe('ARNs that could not be checked'),
    }),
  }),
  annotations: { title: 'Validate resource tags', readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  async handler(ctx, input) {
    const ids = [...new Set(input.resource_arns)];
    const maxArns = ctx.config.gateway.maxArnsPerCall;
    if (ids.length > maxArns) {
      throw new ToolError(`at most ${maxArns} ARNs per call (MAX_ARNS_PER_CALL), got ${ids.length} (Azure and GCP ids count alike): split the list, or use check_tag_compliance`);
    }
    const byCloud: Record<Cloud, string[]> = { aws: [], azure: [], gcp: [] };
    const errors: { arn: string; error: string }[] = [];
    const early = new Map<string, string>();
    for (const id of ids) {
      const cloud = cloudOfId(id);
      const wanted = input.cloud_provider ?? 'all';
      const problem = wanted !== 'all' && wanted !== cloud ? `not ${wanted === 'azure' ? 'an' : 'a'} ${wanted} resource id (cloud_provider is ${wanted})`
        : cloud === 'aws' ? undefined : malformedId(cloud, id);
      if (problem) early.set(id, problem);
      else byCloud[cloud].push(id);
    }
    const aws = ctx.aws;
    if (byCloud.aws.length && !aws) {
      throw new ToolError('AWS access is not configured on this gateway, so live AWS tags cannot be read; use check_tag_compliance.');
    }
    // Before any role is assumed or any cloud read: an id outside what may be reached refuses the whole call.
    if (byCloud.aws.length) await assertAccountsAllowed(ctx, [...accountsOfArns(byCloud.aws), ...(input.bucket_accounts ?? [])]);
    assertLiveIdsConfigured(ctx.config, byCloud.azure, byCloud.gcp);
    // The policy scans use: the version policySync activated, else the policy file.
    const loaded = await loadActivePolicy(ctx.store, ctx.config.policy.path);
    const compiled = compiledFor(loaded.hash, () => compilePolicy(loaded.policy));
    const [awsOutcomes, azureOutcomes, gcpOutcomes] = await Promise.all([
      byCloud.aws.length ? readLiveTags({
        logger: ctx.logger, correlationId: ctx.correlationId, signal: ctx.signal,
        progress: (done, total, message) => ctx.progress(done, total, message),
        configuredAccounts: ctx.config.clouds.aws.accounts,
      }, aws!, byCloud.aws, input.bucket_accounts ?? []) : new Map(),
      byCloud.azure.length ? readCloudTags(liveScanner(ctx, 'azure'), byCloud.azure) : new Map(),
      byCloud.gcp.length ? readCloudTags(liveScanner(ctx, 'gcp'), byCloud.gcp) : new Map(),
    ]);

    const results: z.infer<typeof resultSchema>[] = [];
    const evaluated = (cloud: Cloud, id: string, at: { type: string; account: string; region: string }, tags: Record<string, string>, note?: string) => {
      const { compliant, findings } = evaluate(compiled, { cloud, id, type: at.type, account: at.account, region: at.region, tags });
      const noRules = compiled.rulesFor(cloud, at.type).length === 0 ? `no policy rule applies to ${at.type}` : undefined;
      const notes = [note, noRules].filter(Boolean).join('; ');
      results.push({
        arn: id, cloud, resource_type: at.type, account: at.account, region: at.region, tags,
        compliant,
        violations: findings.map((f) => ({
          kind: f.kind, tag: f.tag, severity: f.severity, message: f.message,
          ...(f.value !== undefined ? { value: f.value } : {}),
          ...(f.foundKey !== undefined ? { found_key: f.foundKey } : {}),
          ...(f.allowed ? { allowed: [...f.allowed] } : {}),
          ...(f.suggestion !== undefined ? { suggestion: f.suggestion } : {}),
        })),
        ...(notes ? { note: notes } : {}),
      });
    };
    for (const id of ids) {
      const problem = early.get(id);
      // A non-id is echoed back to say which input failed, never a credential pasted by mistake.
      if (problem) { errors.push({ arn: redactSecrets(id), error: problem }); continue; }
      const cloud = cloudOfId(id);
      if (cloud === 'aws') {
        const outcome = (awsOutcomes as Awaited<ReturnType<typeof readLiveTags>>).get(id)!;
        if ('error' in outcome) { errors.push({ arn: redactSecrets(outcome.arn), error: redactSecrets(outcome.error) }); continue; }
        evaluated('aws', id, { type: outcome.resource_type, account: outcome.account, region: outcome.region }, outcome.tags, outcome.note);
        continue;
      }
      const live = (cloud === 'azure' ? azureOutcomes : gcpOutcomes).get(id);
      if (!live || 'error' in live) { errors.push({ arn: redactSecrets(id), error: redactSecrets(live?.error ?? 'not read') }); continue; }
      evaluated(cloud, id, liveResource(cloud, id, live), live.tags);
    }
    const compliantCount = results.filter((r) => r.compliant).length;
    const summary = { checked: results.length, compliant: compliantCount, non_compliant: results.length - compliantCount, errors: errors.length };
    return { structured: { policy_version_id: loaded.id, results, errors, summary }, text: summaryText(loaded.id, results, errors, summary) };
  },
});

function summaryText(versionId: number, results: z.infer<typeof resultSchema>[], errors: { arn: string; error: string }[],
  summary: { checked: number; compliant: number; non_compliant: number; errors: number }): string {
  const lines = [`Checked ${summary.checked} resources live against policy version ${versionId}: ${summary.compliant} compliant, ` +
    `${summary.non_compliant} non-compliant${summary.errors ? `; ${summary.errors} could not be checked` : ''}.`];
  const failing = results.filter((r) => !r.compliant);
  for (const r of failing.slice(0, 10)) lines.push(`- ${r.arn}: ${r.violations.filter((v) => v.severity === 'error').map((v) => `${v.kind} ${v.tag}`).join(', ')}`);
  if (failing.length > 10) lines.push(`- ... and ${failing.length - 10} more non-compliant`);
  for (const e of errors.slice(0, 5)) lines.push(`- could not check ${e.arn}: ${e.error}`);
  if (errors.length > 5) lines.push(`- ... and ${errors.length - 5} more errors`);
  return lines.join('\n');
}
