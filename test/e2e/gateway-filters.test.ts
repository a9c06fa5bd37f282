// The peer's `filters` parameter of check_tag_compliance ({region?, account_id?}) end to end:
// through a real MCP client over Streamable HTTP, against the moto-backed stack, checked against
// what the seeder created in that one account and region.
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../config/logger.js';
import { connectTemporal, openStore, type StoreHandle, type TemporalHandle } from '../../cli/runtime.js';
import { createHttpGateway } from '../../mcp-gateway/http.js';
import { expectedTotals, type SeededOrg } from '../support/aws-seed.js';
import { startMotoStack, type MotoStack } from '../support/moto-stack.js';

/** Every listed type; S3 is listed once per account, and a region filter keeps only its buckets there. */
const REGIONAL_TYPES = ['ec2:instance', 'ec2:volume', 'rds:db', 'lambda:function', 'dynamodb:table', 's3:bucket'];

interface ScanView { scan_id: string; total_resources: number; compliant_resources: number; by_account: Record<string, unknown>;
  by_resource_type: Record<string, unknown>; data_quality: { status: string } }

describe('check_tag_compliance filters on the moto-backed stack', { timeout: 180_000 }, () => {
  let stack: MotoStack;
  let org: SeededOrg;
  let temporal: TemporalHandle;
  let store: StoreHandle;
  let app: FastifyInstance;
  let client: McpClient;

  beforeAll(async () => {
    stack = await startMotoStack({ name: 'filters', config: { gateway: { sessionCallBudget: 1000, maxIdenticalCalls: 50 } } });
    org = stack.org;
    const logger = createLogger('silent');
    temporal = await connectTemporal(stack.config, logger, false);
    store = await openStore(stack.config, logger);
    app = await createHttpGateway({ config: stack.config, store: store.store, temporal: temporal.client, logger }, { dbKind: store.db.kind });
    const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    client = new McpClient({ name: 'filters-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`)));
  }, 600_000);

  afterAll(async () => {
    await client?.close();
    await app?.close();
    await store?.close();
    await temporal?.close();
    await stack?.stop();
  });

  const call = async (args: Record<string, unknown>) =>
    await client.callTool({ name: 'check_tag_compliance', arguments: args }, undefined, { timeout: 150_000 }) as CallToolResult;

  it('narrows the scan to one account and one region', async () => {
    const [, account] = org.accounts;
    const [, region] = org.regions;
    const result = await call({ resource_types: REGIONAL_TYPES, filters: { account_id: account, region }, wait_seconds: 150 });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const s = result.structuredContent as { status: string; scan: ScanView };
    expect(s.status).toBe('completed');
    const expected = expectedTotals({ ...org, resources: org.resources.filter((r) => REGIONAL_TYPES.includes(r.type)) }, { accounts: [account!], regions: [region!] });
    expect(expected.total).toBeGreaterThan(0);
    expect(expected.byResourceType['s3:bucket']?.total, 'seeded buckets in that region').toBeGreaterThan(0);
    expect(s.scan).toMatchObject({ total_resources: expected.total, compliant_resources: expected.compliant,
      by_account: expected.byAccount, by_resource_type: expected.byResourceType, data_quality: { status: 'complete' } });
    expect(Object.keys(s.scan.by_account)).toEqual([account]);
  });

  it('refuses a filter that contradicts the listed accounts or regions, and unknown filter keys', async () => {
    const [first, second] = org.accounts;
    const contradicting = await call({ resource_types: ['dynamodb:table'], accounts: [first], filters: { account_id: second }, wait_seconds: 0 });
    expect(contradicting.isError).toBe(true);
    expect(JSON.stringify(contradicting.content)).toMatch(/filters\.account_id .* is not among accounts/);
    const regionOutside = await call({ resource_types: ['dynamodb:table'], regions: [org.regions[0]], filters: { region: org.regions[1] }, wait_seconds: 0 });
    expect(regionOutside.isError).toBe(true);
    expect(JSON.stringify(regionOutside.content)).toMatch(/filters\.region .* is not among regions/);
    const unknownKey = await call({ resource_types: ['dynamodb:table'], filters: { tag: 'Owner' }, wait_seconds: 0 });
    expect(unknownKey.isError).toBe(true);
  });
});
