// Checks the AWS test support code (moto server, org seeder, fault proxy) against a real moto, so
// the scan tests built on it can trust their expectations: what the seeder says exists is what
// Describe/List calls return, accounts are isolated, and injected faults reach the SDK as the
// errors AWS would send. Also pins the moto behaviour the scanner has to cope with.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTagsOfResourceCommand, paginateListTables } from '@aws-sdk/client-dynamodb';
import { DescribeInstancesCommand, EC2Client, paginateDescribeInstances, paginateDescribeVolumes, type Tag } from '@aws-sdk/client-ec2';
import { LambdaClient, ListTagsCommand, paginateListFunctions } from '@aws-sdk/client-lambda';
import { paginateDescribeDBInstances, RDSClient } from '@aws-sdk/client-rds';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient, type ResourceTagMapping } from '@aws-sdk/client-resource-groups-tagging-api';
import { GetBucketLocationCommand, GetBucketTaggingCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicyJson } from '../../core/policy/index.js';
import {
  accountCredentials,
  EXPECTED_KINDS,
  expectedTotals,
  MANAGEMENT_ACCOUNT,
  SCAN_POLICY_PATH,
  SEEDED_TYPES,
  seedOrg,
  VARIANTS,
  type SeededOrg,
  type SeededResource,
} from '../support/aws-seed.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { awsClientConfig, MOTO_CREDENTIALS, startMoto, type AwsCredentials, type MotoServer } from '../support/moto.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const MEMBER = '111111111111';

/** What AWS itself says is in one account x region: ARN -> tags (S3: buckets located there). */
type Listed = Map<string, Record<string, string>>;

let moto: MotoServer;
let org: SeededOrg;
let seedMs = 0;

beforeAll(async () => {
  moto = await startMoto();
  const started = Date.now();
  org = await seedOrg(moto.endpoint);
  seedMs = Date.now() - started;
});

afterAll(async () => {
  await moto?.stop();
});

describe('the scan policy fixture', () => {
  it('is a valid policy with case-sensitive keys and three required tags on the six seeded types', () => {
    const policy = parsePolicyJson(readFileSync(path.join(repoRoot, SCAN_POLICY_PATH), 'utf8'), SCAN_POLICY_PATH);
    expect(policy.tag_naming_rules.case_sensitivity).toBe(true);
    expect(policy.required_tags.map((r) => r.name)).toEqual(['Owner', 'Environment', 'CostCenter']);
    for (const rule of policy.required_tags) expect([...rule.applies_to].sort()).toEqual([...SEEDED_TYPES].sort());
  });
});

