// HTTP guardrails of the gateway on real components (Temporal dev server, PostgreSQL, the fastify
// gateway, the MCP SDK client): API keys, CORS, Host/Origin validation, body and rate limits, and
// error replies that never carry a stack or a key.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FastifyInstance } from 'fastify';
import { configSchema, type Config } from '../../config/index.js';
import { ENV_KEYS, loadConfig } from '../../config/load.js';
import { createLogger } from '../../config/logger.js';
import { connectTemporal, openStore, type StoreHandle, type TemporalHandle } from '../../cli/runtime.js';
import {
  ApiKeyVerifier, constantTimeIncludes, hashApiKey, InsecureBindError, isLoopbackHost, keyIdentity, resolveAuthMode,
} from '../../mcp-gateway/auth.js';
import type { GatewayDeps } from '../../mcp-gateway/context.js';
import { createHttpGateway } from '../../mcp-gateway/http.js';
import { HostGuard, parseHostPort } from '../../mcp-gateway/http/host-guard.js';
import type { DevServer } from '../../worker/dev-server.js';
import { createTestDatabase } from '../support/databases.js';
import { startTestTemporal } from '../support/temporal.js';

const KEY = 'test-key-3f9c2a7e51d04b8c9e6f';
const OTHER_KEY = 'other-key-0a1b2c3d4e5f60718293';
const ALLOWED_ORIGIN = 'https://console.example.test';

const POLICY = {
  version: 'gateway-http-1',
  required_tags: [{ name: 'Owner', description: 'owner', allowed_values: null, validation_regex: null, applies_to: [] }],
  optional_tags: [],
  tag_naming_rules: { case_sensitivity: false, allow_special_characters: false, max_key_length: 128, max_value_length: 256 },
};

const INITIALIZE = {
  jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw-test', version: '1.0.0' } },
};

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Every reply body seen by the refusal tests, checked for stacks and keys at the end. */
const replies: string[] = [];

