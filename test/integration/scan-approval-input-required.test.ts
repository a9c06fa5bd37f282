// The approval gate asked about in chat, through the real HTTP gateway (Temporal dev server,
// PostgreSQL, moto, the worker as its own process) and real MCP clients of both eras: a caller who
// may approve is asked (2026-07-28: input_required; 2025: elicitation) and its answer approves or
// rejects the held scan in the same call; a caller who may not (an OAuth token without the approve
// scope, or a client that cannot answer a form) gets the awaiting_approval handle. A start with an
// approved plan hash that joins a held scan releases it when the plan is the one approved.
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult, ElicitResult } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../config/logger.js';
import { openStore, type StoreHandle } from '../../cli/runtime.js';
import { hashApiKey, keyIdentity } from '../../mcp-gateway/auth.js';
import { createHttpGateway } from '../../mcp-gateway/http.js';
import { scanHandle } from '../../client/scans.js';
import { APPROVAL_AUDIT_TOOL } from '../../store/scan-approval.js';
import { startMotoStack, type MotoStack } from '../support/moto-stack.js';
import { startLocalIssuer, type LocalIssuer } from '../support/oauth-issuer.js';

const KEY = 'approval-ir-api-key-0123456789abcdef';
const KEY_ACTOR = keyIdentity(hashApiKey(KEY));

type Reply = { status: string; scan_id: string; approval?: { plan_hash: string }; scan?: unknown };

