// MCP sessions of the HTTP gateway on real components (Temporal dev server, PostgreSQL, the fastify
// gateway over real HTTP, the MCP SDK client): DELETE with any body framing, idle expiry, caps per
// key and in total, the 404 of an unknown session, empty batches, /health's own rate bucket, and an
// audit row for every refusal at a bounded rate.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { configSchema } from '../../config/index.js';
import { loadConfig } from '../../config/load.js';
import { hashApiKey, keyIdentity } from '../../mcp-gateway/auth.js';
import { sessionsOf } from '../../mcp-gateway/http.js';
import type { FastifyInstance } from 'fastify';
import { INITIALIZE, mcpHeaders, raw, startGatewayStack, type GatewayStack } from '../support/http-gateway.js';

const KEY = 'sessions-key-5d1e8f2a9b3c4d6e';
const OTHER_KEY = 'sessions-other-7a8b9c0d1e2f3a4b';
const KEYS = [hashApiKey(KEY), hashApiKey(OTHER_KEY)];
const TOOLS_LIST = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
const UNKNOWN_SESSION = /^Not Found: this gateway replica does not know that MCP session .*another replica.*initialize again.*Mcp-Session-Id/;

const auth = (key?: string): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {});
const sessionHeaders = (id: string, key?: string) => mcpHeaders({ 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18', ...auth(key) });

async function initialize(url: string, key?: string): Promise<string> {
  const res = await raw(`${url}/mcp`, { method: 'POST', headers: mcpHeaders(auth(key)), body: JSON.stringify(INITIALIZE) });
  expect(res.status).toBe(200);
  return res.headers['mcp-session-id'] as string;
}

const listTools = (url: string, id: string, key?: string) =>
  raw(`${url}/mcp`, { method: 'POST', headers: sessionHeaders(id, key), body: TOOLS_LIST });

function errorOf(body: string): { code: number; message: string } {
  return (JSON.parse(body) as { error: { code: number; message: string } }).error;
}

/** Opens the session's SSE stream (GET /mcp) and keeps it open until `close`. */
function openStream(url: string, id: string, key?: string): Promise<{ status: number; response: IncomingMessage; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/mcp`, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18', ...auth(key) },
    }, (res) => {
      res.resume(); // read the events, so the stream can end
      resolve({ status: res.statusCode ?? 0, response: res, close: () => req.destroy() });
    });
    req.on('error', (err) => { if (!req.destroyed) reject(err); });
    req.end();
  });
}

/** Polls a condition on the gateway's state (not on time) until it holds. */
async function until(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('session settings', () => {
  it('are read from the environment, with bounded defaults', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gateway-sessions-config-'));
    const file = path.join(dir, 'config.yaml');
    writeFileSync(file, 'logLevel: silent\n');
    const config = loadConfig({ CONFIG_FILE: file, SESSION_IDLE_TIMEOUT_SECONDS: '60', MAX_SESSIONS_PER_PRINCIPAL: '5', MAX_SESSIONS: '50' });
    expect(config.http).toMatchObject({ sessionIdleTimeoutSeconds: 60, maxSessionsPerPrincipal: 5, maxSessions: 50 });
    expect(configSchema.parse({}).http).toMatchObject({ sessionIdleTimeoutSeconds: 900, maxSessionsPerPrincipal: 100, maxSessions: 1000 });
    expect(() => loadConfig({ CONFIG_FILE: file, MAX_SESSIONS: '0' })).toThrow(/http\.maxSessions/);
  });
});

describe('HTTP gateway sessions', () => {
  let stack: GatewayStack;

  beforeAll(async () => {
    stack = await startGatewayStack('gateway-sessions');
  });

  afterAll(async () => {
    await stack?.close();
  });

  const registry = (app: FastifyInstance) => sessionsOf(app)!;
  const idle = (app: FastifyInstance, id: string, key?: string) => () =>
    registry(app).find(id, key ? keyIdentity(hashApiKey(key)) : undefined)?.active === 0;

  it('closes a session on DELETE however the body is framed', async () => {
    const { app, url } = await stack.start({ apiKeyHashes: KEYS });
    const framings: Array<{ name: string; headers?: Record<string, string>; body?: string }> = [
      { name: 'no body' },
      { name: 'application/json with an empty body (the Python SDK)', headers: { 'content-type': 'application/json' }, body: '' },
      { name: 'a JSON body', headers: { 'content-type': 'application/json' }, body: '{}' },
      { name: 'a text body', headers: { 'content-type': 'text/plain' }, body: 'bye' },
    ];
    for (const framing of framings) {
      const id = await initialize(url, KEY);
      expect(registry(app).size, framing.name).toBe(1);
      // Another key cannot close it.
      const foreign = await raw(`${url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': id, ...auth(OTHER_KEY) } });
      expect(foreign.status, framing.name).toBe(404);
      expect(registry(app).size, framing.name).toBe(1);
      const res = await raw(`${url}/mcp`, {
        method: 'DELETE', headers: { 'mcp-session-id': id, ...auth(KEY), ...framing.headers }, ...(framing.body !== undefined ? { body: framing.body } : {}),
      });
      expect(res.status, framing.name).toBe(200);
      expect(registry(app).size, framing.name).toBe(0);
      const after = await listTools(url, id, KEY);
      expect(after.status, framing.name).toBe(404);
      expect(errorOf(after.body).message).toMatch(UNKNOWN_SESSION);
    }
    // An initialize the transport refuses (no Accept header) leaves no session behind.
    const refused = await raw(`${url}/mcp`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...auth(KEY) }, body: JSON.stringify(INITIALIZE),
    });
    expect(refused.status).toBe(406);
    expect(registry(app).size).toBe(0);
    const unknown = await raw(`${url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': randomUUID(), ...auth(KEY) } });
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown.body).message).toMatch(UNKNOWN_SESSION);
    const anonymous = await raw(`${url}/mcp`, { method: 'DELETE', headers: auth(KEY) });
    expect(anonymous.status).toBe(400);
    expect(errorOf(anonymous.body).message).toMatch(/Mcp-Session-Id/);
  });

  it('lets the official SDK client end its session', async () => {
    const { app, url } = await stack.start({});
    const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`));
    const client = new McpClient({ name: 'sessions-test', version: '1.0.0' });
    await client.connect(transport);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    expect(registry(app).size).toBe(1);
    await transport.terminateSession();
    expect(registry(app).size).toBe(0);
    await client.close();
  });

  it('closes idle sessions, but not one with an open stream', async () => {
    const { app, url } = await stack.start({ sessionIdleTimeoutSeconds: 1 });
    const abandoned = await initialize(url);
    const streaming = await initialize(url);
    const stream = await openStream(url, streaming);
    expect(stream.status).toBe(200);
    const streamOpenedAt = Date.now();
    await until('the abandoned session expired', () => registry(app).find(abandoned, undefined) === undefined);
    // The streaming session has now been quiet for longer than the timeout too, but it is busy.
    await until('the stream is older than the idle timeout', () => Date.now() - streamOpenedAt > 1500);
    registry(app).sweep();
    expect(registry(app).find(streaming, undefined)).toBeDefined();
    expect((await listTools(url, streaming)).status).toBe(200);
    const expired = await listTools(url, abandoned);
    expect(expired.status).toBe(404);
    expect(errorOf(expired.body).message).toMatch(UNKNOWN_SESSION);
    stream.close();
    await until('the stream closed and the session expired', () => registry(app).size === 0);
  });

  it('caps sessions per key, closing its least recently used idle one, and in total', async () => {
    const { app, url } = await stack.start({ apiKeyHashes: KEYS, maxSessionsPerPrincipal: 2, maxSessions: 3 });
    const first = await initialize(url, KEY);
    await until('the first initialize is done', idle(app, first, KEY));
    const second = await initialize(url, KEY);
    await until('the second initialize is done', idle(app, second, KEY));
    const third = await initialize(url, KEY); // evicts `first`
    expect(registry(app).size).toBe(2);
    expect((await listTools(url, first, KEY)).status).toBe(404);
    expect((await listTools(url, second, KEY)).status).toBe(200);

    // Both sessions busy (open streams): nothing to evict, so the fourth is refused.
    const streams = await Promise.all([openStream(url, second, KEY), openStream(url, third, KEY)]);
    expect(streams.map((s) => s.status)).toEqual([200, 200]);
    const refused = await raw(`${url}/mcp`, { method: 'POST', headers: mcpHeaders(auth(KEY)), body: JSON.stringify(INITIALIZE) });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(errorOf(refused.body)).toEqual({
      code: -32029, message: expect.stringMatching(/this API key has 2 MCP sessions open and busy.*http\.maxSessionsPerPrincipal, MAX_SESSIONS_PER_PRINCIPAL/),
    });

    // The other key has room of its own, until the gateway's total is reached.
    await initialize(url, OTHER_KEY);
    const full = await raw(`${url}/mcp`, { method: 'POST', headers: mcpHeaders(auth(OTHER_KEY)), body: JSON.stringify(INITIALIZE) });
    expect(full.status).toBe(503);
    expect(errorOf(full.body).message).toMatch(/holds 3 MCP sessions, its limit \(http\.maxSessions, MAX_SESSIONS\)/);
    for (const s of streams) s.close();
    expect((await raw(`${url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': second, ...auth(KEY) } })).status).toBe(200);
    await initialize(url, OTHER_KEY);
    expect(registry(app).size).toBe(3);

    await app.close(); // flushes the refusal audit rows
    expect(registry(app).size).toBe(0);
    const rows = await stack.store.db.query<{ tool: string; actor: string | null; error: string }>(
      `select tool, actor, error from audit_log where tool in ('http:429', 'http:503') and error like '%MCP sessions%'`);
    expect(rows).toEqual(expect.arrayContaining([
      expect.objectContaining({ tool: 'http:429', actor: keyIdentity(hashApiKey(KEY)) }),
      expect.objectContaining({ tool: 'http:503', actor: keyIdentity(hashApiKey(OTHER_KEY)) }),
    ]));
  });

  it('shuts down with a client still holding its SSE stream, closing the session', async () => {
    const { app, url } = await stack.start({});
    const id = await initialize(url);
    const stream = await openStream(url, id);
    expect(stream.status).toBe(200);
    const ended = new Promise<void>((resolve) => stream.response.once('close', () => resolve()));
    await app.close(); // before the fix this waited for the client to hang up (the test's timeout)
    await ended;
    expect(registry(app).size).toBe(0);
  });

  it('answers an empty JSON-RPC batch with an Invalid Request error', async () => {
    const { url } = await stack.start({});
    const id = await initialize(url);
    for (const headers of [sessionHeaders(id), mcpHeaders()]) {
      const res = await raw(`${url}/mcp`, { method: 'POST', headers, body: '[]' });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual({
        jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request: the JSON-RPC batch is empty' },
      });
    }
  });

  it('counts /health in a bucket of its own, so failed logins cannot starve a liveness probe', async () => {
    const { url } = await stack.start({ apiKeyHashes: KEYS, rateLimitPerMinute: 3 });
    const guess = () => raw(`${url}/mcp`, { headers: auth('guess') });
    for (let i = 0; i < 3; i++) expect((await guess()).status).toBe(401);
    expect((await guess()).status).toBe(429);
    for (let i = 0; i < 3; i++) expect((await raw(`${url}/health`)).status).toBe(200);
    const limited = await raw(`${url}/health`);
    expect(limited.status).toBe(429);
    expect(errorOf(limited.body).message).toMatch(/limit of \/health is 3 requests per minute per client address/);
  });

  it('audits each refusal with its reason, at most 10 rows per minute per address and status', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }));
    const { app, url } = await stack.start({ apiKeyHashes: KEYS, rateLimitPerMinute: 3, bodyLimitBytes: 2048 }, logger);
    const port = new URL(url).port;
    const probe = `/probe-${randomUUID()}`;
    for (let i = 0; i < 15; i++) {
      expect((await raw(`${url}${probe}?token=${KEY}`, { headers: { host: `attacker.example:${port}` } })).status).toBe(403);
    }
    expect((await raw(`${url}/mcp`, { method: 'POST', headers: mcpHeaders(auth(`${KEY}-wrong`)), body: '{}' })).status).toBe(401);
    const big = JSON.stringify({ ...INITIALIZE, padding: 'x'.repeat(4096) });
    expect((await raw(`${url}/mcp`, { method: 'POST', headers: mcpHeaders(auth(KEY)), body: big })).status).toBe(413);
    for (let i = 0; i < 2; i++) expect((await raw(`${url}/mcp`, { headers: auth(KEY) })).status).toBe(400);
    expect((await raw(`${url}/mcp`, { headers: auth(KEY) })).status).toBe(429);
    await app.close(); // waits for the refusal rows

    const rows = await stack.store.db.query<{ tool: string; actor: string | null; params: Record<string, unknown>; outcome: string; error: string }>(
      `select tool, actor, params, outcome, error from audit_log where tool like 'http:%' and (params->>'path' = $1 or error not like '%MCP sessions%')
       order by id`, [probe]);
    const probes = rows.filter((r) => r.params.path === probe);
    expect(probes).toHaveLength(10);
    expect(probes[0]).toEqual({
      tool: 'http:403', actor: null, outcome: 'refused',
      params: { method: 'GET', path: probe, ip: '127.0.0.1' }, error: expect.stringMatching(/^Forbidden: Host header "attacker\.example:\d+" is not allowed/),
    });
    const mine = (tool: string) => rows.filter((r) => r.tool === tool && r.params.path === '/mcp');
    expect(mine('http:401').at(-1)).toMatchObject({ actor: null, params: { method: 'POST', path: '/mcp' }, error: 'Unauthorized: unknown API key' });
    expect(mine('http:413').at(-1)).toMatchObject({ actor: keyIdentity(hashApiKey(KEY)), error: expect.stringMatching(/Payload Too Large.*2048 bytes/) });
    expect(mine('http:429').at(-1)).toMatchObject({ actor: keyIdentity(hashApiKey(KEY)), error: expect.stringMatching(/^Too Many Requests: the limit is 3/) });
    for (const row of rows) {
      expect(JSON.stringify(row)).not.toContain(KEY);
      expect(JSON.stringify(row)).not.toMatch(/Bearer|authorization/i);
    }

    // Each audited refusal is logged with its reason; the 5 over the audit rate are counted in one line.
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.filter((l) => l.msg === 'http request refused' && l.path === probe)).toHaveLength(10);
    expect(logged).toContainEqual(expect.objectContaining({
      msg: 'http refusals not audited (over the per-address audit rate)', status: 403, ip: '127.0.0.1', suppressed: 5,
    }));
    for (const line of lines) expect(line).not.toContain(KEY);
  });
});
