// The GCP scanner driving the real @google-cloud/asset client (REST transport) against the local
// Cloud Asset fake: the paths and query strings it calls, paging by token, type/label mapping,
// throttling and denial as typed failures, and missing credentials failing cleanly (no crash).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGcpClients, type GcpSettings } from '../../cloud/gcp/clients.js';
import { createGcpScanner } from '../../cloud/gcp/scanner.js';
import { loadConfig } from '../../config/load.js';
import type { CloudScanner, ShardSpec } from '../../cloud/scanner.js';
import { seedProject, startGcpFake, type GcpFake } from '../support/gcp-fake.js';

const TOKEN = 'test-access-token';
const P1 = seedProject('p1', 7);
const FOLDER = [...seedProject('p2', 3), ...seedProject('p3', 2)];

describe('GCP scanner over the Cloud Asset REST shape', () => {
  let fake: GcpFake;
  let settings: GcpSettings;
  let scanner: CloudScanner;

  beforeAll(async () => {
    fake = await startGcpFake({ 'projects/p1': P1, 'folders/77': FOLDER }, TOKEN);
    settings = { scopes: ['projects/p1', 'folders/77'], apiEndpoint: '127.0.0.1', port: fake.port, protocol: 'http', pageSize: 3 };
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: TOKEN });
    scanner = createGcpScanner(createGcpClients(settings, auth), settings);
  });
  afterAll(() => fake?.close());
  beforeEach(() => { fake.requests.length = 0; });

  async function drain(target: string, shard: ShardSpec) {
    const pages = [];
    let token: string | undefined;
    do {
      const page = await scanner.fetchPage(target, shard, token);
      pages.push(page);
      token = page.next;
    } while (token);
    return pages;
  }

  it('plans one shard per configured scope and pages searchAllResources one page per call', async () => {
    expect(await scanner.listTargets(undefined)).toEqual({ targets: ['projects/p1', 'folders/77'], source: 'config' });
    const plan = await scanner.planTarget('projects/p1', { resourceTypes: ['all'] });
    expect(plan.shards).toHaveLength(1);
    const pages = await drain('projects/p1', plan.shards[0]!);
    expect(pages.map((p) => p.resources.length)).toEqual([3, 3, 1]);
    expect(fake.requests.map((r) => [r.method, r.path, r.query.get('pageSize'), r.query.get('pageToken')])).toEqual([
      ['GET', '/v1/projects/p1:searchAllResources', '3', null],
      ['GET', '/v1/projects/p1:searchAllResources', '3', pages[0]!.next],
      ['GET', '/v1/projects/p1:searchAllResources', '3', pages[1]!.next],
    ]);
    expect(fake.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    const resources = pages.flatMap((p) => p.resources);
    expect(resources.map((r) => r.id)).toEqual(P1.map((a) => a.name));
    expect(resources[0]).toEqual({
      cloud: 'gcp', account: 'p1', region: 'us-central1', type: 'gcp:compute/instance',
      id: '//compute.googleapis.com/projects/p1/zones/us-central1-a/instances/vm0', name: 'vm0', tags: { owner: 'team-a', env: 'prod' },
    });
    expect(resources[1]).toMatchObject({ type: 'gcp:storage/bucket', region: 'us-central1', tags: { env: 'dev' } });
  });

  it('resumes a shard from a token alone, as a restarted worker does', async () => {
    const shard = (await scanner.planTarget('folders/77', { resourceTypes: ['all'] })).shards[0]!;
    const first = await scanner.fetchPage('folders/77', shard, undefined);
    // A fresh scanner (a new worker) continues from the heartbeated token.
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: TOKEN });
    const restarted = createGcpScanner(createGcpClients(settings, auth), settings);
    const rest = await restarted.fetchPage('folders/77', shard, first.next);
    expect([...first.resources, ...rest.resources].map((r) => r.account)).toEqual(['p2', 'p2', 'p2', 'p3', 'p3']);
    expect(rest.next).toBeUndefined();
  });

  it('keeps only the requested types', async () => {
    const shard = (await scanner.planTarget('projects/p1', { resourceTypes: ['gcp:storage/bucket'] })).shards[0]!;
    const resources = (await drain('projects/p1', shard)).flatMap((p) => p.resources);
    expect(resources.map((r) => r.id)).toEqual(P1.filter((a) => a.assetType === 'storage.googleapis.com/Bucket').map((a) => a.name));
  });

  it('maps 429 RESOURCE_EXHAUSTED to a retryable Throttled failure', async () => {
    const shard = (await scanner.planTarget('projects/p1', { resourceTypes: ['all'] })).shards[0]!;
    fake.failNext(429, 'RESOURCE_EXHAUSTED');
    const err = await scanner.fetchPage('projects/p1', shard, undefined).catch((e: unknown) => e);
    const failure = scanner.toFailure(err, 'projects/p1');
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'Throttled', nonRetryable: false });
    expect(failure.message).toMatch(/^projects\/p1: Cloud Asset API throttled the request \(injected RESOURCE_EXHAUSTED\)$/);
    // The SDK does not retry RESOURCE_EXHAUSTED for this method: Temporal's backoff does, from the same token.
    expect(fake.requests).toHaveLength(1);
    expect((await scanner.fetchPage('projects/p1', shard, undefined)).resources).toHaveLength(3);
  });

  it('maps PERMISSION_DENIED on a scope to a non-retryable AccessDenied naming the role', async () => {
    const shard = { region: '*', label: 'asset:search', source: { kind: 'search', resourceTypes: ['all'] } };
    const err = await scanner.fetchPage('projects/not-granted', shard, undefined).catch((e: unknown) => e);
    expect(scanner.toFailure(err, 'projects/not-granted')).toMatchObject({ type: 'AccessDenied', nonRetryable: true, message: expect.stringMatching(/Cloud Asset Viewer/) });
  });

  it('treats an unknown page token as expired (the shard starts over)', async () => {
    const shard = (await scanner.planTarget('projects/p1', { resourceTypes: ['all'] })).shards[0]!;
    const err = await scanner.fetchPage('projects/p1', shard, 'bm90LWEtdG9rZW4').catch((e: unknown) => e);
    expect(scanner.isExpiredToken(err)).toBe(true);
    expect(scanner.isExpiredToken(new Error('other'))).toBe(false);
  });

  it('refuses scopes outside the configured ones and malformed ones', async () => {
    await expect(scanner.listTargets(['projects/other'])).rejects.toMatchObject({ type: 'InvalidInput', message: expect.stringMatching(/projects\/other/) });
    await expect(scanner.planTarget('p1', { resourceTypes: ['all'] })).rejects.toMatchObject({ type: 'InvalidInput' });
  });

  it('reads live labels by full resource name with an exact-name query in the name\'s project', async () => {
    const id = P1[3]!.name;
    const tags = await scanner.readTags([id, 'arn:aws:s3:::bucket', '//compute.googleapis.com/projects/p1/zones/z/instances/gone']);
    expect(tags.get(id)).toEqual({ tags: P1[3]!.labels, account: 'p1', region: P1[3]!.location, type: 'gcp:storage/bucket' });
    expect(tags.get('arn:aws:s3:::bucket')).toMatchObject({ error: expect.stringMatching(/not a GCP full resource name/) });
    expect(tags.get('//compute.googleapis.com/projects/p1/zones/z/instances/gone')).toMatchObject({ error: expect.stringMatching(/not found/) });
    expect(fake.requests.map((r) => [r.path, r.query.get('query')])).toEqual([
      ['/v1/projects/p1:searchAllResources', `name="${id}"`],
      ['/v1/projects/p1:searchAllResources', 'name="//compute.googleapis.com/projects/p1/zones/z/instances/gone"'],
    ]);
  });

  it('fails cleanly without credentials: a typed non-retryable failure naming what to set, no crash, no call', async () => {
    const emptyGcloud = mkdtempSync(path.join(os.tmpdir(), 'gcloud-'));
    // No key file, no gcloud login, metadata server not allowed: nothing leaves this machine.
    const bare = createGcpScanner(createGcpClients(settings, undefined, { CLOUDSDK_CONFIG: emptyGcloud }), settings);
    await expect(bare.listTargets(undefined)).rejects.toMatchObject({ type: 'AccessDenied', nonRetryable: true, message: expect.stringMatching(/GOOGLE_APPLICATION_CREDENTIALS.*gcloud auth application-default login/) });
    await expect(bare.planTarget('projects/p1', { resourceTypes: ['all'] })).rejects.toMatchObject({ type: 'AccessDenied', nonRetryable: true });
    // A configured key file that is not there: google-auth-library's own failure, caught at the seam.
    const missingKey = { ...settings, keyFile: path.join(emptyGcloud, 'missing-key.json') };
    const keyless = createGcpScanner(createGcpClients(missingKey, undefined, {}), missingKey);
    await expect(keyless.planTarget('projects/p1', { resourceTypes: ['all'] })).rejects.toMatchObject({ type: 'AccessDenied', nonRetryable: true, message: expect.stringMatching(/no GCP credentials found/) });
    expect(fake.requests).toEqual([]);
  });

  it('fails listing when no scopes are configured, naming the setting', async () => {
    const none = createGcpScanner(createGcpClients({}), {});
    await expect(none.listTargets(undefined)).rejects.toMatchObject({ type: 'InvalidInput', message: expect.stringMatching(/clouds\.gcp\.scopes.*GCP_SCOPES/) });
  });
});

