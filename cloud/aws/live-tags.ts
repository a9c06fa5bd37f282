// Live tag reads (validate_resource_tags, the AWS scanner's readTags): ARNs grouped per (account,
// region) for the Tagging API, S3 buckets one by one after finding their owner account. Each ARN
// ends as what was read or why it could not be (typed, with no principal ARN or access key in the
// text), never as a thrown error. Reasons are our own short words (errors.ts); what the SDK said
// goes to the log.
import { GetBucketLocationCommand, GetBucketTaggingCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import type { AwsClients } from './clients.js';
import { awsCall, describeAwsError, redactPrincipal, type AwsSite } from './errors.js';
import { mapLimit } from './map-limit.js';
import { tagsByArn, tagsOf, type TagMap } from './tags.js';
import { parseArn, regionOfArn, type ArnParts } from '../../core/aws/arn.js';
import { HOME_REGION } from '../../core/aws/resource-types.js';

/** What a live read reports to: the caller's logger, correlation id, progress and cancellation. */
export interface LiveReadContext {
  logger: { warn(fields: object, message: string): void };
  correlationId?: string;
  progress?(done: number, total: number, message: string): unknown;
  signal?: AbortSignal;
  /** Accounts searched for a bucket's owner besides the caller's, the ARNs' and bucket_accounts. */
  configuredAccounts?: string[];
}

export const NOT_RETURNED_NOTE = 'not returned by the Tagging API: never tagged, or does not exist';
const GROUP_CONCURRENCY = 4;
const BUCKET_CONCURRENCY = 8;
const MAX_ERROR_CHARS = 400;
/**
 * The shape of an AWS region name (us-east-1, us-gov-west-1, ap-southeast-4). An ARN whose region
 * is anything else is refused before a client is built for it; a well-formed made-up name
 * (zz-fake-9) is tried and fails with our short "unreachable" or "unexpected response" reason.
 */
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** One resource read live: its place, its tags now, and a note when the read was not plain. */
export interface LiveRead {
  arn: string;
  /** service:kind */
  resource_type: string;
  account: string;
  region: string;
  tags: TagMap;
  note?: string;
}

export type LiveOutcome = LiveRead | { arn: string; error: string };

/** Text safe to show: no principal ARNs or access keys, bounded (callers redact their own secrets on top). */
function safe(text: string, max = MAX_ERROR_CHARS): string {
  return redactPrincipal(text).slice(0, max);
}

/** An AWS failure as its type and a reason safe to show, e.g. `account 1111…: AccessDenied: access denied to …`. */
type Explain = (err: unknown, where: string) => { type: string; reason: string };

/** Explains failures in our words and logs the SDK's own account of each, with the correlation id. */
function explainer(ctx: LiveReadContext): Explain {
  return (err, where) => {
    // Already ours: sessions (AssumeRole, identity checks) fail with typed, worded failures.
    if (err instanceof ApplicationFailure) {
      ctx.logger.warn({ correlationId: ctx.correlationId, where, type: err.type, detail: safe(err.message) }, 'AWS call failed');
      return { type: err.type ?? 'Error', reason: safe(err.message) };
    }
    const info = describeAwsError(err);
    ctx.logger.warn({ correlationId: ctx.correlationId, where, type: info.type, detail: info.detail }, 'AWS call failed');
    return { type: info.type, reason: safe(`${where}: ${info.type}: ${info.message}`) };
  };
}

const s3Site = (operation: string, region: string): AwsSite => ({ service: 's3', operation, region });

function errorName(err: unknown): string {
  return (err as { name?: string })?.name ?? '';
}

// ---- Tagging API: ARNs of one account and region -----------------------------------------------

async function readTagged(aws: AwsClients, explain: Explain, account: string, region: string, targets: { arn: string; parts: ArnParts }[])
  : Promise<LiveOutcome[]> {
  const arns = targets.map((t) => t.arn);
  try {
    const found = await tagsByArn(aws.client('tagging', account, region), arns);
    return targets.map(({ arn, parts }) => {
      const tags = found.get(arn);
      return { arn, resource_type: parts.type, account, region: regionOfArn(parts), tags: tags ?? {}, ...(tags ? {} : { note: NOT_RETURNED_NOTE }) };
    });
  } catch (err) {
    const { type, reason: error } = explain(err, `account ${account}`);
    // One ARN the API rejects fails its whole batch: read the batch one ARN at a time instead.
    if (type === 'InvalidInput' && targets.length > 1) {
      return (await mapLimit(targets, GROUP_CONCURRENCY, (t) => readTagged(aws, explain, account, region, [t]))).flat();
    }
    return targets.map(({ arn }) => ({ arn, error }));
  }
}

// ---- S3: bucket ARNs name no account, so find the owner among the accounts we can reach ---------

class BucketOwners {
  private readonly listings = new Map<string, Promise<Map<string, string | undefined> | undefined>>();
  /** Accounts whose buckets could not be listed, with the reason. */
  readonly unreachable = new Map<string, string>();

  constructor(private readonly aws: AwsClients, private readonly explain: Explain, readonly candidates: string[], private readonly signal?: AbortSignal) {}

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
        this.unreachable.set(account, this.explain(err, `account ${account}`).reason);
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
      const out = await awsCall(s3Site('ListBuckets', HOME_REGION), () =>
        s3.send(new ListBucketsCommand({ MaxBuckets: 10_000, ContinuationToken: token }), { abortSignal: this.signal }));
      for (const b of out.Buckets ?? []) if (b.Name) buckets.set(b.Name, b.BucketRegion || undefined);
      token = out.ContinuationToken || undefined;
    } while (token);
    return buckets;
  }
}

