// validate_resource_tags: the live tags of up to 100 named resources, checked against the current
// policy right now. Reads AWS directly from the gateway (no scan, no Temporal, nothing stored), so
// a model can confirm a fix the moment it is made.
import { GetBucketLocationCommand, GetBucketTaggingCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { AwsClients } from '../../activities/aws/clients.js';
import { redactPrincipal, toActivityFailure } from '../../activities/aws/errors.js';
import { tagsByArn, tagsOf, type TagMap } from '../../activities/aws/tags.js';
import { loadPolicyFile } from '../../activities/policy-source.js';
import { parseArn, regionOfArn, type ArnParts } from '../../core/aws/arn.js';
import { HOME_REGION } from '../../core/aws/resource-types.js';
import { evaluate } from '../../core/compliance/index.js';
import { compilePolicy, type CompiledPolicy } from '../../core/policy/index.js';
import { defineTool, type ToolContext } from '../context.js';
import { redactSecrets, ToolError } from '../errors.js';

export const MAX_ARNS = 100;
export const NOT_RETURNED_NOTE = 'not returned by the Tagging API: never tagged, or does not exist';
const GROUP_CONCURRENCY = 4;
const BUCKET_CONCURRENCY = 8;
const MAX_ERROR_CHARS = 400;

const violationSchema = z.object({
  kind: z.string().describe('missing_required_tag, invalid_value, invalid_format, empty_value, wrong_key_case or key_case_mismatch'),
  tag: z.string().describe('The tag key as the policy spells it'),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
  value: z.string().optional(),
  found_key: z.string().optional().describe('The key on the resource when it differs from `tag` only by case'),
  allowed: z.array(z.string()).optional(),
  suggestion: z.string().optional().describe('The allowed value that matches ignoring case'),
});

const resultSchema = z.object({
  arn: z.string(),
  resource_type: z.string().describe('service:kind, e.g. ec2:instance'),
  account: z.string(),
  region: z.string().describe("The resource's region; an S3 bucket's own region; `global` for region-less ARNs"),
  compliant: z.boolean().describe('No error-severity violation (warnings alone keep a resource compliant)'),
  violations: z.array(violationSchema),
  tags: z.record(z.string(), z.string()).describe('The tags read just now'),
  note: z.string().optional(),
});

// One (account, region) of Tagging API reads, or one S3 bucket: what was read, or why not.
type Read = Omit<z.infer<typeof resultSchema>, 'compliant' | 'violations'>;
type Outcome = Read | { arn: string; error: string };

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

/** Text safe to show: no principal ARNs or access keys, bounded. */
function safe(text: string, max = MAX_ERROR_CHARS): string {
  return redactSecrets(redactPrincipal(text)).slice(0, max);
}

/** An AWS failure as a typed reason, e.g. `account 1111…: sts:AssumeRole …: AccessDenied: …`. */
function reason(err: unknown, where: string): string {
  return safe(toActivityFailure(err, where).message);
}

function errorName(err: unknown): string {
  return (err as { name?: string })?.name ?? '';
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

// ---- Tagging API: ARNs of one account and region -----------------------------------------------

async function readTagged(aws: AwsClients, account: string, region: string, targets: { arn: string; parts: ArnParts }[]): Promise<Outcome[]> {
  const arns = targets.map((t) => t.arn);
  try {
    const found = await tagsByArn(aws.client('tagging', account, region), arns);
    return targets.map(({ arn, parts }) => {
      const tags = found.get(arn);
      return { arn, resource_type: parts.type, account, region: regionOfArn(parts), tags: tags ?? {}, ...(tags ? {} : { note: NOT_RETURNED_NOTE }) };
    });
  } catch (err) {
    const failure = toActivityFailure(err, `account ${account} ${region} tag:GetResources`);
    // One ARN the API rejects fails its whole batch: read the batch one ARN at a time instead.
    if (failure instanceof ApplicationFailure && failure.type === 'InvalidInput' && targets.length > 1) {
      return (await mapLimit(targets, GROUP_CONCURRENCY, (t) => readTagged(aws, account, region, [t]))).flat();
    }
    const error = safe(failure.message);
    return targets.map(({ arn }) => ({ arn, error }));
  }
}

// ---- S3: bucket ARNs name no account, so find the owner among the accounts we can reach ---------

class BucketOwners {
  private readonly listings = new Map<string, Promise<Map<string, string | undefined> | undefined>>();
  /** Accounts whose buckets could not be listed, with the reason. */
  readonly unreachable = new Map<string, string>();

  constructor(private readonly aws: AwsClients, readonly candidates: string[], private readonly signal?: AbortSignal) {}

  /** The first account, in order, whose listing holds the bucket: the likeliest one first, then the rest at once. */
  async find(bucket: string, first?: string): Promise<{ account: string; region?: string } | undefined> {
    const order = first ? [first, ...this.candidates.filter((a) => a !== first)] : this.candidates;
    const [head, ...rest] = order;
    const listings = head === undefined ? [] : [await this.listing(head)];
    if (!listings[0]?.has(bucket)) listings.push(...await mapLimit(rest, BUCKET_CONCURRENCY, (a) => this.listing(a)));
    const index = listings.findIndex((listing) => listing?.has(bucket));
    return index < 0 ? undefined : { account: order[index]!, region: listings[index]!.get(bucket) };
  }

  private listing(account: string): Promise<Map<string, string | undefined> | undefined> {
    let listing = this.listings.get(account);
    if (!listing) {
      listing = this.list(account).catch((err: unknown) => {
        this.unreachable.set(account, reason(err, `account ${account} s3:ListBuckets`));
        return undefined;
      });
      this.listings.set(account, listing);
    }
    return listing;
  }

  private async list(account: string): Promise<Map<string, string | undefined>> {
    const s3 = this.aws.client('s3', account, HOME_REGION);
    const buckets = new Map<string, string | undefined>();
    let token: string | undefined;
    do {
      const out = await s3.send(new ListBucketsCommand({ MaxBuckets: 10_000, ContinuationToken: token }), { abortSignal: this.signal });
      for (const b of out.Buckets ?? []) if (b.Name) buckets.set(b.Name, b.BucketRegion || undefined);
      token = out.ContinuationToken || undefined;
    } while (token);
    return buckets;
  }
}

async function bucketRegion(aws: AwsClients, account: string, bucket: string, signal?: AbortSignal): Promise<string> {
  const out = await aws.client('s3', account, HOME_REGION).send(new GetBucketLocationCommand({ Bucket: bucket }), { abortSignal: signal });
  const location = out.LocationConstraint as string | undefined;
  if (!location) return 'us-east-1';
  return location === 'EU' ? 'eu-west-1' : location; // legacy spelling of eu-west-1
}

async function bucketTags(aws: AwsClients, account: string, region: string, bucket: string, signal?: AbortSignal): Promise<TagMap> {
  try {
    return tagsOf((await aws.client('s3', account, region).send(new GetBucketTaggingCommand({ Bucket: bucket }), { abortSignal: signal })).TagSet);
  } catch (err) {
    if (errorName(err) === 'NoSuchTagSet') return {};
    throw err;
  }
}

async function readBucket(aws: AwsClients, owners: BucketOwners, home: string | undefined, arn: string, parts: ArnParts,
  signal?: AbortSignal): Promise<Outcome> {
  const bucket = parts.resource;
  const base = { arn, resource_type: parts.type };
  const owner = await owners.find(bucket, parts.accountId || undefined);
  try {
    if (owner) {
      const region = owner.region ?? await bucketRegion(aws, owner.account, bucket, signal);
      return { ...base, account: owner.account, region, tags: await bucketTags(aws, owner.account, region, bucket, signal) };
    }
    if (!home) return { arn, error: safe(`bucket not found in the accounts searched; ${[...owners.unreachable.values()].join('; ')}`) };
    // Listed by no account we reached: it may not exist, or a bucket policy may still let us read it.
    const tags = await bucketTags(aws, home, HOME_REGION, bucket, signal);
    const region = await bucketRegion(aws, home, bucket, signal).catch(() => 'unknown');
    return { ...base, account: 'unknown', region, tags, note: `owner account is none of those searched (${owners.candidates.join(', ')})` };
  } catch (err) {
    if (errorName(err) === 'NoSuchBucket') return { arn, error: 'bucket does not exist' };
    const why = reason(err, `s3 bucket ${bucket}`);
    if (owner) return { arn, error: why };
    const searched = owners.candidates.filter((a) => !owners.unreachable.has(a));
    const unreachable = [...owners.unreachable.values()];
    return {
      arn,
      error: safe(`${why} (the bucket is not owned by the accounts searched: ${searched.join(', ') || 'none'}; name its owner in ` +
        `bucket_accounts${unreachable.length ? `; could not search: ${unreachable.join('; ')}` : ''})`, 2 * MAX_ERROR_CHARS),
    };
  }
}

// ---- the tool ------------------------------------------------------------------------------------

export const validateResourceTags = defineTool({
  name: 'validate_resource_tags',
  title: 'Validate resource tags',
  description:
    'Reads the CURRENT tags of specific AWS resources, by ARN, straight from AWS and checks them against the tagging ' +
    'policy now. Use it for a handful of known resources: to confirm a fix right after tags were changed, or to check ' +
    'resources the user names. It does not use or update scan results; for a whole account, region or resource type ' +
    'use check_tag_compliance instead. Up to 100 ARNs per call (S3 buckets as arn:aws:s3:::name). Each ARN is reported ' +
    'on its own: `results` holds resources that were read (compliant, violations, the tags found), `errors` the ARNs ' +
    'that could not be checked and why (malformed ARN, bucket does not exist, access denied to the account), so one bad ' +
    'ARN never hides the others. A result with note "not returned by the Tagging API" was evaluated as having no tags: ' +
    'the resource was never tagged, or it does not exist. Call get_tagging_policy to explain a violation.',
  inputSchema: z.object({
    resource_arns: z.array(z.string().min(1).max(2048, 'an ARN is at most 2048 characters'))
      .min(1, 'give at least one ARN')
      .max(MAX_ARNS, `at most ${MAX_ARNS} ARNs per call: split the list, or use check_tag_compliance for a whole scope`)
      .describe('ARNs of the resources to check, e.g. arn:aws:ec2:us-east-1:123456789012:instance/i-0abc; duplicates are checked once'),
    cloud_provider: z.literal('aws').optional().describe('Only aws is supported'),
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
    const aws = ctx.aws;
    if (!aws) throw new ToolError('AWS access is not configured on this gateway, so live tags cannot be read; use check_tag_compliance.');
    const loaded = await loadPolicyFile(ctx.store, ctx.config.policy.path);
    const compiled = compiledFor(loaded.hash, () => compilePolicy(loaded.policy));
    const arns = [...new Set(input.resource_arns)];
    const outcomes = await readAll(ctx, aws, arns, input.bucket_accounts ?? []);

    const results: z.infer<typeof resultSchema>[] = [];
    const errors: { arn: string; error: string }[] = [];
    for (const arn of arns) {
      const outcome = outcomes.get(arn)!;
      if ('error' in outcome) {
        errors.push(outcome);
        continue;
      }
      const { compliant, findings } = evaluate(compiled, { cloud: 'aws', id: arn, type: outcome.resource_type, account: outcome.account, region: outcome.region, tags: outcome.tags });
      const noRules = compiled.rulesFor('aws', outcome.resource_type).length === 0 ? `no policy rule applies to ${outcome.resource_type}` : undefined;
      const note = [outcome.note, noRules].filter(Boolean).join('; ');
      results.push({
        ...outcome,
        compliant,
        violations: findings.map((f) => ({
          kind: f.kind, tag: f.tag, severity: f.severity, message: f.message,
          ...(f.value !== undefined ? { value: f.value } : {}),
          ...(f.foundKey !== undefined ? { found_key: f.foundKey } : {}),
          ...(f.allowed ? { allowed: [...f.allowed] } : {}),
          ...(f.suggestion !== undefined ? { suggestion: f.suggestion } : {}),
        })),
        ...(note ? { note } : {}),
      });
    }
    const compliantCount = results.filter((r) => r.compliant).length;
    const summary = { checked: results.length, compliant: compliantCount, non_compliant: results.length - compliantCount, errors: errors.length };
    return { structured: { policy_version_id: loaded.id, results, errors, summary }, text: summaryText(loaded.id, results, errors, summary) };
  },
});

/** Reads every ARN: Tagging API calls per (account, region), S3 buckets one by one. */
async function readAll(ctx: ToolContext, aws: AwsClients, arns: string[], bucketAccounts: string[]): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  const groups = new Map<string, { account: string; region: string; targets: { arn: string; parts: ArnParts }[] }>();
  const buckets: { arn: string; parts: ArnParts }[] = [];
  for (const arn of arns) {
    let parts: ArnParts;
    try {
      parts = parseArn(arn);
    } catch (err) {
      outcomes.set(arn, { arn, error: (err as Error).message });
      continue;
    }
    if (parts.service === 's3' && !parts.region) {
      if (parts.type === 's3:bucket') buckets.push({ arn, parts });
      else outcomes.set(arn, { arn, error: 'S3 object ARNs are not supported: pass the bucket ARN (arn:aws:s3:::bucket-name)' });
    } else if (!/^\d{12}$/.test(parts.accountId)) {
      outcomes.set(arn, { arn, error: 'the ARN names no 12-digit account id (only S3 bucket ARNs may omit it)' });
    } else {
      const region = parts.region || HOME_REGION;
      const key = `${parts.accountId}/${region}`;
      let group = groups.get(key);
      if (!group) groups.set(key, group = { account: parts.accountId, region, targets: [] });
      group.targets.push({ arn, parts });
    }
  }

  const total = groups.size + buckets.length;
  let done = 0;
  const step = async (message: string) => ctx.progress(++done, total, message);

  const readGroups = mapLimit([...groups.values()], GROUP_CONCURRENCY, async ({ account, region, targets }) => {
    ctx.signal?.throwIfAborted();
    for (const outcome of await readTagged(aws, account, region, targets)) outcomes.set(outcome.arn, outcome);
    await step(`read ${targets.length} resources in ${account}/${region}`);
  });

  const readBuckets = (async () => {
    if (buckets.length === 0) return;
    const home = await aws.sessions.homeAccount().catch(() => undefined);
    const accounts = new Set([...bucketAccounts, ...(home ? [home] : []), ...[...groups.values()].map((g) => g.account), ...(ctx.config.aws.accounts ?? [])]);
    const owners = new BucketOwners(aws, [...accounts], ctx.signal);
    await mapLimit(buckets, BUCKET_CONCURRENCY, async ({ arn, parts }) => {
      ctx.signal?.throwIfAborted();
      outcomes.set(arn, await readBucket(aws, owners, home, arn, parts, ctx.signal));
      await step(`read bucket ${parts.resource}`);
    });
  })();

  await Promise.all([readGroups, readBuckets]);
  return outcomes;
}

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
