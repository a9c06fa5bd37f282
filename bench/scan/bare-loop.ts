// The floor a scan is measured against: the same SDK calls as the product (STS AssumeRole per
// account, then GetResources pages per account x region, same concurrency limits) and the
// product's own engine evaluating each resource in process, but no Temporal and no database.
import { Agent as HttpAgent } from 'node:http';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity } from '@smithy/types';
import { parseArn, regionOfArn } from '../../core/aws/arn.js';
import { evaluate } from '../../core/compliance/index.js';
import { compilePolicy, parsePolicy } from '../../core/policy/index.js';
import type { Resource } from '../../core/resource.js';
import { BASE_CREDENTIALS } from './aws-endpoint.js';
import { BENCH_POLICY, RESOURCE_TYPES, type Inventory } from './inventory.js';

export interface Concurrency {
  parallelAccounts: number;
  concurrentRegions: number;
}

export interface BareLoopResult {
  seconds: number;
  resources: number;
  compliant: number;
  pages: number;
}

export async function runBareLoop(endpoint: string, inventory: Inventory, limits: Concurrency): Promise<BareLoopResult> {
  const compiled = compilePolicy(parsePolicy(BENCH_POLICY));
  // As in cloud/aws/clients.ts: one keep-alive socket pool shared by every client.
  const requestHandler = new NodeHttpHandler({ httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }) });
  const sts = new STSClient({ endpoint, region: 'us-east-1', credentials: BASE_CREDENTIALS, requestHandler });
  const filters = [...new Set(RESOURCE_TYPES.map((t) => t.split(':')[0]!))];
  const result = { resources: 0, compliant: 0, pages: 0 };

  const start = process.hrtime.bigint();
  await forEachBounded(inventory.accounts, limits.parallelAccounts, async (account) => {
    const credentials = await assumeRole(sts, account);
    await forEachBounded(inventory.regions, limits.concurrentRegions, async (region) => {
      const client = new ResourceGroupsTaggingAPIClient({ endpoint, region, credentials, requestHandler, maxAttempts: 3 });
      let token: string | undefined;
      do {
        const page = await client.send(new GetResourcesCommand({ ResourcesPerPage: 100, ResourceTypeFilters: filters, ...(token ? { PaginationToken: token } : {}) }));
        result.pages++;
        for (const mapping of page.ResourceTagMappingList ?? []) {
          const resource = toResource(account, mapping.ResourceARN!, mapping.Tags ?? []);
          result.resources++;
          if (evaluate(compiled, resource).compliant) result.compliant++;
        }
        token = page.PaginationToken || undefined;
      } while (token);
    });
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  requestHandler.destroy();
  return { seconds, ...result };
}

async function assumeRole(sts: STSClient, account: string): Promise<AwsCredentialIdentity> {
  const out = await sts.send(new AssumeRoleCommand({
    RoleArn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`, RoleSessionName: 'bench-bare-loop',
  }));
  const c = out.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken, expiration: c.Expiration };
}

function toResource(account: string, arn: string, list: { Key?: string; Value?: string }[]): Resource {
  const tags: Record<string, string> = {};
  for (const tag of list) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  const parts = parseArn(arn);
  return { cloud: 'aws', account: parts.accountId || account, region: regionOfArn(parts), type: parts.type, id: arn, name: tags.Name ?? parts.name, tags };
}

async function forEachBounded<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