async function bucketRegion(aws: AwsClients, account: string, bucket: string, signal?: AbortSignal): Promise<string> {
  const out = await awsCall(s3Site('GetBucketLocation', HOME_REGION), () =>
    aws.client('s3', account, HOME_REGION).send(new GetBucketLocationCommand({ Bucket: bucket }), { abortSignal: signal }));
  const location = out.LocationConstraint as string | undefined;
  if (!location) return 'us-east-1';
  return location === 'EU' ? 'eu-west-1' : location; // legacy spelling of eu-west-1
}

async function bucketTags(aws: AwsClients, account: string, region: string, bucket: string, signal?: AbortSignal): Promise<TagMap> {
  try {
    return tagsOf((await awsCall(s3Site('GetBucketTagging', region), () =>
      aws.client('s3', account, region).send(new GetBucketTaggingCommand({ Bucket: bucket }), { abortSignal: signal }))).TagSet);
  } catch (err) {
    if (errorName(err) === 'NoSuchTagSet') return {};
    throw err;
  }
}

async function readBucket(aws: AwsClients, explain: Explain, owners: BucketOwners, home: string | undefined, arn: string, parts: ArnParts,
  signal?: AbortSignal): Promise<LiveOutcome> {
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
    const why = explain(err, `bucket ${bucket}`).reason;
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

/** Reads every ARN: Tagging API calls per (account, region), S3 buckets one by one. */
export async function readLiveTags(ctx: LiveReadContext, aws: AwsClients, arns: string[], bucketAccounts: string[]): Promise<Map<string, LiveOutcome>> {
  const outcomes = new Map<string, LiveOutcome>();
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
    if (parts.region && !REGION_NAME.test(parts.region)) {
      outcomes.set(arn, { arn, error: `the ARN's region ${JSON.stringify(parts.region.slice(0, 40))} is not an AWS region name such as us-east-1` });
    } else if (parts.service === 's3' && !parts.region) {
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

  const explain = explainer(ctx);
  const total = groups.size + buckets.length;
  let done = 0;
  const step = async (message: string) => { await ctx.progress?.(++done, total, message); };

  const readGroups = mapLimit([...groups.values()], GROUP_CONCURRENCY, async ({ account, region, targets }) => {
    ctx.signal?.throwIfAborted();
    for (const outcome of await readTagged(aws, explain, account, region, targets)) outcomes.set(outcome.arn, outcome);
    await step(`read ${targets.length} resources in ${account}/${region}`);
  });

  const readBuckets = (async () => {
    if (buckets.length === 0) return;
    const home = await aws.sessions.homeAccount().catch(() => undefined);
    const accounts = new Set([...bucketAccounts, ...(home ? [home] : []), ...[...groups.values()].map((g) => g.account), ...(ctx.configuredAccounts ?? [])]);
    const owners = new BucketOwners(aws, explain, [...accounts], ctx.signal);
    await mapLimit(buckets, BUCKET_CONCURRENCY, async ({ arn, parts }) => {
      ctx.signal?.throwIfAborted();
      outcomes.set(arn, await readBucket(aws, explain, owners, home, arn, parts, ctx.signal));
      await step(`read bucket ${parts.resource}`);
    });
  })();

  await Promise.all([readGroups, readBuckets]);
  return outcomes;
}