describe('GCP config', () => {
  const env = (vars: Record<string, string>) => ({ CONFIG_FILE: '', ...vars }) as NodeJS.ProcessEnv;

  it('reads scopes and endpoint overrides from the environment, with defaults', () => {
    expect(loadConfig(env({})).clouds.gcp).toMatchObject({ scopes: [], useMetadataServer: false, pageSize: 500, maxConcurrentShards: 5 });
    const gcp = loadConfig(env({
      GCP_SCOPES: 'organizations/123, folders/45,projects/my-proj', GCP_API_ENDPOINT: '127.0.0.1', GCP_API_PORT: '8089',
      GCP_API_PROTOCOL: 'http', GCP_MAX_CONCURRENT_SHARDS: '2', GCP_USE_METADATA_SERVER: 'true',
    })).clouds.gcp;
    expect(gcp).toMatchObject({ scopes: ['organizations/123', 'folders/45', 'projects/my-proj'], apiEndpoint: '127.0.0.1', port: 8089, protocol: 'http', maxConcurrentShards: 2, useMetadataServer: true });
  });

  it('refuses a scope that is not organizations/N, folders/N or projects/P', () => {
    expect(() => loadConfig(env({ GCP_SCOPES: 'my-proj' }))).toThrow(/clouds\.gcp\.scopes\.0: must be organizations\/N, folders\/N or projects\/P/);
  });
});
