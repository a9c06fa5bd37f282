// Seeds a small AWS organisation into a running moto (test/support/moto.ts) through the real AWS
// SDK clients, and says what a correct scan must find there. The expectation is derived from how
// each resource was tagged (its "variant"), never from the product's compliance engine, so scan
// tests compare the product against an independent answer. The policy the variants are written
// against is test/fixtures/scan-policy.json.
//
// One seedOrg() per moto server: names are fixed, and moto's own side effects (the root volume
// RunInstances attaches to each instance) are discovered afterwards and included as untagged.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateVolumeCommand,
  DescribeInstancesCommand,
  EC2Client,
  paginateDescribeVolumes,
  RunInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateBucketCommand, PutBucketTaggingCommand, S3Client, type BucketLocationConstraint } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { crc32 } from 'node:zlib';
import { awsClientConfig, MOTO_CREDENTIALS, type AwsCredentials } from './moto.js';

/** moto's default account: its credentials are MOTO_CREDENTIALS; other accounts are assumed into. */
export const MANAGEMENT_ACCOUNT = '123456789012';
export const DEFAULT_ACCOUNTS = [MANAGEMENT_ACCOUNT, '111111111111'];
export const DEFAULT_REGIONS = ['us-east-1', 'eu-west-1'];
export const DEFAULT_ROLE_NAME = 'OrganizationAccountAccessRole';
/** Path of the policy the variants are written against, relative to the repo root. */
export const SCAN_POLICY_PATH = 'test/fixtures/scan-policy.json';

export const SEEDED_TYPES = ['ec2:instance', 'ec2:volume', 's3:bucket', 'rds:db', 'lambda:function', 'dynamodb:table'] as const;
export type SeededType = (typeof SEEDED_TYPES)[number];

export const VARIANTS = ['compliant', 'missing', 'wrong_value', 'wrong_case', 'bad_format', 'never_tagged'] as const;
export type Variant = (typeof VARIANTS)[number];

/** Findings each variant must produce under scan-policy.json, as a sorted multiset of kinds. */
export const EXPECTED_KINDS: Readonly<Record<Variant, readonly string[]>> = {
  compliant: [],
  missing: ['missing_required_tag'],
  wrong_value: ['invalid_value'],
  wrong_case: ['wrong_key_case'],
  bad_format: ['invalid_format'],
  never_tagged: ['missing_required_tag', 'missing_required_tag', 'missing_required_tag'],
};

export interface SeededResource {
  arn: string;
  account: string;
  /** Where the resource lives; an S3 bucket's is the region it was created in. */
  region: string;
  type: SeededType;
  /** Instance id, volume id, bucket name, DB identifier, function name or table name. */
  name: string;
  variant: Variant;
  tags: Record<string, string>;
  /** EC2 instances only: `running` or `stopped`. */
  state?: string;
  expectedCompliant: boolean;
  expectedKinds: string[];
}

export interface SeededOrg {
  accounts: string[];
  regions: string[];
  resources: SeededResource[];
}

export interface SeedOptions {
  accounts?: string[];
  regions?: string[];
  roleName?: string;
  /** Multiplies the tagged EC2 volumes per account x region (5 per unit). */
  scale?: number;
}

const AMI = 'ami-760aaa0f'; // amzn-ami-hvm, one of moto's default AMIs in every region
const LAMBDA_ROLE = 'seed-lambda-role';
const TAGGED_VARIANTS = VARIANTS.filter((v) => v !== 'never_tagged');
const VOLUME_BATCH = 20;
/** The instance variant that is stopped after launch. */
const STOPPED_VARIANT: Variant = 'missing';

/** Credentials in `account` via STS AssumeRole; moto makes them act in that account. */
export async function assumeRoleCredentials(endpoint: string, account: string, roleName: string = DEFAULT_ROLE_NAME): Promise<AwsCredentials> {
  const sts = new STSClient(awsClientConfig(endpoint, 'us-east-1'));
  try {
    const out = await sts.send(new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${account}:role/${roleName}`,
      RoleSessionName: 'aws-seed',
    }));
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole into ${account} returned no credentials`);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  } finally {
    sts.destroy();
  }
}

/** The management account's own credentials, or an assumed-role session for a member account. */
export async function accountCredentials(endpoint: string, account: string, roleName: string = DEFAULT_ROLE_NAME): Promise<AwsCredentials> {
  return account === MANAGEMENT_ACCOUNT ? MOTO_CREDENTIALS : assumeRoleCredentials(endpoint, account, roleName);
}