describe('approval asked in chat (input_required / elicitation)', () => {
  let stack: MotoStack;
  let store: StoreHandle;
  let temporal: TemporalClient;
  let issuer: LocalIssuer;
  let url: string;
  let close: () => Promise<void>;
  let A0: string, A1: string, R0: string, R1: string;

  beforeAll(async () => {
    [stack, issuer] = await Promise.all([startMotoStack({ name: 'approval-ir' }), startLocalIssuer()]);
    store = await openStore(stack.config, createLogger('silent'));
    temporal = new TemporalClient({ connection: await Connection.connect({ address: stack.temporalServer.address }) });
    [A0, A1] = stack.org.accounts as [string, string];
    [R0, R1] = stack.org.regions as [string, string];
    // Two accounts × two regions is over a threshold of one target-region-type: every scan here waits.
    const config = {
      ...stack.config,
      approval: { ...stack.config.approval, maxTargetRegionTypes: 1 },
      http: { ...stack.config.http, auth: { mode: 'both' as const }, apiKeyHashes: [hashApiKey(KEY)],
        oauth: { ...stack.config.http.oauth, issuer: issuer.issuer, jwksUri: issuer.jwksUri } },
    };
    const app = await createHttpGateway({ config, store: store.store, temporal, logger: createLogger('silent') }, { dbKind: store.db.kind });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    close = () => app.close();
  }, 180_000);

  afterAll(async () => {
    await close?.();
    await temporal?.connection.close();
    await store?.close();
    await stack?.stop();
    await issuer?.close();
  });

  const scopeOf = (type: string) => ({ accounts: [A0, A1], regions: [R0, R1], resource_types: [type] });

  async function connect(era: 'modern' | 'legacy', opts: { answer?: ElicitResult; bearer?: string; elicitation?: boolean } = {}) {
    const asked: string[] = [];
    const client = new Client({ name: `approval-${era}`, version: '1.0.0' }, {
      capabilities: opts.elicitation === false ? {} : { elicitation: { form: {} } },
      ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : { supportedProtocolVersions: ['2025-11-25'] }),
    });
    if (opts.elicitation !== false) {
      client.setRequestHandler('elicitation/create', async (request: { params: { message: string } }) => {
        asked.push(request.params.message);
        return opts.answer ?? { action: 'cancel' };
      });
    }
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${opts.bearer ?? KEY}` } },
    }));
    expect(client.getProtocolEra()).toBe(era);
    return { client, asked };
  }

  const call = async (client: Client, name: string, args: Record<string, unknown>) =>
    await client.callTool({ name, arguments: args }, { timeout: 180_000 }) as CallToolResult;
  const textOf = (r: CallToolResult) => (r.content[0] as { text: string }).text;
  const decisions = async (workflowId: string) => {
    await store.store.flushAudit();
    const row = (await store.store.listScans({ limit: 200 })).find((s) => s.workflowId === workflowId);
    const audit = await store.store.listAudit({ limit: 1000 });
    return audit.filter((a) => a.tool === APPROVAL_AUDIT_TOOL && (a.params as { scan_id?: string }).scan_id === row?.id);
  };
  async function awaiting(client: Client, scanId: string): Promise<Reply> {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      const s = (await call(client, 'get_scan_status', { scan_id: scanId })).structuredContent as Reply;
      if (s.status === 'awaiting_approval') return s;
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`scan ${scanId} never awaited approval`);
  }

  it('a 2026 client approves through input_required, and the same call answers with the completed scan', async () => {
    const { client, asked } = await connect('modern', { answer: { action: 'accept', content: { decision: 'approve', reason: 'fine today' } } });
    try {
      const result = await call(client, 'check_tag_compliance', { ...scopeOf('s3:bucket'), wait_seconds: 120 });
      expect(result.isError).toBeFalsy();
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatch(/waits for approval: .*targets × regions × types.* Plan [0-9a-f]{16}: 2 aws target\(s\) × 2 region\(s\)/);
      const reply = result.structuredContent as Reply;
      expect(reply.status).toBe('completed');
      expect(textOf(result)).toMatch(new RegExp(`^Approved by ${KEY_ACTOR}\\.`));
      expect(await decisions(reply.scan_id)).toMatchObject([{ actor: KEY_ACTOR, outcome: 'approved', params: { via: 'signal' } }]);
    } finally {
      await client.close();
    }
  });

  it('a 2026 client that rejects cancels the scan, and the reply says it was rejected', async () => {
    const { client, asked } = await connect('modern', { answer: { action: 'accept', content: { decision: 'reject', reason: 'too broad' } } });
    try {
      const result = await call(client, 'check_tag_compliance', { ...scopeOf('rds:db'), wait_seconds: 60 });
      expect(asked).toHaveLength(1);
      expect(result.isError).toBe(true);
      const scanId = /Scan (\S+) was rejected/.exec(textOf(result))?.[1];
      expect(textOf(result)).toMatch(new RegExp(`was rejected by ${KEY_ACTOR} \\(too broad\\): it is cancelled without scanning`));
      expect(await scanHandle(temporal, scanId!).result()).toMatchObject({ status: 'cancelled', reason: `rejected by ${KEY_ACTOR}: too broad` });
    } finally {
      await client.close();
    }
  });

  it('a 2025 client that declared elicitation is asked by elicitation, and its approval runs the scan', async () => {
    const { client, asked } = await connect('legacy', { answer: { action: 'accept', content: { decision: 'approve' } } });
    try {
      const result = await call(client, 'start_compliance_scan', scopeOf('dynamodb:table'));
      expect(result.isError).toBeFalsy();
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatch(/waits for approval/);
      const scanId = (result.structuredContent as Reply).scan_id;
      expect(textOf(result)).toMatch(/approved by .*; it runs now/);
      expect((await scanHandle(temporal, scanId).result()).status).toBe('completed');
      expect(await decisions(scanId)).toMatchObject([{ outcome: 'approved', params: { via: 'signal' } }]);
    } finally {
      await client.close();
    }
  });

  it('callers who may not approve, or cannot answer a form, get the awaiting_approval handle', async () => {
    // An OAuth token with the scan scope but not compliance:approve: never asked.
    const token = await issuer.token(`${url}/mcp`, 'compliance:scan');
    const scoped = await connect('modern', { bearer: token, answer: { action: 'accept', content: { decision: 'approve' } } });
    const formless = await connect('modern', { elicitation: false });
    let scanId = '';
    try {
      const result = await call(scoped.client, 'check_tag_compliance', { ...scopeOf('lambda:function'), wait_seconds: 60 });
      expect(scoped.asked).toEqual([]);
      expect(result.structuredContent).toMatchObject({ status: 'awaiting_approval', approval: { plan_hash: expect.stringMatching(/^[0-9a-f]{16}$/) } });
      scanId = (result.structuredContent as Reply).scan_id;
      const status = await call(formless.client, 'get_scan_status', { scan_id: scanId });
      expect(status.structuredContent).toMatchObject({ status: 'awaiting_approval', scan_id: scanId });
      // A token that carries the approve scope is asked.
      const approver = await connect('modern', { bearer: await issuer.token(`${url}/mcp`, 'compliance:scan compliance:approve'),
        answer: { action: 'decline' } });
      try {
        const declined = await call(approver.client, 'get_scan_status', { scan_id: scanId });
        expect(approver.asked).toHaveLength(1);
        expect(declined.structuredContent).toMatchObject({ status: 'awaiting_approval' }); // declining leaves it waiting
      } finally {
        await approver.client.close();
      }
    } finally {
      if (scanId) await temporal.workflow.getHandle(scanId).terminate('test done');
      await scoped.client.close();
      await formless.client.close();
    }
  });

  it('a start with the held plan\'s hash that joins the waiting scan releases it; another hash leaves it waiting', async () => {
    const { client } = await connect('modern', { elicitation: false });
    try {
      const first = await call(client, 'start_compliance_scan', scopeOf('ec2:volume'));
      const scanId = (first.structuredContent as Reply).scan_id;
      const held = await awaiting(client, scanId);

      const wrong = await call(client, 'start_compliance_scan', { ...scopeOf('ec2:volume'), approved_plan_hash: '0000000000000000' });
      expect((wrong.structuredContent as Reply).scan_id).toBe(scanId);
      expect(textOf(wrong)).toMatch(new RegExp(`plan changed: the scan waits with plan ${held.approval!.plan_hash}, not 0000000000000000`));
      expect((await awaiting(client, scanId)).status).toBe('awaiting_approval');

      const joined = await call(client, 'start_compliance_scan', { ...scopeOf('ec2:volume'), approved_plan_hash: held.approval!.plan_hash });
      expect((joined.structuredContent as Reply).scan_id).toBe(scanId);
      expect(textOf(joined)).toMatch(/it now runs/);
      expect((await scanHandle(temporal, scanId).result()).status).toBe('completed');
      expect(await decisions(scanId)).toMatchObject([{ actor: KEY_ACTOR, outcome: 'approved', params: { via: 'signal', note: 'pre-approved plan hash' } }]);
    } finally {
      await client.close();
    }
  });
});