describe('seedOrg', () => {
  it('seeds every type in every account x region, with every variant somewhere, in a few seconds', () => {
    expect(seedMs).toBeLessThan(20_000);
    for (const account of org.accounts) {
      for (const region of org.regions) {
        const types = new Set(cell(account, region).map((r) => r.type));
        expect([...types].sort(), `${account}/${region}`).toEqual([...SEEDED_TYPES].sort());
        const instances = cell(account, region).filter((r) => r.type === 'ec2:instance');
        expect(instances.map((r) => r.state)).toContain('stopped');
        expect(instances.map((r) => r.state)).toContain('running');
      }
    }
    for (const type of SEEDED_TYPES) {
      const ofType = org.resources.filter((r) => r.type === type);
      expect(ofType.some((r) => r.expectedCompliant), type).toBe(true);
      expect(ofType.some((r) => !r.expectedCompliant), type).toBe(true);
    }
    expect(new Set(org.resources.map((r) => r.variant))).toEqual(new Set(VARIANTS));
    expect(new Set(org.resources.map((r) => r.arn)).size).toBe(org.resources.length);
  });

  it('derives expectations from the variant table only', () => {
    for (const r of org.resources) {
      expect(r.expectedKinds).toEqual([...EXPECTED_KINDS[r.variant]].sort());
      expect(r.expectedCompliant).toBe(r.variant === 'compliant');
      if (r.variant === 'never_tagged') expect(r.tags).toEqual({});
    }
    // moto's root volumes (one per instance) are in the expectation, as never tagged.
    for (const account of org.accounts) {
      for (const region of org.regions) {
        const untaggedVolumes = cell(account, region).filter((r) => r.type === 'ec2:volume' && r.variant === 'never_tagged');
        expect(untaggedVolumes).toHaveLength(VARIANTS.length + 1);
      }
    }
  });

  it('matches, resource for resource and tag for tag, what Describe/List calls return', async () => {
    for (const account of org.accounts) {
      const credentials = await accountCredentials(moto.endpoint, account);
      for (const region of org.regions) {
        const listed = await listCell(credentials, region);
        const expected = new Map(cell(account, region).map((r) => [r.arn, r.tags]));
        expect(sorted(listed.keys()), `${account}/${region}`).toEqual(sorted(expected.keys()));
        for (const [arn, tags] of expected) expect(listed.get(arn), arn).toEqual(tags);
      }
    }
  });

  it('reports instance states as DescribeInstances does', async () => {
    const ec2 = new EC2Client(awsClientConfig(moto.endpoint, 'eu-west-1'));
    const seeded = cell(MANAGEMENT_ACCOUNT, 'eu-west-1').filter((r) => r.type === 'ec2:instance');
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: seeded.map((r) => r.name) }));
    const states = new Map(out.Reservations!.flatMap((res) => res.Instances!).map((i) => [i.InstanceId!, i.State!.Name!]));
    for (const r of seeded) expect(states.get(r.name)).toBe(r.state);
  });

  it("keeps accounts apart: a member account's resources are invisible with the management credentials", async () => {
    const member = await accountCredentials(moto.endpoint, MEMBER);
    const sts = new STSClient(awsClientConfig(moto.endpoint, 'us-east-1', member));
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(MEMBER);

    for (const region of org.regions) {
      const asManagement = await listCell(MOTO_CREDENTIALS, region);
      const memberArns = cell(MEMBER, region).map((r) => r.arn);
      expect(memberArns.length).toBeGreaterThan(0);
      for (const arn of memberArns) expect(asManagement.has(arn), arn).toBe(false);
    }
    const ec2 = new EC2Client(awsClientConfig(moto.endpoint, 'us-east-1'));
    const memberInstance = cell(MEMBER, 'us-east-1').find((r) => r.type === 'ec2:instance')!;
    await expect(ec2.send(new DescribeInstancesCommand({ InstanceIds: [memberInstance.name] })))
      .rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' });
  });

  it('multiplies the tagged volumes by scale, for any accounts and regions', async () => {
    const small = await seedOrg(moto.endpoint, { accounts: ['222222222222'], regions: ['us-west-2'], scale: 3 });
    const volumes = small.resources.filter((r) => r.type === 'ec2:volume');
    expect(volumes.filter((r) => r.variant !== 'never_tagged')).toHaveLength(5 * 3);
    expect(volumes.filter((r) => r.variant === 'never_tagged')).toHaveLength(VARIANTS.length + 1);
    const credentials = await accountCredentials(moto.endpoint, '222222222222');
    const listed = await listCell(credentials, 'us-west-2');
    expect(sorted(listed.keys())).toEqual(sorted(small.resources.map((r) => r.arn)));
  });
});

describe('expectedTotals', () => {
  it('counts the seeded list, filtered by account and region', () => {
    const all = expectedTotals(org);
    expect(all.total).toBe(org.resources.length);
    expect(all.compliant).toBe(org.resources.filter((r) => r.expectedCompliant).length);
    expect(all.compliant + all.nonCompliant).toBe(all.total);
    for (const group of [all.byAccount, all.byRegion, all.byResourceType]) {
      expect(Object.values(group).reduce((n, g) => n + g.total, 0)).toBe(all.total);
      expect(Object.values(group).reduce((n, g) => n + g.compliant, 0)).toBe(all.compliant);
    }

    const one = expectedTotals(org, { accounts: [MEMBER], regions: ['eu-west-1'] });
    const inCell = cell(MEMBER, 'eu-west-1');
    expect(one.total).toBe(inCell.length);
    expect(Object.keys(one.byAccount)).toEqual([MEMBER]);
    expect(Object.keys(one.byRegion)).toEqual(['eu-west-1']);
    expect(one.byResourceType['s3:bucket']!.total).toBe(inCell.filter((r) => r.type === 's3:bucket').length);
  });
});

