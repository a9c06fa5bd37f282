// The Azure scanner driving the real SDK clients (@azure/identity, @azure/arm-resources,
// @azure/arm-resources-subscriptions) against a local HTTPS fake of ARM and Entra ID: the paths
// and query strings the SDK calls, nextLink paging, 429 with Retry-After, credential failures.
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallCounter, countingCalls } from '../../cloud/call-count.js';
import { retryAfterSeconds } from '../../cloud/azure/errors.js';
import { normaliseAzureType } from '../../cloud/azure/names.js';
import { createAzureScanner } from '../../cloud/azure/scanner.js';
import type { AzureClientSettings } from '../../cloud/azure/clients.js';
import type { CloudScanner, ShardPage } from '../../cloud/scanner.js';
import { aSubscription, startAzureFake, type AzureFake } from '../support/azure-fake.js';

const SUB_A = 'aaaaaaaa-0000-4000-8000-00000000000a';
const SUB_B = 'bbbbbbbb-0000-4000-8000-00000000000b';
const PAGE = 7;

describe('the Azure scanner against an ARM fake', () => {
  let fake: AzureFake;
  let settings: AzureClientSettings;
  let scanner: CloudScanner;
  const seeded = [aSubscription(SUB_A, 3, 6, (i): Record<string, string> => (i % 3 === 0 ? { Owner: `team-${i}` } : {})), aSubscription(SUB_B, 1, 2, () => ({ env: 'prod' }))];

  beforeAll(async () => {
    fake = await startAzureFake(seeded, { pageSize: PAGE });
    settings = { tenantId: fake.tenantId, clientId: fake.clientId, clientSecret: fake.clientSecret, endpoint: fake.url, authorityHost: fake.url, caFile: fake.caFile, sdkMaxRetries: 0 };
    scanner = createAzureScanner(settings);
  }, 30_000);

  afterAll(async () => {
    await fake?.close();
  });

  async function allPages(target: string, kind: 'resources' | 'resourceGroups', types = ['all']): Promise<ShardPage[]> {
    const pages: ShardPage[] = [];
    let token: string | undefined;
    do {
      const page = await scanner.fetchPage(target, { region: '*', label: kind, source: { kind, types } }, token);
      pages.push(page);
      token = page.next;
    } while (token);
    return pages;
  }

  it('lists the tenant\'s subscriptions through GET /subscriptions when none are configured', async () => {
    fake.requests.length = 0;
    const list = await scanner.listTargets(undefined);
    expect(list).toEqual({ targets: [SUB_A, SUB_B], source: 'tenant' });
    const arm = fake.requests.filter((r) => r.path === '/subscriptions');
    expect(arm).toHaveLength(1);
    expect(arm[0]!.query['api-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // The token came from the fake's Entra endpoint, for this tenant.
    expect(fake.requests.some((r) => r.method === 'POST' && r.path === `/${fake.tenantId}/oauth2/v2.0/token`)).toBe(true);
  });

  it('pages resources by nextLink, normalising types and keeping tags, locations and ids', async () => {
    fake.requests.length = 0;
    const pages = await allPages(SUB_A, 'resources');
    const expected = seeded[0]!.resources;
    expect(pages).toHaveLength(Math.ceil(expected.length / PAGE));
    const got = pages.flatMap((p) => p.resources);
    expect(got.map((r) => r.id)).toEqual(expected.map((r) => r.id));
    expect(got[0]).toMatchObject({ cloud: 'azure', account: SUB_A, region: expected[0]!.location, type: 'azure:compute/virtualmachines', name: 'res-0', tags: { Owner: 'team-0' } });
    expect(new Set(got.map((r) => r.type))).toEqual(new Set(['azure:compute/virtualmachines', 'azure:storage/storageaccounts', 'azure:network/virtualnetworks']));
    const calls = fake.requests.filter((r) => r.path === `/subscriptions/${SUB_A}/resources`);
    expect(calls.map((c) => c.query.$skiptoken ?? '0')).toEqual(['0', '7', '14']);
    for (const c of calls) {
      expect(c.query['api-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(c.query.$expand).toBe('createdTime,provisioningState');
    }
    // The token is the nextLink itself: a plain string a heartbeat carries.
    expect(pages[0]!.next).toMatch(new RegExp(`^${fake.url}/subscriptions/${SUB_A}/resources\\?.*%24skiptoken=7|\\$skiptoken=7`));
  });

  it('resumes a shard from a page token alone, as a restarted worker does', async () => {
    const first = await scanner.fetchPage(SUB_A, { region: '*', label: 'resources', source: { kind: 'resources', types: ['all'] } }, undefined);
    const fresh = createAzureScanner(settings);
    const second = await fresh.fetchPage(SUB_A, { region: '*', label: 'resources', source: { kind: 'resources', types: ['all'] } }, first.next);
    expect(second.resources.map((r) => r.name)).toEqual(seeded[0]!.resources.slice(PAGE, 2 * PAGE).map((r) => r.name));
  });

  it('lists resource groups as resources of their own type, and filters by azure: types with wildcards', async () => {
    fake.requests.length = 0;
    const groups = (await allPages(SUB_A, 'resourceGroups')).flatMap((p) => p.resources);
    expect(groups.map((g) => g.id)).toEqual(seeded[0]!.groups.map((g) => g.id));
    expect(groups.every((g) => g.type === 'azure:resources/resourcegroups')).toBe(true);
    expect(fake.requests.filter((r) => r.path === `/subscriptions/${SUB_A}/resourcegroups`)).toHaveLength(1);
    const vms = (await allPages(SUB_A, 'resources', ['azure:Compute/*'])).flatMap((p) => p.resources);
    expect(vms.map((r) => r.id)).toEqual(seeded[0]!.resources.filter((r) => r.type === 'Microsoft.Compute/virtualMachines').map((r) => r.id));
    const plan = await scanner.planTarget(SUB_A, { resourceTypes: ['ec2:instance'] });
    expect(plan.shards).toEqual([]);
  });

  it('plans two shards per subscription and counts requests per API', async () => {
    const plan = await scanner.planTarget(SUB_B, { resourceTypes: ['all'] });
    expect(plan.shards.map((s) => s.label)).toEqual(['arm:resources', 'arm:resourcegroups']);
    const counter = new CallCounter();
    await countingCalls(counter, () => scanner.fetchPage(SUB_B, plan.shards[0]!, undefined));
    expect(counter.snapshot()).toEqual({ 'arm:resources': 1 });
  });

  it('maps 429 to Throttled with the Retry-After as the next retry delay', async () => {
    fake.throttleNext(1, 17);
    const err = await scanner.fetchPage(SUB_A, { region: '*', label: 'resources', source: { kind: 'resources', types: ['all'] } }, undefined)
      .catch((e: unknown) => scanner.toFailure(e, `${SUB_A}/*/resources`));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'Throttled', nonRetryable: false, nextRetryDelay: '17s' });
  });

  it('lets the SDK wait out a short Retry-After itself when it has retries left', async () => {
    const patient = createAzureScanner({ ...settings, sdkMaxRetries: 2 });
    fake.throttleNext(1, 1);
    fake.requests.length = 0;
    const started = Date.now();
    const page = await patient.fetchPage(SUB_B, { region: '*', label: 'resources', source: { kind: 'resources', types: ['all'] } }, undefined);
    expect(page.resources).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(fake.requests.filter((r) => r.path === `/subscriptions/${SUB_B}/resources`)).toHaveLength(2);
  });

  it('fails sign-in with a wrong secret as AccessDenied, not retried, with no secret in the message', async () => {
    const wrong = createAzureScanner({ ...settings, clientSecret: 'not-the-secret' });
    const err = await wrong.listTargets(undefined).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'AccessDenied', nonRetryable: true });
    expect((err as Error).message).toMatch(/sign-in failed/);
    expect((err as Error).message).not.toContain('not-the-secret');
  });

  it('fails every call cleanly when no credential is configured, naming what to set', async () => {
    const bare = createAzureScanner({});
    for (const call of [() => bare.listTargets(undefined), () => bare.planTarget(SUB_A, { resourceTypes: ['all'] })]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toMatchObject({ type: 'NoCredentials', nonRetryable: true });
      expect((err as Error).message).toMatch(/AZURE_TENANT_ID.*AZURE_CLIENT_ID.*AZURE_CLIENT_SECRET/);
    }
  });

  it('refuses scope subscriptions outside the configured ones, and non-GUIDs', async () => {
    const limited = createAzureScanner({ ...settings, subscriptions: [SUB_A] });
    expect(await limited.listTargets(undefined)).toEqual({ targets: [SUB_A], source: 'config' });
    await expect(limited.listTargets([SUB_B])).rejects.toMatchObject({ type: 'InvalidInput' });
    await expect(scanner.listTargets(['123456789012'])).rejects.toMatchObject({ type: 'InvalidInput' });
  });

  it('reads live tags by resource id through tags at scope', async () => {
    fake.requests.length = 0;
    const vm = seeded[0]!.resources[3]!;
    const group = seeded[1]!.groups[0]!;
    const missing = `/subscriptions/${SUB_A}/resourceGroups/rg-0/providers/Microsoft.Compute/virtualMachines/gone`;
    const tags = await scanner.readTags([vm.id, group.id, missing, 'arn:aws:s3:::bucket']);
    expect(tags.get(vm.id)).toEqual({ tags: vm.tags, account: SUB_A, type: normaliseAzureType(vm.type) });
    expect(tags.get(group.id)).toEqual({ tags: { env: 'prod' }, account: SUB_B, type: 'azure:resources/resourcegroups' });
    expect(tags.get(missing)).toEqual({ error: expect.stringMatching(/not found/) });
    expect(tags.get('arn:aws:s3:::bucket')).toEqual({ error: expect.stringMatching(/not an Azure resource id/) });
    expect(fake.requests.find((r) => r.path === `${vm.id}/providers/Microsoft.Resources/tags/default`)?.query['api-version']).toMatch(/^\d{4}-/);
  });
});

describe('Azure names and Retry-After', () => {
  it('normalises ARM types to azure:<provider>/<type>, lowercase, nested types kept', () => {
    expect(normaliseAzureType('Microsoft.Compute/virtualMachines')).toBe('azure:compute/virtualmachines');
    expect(normaliseAzureType('Microsoft.Sql/servers/databases')).toBe('azure:sql/servers/databases');
    expect(normaliseAzureType('Contoso.Widgets/gadgets')).toBe('azure:contoso.widgets/gadgets');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterSeconds('30', now)).toBe(30);
    expect(retryAfterSeconds('Thu, 01 Jan 2026 00:00:45 GMT', now)).toBe(45);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds(undefined, now)).toBeUndefined();
  });
});
