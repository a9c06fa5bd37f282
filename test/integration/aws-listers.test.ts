// Creation dates from the service list APIs, against moto seeded through the SDK: DynamoDB tables
// get theirs from DescribeTable (ListTables names only), Lambda has none and says so.
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../cloud/aws/clients.js';
import { toActivityFailure } from '../../cloud/aws/errors.js';
import { LISTERS, type ListContext } from '../../cloud/aws/listers.js';
import { createAwsScanner } from '../../cloud/aws/scanner.js';
import { CallCounter, countingCalls } from '../../cloud/call-count.js';
import type { ListedType } from '../../core/aws/resource-types.js';
import { resourceAge } from '../../core/report/index.js';
import type { Resource } from '../../core/resource.js';
import { DEFAULT_ROLE_NAME, MANAGEMENT_ACCOUNT, seedOrg, type SeededOrg } from '../support/aws-seed.js';
import { awsClientConfig, MOTO_CREDENTIALS, startMoto, type MotoServer } from '../support/moto.js';

const REGION = 'eu-west-1';

describe('service listers on moto', () => {
  let moto: MotoServer;
  let org: SeededOrg;
  let clients: AwsClients;
  const env = { ...process.env };

  beforeAll(async () => {
    moto = await startMoto();
    org = await seedOrg(moto.endpoint, { accounts: [MANAGEMENT_ACCOUNT], regions: [REGION] });
    // The default chain is how the clients find the management account's credentials.
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    clients = new AwsClients({ endpoint: moto.endpoint, roleName: DEFAULT_ROLE_NAME, sessionDurationSeconds: 900, maxAttempts: 1 });
  });

  afterAll(async () => {
    process.env = env;
    clients?.destroy();
    await moto?.stop();
  });

  async function listAll(type: ListedType, region = REGION): Promise<Resource[]> {
    const ctx: ListContext = { clients, accountId: MANAGEMENT_ACCOUNT, region };
    const out: Resource[] = [];
    let token: string | undefined;
    do {
      const page = await LISTERS[type](ctx, token);
      out.push(...page.resources);
      token = page.next;
    } while (token);
    return out;
  }

  it('dates every DynamoDB table from DescribeTable, so its age is known', async () => {
    const seeded = org.resources.filter((r) => r.type === 'dynamodb:table');
    expect(seeded.length).toBeGreaterThan(0);
    const tables = await listAll('dynamodb:table');
    expect(tables.map((t) => t.id).sort()).toEqual(seeded.map((r) => r.arn).sort());
    const now = new Date();
    for (const table of tables) {
      expect(table.state, table.id).toBe('ACTIVE');
      expect(Number.isNaN(Date.parse(table.created ?? '')), `${table.id} created ${table.created}`).toBe(false);
      // Created by the seeder moments ago.
      expect(resourceAge(table.type, table.created ?? null, now)).toEqual({ age_days: 0 });
    }
    // Tags still merge by ARN alongside the describe calls.
    for (const r of seeded) expect(tables.find((t) => t.id === r.arn)!.tags).toEqual(r.tags);
  });

  it('records no creation date for Lambda functions, and the age says why', async () => {
    const functions = await listAll('lambda:function');
    expect(functions.length).toBe(org.resources.filter((r) => r.type === 'lambda:function').length);
    for (const fn of functions) {
      expect(fn.created).toBeUndefined();
      expect(resourceAge(fn.type, null, new Date())).toEqual({ age_days: null, age_note: 'Lambda does not report a creation date' });
    }
  });

  it('reads S3 bucket tags in bulk through the Tagging API, keeping never-tagged buckets', async () => {
    // A bucket never tagged: the Tagging API does not know it, ListBuckets does.
    const untagged = 'lister-never-tagged';
    const s3 = new S3Client(awsClientConfig(moto.endpoint, REGION));
    await s3.send(new CreateBucketCommand({ Bucket: untagged, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    s3.destroy();
    const seeded = [...org.resources.filter((r) => r.type === 's3:bucket'), { arn: `arn:aws:s3:::${untagged}`, region: REGION, tags: {} }];
    const counter = new CallCounter();
    const buckets = await countingCalls(counter, () => listAll('s3:bucket'));
    expect(buckets.map((b) => b.id).sort()).toEqual(seeded.map((r) => r.arn).sort());
    for (const r of seeded) expect(buckets.find((b) => b.id === r.arn), r.arn).toMatchObject({ region: r.region, tags: r.tags });

    const calls = counter.snapshot();
    expect(calls['s3:GetBucketTagging']).toBeUndefined();
    expect(calls['s3:ListBuckets']).toBe(1);
    // One GetResources(ResourceARNList) for the page's buckets in their one region.
    expect(calls['tagging:GetResources']).toBe(1);
    // moto leaves ListBuckets' BucketRegion empty, so each bucket is located; AWS fills it in, and then none is.
    expect(calls['s3:GetBucketLocation']).toBe(seeded.length);
  });

  it('fails a shard in a made-up region with our words, naming the call, not the endpoint', async () => {
    // What the shard activity records in scan_failures: its target, the type, our message.
    const err = await listAll('dynamodb:table', 'zz-fake-9').catch((e: unknown) => e);
    const failure = toActivityFailure(err, `${MANAGEMENT_ACCOUNT}/zz-fake-9/dynamodb:table`);
    expect(failure.message).toBe(`${MANAGEMENT_ACCOUNT}/zz-fake-9/dynamodb:table: UnexpectedResponse: ` +
      'unexpected response from AWS dynamodb:ListTables in zz-fake-9 (HTTP 500)');
    expect(failure.message).not.toContain(new URL(moto.endpoint).host);
  });

  it('scans through the seam: planned shards paged by the AWS scanner find every seeded resource, and live tags match', async () => {
    const scanner = createAwsScanner(clients, { accounts: [MANAGEMENT_ACCOUNT] });
    expect(await scanner.listTargets(undefined)).toEqual({ targets: [MANAGEMENT_ACCOUNT], source: 'config' });
    const plan = await scanner.planTarget(MANAGEMENT_ACCOUNT, { regions: [REGION], resourceTypes: ['all'] });
    expect(plan.regionSource).toBe('scope');
    // Every shard's source is plain JSON: it travels through workflow history as is.
    expect(JSON.parse(JSON.stringify(plan.shards))).toEqual(plan.shards);
    const found = new Map<string, Record<string, string>>();
    for (const shard of plan.shards) {
      let token: string | undefined;
      do {
        const page = await scanner.fetchPage(MANAGEMENT_ACCOUNT, shard, token);
        for (const r of page.resources) found.set(r.id, r.tags);
        token = page.next;
      } while (token);
    }
    const seeded = org.resources.filter((r) => r.region === REGION || r.type === 's3:bucket');
    // The seeded resources, and nothing else but buckets an earlier test of this file created.
    const extra = [...found.keys()].filter((arn) => !seeded.some((r) => r.arn === arn));
    expect(seeded.filter((r) => !found.has(r.arn))).toEqual([]);
    expect(extra.every((arn) => arn.startsWith('arn:aws:s3:::'))).toBe(true);

    const sample = seeded.filter((r) => Object.keys(r.tags).length > 0).slice(0, 5);
    const live = await scanner.readTags([...sample.map((r) => r.arn), 'arn:aws:ec2:eu-west-1:123:instance/bad']);
    for (const r of sample) expect(live.get(r.arn)).toEqual({ tags: r.tags });
    expect(live.get('arn:aws:ec2:eu-west-1:123:instance/bad')).toMatchObject({ error: expect.stringMatching(/12-digit account id/) });
  });
});