/** A raw HTTP request via node:http, which (unlike fetch) lets a test send any Host header. */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawReply> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    let settled = false;
    const req = httpRequest({
      host: target.hostname, port: target.port, path: target.pathname, method: opts.method ?? 'GET',
      headers: { ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}), ...opts.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        settled = true;
        const body = Buffer.concat(chunks).toString('utf8');
        replies.push(body);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    // A server that refuses a large body may close the socket while the body is still being written.
    req.on('error', (err) => { if (!settled) setTimeout(() => { if (!settled) reject(err); }, 200); });
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

function jsonRpcError(reply: RawReply): { code: number; message: string } {
  expect(reply.headers['content-type']).toMatch(/application\/json/);
  const body = JSON.parse(reply.body) as { jsonrpc: string; id: unknown; error: { code: number; message: string } };
  expect(body).toMatchObject({ jsonrpc: '2.0', id: null });
  return body.error;
}

const mcpHeaders = (extra: Record<string, string> = {}) => ({
  'content-type': 'application/json', accept: 'application/json, text/event-stream', ...extra,
});

describe('API key helpers', () => {
  it('hashApiKey is SHA-256 hex of the UTF-8 key', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(keyIdentity(hashApiKey('abc'))).toBe('key:ba7816bf');
  });

  it('constantTimeIncludes compares equal-length digests only and finds any position', () => {
    const a = Buffer.from(hashApiKey('a'), 'hex');
    const b = Buffer.from(hashApiKey('b'), 'hex');
    const c = Buffer.from(hashApiKey('c'), 'hex');
    expect(constantTimeIncludes(a, [b, c, a])).toBe(true);
    expect(constantTimeIncludes(c, [a, b])).toBe(false);
    expect(constantTimeIncludes(a, [])).toBe(false);
    expect(constantTimeIncludes(a.subarray(0, 16), [a])).toBe(false);
  });

  it('ApiKeyVerifier says what is wrong without repeating the key', () => {
    const verifier = new ApiKeyVerifier([hashApiKey(KEY)]);
    expect(verifier.enabled).toBe(true);
    expect(new ApiKeyVerifier([]).enabled).toBe(false);
    expect(verifier.verify(undefined)).toMatchObject({ ok: false, reason: 'missing' });
    expect(verifier.verify(`Basic ${KEY}`)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifier.verify('Bearer')).toMatchObject({ ok: false, reason: 'malformed' });
    const unknown = verifier.verify(`Bearer ${OTHER_KEY}`);
    expect(unknown).toMatchObject({ ok: false, reason: 'unknown' });
    expect(JSON.stringify(unknown)).not.toContain(OTHER_KEY);
    expect(verifier.verify(`bearer ${KEY}`)).toEqual({ ok: true, actor: keyIdentity(hashApiKey(KEY)), hash: hashApiKey(KEY) });
    expect(() => new ApiKeyVerifier(['not-a-hash'])).toThrow(/SHA-256/);
  });

  it('refuses to serve unauthenticated on a non-loopback host unless told to', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'mcp.example.com']) expect(isLoopbackHost(host)).toBe(false);
    expect(resolveAuthMode({ host: '127.0.0.1', apiKeyHashes: [], allowUnauthenticated: false })).toBe('off-loopback');
    expect(resolveAuthMode({ host: '0.0.0.0', apiKeyHashes: [hashApiKey(KEY)], allowUnauthenticated: false })).toBe('api-keys');
    expect(resolveAuthMode({ host: '0.0.0.0', apiKeyHashes: [], allowUnauthenticated: true })).toBe('off-allowed');
    expect(() => resolveAuthMode({ host: '0.0.0.0', apiKeyHashes: [], allowUnauthenticated: false }))
      .toThrow(InsecureBindError);
    expect(() => resolveAuthMode({ host: '0.0.0.0', apiKeyHashes: [], allowUnauthenticated: false }))
      .toThrow(/refusing to serve MCP on 0\.0\.0\.0 without authentication.*API_KEY_HASHES.*ALLOW_UNAUTHENTICATED/);
  });

  it('reads the http guardrail settings from the environment', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gateway-http-config-'));
    const file = path.join(dir, 'config.yaml');
    writeFileSync(file, 'logLevel: silent\n');
    const h1 = hashApiKey('one');
    const h2 = hashApiKey('two');
    const config = loadConfig({
      CONFIG_FILE: file,
      API_KEY_HASHES: ` ${h1.toUpperCase()}, ${h2} `,
      CORS_ORIGINS: 'https://App.example.com/,http://localhost:5173',
      ALLOWED_HOSTS: 'mcp.example.com,[::1]:8080',
      ALLOW_UNAUTHENTICATED: 'false',
      BODY_LIMIT_BYTES: '65536',
      RATE_LIMIT_PER_MINUTE: '30',
    });
    expect(config.http).toMatchObject({
      apiKeyHashes: [h1, h2],
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      allowedHosts: ['mcp.example.com', '[::1]:8080'],
      allowUnauthenticated: false,
      bodyLimitBytes: 65536,
      rateLimitPerMinute: 30,
    });
    expect(ENV_KEYS.API_KEY_HASHES).toBe('http.apiKeyHashes');
    expect(configSchema.parse({}).http).toMatchObject({
      apiKeyHashes: [], corsOrigins: [], allowedHosts: [], allowUnauthenticated: false, bodyLimitBytes: 1_048_576, rateLimitPerMinute: 600,
    });
    expect(() => loadConfig({ CONFIG_FILE: file, API_KEY_HASHES: 'secret-key-not-a-hash' })).toThrow(/http\.apiKeyHashes\.0: must be a SHA-256 hash/);
    expect(() => loadConfig({ CONFIG_FILE: file, CORS_ORIGINS: 'https://x.example/path' })).toThrow(/http\.corsOrigins\.0/);
  });

  it('HostGuard accepts this server under its own names and port only', () => {
    const guard = new HostGuard({ bindHost: '0.0.0.0', port: 3000, allowedHosts: ['mcp.example.com', 'proxy.example.com:8443'], corsOrigins: [] });
    const at = (host: string | undefined, origin?: string) =>
      guard.check({ host, origin, localAddress: '::ffff:10.1.2.3', localPort: 3000 });
    for (const host of ['localhost:3000', '127.0.0.1:3000', '[::1]:3000', '10.1.2.3:3000', 'mcp.example.com', 'mcp.example.com:1234', 'proxy.example.com:8443']) {
      expect(at(host), host).toBeUndefined();
    }
    for (const host of [undefined, 'localhost:3001', 'localhost', 'evil.example:3000', 'proxy.example.com', 'a@localhost:3000', '0.0.0.0:3000']) {
      expect(at(host), String(host)).toMatch(/^Forbidden: /);
    }
    expect(at('localhost:3000', 'http://localhost:3000')).toBeUndefined();
    expect(at('mcp.example.com', 'https://mcp.example.com')).toBeUndefined();
    expect(at('localhost:3000', 'http://localhost:5173')).toMatch(/Origin .* is not allowed/);
    expect(at('localhost:3000', 'null')).toMatch(/Origin/);
    expect(parseHostPort('[::1]:8080')).toEqual({ hostname: '[::1]', port: 8080 });
    expect(parseHostPort('host/path')).toBeUndefined();
  });
});

