// Tag policies from AWS Organizations on moto (created through the SDK), behind the fault proxy,
// with PostgreSQL and a real Temporal dev server and worker: the import tool field by field, the
// policySync workflow (imported / unchanged / changed / denied / none), the effective policy of a
// member account through root, OU and account policies, and the startup schedule.
// moto 5 does not implement DescribeEffectivePolicy, so the merge is checked against expectations
// worked out by hand from AWS's inheritance rules (and in test/unit/policy/effective.test.ts).
import {
  AttachPolicyCommand, CreateAccountCommand, CreateOrganizationalUnitCommand, CreateOrganizationCommand, CreatePolicyCommand,
  DetachPolicyCommand, EnablePolicyTypeCommand, ListRootsCommand, MoveAccountCommand, OrganizationsClient, UpdatePolicyCommand,
} from '@aws-sdk/client-organizations';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensurePolicySyncSchedule, POLICY_SYNC_SCHEDULE_ID } from '../../client/policy-sync.js';
import { AwsClients } from '../../cloud/aws/clients.js';
import { TAG_POLICY_IAM_POLICY } from '../../cloud/aws/tag-policies.js';
import { configSchema, type Config } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import type { ToolContext } from '../../mcp-gateway/context.js';
import { ToolError } from '../../mcp-gateway/errors.js';
import { getTaggingPolicy } from '../../mcp-gateway/tools/get-tagging-policy.js';
import { checkHealth } from '../../mcp-gateway/health.js';
import { checkOutputPath, importAwsTagPolicy, writeInsidePolicies } from '../../mcp-gateway/tools/import-aws-tag-policy.js';
import { createScanActivities } from '../../activities/scans.js';
import { createStore, migrate, openDb, policyHash, type Db, type Store } from '../../store/index.js';
import { loadActivePolicy } from '../../store/policy-sync.js';
import type { DevServer } from '../../worker/dev-server.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { createWorker } from '../../worker/worker.js';
import { policySync } from '../../workflows/contract.js';
import { SCAN_POLICY_PATH } from '../support/aws-seed.js';
import { referenceText } from '../unit/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { awsClientConfig, MOTO_CREDENTIALS, startMoto, type MotoServer } from '../support/moto.js';
import { startTestTemporal } from '../support/temporal.js';

// The shared reference beside the clone when present, else the copy in test/fixtures (a clean clone has only that).
const EXAMPLE = referenceText('aws_org_tag_policy_example.json');
const tagPolicy = (tags: Record<string, unknown>) => JSON.stringify({ tags });

