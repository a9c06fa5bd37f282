// validate_resource_tags through a real MCP client, against moto (2 accounts x 2 regions, seeded
// through the SDK) behind the fault proxy, and PostgreSQL for policy versions and the audit log.
// Expectations come from the seeder, never from the engine. Temporal is never reached: the tool
// reads AWS directly, so the gateway's client points at a closed port.
import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Client, Connection } from '@temporalio/client';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../cloud/aws/clients.js';
import { configSchema } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import type { GatewayDeps, ToolDefinition } from '../../mcp-gateway/context.js';
import { createMcpServer } from '../../mcp-gateway/server.js';
import { NOT_RETURNED_NOTE, validateResourceTags } from '../../mcp-gateway/tools/validate-resource-tags.js';
import { createStore, migrate, openDb, type Db } from '../../store/index.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { DEFAULT_ROLE_NAME, MANAGEMENT_ACCOUNT, SCAN_POLICY_PATH, seedOrg, type SeededOrg, type SeededResource } from '../support/aws-seed.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { awsClientConfig, MOTO_CREDENTIALS, startMoto, type MotoServer } from '../support/moto.js';

const DENIED_ACCOUNT = '222222222222';
/** The denied account is allowed (so its AssumeRole is tried) and denied throughout: no test may cache a session for it. */
const DENY_ASSUME = { name: 'assume-denied', service: 'sts', body: `RoleArn=arn%3Aaws%3Aiam%3A%3A${DENIED_ACCOUNT}`, fault: { kind: 'deny' as const } };
const ACCESS_KEY = /\b(AKIA|ASIA)[A-Z0-9]{16}\b/;

interface Item {
  arn: string;
  resource_type: string;
  account: string;
  region: string;
  compliant: boolean;
  violations: { kind: string; severity: string }[];
  tags: Record<string, string>;
  note?: string;
}
interface Reply {
  results: Item[];
  errors: { arn: string; error: string }[];
  summary: { checked: number; compliant: number; non_compliant: number; errors: number };
}