describe('HTTP gateway guardrails', () => {
  let temporalServer: DevServer;
  let temporal: TemporalHandle;
  let database: { url: string; drop(): Promise<void> };
  let store: StoreHandle;
  let deps: GatewayDeps;
  const apps: FastifyInstance[] = [];
  let baseUrl: string;
  let port: number;

  function gatewayConfig(http: Record<string, unknown>, base: Config): Config {
    return configSchema.parse({ ...base, http: { ...base.http, ...http } });
  }

  async function startGateway(http: Record<string, unknown>): Promise<string> {
    const app = await createHttpGateway({ ...deps, config: gatewayConfig(http, deps.config) }, { dbKind: store.db.kind });
    apps.push(app);
    return app.listen({ host: '127.0.0.1', port: 0 });
  }

  beforeAll(async () => {
    [temporalServer, database] = await Promise.all([startTestTemporal(), createTestDatabase()]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gateway-http-'));
    const policyPath = path.join(dir, 'policy.json');
    writeFileSync(policyPath, JSON.stringify(POLICY));
    const config = configSchema.parse({
      temporal: { address: temporalServer.address, taskQueue: `gateway-http-${process.pid}` },
      database: { url: database.url },
      policy: { path: policyPath },
      dataDir: dir,
      logLevel: 'silent',
    });
    const logger = createLogger('silent');
    temporal = await connectTemporal(config, logger, false);
    store = await openStore(config, logger);
    deps = { config, store: store.store, temporal: temporal.client, logger };
    baseUrl = await startGateway({ apiKeyHashes: [hashApiKey(KEY), hashApiKey(OTHER_KEY)], corsOrigins: [ALLOWED_ORIGIN] });
    port = Number(new URL(baseUrl).port);
  });

  afterAll(async () => {
    await Promise.allSettled(apps.map((app) => app.close()));
    await store?.close();
    await temporal?.close();
    await temporalServer?.stop();
    await database?.drop();
  });

  async function connect(key: string | undefined): Promise<McpClient> {
    const client = new McpClient({ name: 'gateway-http-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
      requestInit: key ? { headers: { Authorization: `Bearer ${key}` } } : {},
    }));
    return client;
  }

  it('serves get_tagging_policy to a client with a valid key and audits the key identity', async () => {
    const client = await connect(KEY);
    try {
      const result = await client.callTool({ name: 'get_tagging_policy', arguments: {} });
      expect(result.isError).toBeFalsy();
      expect((result.structuredContent as { policy: typeof POLICY }).policy.required_tags[0]?.name).toBe('Owner');
      const correlationId = result._meta?.correlation_id;
      const audit = (await store.store.listAudit({ limit: 20 })).find((a) => a.correlationId === correlationId);
      expect(audit).toMatchObject({ tool: 'get_tagging_policy', outcome: 'ok', actor: keyIdentity(hashApiKey(KEY)) });
      expect(audit?.actor).toMatch(/^key:[0-9a-f]{8}$/);
    } finally {
      await client.close();
    }
  });

  it('refuses an SDK client without a key', async () => {
    await expect(connect(undefined)).rejects.toThrow(/401|Unauthorized/);
  });

  it('answers 401 with a JSON-RPC error for a missing, malformed or unknown key', async () => {
    const body = JSON.stringify(INITIALIZE);
    const missing = await raw(`${baseUrl}/mcp`, { method: 'POST', headers: mcpHeaders(), body });
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="mcp"');
    expect(jsonRpcError(missing)).toEqual({ code: -32001, message: expect.stringMatching(/missing API key/) });

    const malformed = await raw(`${baseUrl}/mcp`, { method: 'POST', headers: mcpHeaders({ authorization: `Token ${KEY}` }), body });
    expect(malformed.status).toBe(401);
    expect(jsonRpcError(malformed)).toEqual({ code: -32001, message: expect.stringMatching(/malformed Authorization header/) });

    const wrong = `${KEY}-wrong`;
    const unknown = await raw(`${baseUrl}/mcp`, { method: 'POST', headers: mcpHeaders({ authorization: `Bearer ${wrong}` }), body });
    expect(unknown.status).toBe(401);
    expect(unknown.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    expect(jsonRpcError(unknown)).toEqual({ code: -32001, message: 'Unauthorized: unknown API key' });
    expect(unknown.body).not.toContain(wrong);

    const get = await raw(`${baseUrl}/mcp`, { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(401);
  });

  it('keeps a session to the key that opened it', async () => {
    const opened = await raw(`${baseUrl}/mcp`, {
      method: 'POST', headers: mcpHeaders({ authorization: `Bearer ${KEY}` }), body: JSON.stringify(INITIALIZE),
    });
    expect(opened.status).toBe(200);
    const sessionId = opened.headers['mcp-session-id'] as string;
    expect(sessionId).toBeTruthy();
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };
    const other = await raw(`${baseUrl}/mcp`, { method: 'POST', headers: mcpHeaders({ ...headers, authorization: `Bearer ${OTHER_KEY}` }), body: list });
    expect(other.status).toBe(404);
    expect(jsonRpcError(other).message).toMatch(/does not know that MCP session/);
    const same = await raw(`${baseUrl}/mcp`, { method: 'POST', headers: mcpHeaders({ ...headers, authorization: `Bearer ${KEY}` }), body: list });
    expect(same.status).toBe(200);
    expect(same.body).toContain('get_tagging_policy');
  });

  it('keeps /health open without a key, but behind Host validation', async () => {
    const health = await raw(`${baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
    const rebound = await raw(`${baseUrl}/health`, { headers: { host: `attacker.example:${port}` } });
    expect(rebound.status).toBe(403);
  });

  it('answers 403 to a foreign Host header, even with a valid key', async () => {
    for (const host of [`attacker.example:${port}`, `localhost:${port + 1}`, 'localhost']) {
      const res = await raw(`${baseUrl}/mcp`, {
        method: 'POST', headers: mcpHeaders({ host, authorization: `Bearer ${KEY}` }), body: JSON.stringify(INITIALIZE),
      });
      expect(res.status, host).toBe(403);
      expect(jsonRpcError(res)).toEqual({ code: -32003, message: expect.stringMatching(/^Forbidden: Host header ".*" is not allowed/) });
    }
    const ok = await raw(`${baseUrl}/mcp`, {
      method: 'POST', headers: mcpHeaders({ host: `localhost:${port}`, authorization: `Bearer ${KEY}` }), body: JSON.stringify(INITIALIZE),
    });
    expect(ok.status).toBe(200);
  });

  it('answers 403 to a foreign Origin and no CORS headers', async () => {
    const res = await raw(`${baseUrl}/mcp`, {
      method: 'POST', headers: mcpHeaders({ origin: 'https://evil.example', authorization: `Bearer ${KEY}` }), body: JSON.stringify(INITIALIZE),
    });
    expect(res.status).toBe(403);
    expect(jsonRpcError(res).message).toMatch(/Origin "https:\/\/evil\.example" is not allowed.*CORS_ORIGINS/);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await raw(`${baseUrl}/mcp`, {
      method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(403);
  });

  it('gives an allowed Origin CORS headers on the preflight and on the MCP reply', async () => {
    const preflight = await raw(`${baseUrl}/mcp`, {
      method: 'OPTIONS',
      headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    const allowHeaders = String(preflight.headers['access-control-allow-headers']).toLowerCase();
    for (const h of ['authorization', 'content-type', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id']) expect(allowHeaders).toContain(h);
    expect(String(preflight.headers['access-control-allow-methods'])).toMatch(/POST/);

    const res = await raw(`${baseUrl}/mcp`, {
      method: 'POST', headers: mcpHeaders({ origin: ALLOWED_ORIGIN, authorization: `Bearer ${KEY}` }), body: JSON.stringify(INITIALIZE),
    });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(String(res.headers['access-control-expose-headers']).toLowerCase()).toContain('mcp-session-id');
    expect(res.headers['mcp-session-id']).toBeTruthy();

    // Refusals carry CORS headers too, so a browser client can read why.
    const refused = await raw(`${baseUrl}/mcp`, { method: 'POST', headers: mcpHeaders({ origin: ALLOWED_ORIGIN }), body: JSON.stringify(INITIALIZE) });
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);

    // Same host is fine without an allowlist entry, and gets no CORS headers (none needed).
    const sameHost = await raw(`${baseUrl}/health`, { headers: { origin: baseUrl } });
    expect(sameHost.status).toBe(200);
    expect(sameHost.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers 413 with a clear JSON-RPC error to a body over the limit', async () => {
    const big = JSON.stringify({ ...INITIALIZE, params: { ...INITIALIZE.params, padding: 'x'.repeat(1_048_576) } });
    const res = await raw(`${baseUrl}/mcp`, { method: 'POST', headers: mcpHeaders({ authorization: `Bearer ${KEY}` }), body: big });
    expect(res.status).toBe(413);
    expect(jsonRpcError(res)).toEqual({
      code: -32004, message: 'Payload Too Large: the request body exceeds the limit of 1048576 bytes (http.bodyLimitBytes)',
    });
  });

  it('answers malformed JSON and unknown routes with JSON-RPC errors', async () => {
    const bad = await raw(`${baseUrl}/mcp`, { method: 'POST', headers: mcpHeaders({ authorization: `Bearer ${KEY}` }), body: '{"jsonrpc": ' });
    expect(bad.status).toBe(400);
    expect(jsonRpcError(bad)).toEqual({ code: -32700, message: 'Parse error: the request body is not valid JSON' });
    const xml = await raw(`${baseUrl}/mcp`, {
      method: 'POST', headers: mcpHeaders({ authorization: `Bearer ${KEY}`, 'content-type': 'application/xml' }), body: '<x/>',
    });
    expect(xml.status).toBe(415);
    jsonRpcError(xml);
    const missing = await raw(`${baseUrl}/nope`);
    expect(missing.status).toBe(404);
    expect(jsonRpcError(missing).message).toMatch(/\/mcp/);
  });

  it('answers 429 with Retry-After once a key exceeds its rate, counting each key separately', async () => {
    const limited = await startGateway({ apiKeyHashes: [hashApiKey(KEY), hashApiKey(OTHER_KEY)], rateLimitPerMinute: 3 });
    const get = (key?: string) => raw(`${limited}/mcp`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    for (let i = 0; i < 3; i++) expect((await get(KEY)).status).toBe(400); // "Send an initialize request first"
    const res = await get(KEY);
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(jsonRpcError(res)).toEqual({
      code: -32029, message: expect.stringMatching(/^Too Many Requests: the limit is 3 requests per minute per API key \(http\.rateLimitPerMinute\); retry in /),
    });
    expect((await get(OTHER_KEY)).status).toBe(400);
    // Failed authentications are limited per client address.
    for (let i = 0; i < 3; i++) expect((await get('guess')).status).toBe(401);
    expect((await get('guess')).status).toBe(429);
  });

  it('serves without keys on loopback (local development)', async () => {
    const open = await startGateway({});
    const res = await raw(`${open}/mcp`, { method: 'POST', headers: mcpHeaders(), body: JSON.stringify(INITIALIZE) });
    expect(res.status).toBe(200);
    expect(res.headers['mcp-session-id']).toBeTruthy();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses to start without keys on a non-loopback host', async () => {
    await expect(createHttpGateway({ ...deps, config: gatewayConfig({ host: '0.0.0.0' }, deps.config) }, { dbKind: store.db.kind }))
      .rejects.toThrow(/refusing to serve MCP on 0\.0\.0\.0 without authentication/);
    const allowed = await createHttpGateway(
      { ...deps, config: gatewayConfig({ host: '0.0.0.0', allowUnauthenticated: true }, deps.config) }, { dbKind: store.db.kind });
    await allowed.close();
  });

  it('never puts a stack trace or a key in a reply', () => {
    expect(replies.length).toBeGreaterThan(20);
    for (const body of replies) {
      expect(body).not.toContain('    at ');
      expect(body).not.toContain(KEY);
      expect(body).not.toContain(OTHER_KEY);
      expect(body).not.toContain(hashApiKey(KEY));
    }
  });
});