describe('AWS Organizations tag policies on moto', () => {
  let moto: MotoServer;
  let proxy: FaultProxy;
  let database: TestDatabase;
  let temporalServer: DevServer;
  let temporal: Client;
  let db: Db;
  let store: Store;
  let aws: AwsClients;
  let org: OrganizationsClient;
  let config: Config;
  let worker: Worker;
  let workerRun: Promise<void>;
  let rootId: string;
  const env = { ...process.env };
  const written: string[] = [];

  beforeAll(async () => {
    [moto, database, temporalServer] = await Promise.all([startMoto(), createTestDatabase(), startTestTemporal()]);
    proxy = await startFaultProxy(moto.endpoint, []);
    // The SDK's default chain is how the management (home) account's credentials are found.
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    org = new OrganizationsClient(awsClientConfig(moto.endpoint, 'us-east-1'));
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    rootId = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    await org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'TAG_POLICY' }));

    config = configSchema.parse({
      temporal: { address: temporalServer.address, taskQueue: `policy-sync-${process.pid}` },
      database: { url: database.url },
      policy: { path: path.join(REPO_ROOT, SCAN_POLICY_PATH), source: 'aws-organizations' },
      clouds: { aws: { endpoint: proxy.endpoint, sdkMaxAttempts: 1 } },
      logLevel: 'silent',
    });
    aws = new AwsClients({ endpoint: proxy.endpoint, roleName: 'OrganizationAccountAccessRole', sessionDurationSeconds: 900, maxAttempts: 1 });
    db = await openDb({ databaseUrl: database.url });
    await migrate(db);
    store = createStore(db);
    temporal = new Client({ connection: await Connection.connect({ address: temporalServer.address }) });
    ({ worker } = await createWorker({ config, address: temporalServer.address, store, logger: createLogger('silent'), aws }));
    workerRun = worker.run();
  }, 180_000);

  afterAll(async () => {
    process.env = env;
    for (const file of written) rmSync(file, { force: true });
    worker?.shutdown();
    await workerRun?.catch(() => {});
    await temporal?.connection.close().catch(() => {});
    aws?.destroy();
    org?.destroy();
    await db?.close();
    await proxy?.stop();
    await moto?.stop();
    await temporalServer?.stop();
    await database?.drop();
  });

  afterEach(() => proxy.setRules([]));

  function ctx(): ToolContext {
    return {
      config, store, temporal, aws, logger: createLogger('silent'), correlationId: 'policy-test',
      progress: async () => {},
    };
  }

  async function callImport(args: Record<string, unknown>) {
    return importAwsTagPolicy.handler(ctx(), importAwsTagPolicy.inputSchema.parse(args));
  }

  async function createPolicy(name: string, content: string): Promise<string> {
    const created = await org.send(new CreatePolicyCommand({ Name: name, Description: `${name} policy`, Type: 'TAG_POLICY', Content: content }));
    return created.Policy!.PolicySummary!.Id!;
  }

  async function versionCount(): Promise<number> {
    const [row] = await db.query<{ n: string }>('select count(*) as n from policy_versions');
    return Number(row!.n);
  }

  async function runSync(targetId?: string) {
    return temporal.workflow.execute(policySync, {
      taskQueue: config.temporal.taskQueue, workflowId: `policy-sync-test-${Date.now()}-${Math.random()}`,
      args: [targetId ? { targetId } : {}],
    });
  }

  describe('import_aws_tag_policy', () => {
    let exampleId: string;
    beforeAll(async () => {
      exampleId = await createPolicy('reference-example', EXAMPLE);
    });

    it('lists the TAG_POLICY policies when no policy_id is given', async () => {
      const reply = await callImport({});
      expect(reply.structured.policies).toContainEqual({ id: exampleId, name: 'reference-example', description: 'reference-example policy', aws_managed: false });
    });

    it('imports the reference example field by field, stores a version and writes the file inside policies/', async () => {
      const output = `policies/c2-test-${process.pid}.json`;
      written.push(path.resolve(output));
      const before = await versionCount();
      const reply = await callImport({ policy_id: exampleId, output_path: output });
      const s = reply.structured;
      expect(s.source).toBe(`aws-organizations:${exampleId}`);
      expect(s.saved_to).toBe(output);
      const policy = s.policy as { required_tags: Record<string, unknown>[]; optional_tags: unknown[] };
      expect(policy.required_tags.map((r) => [r.name, r.allowed_values, r.validation_regex, r.applies_to, r.clouds])).toEqual([
        ['CostCenter', ['Engineering', 'Marketing', 'Sales', 'Operations'], null, ['ec2:instance', 'rds:db', 's3:bucket'], ['aws']],
        ['Environment', ['production', 'staging', 'development', 'test'], null, ['ec2:instance', 'rds:db', 'lambda:function'], ['aws']],
        ['Owner', null, null, ['ec2:instance', 's3:bucket'], ['aws']],
      ]);
      expect(policy.optional_tags).toEqual([]);
      expect(s.hash).toBe(policyHash(s.policy));
      expect(await versionCount()).toBe(before + 1);
      const stored = await store.getPolicyVersion(s.version_id!);
      expect(stored).toMatchObject({ source: `aws-organizations:${exampleId}`, hash: s.hash, document: s.policy });
      expect(JSON.parse(readFileSync(output, 'utf8'))).toEqual(s.policy);
      // Imported, not activated: scans still use what was active before.
      expect((await loadActivePolicy(store, config.policy.path)).id).not.toBe(s.version_id);
    });

    it('converts wildcards, ALL_SUPPORTED, report_required_tag_for and names unsupported operators', async () => {
      const id = await createPolicy('wildcards', tagPolicy({
        costcenter: {
          tag_key: { '@@assign': 'CostCenter', '@@operators_allowed_for_child_policies': ['@@none'] },
          tag_value: { '@@assign': ['100', '300*'] },
          enforced_for: { '@@assign': ['ec2:ALL_SUPPORTED'] },
        },
        owner: { tag_key: { '@@assign': 'Owner' }, report_required_tag_for: { '@@assign': ['s3:bucket'] } },
        team: { tag_key: { '@@assign': 'Team' }, tag_value: { '@@append': ['data'] } },
      }));
      const reply = await callImport({ policy_id: id, save_to_file: false });
      const policy = reply.structured.policy as { required_tags: Record<string, unknown>[]; optional_tags: Record<string, unknown>[] };
      expect(policy.required_tags.map((r) => [r.name, r.allowed_values, r.validation_regex, r.applies_to])).toEqual([
        ['CostCenter', null, '^(?:100|300.*)$', ['ec2:*']],
        ['Owner', null, null, ['s3:bucket']],
      ]);
      expect(policy.optional_tags.map((r) => [r.name, r.allowed_values])).toEqual([['Team', ['data']]]);
      expect(reply.structured.unsupported).toEqual([{ policyId: id, path: 'tags.costcenter.tag_key.@@operators_allowed_for_child_policies', name: '@@operators_allowed_for_child_policies' }]);
      expect(reply.text).toContain('@@operators_allowed_for_child_policies');
      expect(reply.structured.saved_to).toBeUndefined();
    });

    it('names the missing IAM actions and the policy granting them when ListPolicies or DescribePolicy is denied', async () => {
      proxy.setRules([{ service: 'organizations', target: 'ListPolicies', fault: { kind: 'deny' } }]);
      const listed = callImport({});
      await expect(listed).rejects.toBeInstanceOf(ToolError);
      await expect(listed).rejects.toThrow(/access denied to organizations:ListPolicies\. Grant the caller organizations:ListPolicies, organizations:DescribePolicy/);
      proxy.setRules([{ service: 'organizations', target: 'DescribePolicy', fault: { kind: 'deny' } }]);
      const error = await callImport({ policy_id: exampleId, save_to_file: false })
        .then(() => new Error('expected a refusal'), (e: unknown) => e as Error);
      expect(error).toBeInstanceOf(ToolError);
      expect(error.message).toContain('access denied to organizations:DescribePolicy');
      const grant = JSON.parse(error.message.slice(error.message.indexOf('{'))) as unknown;
      expect(grant).toEqual(TAG_POLICY_IAM_POLICY);
      expect(proxy.stats.injected['organizations:deny']).toBeGreaterThanOrEqual(2);
    });

    it('refuses output paths outside policies/ before calling AWS', async () => {
      const forwarded = proxy.stats.forwarded;
      for (const bad of ['../escape.json', '/tmp/escape.json', 'policies/../../escape.json', 'policies/../package.json',
        'policies/a\0.json', 'other/x.json', 'policies', 'policies/x.txt', 'C:/x.json']) {
        await expect(callImport({ policy_id: exampleId, output_path: bad }), bad).rejects.toBeInstanceOf(ToolError);
      }
      expect(proxy.stats.forwarded).toBe(forwarded);
    });

    it('refuses a symbolic link out of policies/, as a directory or as the file', async () => {
      const cwd = mkdtempSync(path.join(os.tmpdir(), 'c2-policies-'));
      const outside = mkdtempSync(path.join(os.tmpdir(), 'c2-outside-'));
      mkdirSync(path.join(cwd, 'policies'));
      symlinkSync(outside, path.join(cwd, 'policies', 'linked'));
      symlinkSync(path.join(outside, 'target.json'), path.join(cwd, 'policies', 'file.json'));
      await expect(writeInsidePolicies(checkOutputPath('policies/linked/x.json', cwd), '{}', cwd)).rejects.toThrow(/symbolic link/);
      await expect(writeInsidePolicies(checkOutputPath('policies/file.json', cwd), '{}', cwd)).rejects.toThrow(/symbolic link/);
      expect(await writeInsidePolicies(checkOutputPath('policies/sub/ok.json', cwd), '{}', cwd)).toBe(path.join('policies', 'sub', 'ok.json'));
      expect(readFileSync(path.join(cwd, 'policies/sub/ok.json'), 'utf8')).toBe('{}');
      rmSync(cwd, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    });
  });

  describe('policySync', () => {
    let memberId: string;
    let rootPolicy: string;

    beforeAll(async () => {
      const account = await org.send(new CreateAccountCommand({ Email: 'member@example.com', AccountName: 'member' }));
      memberId = account.CreateAccountStatus!.AccountId!;
    });

    it('keeps the policy file and says why while no tag policy applies', async () => {
      const before = await versionCount();
      const result = await runSync();
      expect(result.status).toBe('no_policy');
      expect(result.reason).toMatch(/no tag policy applies to 123456789012/);
      const active = await loadActivePolicy(store, config.policy.path);
      expect(active.source).toMatch(/^file:/);
      expect(active.sync).toMatchObject({ status: 'no_policy', activeVersionId: null });
      // The file itself is recorded as a version by loadActivePolicy, not by the sync.
      expect(await versionCount()).toBeLessThanOrEqual(before + 1);
    });

    it('imports the root policy as the active version, then writes nothing while it is unchanged', async () => {
      rootPolicy = await createPolicy('root-sync', tagPolicy({
        costcenter: { tag_key: { '@@assign': 'CostCenter' }, tag_value: { '@@assign': ['100', '200'] }, enforced_for: { '@@assign': ['ec2:instance'] } },
      }));
      await org.send(new AttachPolicyCommand({ PolicyId: rootPolicy, TargetId: rootId }));
      const first = await runSync();
      expect(first).toMatchObject({ status: 'imported', source: `aws-organizations:${rootPolicy}` });
      const active = await loadActivePolicy(store, config.policy.path);
      expect(active).toMatchObject({ id: first.versionId, source: `aws-organizations:${rootPolicy}` });
      expect(active.policy.required_tags.map((r) => [r.name, r.allowed_values, r.applies_to])).toEqual([['CostCenter', ['100', '200'], ['ec2:instance']]]);

      const count = await versionCount();
      const again = await runSync();
      expect(again).toMatchObject({ status: 'unchanged', versionId: first.versionId });
      expect(await versionCount()).toBe(count);
      expect((await store.getPolicySyncState())).toMatchObject({ status: 'unchanged', activeVersionId: first.versionId });
    });

    it('picks up a changed policy as a new active version', async () => {
      const previous = (await store.getPolicySyncState())!.activeVersionId;
      const count = await versionCount();
      await org.send(new UpdatePolicyCommand({ PolicyId: rootPolicy, Content: tagPolicy({
        costcenter: { tag_key: { '@@assign': 'CostCenter' }, tag_value: { '@@assign': ['100', '200', '300'] }, enforced_for: { '@@assign': ['ec2:instance'] } },
      }) }));
      const result = await runSync();
      expect(result.status).toBe('imported');
      expect(result.versionId).not.toBe(previous);
      expect(await versionCount()).toBe(count + 1);
      const active = await loadActivePolicy(store, config.policy.path);
      expect(active.policy.required_tags[0]!.allowed_values).toEqual(['100', '200', '300']);
      // Scans resolve the same active version, not the file.
      expect(await createScanActivities(store, config.policy.path).resolvePolicyVersion()).toMatchObject({ id: result.versionId, source: `aws-organizations:${rootPolicy}` });
    });

    it('keeps the current policy and records the IAM message when access is denied', async () => {
      const previous = (await store.getPolicySyncState())!.activeVersionId;
      proxy.setRules([{ service: 'organizations', target: 'ListPoliciesForTarget', fault: { kind: 'deny' } }]);
      const result = await runSync();
      expect(result.status).toBe('access_denied');
      expect(result.reason).toContain('access denied to organizations:ListPoliciesForTarget');
      expect(result.reason).toContain('"organizations:ListParents"');
      const state = await store.getPolicySyncState();
      expect(state).toMatchObject({ status: 'access_denied', activeVersionId: previous });
      expect((await loadActivePolicy(store, config.policy.path)).id).toBe(previous);
      const shown = await getTaggingPolicy.handler(ctx(), {});
      expect(shown.structured).toMatchObject({ version_id: previous, sync: { status: 'access_denied', active_version_id: previous } });
      expect(shown.text).toContain('Policy sync: access_denied');
      // /health shows it too, without degrading: the current policy is still in force.
      const health = await checkHealth(ctx(), 'postgres');
      expect(health.policy).toMatchObject({ ok: true, versionId: previous, sync: { status: 'access_denied', activeVersionId: previous } });
      expect(health.policy.sync?.reason).toContain('access denied to organizations:ListPoliciesForTarget');
    });

    it("merges root, OU and account policies into a member account's effective policy", async () => {
      const ou = await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'engineering' }));
      const ouId = ou.OrganizationalUnit!.Id!;
      await org.send(new MoveAccountCommand({ AccountId: memberId, SourceParentId: rootId, DestinationParentId: ouId }));
      const ouPolicy = await createPolicy('ou-sync', tagPolicy({
        costcenter: { tag_value: { '@@append': ['400'] }, enforced_for: { '@@append': ['s3:bucket'] } },
        team: { tag_key: { '@@assign': 'Team' } },
      }));
      const accountPolicy = await createPolicy('account-sync', tagPolicy({ costcenter: { tag_value: { '@@remove': ['100'] } } }));
      await org.send(new AttachPolicyCommand({ PolicyId: ouPolicy, TargetId: ouId }));
      await org.send(new AttachPolicyCommand({ PolicyId: accountPolicy, TargetId: memberId }));

      const result = await runSync(memberId);
      expect(result).toMatchObject({ status: 'imported', source: `aws-organizations:${rootPolicy},${ouPolicy},${accountPolicy}` });
      const active = await loadActivePolicy(store, config.policy.path);
      expect(active.policy.required_tags.map((r) => [r.name, r.allowed_values, r.applies_to]))
        .toEqual([['CostCenter', ['200', '300', '400'], ['ec2:instance', 's3:bucket']]]);
      expect(active.policy.optional_tags.map((r) => r.name)).toEqual(['Team']);
      expect(active.sync).toMatchObject({ targetId: memberId, policyIds: [rootPolicy, ouPolicy, accountPolicy] });
      await org.send(new DetachPolicyCommand({ PolicyId: accountPolicy, TargetId: memberId }));
    });

    it('creates the startup schedule once, updates it in place, and removes it when the source is the file', async () => {
      const created = await ensurePolicySyncSchedule(temporal, store, config);
      const updated = await ensurePolicySyncSchedule(temporal, store, { ...config, policy: { ...config.policy, sync: { intervalHours: 12 } } });
      expect([created, updated]).toEqual(['created', 'updated']);
      const ids: string[] = [];
      for await (const s of temporal.schedule.list()) ids.push(s.scheduleId);
      expect(ids.filter((id) => id === POLICY_SYNC_SCHEDULE_ID)).toHaveLength(1);
      const description = await temporal.schedule.getHandle(POLICY_SYNC_SCHEDULE_ID).describe();
      expect(description.spec.intervals?.[0]?.every).toBe(12 * 3600 * 1000);
      expect(description.policies.overlap).toBe('SKIP');

      const removed = await ensurePolicySyncSchedule(temporal, store, { ...config, policy: { ...config.policy, source: 'file' } });
      expect(removed).toBe('deleted');
      const active = await loadActivePolicy(store, config.policy.path);
      expect(active.source).toMatch(/^file:/);
      expect(active.sync).toMatchObject({ status: 'disabled', activeVersionId: null });
    });
  });
});