export async function seedOrg(endpoint: string, opts: SeedOptions = {}): Promise<SeededOrg> {
  const accounts = opts.accounts ?? DEFAULT_ACCOUNTS;
  const regions = opts.regions ?? DEFAULT_REGIONS;
  const roleName = opts.roleName ?? DEFAULT_ROLE_NAME;
  const scale = opts.scale ?? 1;

  const perAccount = await Promise.all(accounts.map(async (account, a) => {
    const credentials = await accountCredentials(endpoint, account, roleName);
    await createLambdaRole(endpoint, account, credentials);
    const cells = await Promise.all(regions.map((region, r) =>
      seedCell({ endpoint, account, region, credentials, cell: a * regions.length + r, scale })));
    return cells.flat();
  }));
  return { accounts: [...accounts], regions: [...regions], resources: perAccount.flat() };
}

export interface Totals {
  total: number;
  compliant: number;
  nonCompliant: number;
  byAccount: Record<string, { total: number; compliant: number }>;
  byRegion: Record<string, { total: number; compliant: number }>;
  byResourceType: Record<string, { total: number; compliant: number }>;
}

/** What a scan of (part of) the seeded org must report; S3 buckets count in their own region. */
export function expectedTotals(org: SeededOrg, filter: { accounts?: string[]; regions?: string[] } = {}): Totals {
  const totals: Totals = { total: 0, compliant: 0, nonCompliant: 0, byAccount: {}, byRegion: {}, byResourceType: {} };
  const bump = (group: Record<string, { total: number; compliant: number }>, key: string, compliant: boolean) => {
    const entry = (group[key] ??= { total: 0, compliant: 0 });
    entry.total += 1;
    if (compliant) entry.compliant += 1;
  };
  for (const r of org.resources) {
    if (filter.accounts && !filter.accounts.includes(r.account)) continue;
    if (filter.regions && !filter.regions.includes(r.region)) continue;
    totals.total += 1;
    if (r.expectedCompliant) totals.compliant += 1;
    else totals.nonCompliant += 1;
    bump(totals.byAccount, r.account, r.expectedCompliant);
    bump(totals.byRegion, r.region, r.expectedCompliant);
    bump(totals.byResourceType, r.type, r.expectedCompliant);
  }
  return totals;
}

// ---- one account x region ------------------------------------------------------------------

interface Cell {
  endpoint: string;
  account: string;
  region: string;
  credentials: AwsCredentials;
  /** Position of this account x region; rotates the variants of the types seeded once or twice. */
  cell: number;
  scale: number;
}

async function seedCell(c: Cell): Promise<SeededResource[]> {
  const config = awsClientConfig(c.endpoint, c.region, c.credentials);
  const ec2 = new EC2Client(config);
  const s3 = new S3Client(config);
  const rds = new RDSClient(config);
  const lambda = new LambdaClient(config);
  const dynamodb = new DynamoDBClient(config);
  const rotate = (offset: number) => VARIANTS[offset % VARIANTS.length]!;
  try {
    const [instances, volumes, dbs, functions, tables, buckets] = await Promise.all([
      seedInstances(ec2, c),
      seedVolumes(ec2, c),
      Promise.all([rotate(c.cell)].map((v, j) => seedDb(rds, c, v, j))),
      Promise.all([0, 1].map((j) => seedFunction(lambda, c, rotate(2 * c.cell + j), j))),
      Promise.all([0, 1].map((j) => seedTable(dynamodb, c, rotate(2 * c.cell + j + 3), j))),
      Promise.all([0, 1].map((j) => seedBucket(s3, c, rotate(2 * c.cell + j + 1), j))),
    ]);
    const seeded = [...instances, ...volumes, ...dbs, ...functions, ...tables, ...buckets];
    return [...seeded, ...(await rootVolumes(ec2, c, seeded))];
  } finally {
    for (const client of [ec2, s3, rds, lambda, dynamodb]) client.destroy();
  }
}

