// Service list APIs for the core types, one page per call. The Tagging API only returns
// resources that have (or had) a tag; these see every resource, including never-tagged ones
// and stopped instances, and merge their tags by ARN.
import { DescribeInstancesCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { GetBucketLocationCommand, GetBucketTaggingCommand, ListBucketsCommand, type Bucket } from '@aws-sdk/client-s3';
import type { ListedType } from '../../core/aws/resource-types.js';
import type { Resource } from '../../core/resource.js';
import type { AwsClients } from './clients.js';
import { tagsByArn, tagsOf, type TagMap } from './tags.js';

export interface ListContext {
  clients: AwsClients;
  accountId: string;
  region: string;
}

export interface ListPage {
  resources: Resource[];
  next?: string;
}

export type Lister = (ctx: ListContext, token: string | undefined) => Promise<ListPage>;

const BUCKET_TAG_CONCURRENCY = 8;

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function resource(ctx: ListContext, type: ListedType, id: string, tags: TagMap, extra: Partial<Resource> = {}): Resource {
  return { cloud: 'aws', account: ctx.accountId, region: ctx.region, type, id, tags, name: tags.Name, ...extra };
}

const iso = (d: Date | undefined) => d?.toISOString();

const ec2Instances: Lister = async (ctx, token) => {
  const out = await ctx.clients.client('ec2', ctx.accountId, ctx.region).send(new DescribeInstancesCommand({ MaxResults: 1000, NextToken: token }));
  const resources: Resource[] = [];
  for (const reservation of out.Reservations ?? []) {
    for (const i of reservation.Instances ?? []) {
      if (i.State?.Name === 'terminated') continue;
      const arn = `arn:${partitionOf(ctx.region)}:ec2:${ctx.region}:${reservation.OwnerId ?? ctx.accountId}:instance/${i.InstanceId}`;
      resources.push(resource(ctx, 'ec2:instance', arn, tagsOf(i.Tags), { state: i.State?.Name, created: iso(i.LaunchTime) }));
    }
  }
  return { resources, next: out.NextToken || undefined };
};

const ec2Volumes: Lister = async (ctx, token) => {
  const out = await ctx.clients.client('ec2', ctx.accountId, ctx.region).send(new DescribeVolumesCommand({ MaxResults: 500, NextToken: token }));
  const resources = (out.Volumes ?? []).map((v) => resource(ctx, 'ec2:volume',
    `arn:${partitionOf(ctx.region)}:ec2:${ctx.region}:${ctx.accountId}:volume/${v.VolumeId}`, tagsOf(v.Tags),
    { state: v.State, created: iso(v.CreateTime) }));
  return { resources, next: out.NextToken || undefined };
};

const rdsInstances: Lister = async (ctx, token) => {
  const out = await ctx.clients.client('rds', ctx.accountId, ctx.region).send(new DescribeDBInstancesCommand({ MaxRecords: 100, Marker: token }));
  const resources = (out.DBInstances ?? []).map((db) => {
    const tags = tagsOf(db.TagList);
    return resource(ctx, 'rds:db', db.DBInstanceArn!, tags, {
      name: tags.Name ?? db.DBInstanceIdentifier, state: db.DBInstanceStatus, created: iso(db.InstanceCreateTime),
    });
  });
  return { resources, next: out.Marker || undefined };
};

/** Lambda and DynamoDB list output has no tags: fetch them for the page's ARNs in one call. */
async function withTags(ctx: ListContext, type: ListedType, items: { arn: string; name: string; extra?: Partial<Resource> }[]): Promise<Resource[]> {
  if (items.length === 0) return [];
  const tags = await tagsByArn(ctx.clients.client('tagging', ctx.accountId, ctx.region), items.map((i) => i.arn));
  return items.map((i) => resource(ctx, type, i.arn, tags.get(i.arn) ?? {}, { name: i.name, ...i.extra }));
}

const lambdaFunctions: Lister = async (ctx, token) => {
  const out = await ctx.clients.client('lambda', ctx.accountId, ctx.region).send(new ListFunctionsCommand({ MaxItems: 50, Marker: token }));
  const items = (out.Functions ?? []).map((f) => ({ arn: f.FunctionArn!, name: f.FunctionName!, extra: { state: f.State } }));
  return { resources: await withTags(ctx, 'lambda:function', items), next: out.NextMarker || undefined };
};

const dynamodbTables: Lister = async (ctx, token) => {
  const out = await ctx.clients.client('dynamodb', ctx.accountId, ctx.region).send(new ListTablesCommand({ Limit: 100, ExclusiveStartTableName: token }));
  const items = (out.TableNames ?? []).map((name) => ({
    arn: `arn:${partitionOf(ctx.region)}:dynamodb:${ctx.region}:${ctx.accountId}:table/${name}`, name,
  }));
  return { resources: await withTags(ctx, 'dynamodb:table', items), next: out.LastEvaluatedTableName || undefined };
};

// S3 is global: one listing per account, each bucket reported in its own region.
const s3Buckets: Lister = async (ctx, token) => {
  const s3 = ctx.clients.client('s3', ctx.accountId, ctx.region);
  const out = await s3.send(new ListBucketsCommand({ MaxBuckets: 100, ContinuationToken: token }));
  const buckets = out.Buckets ?? [];
  const resources: Resource[] = new Array(buckets.length);
  let next = 0;
  const lane = async () => {
    while (next < buckets.length) {
      const index = next++;
      resources[index] = await bucketResource(ctx, buckets[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BUCKET_TAG_CONCURRENCY, buckets.length) }, lane));
  return { resources, next: out.ContinuationToken || undefined };
};

async function bucketResource(ctx: ListContext, bucket: Bucket): Promise<Resource> {
  const s3 = ctx.clients.client('s3', ctx.accountId, ctx.region);
  const name = bucket.Name!;
  const region = bucket.BucketRegion
    ?? ((await s3.send(new GetBucketLocationCommand({ Bucket: name }))).LocationConstraint || 'us-east-1');
  let tags: TagMap = {};
  try {
    tags = tagsOf((await s3.send(new GetBucketTaggingCommand({ Bucket: name }))).TagSet);
  } catch (err) {
    if ((err as Error).name !== 'NoSuchTagSet') throw err;
  }
  return {
    cloud: 'aws', account: ctx.accountId, region, type: 's3:bucket', id: `arn:${partitionOf(region)}:s3:::${name}`,
    name, tags, created: iso(bucket.CreationDate),
  };
}

export const LISTERS: Record<ListedType, Lister> = {
  'ec2:instance': ec2Instances,
  'ec2:volume': ec2Volumes,
  's3:bucket': s3Buckets,
  'rds:db': rdsInstances,
  'lambda:function': lambdaFunctions,
  'dynamodb:table': dynamodbTables,
};
