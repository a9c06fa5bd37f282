// A moto-seeded scan for the remediation generators' tests: resources listed from moto by the
// real listers, evaluated by the engine against scan-policy.json, and stored as one completed scan
// (with its policy version) in a fresh PostgreSQL database; plus an in-memory MCP client on the
// tools under test. The scan is cached for its scope, so tools answer without Temporal.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { AwsClients } from '../../cloud/aws/clients.js';
import { LISTERS } from '../../cloud/aws/listers.js';
import { configSchema } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { LISTED_TYPES } from '../../core/aws/resource-types.js';
import { complianceScore, evaluate } from '../../core/compliance/index.js';
import { compilePolicy } from '../../core/policy/compile.js';
import { parsePolicyJson } from '../../core/policy/schema.js';
import type { Resource } from '../../core/resource.js';
import type { ScanResourceRow } from '../../core/scan.js';
import { scopeHash } from '../../core/scan-id.js';
import { normaliseScope, type ScopeInput } from '../../core/scope.js';
import type { ToolDefinition } from '../../mcp-gateway/context.js';
import { createMcpServer } from '../../mcp-gateway/server.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { createStore, migrate, openDb, type Db, type Store } from '../../store/index.js';
import { DEFAULT_ROLE_NAME, MANAGEMENT_ACCOUNT, SCAN_POLICY_PATH, seedOrg, type SeededOrg } from './aws-seed.js';
import { createTestDatabase } from './databases.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from './moto.js';

export const REGION = 'us-east-1';
/** Tool arguments naming the stored scan's scope. */
export const SCOPE_ARGS = { resource_types: ['all'], accounts: [MANAGEMENT_ACCOUNT], regions: [REGION] };

export interface RemediationScan {
  moto: MotoServer;
  org: SeededOrg;
  rows: ScanResourceRow[];
  store: Store;
  scanWorkflowId: string;
  /** Env for a Python AWS tool (custodian, c7n-org) pointed at moto. */
  awsEnv: Record<string, string>;
  call(name: string, args: Record<string, unknown>): Promise<{ structured: Record<string, any>; text: string }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  callError(name: string, args: Record<string, unknown>): Promise<string>;
  stop(): Promise<void>;
}

export async function startRemediationScan(tools: unknown[]): Promise<RemediationScan> {
  const [moto, database] = await Promise.all([startMoto(), createTestDatabase()]);
  const env = { ...process.env };
  let db: Db | undefined;
  const clients: McpClient[] = [];
  try {
    const org = await seedOrg(moto.endpoint, { accounts: [MANAGEMENT_ACCOUNT], regions: [REGION] });
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    const resources = await listAll(moto.endpoint);
    const policyText = await readFile(path.join(REPO_ROOT, SCAN_POLICY_PATH), 'utf8');
    const compiled = compilePolicy(parsePolicyJson(policyText));
    const rows: ScanResourceRow[] = resources.map((r) => {
      const e = evaluate(compiled, r);
      return { resourceId: r.id, cloud: r.cloud, account: r.account, region: r.region, resourceType: r.type, name: r.name ?? null,
        tags: r.tags, state: r.state ?? null, createdAt: r.created ?? null, compliant: e.compliant, violations: e.findings, monthlyCost: null };
    });
    db = await openDb({ databaseUrl: database.url, poolMax: 4 });
    await migrate(db);
    const store = createStore(db);
    const version = await store.savePolicyVersion({ source: `file:${SCAN_POLICY_PATH}`, document: JSON.parse(policyText) });
    const scope = normaliseScope({ clouds: ['aws'], ...SCOPE_ARGS } as ScopeInput);
    const hash = scopeHash(scope);
    const scanWorkflowId = `scan-adhoc-${hash}-20260101T0000Z`;
    const id = `${scanWorkflowId}.run1`;
    await store.createScan({ id, workflowId: scanWorkflowId, trigger: 'adhoc', scope, scopeHash: hash, policyVersionId: version.id, storeSnapshot: false });
    await store.upsertScanResources(id, rows);
    const totals = await store.scanTotals(id);
    await store.completeScan(id, { status: 'completed', totals: { ...totals, score: complianceScore(totals.compliant, totals.total) },
      dataQuality: { status: 'complete', missing: [] } });

    // Never connected: the stored scan answers from the cache.
    const temporal = new TemporalClient({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const config = configSchema.parse({ logLevel: 'silent', database: { url: database.url }, policy: { path: path.join(REPO_ROOT, SCAN_POLICY_PATH) },
      clouds: { aws: { managementAccountId: MANAGEMENT_ACCOUNT, crossAccountRoleName: DEFAULT_ROLE_NAME } } });
    const connect = async () => {
      const server = createMcpServer({ config, store, temporal, logger: createLogger('silent') }, { sessionId: 'remediation' },
        tools as ToolDefinition[]);
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      const client = new McpClient({ name: 'remediation-test', version: '1.0.0' });
      await server.connect(serverSide);
      await client.connect(clientSide);
      await client.listTools(); // the client checks structuredContent against the listed output schemas
      clients.push(client);
      return client;
    };
    // A session per call: the guard allows only a few identical calls per session.
    const raw = async (name: string, args: Record<string, unknown>) =>
      (await (await connect()).callTool({ name, arguments: args })) as CallToolResult;
    const dbHandle = db;
    return {
      moto, org, rows, store, scanWorkflowId,
      awsEnv: {
        AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey, AWS_DEFAULT_REGION: REGION,
      },
      async call(name, args) {
        const result = await raw(name, args);
        const text = (result.content[0] as { text: string }).text;
        if (result.isError) throw new Error(`${name} failed: ${text}`);
        return { structured: result.structuredContent as Record<string, any>, text }; // eslint-disable-line @typescript-eslint/no-explicit-any
      },
      async callError(name, args) {
        const result = await raw(name, args);
        if (!result.isError) throw new Error(`${name} succeeded, expected an error`);
        return (result.content[0] as { text: string }).text;
      },
      async stop() {
        await Promise.all(clients.map((c) => c.close()));
        await temporal.connection.close().catch(() => undefined);
        await dbHandle.close();
        process.env = env;
        await Promise.all([moto.stop(), database.drop()]);
      },
    };
  } catch (err) {
    process.env = env;
    await db?.close();
    await Promise.all([moto.stop(), database.drop()]);
    throw err;
  }
}

async function listAll(endpoint: string): Promise<Resource[]> {
  const clients = new AwsClients({ endpoint, roleName: DEFAULT_ROLE_NAME, sessionDurationSeconds: 900, maxAttempts: 2 });
  try {
    const out: Resource[] = [];
    for (const type of LISTED_TYPES) {
      let token: string | undefined;
      do {
        const page = await LISTERS[type]({ clients, accountId: MANAGEMENT_ACCOUNT, region: REGION }, token);
        out.push(...page.resources);
        token = page.next;
      } while (token);
    }
    return out;
  } finally {
    clients.destroy();
  }
}
