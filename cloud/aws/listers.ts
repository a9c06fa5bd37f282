// Service list APIs for the core types, one page per call. The Tagging API only returns
// resources that have (or had) a tag; these see every resource, including never-tagged ones
// and stopped instances, and merge their tags by ARN.
import { DescribeInstancesCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { DescribeTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { GetBucketLocationCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import type { ListedType } from '../../core/aws/resource-types.js';
import type { Resource, ResourceContext } from '../../core/resource.js';
import type { AwsClients } from './clients.js';
import { awsCall } from './errors.js';
import { mapLimit } from './map-limit.js';
import { tagsByArn, tagsOf, type TagMap } from './tags.js';

export interface ListContext {
  clients: AwsClients;
  accountId: string;
  region: string;
  /** Keep only resources in these regions (the S3 listing covers every region at once). */
  onlyRegions?: string[];
}

export interface ListPage {
  resources: Resource[];
  next?: string;
}

export type Lister = (ctx: ListContext, token: string | undefined) => Promise<ListPage>;

/** GetBucketLocation calls in flight per page, for buckets ListBuckets gave no region for. */
const BUCKET_LOCATION_CONCURRENCY = 8;
/** DescribeTable calls in flight per page: ListTables names at most 100 tables, each needs one. */
const TABLE_DESCRIBE_CONCURRENCY = 8;

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function resource(ctx: ListContext, type: ListedType, id: string, tags: TagMap, extra: Partial<Resource> = {}): Resource {
  return { cloud: 'aws', account: ctx.accountId, region: ctx.region, type, id, tags, name: tags.Name, ...extra };
}

const iso = (d: Date | undefined) => d?.toISOString();

/** The network a resource sits in, as its list call already returns it (no extra call): what suggest_tags learns from. */
function networkContext(vpc: string | undefined, subnet: string | undefined, groups: (string | undefined)[] | undefined): ResourceContext | undefined {
  const securityGroups = (groups ?? []).filter((g): g is string => !!g);
  const context: ResourceContext = {
    ...(vpc ? { vpc } : {}), ...(subnet ? { subnet } : {}), ...(securityGroups.length ? { securityGroups } : {}),
  };
  return Object.keys(context).length ? context : undefined;
}

/** One AWS call of this lister; a failure carries where it was made, for the error mapping. */
function call<T>(ctx: ListContext, service: string, operation: string, send: () => Promise<T>): Promise<T> {
  return awsCall({ service, operation, region: ctx.region }, send);
}

const ec2Instances: Lister = async (ctx, token) => {
  const out = await call(ctx, 'ec2', 'DescribeInstances', () =>
    ctx.clients.client('ec2', ctx.accountId, ctx.region).send(new DescribeInstancesCommand({ MaxResults: 1000, NextToken: token })));
  const resources: Resource[] = [];
  for (const reservation of out.Reservations ?? []) {
    for (const i of reservation.Instances ?? []) {
      if (i.State?.Name === 'terminated') continue;
      const arn = `arn:${partitionOf(ctx.region)}:ec2:${ctx.region}:${reservation.OwnerId ?? ctx.accountId}:instance/${i.InstanceId}`;
      resources.push(resource(ctx, 'ec2:instance', arn, tagsOf(i.Tags), {
        state: i.State?.Name, created: iso(i.LaunchTime),
        context: networkContext(i.VpcId, i.SubnetId, i.SecurityGroups?.map((g) => g.GroupId)),
      }));
    }
  }
  return { resources, next: out.NextToken || undefined };
};

const ec2Volumes: Lister = async (ctx, token) => {
  const out = await call(ctx, 'ec2', 'DescribeVolumes', () =>
    ctx.clients.client('ec2', ctx.accountId, ctx.region).send(new DescribeVolumesCommand({ MaxResults: 500, NextToken: token })));
  const resources = (out.Volumes ?? []).map((v) => resource(ctx, 'ec2:volume',
    `arn:${partitionOf(ctx.region)}:ec2:${ctx.region}:${ctx.accountId}:volume/${v.VolumeId}`, tagsOf(v.Tags),
    { state: v.State, created: iso(v.CreateTime) }));
  return { resources, next: out.NextToken || undefined };
};

const rdsInstances: Lister = async (ctx, token) => {
  const out = await call(ctx, 'rds', 'DescribeDBInstances', () =>
    ctx.clients.client('rds', ctx.accountId, ctx.region).send(new DescribeDBInstancesCommand({ MaxRecords: 100, Marker: token })));
  const resources = (out.DBInstances ?? []).map((db) => {
    const tags = tagsOf(db.TagList);
    return resource(ctx, 'rds:db', db.DBInstanceArn!, tags, {
      name: tags.Name ?? db.DBInstanceIdentifier, state: db.DBInstanceStatus, created: iso(db.InstanceCreateTime),
      // A DB spans its subnet group's subnets: the VPC and security groups are what identify its network.
      context: networkContext(db.DBSubnetGroup?.VpcId, undefined, db.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)),
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

// ListFunctions has no creation date (LastModified changes with every deploy), so none is recorded.
const lambdaFunctions: Lister = async (ctx, token) => {
  const out = await call(ctx, 'lambda', 'ListFunctions', () =>
    ctx.clients.client('lambda', ctx.accountId, ctx.region).send(new ListFunctionsCommand({ MaxItems: 50, Marker: token })));
  const items = (out.Functions ?? []).map((f) => ({
    arn: f.FunctionArn!, name: f.FunctionName!,
    extra: { state: f.State, context: networkContext(f.VpcConfig?.VpcId, f.VpcConfig?.SubnetIds?.[0], f.VpcConfig?.SecurityGroupIds) },
  }));
  return { resources: await withTags(ctx, 'lambda:function', items), next: out.NextMarker || undefined };
};

// ListTables gives names only; DescribeTable (one per table, TABLE_DESCRIBE_CONCURRENCY at a time)
// gives the creation date and status.
const dynamodbTables: Lister = async (ctx, token) => {
  const dynamodb = ctx.clients.client('dynamodb', ctx.accountId, ctx.region);
  const out = await call(ctx, 'dynamodb', 'ListTables', () => dynamodb.send(new ListTablesCommand({ Limit: 100, ExclusiveStartTableName: token })));
  const described = await mapLimit(out.TableNames ?? [], TABLE_DESCRIBE_CONCURRENCY, async (name) => {
    try {
      const { Table: table } = await call(ctx, 'dynamodb', 'DescribeTable', () => dynamodb.send(new DescribeTableCommand({ TableName: name })));
      return {
        arn: `arn:${partitionOf(ctx.region)}:dynamodb:${ctx.region}:${ctx.accountId}:table/${name}`, name,
        extra: { state: table?.TableStatus, created: iso(table?.CreationDateTime) },
      };
    } catch (err) {
      if ((err as Error).name === 'ResourceNotFoundException') return undefined; // deleted since it was listed
      throw err;
    }
  });
  const items = described.filter((i) => i !== undefined);
  return { resources: await withTags(ctx, 'dynamodb:table', items), next: out.LastEvaluatedTableName || undefined };
};

// S3 is global: one listing per account, each bucket reported in its own region. No call per
// bucket where AWS has a bulk one: the region comes with ListBuckets (BucketRegion; only a bucket
// without it costs a GetBucketLocation, as on emulators that leave it empty), and the tags come
// from the Tagging API, one GetResources(ResourceARNList) per region among the page's buckets
// (a bucket's tags are served in its own region), merged by ARN so never-tagged buckets stay.
const s3Buckets: Lister = async (ctx, token) => {
  const s3 = ctx.clients.client('s3', ctx.accountId, ctx.region);
  const out = await call(ctx, 's3', 'ListBuckets', () => s3.send(new ListBucketsCommand({ MaxBuckets: 100, ContinuationToken: token })));
  const located = await mapLimit(out.Buckets ?? [], BUCKET_LOCATION_CONCURRENCY, async (bucket) =>
    ({ name: bucket.Name!, created: iso(bucket.CreationDate), region: bucket.BucketRegion || (await bucketLocation(ctx, bucket.Name!)) }));
  const byRegion = new Map<string, typeof located>();
  for (const bucket of located) {
    if (ctx.onlyRegions && !ctx.onlyRegions.includes(bucket.region)) continue;
    const group = byRegion.get(bucket.region) ?? [];
    if (group.length === 0) byRegion.set(bucket.region, group);
    group.push(bucket);
  }
  const resources: Resource[] = [];
  for (const [region, buckets] of byRegion) {
    const tags = await tagsByArn(ctx.clients.client('tagging', ctx.accountId, region), buckets.map((b) => bucketArn(region, b.name)));
    for (const { name, created } of buckets) {
      const id = bucketArn(region, name);
      resources.push({ cloud: 'aws', account: ctx.accountId, region, type: 's3:bucket', id, name, tags: tags.get(id) ?? {}, created });
    }
  }
  return { resources, next: out.ContinuationToken || undefined };
};

const bucketArn = (region: string, name: string) => `arn:${partitionOf(region)}:s3:::${name}`;

/** Where a bucket lives, for a bucket ListBuckets gave no BucketRegion for. */
async function bucketLocation(ctx: ListContext, name: string): Promise<string> {
  const s3 = ctx.clients.client('s3', ctx.accountId, ctx.region);
  const out = await call(ctx, 's3', 'GetBucketLocation', () => s3.send(new GetBucketLocationCommand({ Bucket: name })));
  return out.LocationConstraint || 'us-east-1';
}

export const LISTERS: Record<ListedType, Lister> = {
  'ec2:instance': ec2Instances,
  'ec2:volume': ec2Volumes,
  's3:bucket': s3Buckets,
  'rds:db': rdsInstances,
  'lambda:function': lambdaFunctions,
  'dynamodb:table': dynamodbTables,
};