async function seedInstances(ec2: EC2Client, c: Cell): Promise<SeededResource[]> {
  const launched = await Promise.all(VARIANTS.map(async (variant, i) => {
    const tags = tagsFor(variant, c.cell * 100 + i);
    const out = await ec2.send(new RunInstancesCommand({
      ImageId: AMI,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      ...(variant === 'never_tagged' ? {} : { TagSpecifications: [{ ResourceType: 'instance', Tags: toTagList(tags) }] }),
    }));
    const id = out.Instances?.[0]?.InstanceId;
    if (!id) throw new Error(`RunInstances in ${c.account}/${c.region} returned no instance`);
    return { id, variant, tags };
  }));
  const stopped = launched.filter((l) => l.variant === STOPPED_VARIANT).map((l) => l.id);
  await ec2.send(new StopInstancesCommand({ InstanceIds: stopped }));
  const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: launched.map((l) => l.id) }));
  const states = new Map<string, string>();
  for (const reservation of described.Reservations ?? []) {
    for (const instance of reservation.Instances ?? []) states.set(instance.InstanceId!, instance.State?.Name ?? '');
  }
  return launched.map(({ id, variant, tags }) => ({
    ...resource(c, 'ec2:instance', `arn:aws:ec2:${c.region}:${c.account}:instance/${id}`, id, variant, tags),
    state: states.get(id),
  }));
}

async function seedVolumes(ec2: EC2Client, c: Cell): Promise<SeededResource[]> {
  // `scale` rounds of the tagged variants, plus one unattached volume that was never tagged.
  const plan: Variant[] = [];
  for (let s = 0; s < c.scale; s++) plan.push(...TAGGED_VARIANTS);
  plan.push('never_tagged');
  const out: SeededResource[] = [];
  for (let start = 0; start < plan.length; start += VOLUME_BATCH) {
    out.push(...await Promise.all(plan.slice(start, start + VOLUME_BATCH).map(async (variant, k) => {
      const tags = tagsFor(variant, c.cell * 100 + start + k);
      const created = await ec2.send(new CreateVolumeCommand({
        AvailabilityZone: `${c.region}a`,
        Size: 1,
        VolumeType: 'gp3',
        ...(variant === 'never_tagged' ? {} : { TagSpecifications: [{ ResourceType: 'volume', Tags: toTagList(tags) }] }),
      }));
      const id = created.VolumeId!;
      return resource(c, 'ec2:volume', `arn:aws:ec2:${c.region}:${c.account}:volume/${id}`, id, variant, tags);
    })));
  }
  return out;
}

/** Volumes moto created on its own (each instance's root volume): untagged, so never_tagged. */
async function rootVolumes(ec2: EC2Client, c: Cell, seeded: SeededResource[]): Promise<SeededResource[]> {
  const known = new Set(seeded.filter((r) => r.type === 'ec2:volume').map((r) => r.name));
  const extra: SeededResource[] = [];
  for await (const page of paginateDescribeVolumes({ client: ec2 }, { MaxResults: 500 })) {
    for (const volume of page.Volumes ?? []) {
      const id = volume.VolumeId!;
      if (known.has(id)) continue;
      if (volume.Tags?.length) throw new Error(`unexpected tagged volume ${id} in ${c.account}/${c.region}: ${JSON.stringify(volume.Tags)}`);
      extra.push(resource(c, 'ec2:volume', `arn:aws:ec2:${c.region}:${c.account}:volume/${id}`, id, 'never_tagged', {}));
    }
  }
  return extra;
}

async function seedDb(rds: RDSClient, c: Cell, variant: Variant, j: number): Promise<SeededResource> {
  const id = `seed-db-${j}-${slug(variant)}`;
  const tags = tagsFor(variant, c.cell * 100 + 50 + j);
  await rds.send(new CreateDBInstanceCommand({
    DBInstanceIdentifier: id,
    DBInstanceClass: 'db.t3.micro',
    Engine: 'postgres',
    AllocatedStorage: 20,
    MasterUsername: 'seedadmin',
    MasterUserPassword: 'seed-password-1',
    ...(variant === 'never_tagged' ? {} : { Tags: toTagList(tags) }),
  }));
  return resource(c, 'rds:db', `arn:aws:rds:${c.region}:${c.account}:db:${id}`, id, variant, tags);
}

async function seedFunction(lambda: LambdaClient, c: Cell, variant: Variant, j: number): Promise<SeededResource> {
  const name = `seed-fn-${j}-${slug(variant)}`;
  const tags = tagsFor(variant, c.cell * 100 + 60 + j);
  await lambda.send(new CreateFunctionCommand({
    FunctionName: name,
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    Role: `arn:aws:iam::${c.account}:role/${LAMBDA_ROLE}`,
    Code: { ZipFile: HANDLER_ZIP },
    ...(variant === 'never_tagged' ? {} : { Tags: tags }),
  }));
  return resource(c, 'lambda:function', `arn:aws:lambda:${c.region}:${c.account}:function:${name}`, name, variant, tags);
}

