// Target planning against moto: accounts from AWS Organizations (suspended ones skipped), requested
// accounts outside that allowed set refused, regions from EC2 DescribeRegions, the fallback list
// when discovery is denied, and a denied AssumeRole failing the account's plan with AccessDenied.
import { CloseAccountCommand, CreateAccountCommand, CreateOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../cloud/aws/clients.js';
import { createPlanActivities } from '../../activities/aws/plan.js';
import { FALLBACK_REGIONS } from '../../core/aws/resource-types.js';
import { DEFAULT_CONCURRENT_SHARDS } from '../../core/limits.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { awsClientConfig, MOTO_CREDENTIALS, startMoto, type MotoServer } from '../support/moto.js';

describe('AWS target planning on moto', () => {
  let moto: MotoServer;
  let proxy: FaultProxy;
  let clients: AwsClients;
  const env = { ...process.env };

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startFaultProxy(moto.endpoint, []);
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    clients = new AwsClients({ endpoint: proxy.endpoint, roleName: 'OrganizationAccountAccessRole', sessionDurationSeconds: 900, maxAttempts: 1 });
  });

  afterAll(async () => {
    process.env = env;
    clients?.destroy();
    await proxy?.stop();
    await moto?.stop();
  });

  it('lists the organisation\'s active accounts and skips suspended ones', async () => {
    const org = new OrganizationsClient(awsClientConfig(moto.endpoint, 'us-east-1'));
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const created: string[] = [];
    for (const name of ['prod', 'dev', 'old']) {
      const out = await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));
      created.push(out.CreateAccountStatus!.AccountId!);
    }
    await org.send(new CloseAccountCommand({ AccountId: created[2]! }));
    org.destroy();

    const plan = createPlanActivities(clients, {});
    const { accounts, source } = await plan.planAwsAccounts({});
    expect(source).toBe('organizations');
    expect(accounts).toEqual(['123456789012', created[0]!, created[1]!].sort());
    // Each planning step reports the AWS calls it made: here one ListAccounts for the allowed set.
    expect(await plan.planAwsAccounts({ accounts: [created[1]!] })).toEqual({ accounts: [created[1]!], source: 'scope', calls: { 'organizations:ListAccounts': 1 } });
    // Accounts outside the organisation, or suspended in it, are refused before any role is assumed.
    for (const outside of ['999999999999', created[2]!]) {
      const err = await plan.planAwsAccounts({ accounts: [created[0]!, outside] }).catch((e: unknown) => e);
      expect(err).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
      expect((err as Error).message).toBe(`account ${outside} is not in the allowed set (3 accounts: the organisation's active accounts); ` +
        'set SCAN_ACCOUNTS / clouds.aws.accounts to change it');
    }
    const configured = createPlanActivities(clients, { accounts: ['888888888888'] });
    expect(await configured.planAwsAccounts({})).toEqual({ accounts: ['888888888888'], source: 'config', calls: {} });
    expect(await configured.planAwsAccounts({ accounts: ['888888888888'] })).toEqual({ accounts: ['888888888888'], source: 'scope', calls: {} });
    await expect(configured.planAwsAccounts({ accounts: [created[0]!] })).rejects.toThrow(/not in the allowed set \(1 account: SCAN_ACCOUNTS/);
  });

  it('discovers regions with DescribeRegions, and falls back to the built-in list when it is denied', async () => {
    const plan = createPlanActivities(clients, {});
    const discovered = await plan.planAccountShards({ accountId: '123456789012', resourceTypes: ['ec2:instance'] });
    expect(discovered.regionSource).toBe('describe-regions');
    expect(discovered.regions).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1']));
    expect(discovered.shards).toHaveLength(discovered.regions.length);
    // The planning worker's shard concurrency travels with the plan (the default without a setting).
    expect(discovered.maxConcurrentShards).toBe(DEFAULT_CONCURRENT_SHARDS);
    const configured = await createPlanActivities(clients, { maxConcurrentShards: 2 })
      .planAccountShards({ accountId: '123456789012', regions: ['us-east-1'], resourceTypes: ['ec2:instance'] });
    expect(configured).toMatchObject({ regionSource: 'scope', maxConcurrentShards: 2 });

    proxy.setRules([{ service: 'ec2', body: 'Action=DescribeRegions', fault: { kind: 'deny' } }]);
    try {
      const fallback = await plan.planAccountShards({ accountId: '123456789012', resourceTypes: ['ec2:instance'] });
      expect(fallback).toMatchObject({ regionSource: 'fallback', regions: FALLBACK_REGIONS });
      expect(fallback.regionError).toMatch(/UnauthorizedOperation/);
    } finally {
      proxy.setRules([]);
    }
  });

  it('fails an account whose AssumeRole is denied with a non-retryable AccessDenied that hides our principal', async () => {
    proxy.setRules([{ service: 'sts', body: 'Action=AssumeRole', fault: { kind: 'deny' } }]);
    try {
      const err = await createPlanActivities(clients, {}).planAccountShards({ accountId: '333333333333', regions: ['us-east-1'], resourceTypes: ['all'] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: 'AccessDenied', nonRetryable: true });
      expect((err as Error).message).toMatch(/account 333333333333: sts:AssumeRole OrganizationAccountAccessRole: AccessDenied/);
    } finally {
      proxy.setRules([]);
    }
  });
});