describe('validate_resource_tags on moto', () => {
  let moto: MotoServer;
  let proxy: FaultProxy;
  let database: TestDatabase;
  let db: Db;
  let org: SeededOrg;
  let aws: AwsClients;
  let temporal: Client;
  let mcp: McpClient;
  const env = { ...process.env };
  const replies: unknown[] = [];

  beforeAll(async () => {
    [moto, database] = await Promise.all([startMoto(), createTestDatabase()]);
    org = await seedOrg(moto.endpoint);
    proxy = await startFaultProxy(moto.endpoint, [DENY_ASSUME]);
    // The SDK's default chain is how the gateway finds its home account's credentials.
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;

    const config = configSchema.parse({
      policy: { path: path.join(REPO_ROOT, SCAN_POLICY_PATH) },
      database: { url: database.url },
      // moto has no organisation holding the seeded accounts: they, and the denied one, are the allowed set.
      aws: { endpoint: proxy.endpoint, crossAccountRoleName: DEFAULT_ROLE_NAME, accounts: [...org.accounts, DENIED_ACCOUNT] },
      logLevel: 'silent',
    });
    aws = new AwsClients({
      endpoint: proxy.endpoint, roleName: config.clouds.aws.crossAccountRoleName,
      sessionDurationSeconds: config.clouds.aws.sessionDurationSeconds, maxAttempts: 1,
    });
    db = await openDb({ databaseUrl: database.url });
    await migrate(db);
    temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const deps: GatewayDeps = { config, store: createStore(db), temporal, logger: createLogger('silent'), aws };

    const server = createMcpServer(deps, { sessionId: 'validate-test', actor: 'test' }, [validateResourceTags as unknown as ToolDefinition]);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    mcp = new McpClient({ name: 'validate-test', version: '0.0.0' });
    await mcp.connect(clientSide);
  });

  afterAll(async () => {
    process.env = env;
    await mcp?.close();
    await temporal?.connection.close().catch(() => {});
    aws?.destroy();
    await db?.close();
    await proxy?.stop();
    await moto?.stop();
    await database?.drop();
  });

  afterEach(() => proxy.setRules([DENY_ASSUME]));

  async function call(args: Record<string, unknown>): Promise<CallToolResult> {
    const reply = await mcp.callTool({ name: 'validate_resource_tags', arguments: args }) as CallToolResult;
    replies.push(reply);
    return reply;
  }

  async function validate(arns: string[]): Promise<Reply> {
    const reply = await call({ resource_arns: arns });
    expect(reply.isError, JSON.stringify(reply.content)).toBeFalsy();
    return reply.structuredContent as unknown as Reply;
  }

  /** One resource of each variant per account and type: every type, both accounts, both regions. */
  function sample(): SeededResource[] {
    const seen = new Set<string>();
    return org.resources.filter((r) => {
      const key = `${r.account}/${r.type}/${r.variant}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  it('reports what the seeder expects for a sample across accounts, regions and types', async () => {
    const resources = sample();
    expect(resources.length).toBeLessThanOrEqual(100);
    expect(new Set(resources.map((r) => r.account))).toEqual(new Set(org.accounts));
    expect(new Set(resources.map((r) => r.region))).toEqual(new Set(org.regions));
    const buckets = resources.filter((r) => r.type === 's3:bucket');
    expect(new Set(buckets.map((r) => r.account)).size).toBe(2);
    expect(resources.some((r) => r.variant === 'never_tagged' && r.type !== 's3:bucket')).toBe(true);

    const reply = await validate(resources.map((r) => r.arn));
    expect(reply.errors).toEqual([]);
    const byArn = new Map(reply.results.map((r) => [r.arn, r]));
    expect(reply.results.map((r) => r.arn)).toEqual(resources.map((r) => r.arn)); // input order
    for (const r of resources) {
      const got = byArn.get(r.arn)!;
      expect({ arn: r.arn, compliant: got.compliant, kinds: got.violations.map((v) => v.kind).sort() })
        .toEqual({ arn: r.arn, compliant: r.expectedCompliant, kinds: [...r.expectedKinds].sort() });
      expect({ type: got.resource_type, account: got.account, region: got.region, tags: got.tags })
        .toEqual({ type: r.type, account: r.account, region: r.region, tags: r.tags });
    }
    const expectedCompliant = resources.filter((r) => r.expectedCompliant).length;
    expect(reply.summary).toEqual({ checked: resources.length, compliant: expectedCompliant, non_compliant: resources.length - expectedCompliant, errors: 0 });

    // A never-tagged resource is invisible to the Tagging API: reported with no tags and said so.
    const neverTagged = resources.find((r) => r.variant === 'never_tagged' && r.type === 'ec2:instance')!;
    expect(byArn.get(neverTagged.arn)).toMatchObject({ tags: {}, note: NOT_RETURNED_NOTE, compliant: false });
    // S3 answers for its buckets itself, so an untagged bucket needs no such note.
    const untaggedBucket = buckets.find((r) => r.variant === 'never_tagged')!;
    expect(byArn.get(untaggedBucket.arn)).toMatchObject({ tags: {}, compliant: false });
    expect(byArn.get(untaggedBucket.arn)!.note).toBeUndefined();
  });

  it('reads tags live: a fixed resource is compliant on the next call', async () => {
    const broken = org.resources.find((r) => r.type === 'ec2:volume' && r.variant === 'missing' && r.account === MANAGEMENT_ACCOUNT)!;
    expect((await validate([broken.arn])).results[0]).toMatchObject({ compliant: false });
    const ec2 = new EC2Client(awsClientConfig(moto.endpoint, broken.region));
    await ec2.send(new CreateTagsCommand({ Resources: [broken.name], Tags: [{ Key: 'Owner', Value: 'fixed@example.com' }] }));
    ec2.destroy();
    const after = await validate([broken.arn]);
    expect(after.results[0]).toMatchObject({ compliant: true, violations: [] });
    expect(after.results[0]!.tags.Owner).toBe('fixed@example.com');
  });

  it('turns a malformed ARN, a missing bucket and a denied account into per-item errors and checks the rest', async () => {
    const good = sample().filter((r) => r.type !== 'ec2:volume').slice(0, 12);
    const malformed = 'arn:aws:ec2:us-east-1:123456789012';
    const notAnArn = 'i-0123456789abcdef0';
    const denied = `arn:aws:ec2:us-east-1:${DENIED_ACCOUNT}:instance/i-0123456789abcdef0`;
    const deniedTable = `arn:aws:dynamodb:eu-west-1:${DENIED_ACCOUNT}:table/orders`;
    const missingBucket = 'arn:aws:s3:::no-such-bucket-anywhere';

    const reply = await validate([malformed, ...good.map((r) => r.arn), denied, notAnArn, deniedTable, missingBucket]);
    expect(reply.results.map((r) => r.arn)).toEqual(good.map((r) => r.arn));
    for (const r of good) {
      const got = reply.results.find((x) => x.arn === r.arn)!;
      expect({ compliant: got.compliant, kinds: got.violations.map((v) => v.kind).sort() })
        .toEqual({ compliant: r.expectedCompliant, kinds: [...r.expectedKinds].sort() });
    }
    const errors = new Map(reply.errors.map((e) => [e.arn, e.error]));
    expect([...errors.keys()].sort()).toEqual([malformed, denied, notAnArn, deniedTable, missingBucket].sort());
    expect(errors.get(malformed)).toMatch(/^not an ARN: /);
    expect(errors.get(notAnArn)).toMatch(/^not an ARN: /);
    expect(errors.get(denied)).toMatch(new RegExp(`account ${DENIED_ACCOUNT}.*AccessDenied`));
    expect(errors.get(deniedTable)).toMatch(/AccessDenied/);
    expect(errors.get(missingBucket)).toBe('bucket does not exist');
    expect(reply.summary).toMatchObject({ checked: good.length, errors: 5 });
    expect(proxy.stats.injected['assume-denied']).toBeGreaterThan(0);
  });

  it('refuses 101 ARNs with a validation error that says what to do', async () => {
    const arns = Array.from({ length: 101 }, (_, i) => `arn:aws:ec2:us-east-1:${MANAGEMENT_ACCOUNT}:volume/vol-${String(i).padStart(17, '0')}`);
    const reply = await call({ resource_arns: arns });
    expect(reply.isError).toBe(true);
    const text = (reply.content[0] as { text: string }).text;
    expect(text).toMatch(/Input validation error/);
    expect(text).toMatch(/at most 100 ARNs per call/);
    const none = await call({ resource_arns: [] });
    expect(none.isError).toBe(true);
    // cloud_provider azure keeps an ARN out of the read, reported on its own.
    const azure = await call({ resource_arns: [arns[0]], cloud_provider: 'azure' });
    expect((azure.structuredContent as unknown as Reply).errors).toEqual([{ arn: arns[0], error: expect.stringMatching(/not an azure resource id/) }]);
    const unknown = await call({ resource_arns: [arns[0]], cloud_provider: 'oracle' });
    expect(unknown.isError).toBe(true);
  });

  it('refuses an ARN or a bucket account outside the allowed set, before any role is assumed into it', async () => {
    const FOREIGN = '999999999999';
    // A zero delay only counts: an AssumeRole into the foreign account would show up here.
    proxy.setRules([DENY_ASSUME, { name: 'assume-foreign', service: 'sts', body: `RoleArn=arn%3Aaws%3Aiam%3A%3A${FOREIGN}`, fault: { kind: 'delay', ms: 0 } }]);
    const good = org.resources.find((r) => r.type === 'ec2:instance')!;
    const foreignArn = `arn:aws:ec2:us-east-1:${FOREIGN}:instance/i-0123456789abcdef0`;
    const byArn = await call({ resource_arns: [good.arn, foreignArn] });
    expect(byArn.isError).toBe(true);
    expect((byArn.content[0] as { text: string }).text)
      .toMatch(new RegExp(`account ${FOREIGN} is not in the allowed set \\(3 accounts: SCAN_ACCOUNTS / clouds.aws.accounts\\); set SCAN_ACCOUNTS / clouds.aws.accounts to change it`));
    const byBucketAccount = await call({ resource_arns: ['arn:aws:s3:::some-bucket'], bucket_accounts: [FOREIGN] });
    expect(byBucketAccount.isError).toBe(true);
    expect((byBucketAccount.content[0] as { text: string }).text).toMatch(`account ${FOREIGN} is not in the allowed set`);
    expect(proxy.stats.injected['assume-foreign']).toBeUndefined();
  });

  it('answers a made-up region in our own words and refuses a region that is no region name', async () => {
    // moto answers an unknown region with an HTML 500: the SDK's text for it used to be the reply.
    const fake = `arn:aws:ec2:zz-fake-9:${MANAGEMENT_ACCOUNT}:instance/i-0123456789abcdef0`;
    const notARegion = `arn:aws:ec2:us_east_1:${MANAGEMENT_ACCOUNT}:instance/i-0123456789abcdef0`;
    const good = org.resources.find((r) => r.type === 'ec2:instance' && r.account === MANAGEMENT_ACCOUNT)!;
    const reply = await validate([fake, notARegion, good.arn]);
    expect(reply.results.map((r) => r.arn)).toEqual([good.arn]);
    expect(reply.errors).toEqual([
      { arn: fake, error: `account ${MANAGEMENT_ACCOUNT}: UnexpectedResponse: unexpected response from AWS tag:GetResources in zz-fake-9 (HTTP 500)` },
      { arn: notARegion, error: 'the ARN\'s region "us_east_1" is not an AWS region name such as us-east-1' },
    ]);
    const text = JSON.stringify(reply);
    expect(text).not.toMatch(/Deserialization|\$response|doctype/i);
    expect(text).not.toContain(new URL(proxy.endpoint).host);
  });

  it('never leaks a principal ARN or an access key in any reply', () => {
    expect(replies.length).toBeGreaterThan(4);
    const all = JSON.stringify(replies);
    expect(all).not.toMatch(/assumed-role/);
    expect(all).not.toMatch(ACCESS_KEY);
    expect(all).not.toMatch(/SecretAccessKey|SessionToken/i);
  });
});