describe('moto behaviour the scanner has to cope with', () => {
  it('GetResources returns only tagged resources, all six types, ARNs as AWS writes them', async () => {
    for (const account of org.accounts) {
      const credentials = await accountCredentials(moto.endpoint, account);
      for (const region of org.regions) {
        const mappings = await allTaggedResources(credentials, region);
        const seeded = cell(account, region).filter((r) => r.type !== 's3:bucket' && r.variant !== 'never_tagged');
        // S3 is global in moto: every region answers with all the account's tagged buckets.
        const buckets = org.resources.filter((r) => r.account === account && r.type === 's3:bucket' && r.variant !== 'never_tagged');
        const expected = new Map([...seeded, ...buckets].map((r) => [r.arn, r.tags]));
        expect(sorted(mappings.keys()), `${account}/${region}`).toEqual(sorted(expected.keys()));
        for (const [arn, tags] of expected) expect(mappings.get(arn)).toEqual(tags);
      }
    }
  });

  it('GetResources pagination tokens are single-use', async () => {
    const tagging = new ResourceGroupsTaggingAPIClient(awsClientConfig(moto.endpoint, 'us-east-1'));
    const first = await tagging.send(new GetResourcesCommand({ ResourcesPerPage: 5 }));
    expect(first.PaginationToken).toBeTruthy();
    await tagging.send(new GetResourcesCommand({ ResourcesPerPage: 5, PaginationToken: first.PaginationToken }));
    await expect(tagging.send(new GetResourcesCommand({ ResourcesPerPage: 5, PaginationToken: first.PaginationToken })))
      .rejects.toMatchObject({ name: 'PaginationTokenExpiredException' });
  });
});