async function seedTable(dynamodb: DynamoDBClient, c: Cell, variant: Variant, j: number): Promise<SeededResource> {
  const name = `seed-table-${j}-${slug(variant)}`;
  const tags = tagsFor(variant, c.cell * 100 + 70 + j);
  await dynamodb.send(new CreateTableCommand({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    ...(variant === 'never_tagged' ? {} : { Tags: toTagList(tags) }),
  }));
  return resource(c, 'dynamodb:table', `arn:aws:dynamodb:${c.region}:${c.account}:table/${name}`, name, variant, tags);
}

async function seedBucket(s3: S3Client, c: Cell, variant: Variant, j: number): Promise<SeededResource> {
  // Bucket names are global across accounts: the account id keeps them unique.
  const name = `seed-${c.account}-${c.region}-${j}-${slug(variant)}`;
  const tags = tagsFor(variant, c.cell * 100 + 80 + j);
  await s3.send(new CreateBucketCommand({
    Bucket: name,
    ...(c.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: c.region as BucketLocationConstraint } }),
  }));
  if (variant !== 'never_tagged') {
    await s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: toTagList(tags) } }));
  }
  return resource(c, 's3:bucket', `arn:aws:s3:::${name}`, name, variant, tags);
}

/** moto refuses CreateFunction unless the execution role exists in the function's account. */
async function createLambdaRole(endpoint: string, account: string, credentials: AwsCredentials): Promise<void> {
  const iam = new IAMClient(awsClientConfig(endpoint, 'us-east-1', credentials));
  try {
    await iam.send(new CreateRoleCommand({
      RoleName: LAMBDA_ROLE,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    }));
  } finally {
    iam.destroy();
  }
}

// ---- tags and expectations -----------------------------------------------------------------

const ENVIRONMENTS = ['production', 'staging', 'development'];

/** Tags of one variant; `n` varies the valid values so resources do not all look alike. */
function tagsFor(variant: Variant, n: number): Record<string, string> {
  const owner = `owner${n % 7}@example.com`;
  const environment = ENVIRONMENTS[n % ENVIRONMENTS.length]!;
  const costCenter = `CC-${String(1000 + (n % 9000))}`;
  switch (variant) {
    case 'compliant': return { Owner: owner, Environment: environment, CostCenter: costCenter };
    case 'missing': return { Environment: environment, CostCenter: costCenter };
    case 'wrong_value': return { Owner: owner, Environment: 'prod', CostCenter: costCenter };
    case 'wrong_case': return { Owner: owner, environment, CostCenter: costCenter };
    case 'bad_format': return { Owner: owner, Environment: environment, CostCenter: '1234' };
    case 'never_tagged': return {};
  }
}

function resource(c: Cell, type: SeededType, arn: string, name: string, variant: Variant, tags: Record<string, string>): SeededResource {
  const expectedKinds = [...EXPECTED_KINDS[variant]].sort();
  return { arn, account: c.account, region: c.region, type, name, variant, tags, expectedCompliant: expectedKinds.length === 0, expectedKinds };
}

function toTagList(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function slug(variant: Variant): string {
  return variant.replace('_', '-');
}

// ---- a Lambda deployment package, built in memory ------------------------------------------

const HANDLER_ZIP = zipOneFile('index.mjs', 'export const handler = async () => ({ statusCode: 200 });\n');

/** A zip archive holding one stored (uncompressed) file: all a Lambda deployment package needs. */
function zipOneFile(name: string, content: string): Uint8Array {
  const fileName = Buffer.from(name, 'utf8');
  const data = Buffer.from(content, 'utf8');
  const crc = crc32(data);
  const dosDate = (1 << 5) | 1; // 1980-01-01, 00:00

  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed
  local.writeUInt16LE(0, 6); // flags
  local.writeUInt16LE(0, 8); // stored
  local.writeUInt16LE(0, 10); // time
  local.writeUInt16LE(dosDate, 12);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  local.writeUInt16LE(0, 28); // extra length

  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4); // version made by
  central.writeUInt16LE(20, 6); // version needed
  central.writeUInt16LE(0, 8);
  central.writeUInt16LE(0, 10);
  central.writeUInt16LE(0, 12);
  central.writeUInt16LE(dosDate, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  // extra, comment, disk start, internal and external attributes, local header offset: all 0
  const centralOffset = local.length + fileName.length + data.length;

  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8); // entries on this disk
  end.writeUInt16LE(1, 10); // entries in total
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralOffset, 16);

  return Buffer.concat([local, fileName, data, central, fileName, end]);
}