describe('the fault proxy', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(moto.endpoint, []);
  });
  afterAll(async () => {
    await proxy?.stop();
  });
  const viaProxy = (region: string) => ({ ...awsClientConfig(proxy.endpoint, region), maxAttempts: 1 });

  it('forwards what no rule matches, unchanged', async () => {
    proxy.setRules([{ service: 'ec2', fault: { kind: 'deny' } }]);
    const before = proxy.stats.forwarded;
    const direct = await new S3Client(awsClientConfig(moto.endpoint, 'us-east-1')).send(new ListBucketsCommand({}));
    const proxied = await new S3Client(viaProxy('us-east-1')).send(new ListBucketsCommand({}));
    expect(proxied.Buckets?.map((b) => b.Name)).toEqual(direct.Buckets?.map((b) => b.Name));
    expect(proxy.stats.forwarded).toBe(before + 1);
  });

  it('throttles every Nth GetResources as a JSON ThrottlingException', async () => {
    proxy.setRules([{ name: 'tagging', service: 'tagging', target: 'GetResources', fault: { kind: 'throttle', every: 2 } }]);
    const tagging = new ResourceGroupsTaggingAPIClient(viaProxy('us-east-1'));
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(await tagging.send(new GetResourcesCommand({})).then(() => 'ok', (err: Error) => err.name));
    }
    expect(outcomes).toEqual(['ok', 'ThrottlingException', 'ok', 'ThrottlingException']);
    expect(proxy.stats.injected.tagging).toBe(2);
  });

  it("denies AssumeRole into one account as STS's AccessDenied, and lets other accounts through", async () => {
    proxy.setRules([{ service: 'sts', body: `RoleArn=arn%3Aaws%3Aiam%3A%3A${MEMBER}`, fault: { kind: 'deny' } }]);
    const sts = new STSClient(viaProxy('us-east-1'));
    const assume = (account: string) => sts.send(new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`,
      RoleSessionName: 'fault-test',
    }));
    await expect(assume(MEMBER)).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'User is not authorized to perform: sts:AssumeRole',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(assume('222222222222')).resolves.toMatchObject({ Credentials: expect.anything() });
  });

  it('throttles EC2 in one region as RequestLimitExceeded, and denies it as UnauthorizedOperation', async () => {
    proxy.setRules([{ service: 'ec2', region: 'eu-west-1', fault: { kind: 'throttle', every: 1 } }]);
    await expect(new EC2Client(viaProxy('eu-west-1')).send(new DescribeInstancesCommand({})))
      .rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    await expect(new EC2Client(viaProxy('us-east-1')).send(new DescribeInstancesCommand({}))).resolves.toBeDefined();

    proxy.setRules([{ service: 'ec2', fault: { kind: 'deny' } }]);
    await expect(new EC2Client(viaProxy('us-east-1')).send(new DescribeInstancesCommand({})))
      .rejects.toMatchObject({ name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } });
  });

  it('delays matching requests, then forwards them', async () => {
    proxy.setRules([{ name: 'slow', service: 'ec2', fault: { kind: 'delay', ms: 300 } }]);
    const started = Date.now();
    const out = await new EC2Client(viaProxy('us-east-1')).send(new DescribeInstancesCommand({}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(out.Reservations?.length).toBe(cell(MANAGEMENT_ACCOUNT, 'us-east-1').filter((r) => r.type === 'ec2:instance').length);
    expect(proxy.stats.injected.slow).toBe(1);
  });

  it('speaks the other protocols too: RDS query, DynamoDB JSON, S3 and Lambda REST', async () => {
    proxy.setRules([
      { service: 'rds', fault: { kind: 'throttle', every: 1 } },
      { service: 'dynamodb', fault: { kind: 'throttle', every: 1 } },
      { service: 's3', fault: { kind: 'deny' } },
      { service: 'lambda', fault: { kind: 'throttle', every: 1 } },
    ]);
    const fails = (p: Promise<unknown>) => p.then(() => 'ok', (err: Error) => err.name);
    expect(await fails(collect(paginateDescribeDBInstances({ client: new RDSClient(viaProxy('us-east-1')) }, {})))).toBe('Throttling');
    expect(await fails(collect(paginateListTables({ client: new DynamoDBClient(viaProxy('us-east-1')) }, {})))).toBe('ThrottlingException');
    expect(await fails(new S3Client(viaProxy('us-east-1')).send(new ListBucketsCommand({})))).toBe('AccessDenied');
    expect(await fails(collect(paginateListFunctions({ client: new LambdaClient(viaProxy('us-east-1')) }, {})))).toBe('TooManyRequestsException');
  });
});

// ---- helpers -------------------------------------------------------------------------------

function cell(account: string, region: string): SeededResource[] {
  return org.resources.filter((r) => r.account === account && r.region === region);
}

function sorted(keys: Iterable<string>): string[] {
  return [...keys].sort();
}

function tagMap(list: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((t) => [t.Key!, t.Value ?? '']));
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** Every resource of the six types in one account x region, by the services' own list calls. */
async function listCell(credentials: AwsCredentials, region: string): Promise<Listed> {
  const config = awsClientConfig(moto.endpoint, region, credentials);
  const account = (await new STSClient(config).send(new GetCallerIdentityCommand({}))).Account!;
  const listed: Listed = new Map();

  const ec2 = new EC2Client(config);
  for (const page of await collect(paginateDescribeInstances({ client: ec2 }, {}))) {
    for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      listed.set(`arn:aws:ec2:${region}:${account}:instance/${instance.InstanceId}`, tagMap(instance.Tags));
    }
  }
  for (const page of await collect(paginateDescribeVolumes({ client: ec2 }, {}))) {
    for (const volume of page.Volumes ?? []) listed.set(`arn:aws:ec2:${region}:${account}:volume/${volume.VolumeId}`, tagMap(volume.Tags));
  }

  for (const page of await collect(paginateDescribeDBInstances({ client: new RDSClient(config) }, {}))) {
    for (const db of page.DBInstances ?? []) listed.set(db.DBInstanceArn!, tagMap(db.TagList));
  }

  const lambda = new LambdaClient(config);
  for (const page of await collect(paginateListFunctions({ client: lambda }, {}))) {
    for (const fn of page.Functions ?? []) {
      listed.set(fn.FunctionArn!, (await lambda.send(new ListTagsCommand({ Resource: fn.FunctionArn! }))).Tags ?? {});
    }
  }

  const dynamodb = new DynamoDBClient(config);
  for (const page of await collect(paginateListTables({ client: dynamodb }, {}))) {
    for (const name of page.TableNames ?? []) {
      const arn = `arn:aws:dynamodb:${region}:${account}:table/${name}`;
      listed.set(arn, tagMap((await dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags));
    }
  }

  // ListBuckets answers with the account's buckets in every region; keep those located here.
  const s3 = new S3Client(config);
  for (const bucket of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
    const location = (await s3.send(new GetBucketLocationCommand({ Bucket: bucket.Name! }))).LocationConstraint;
    if ((location || 'us-east-1') !== region) continue;
    const tags: Tag[] = await s3.send(new GetBucketTaggingCommand({ Bucket: bucket.Name! })).then(
      (out) => out.TagSet ?? [],
      (err: Error) => {
        if (err.name === 'NoSuchTagSet') return [];
        throw err;
      });
    listed.set(`arn:aws:s3:::${bucket.Name}`, tagMap(tags));
  }
  return listed;
}

async function allTaggedResources(credentials: AwsCredentials, region: string): Promise<Map<string, Record<string, string>>> {
  const tagging = new ResourceGroupsTaggingAPIClient(awsClientConfig(moto.endpoint, region, credentials));
  const mappings: ResourceTagMapping[] = [];
  let token: string | undefined;
  do {
    const out = await tagging.send(new GetResourcesCommand({ ResourcesPerPage: 100, ...(token ? { PaginationToken: token } : {}) }));
    mappings.push(...(out.ResourceTagMappingList ?? []));
    token = out.PaginationToken || undefined;
  } while (token);
  return new Map(mappings.map((m) => [m.ResourceARN!, tagMap(m.Tags)]));
}
