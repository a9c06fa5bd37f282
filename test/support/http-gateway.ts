// A real HTTP gateway stack for tests: Temporal dev server, a throwaway PostgreSQL database, the
// store, and gateways built by createHttpGateway with per-test `http` settings; plus a raw HTTP
// client (node:http) that can send any method, header and body framing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { configSchema } from '../../config/index.js';
import { createLogger, type Logger } from '../../config/logger.js';
import { connectTemporal, openStore, type StoreHandle, type TemporalHandle } from '../../cli/runtime.js';
import type { GatewayDeps } from '../../mcp-gateway/context.js';
import { createHttpGateway } from '../../mcp-gateway/http.js';
import type { DevServer } from '../../worker/dev-server.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { startTestTemporal } from './temporal.js';

export const TEST_POLICY = {
  version: 'http-gateway-test-1',
  required_tags: [{ name: 'Owner', description: 'owner', allowed_values: null, validation_regex: null, applies_to: [] }],
  optional_tags: [],
  tag_naming_rules: { case_sensitivity: false, allow_special_characters: false, max_key_length: 128, max_value_length: 256 },
};

export const INITIALIZE = {
  jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw-test', version: '1.0.0' } },
};

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  agent?: Agent;
}

/** One HTTP request exactly as given (no default content-type or body framing). */
export function raw(url: string, opts: RawOptions = {}): Promise<RawReply> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: opts.method ?? 'GET',
      headers: { ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}), ...opts.headers },
      ...(opts.agent ? { agent: opts.agent } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export const mcpHeaders = (extra: Record<string, string> = {}): Record<string, string> => ({
  'content-type': 'application/json', accept: 'application/json, text/event-stream', ...extra,
});

export const MODERN_PROTOCOL = '2026-07-28';

export interface ModernRequestOptions {
  /** Overrides (or, with undefined, removes) headers of the request. */
  headers?: Record<string, string | undefined>;
  /** Declares the io.modelcontextprotocol/tasks extension in the request's client capabilities. */
  declareTasks?: boolean;
}

/**
 * A raw 2026-07-28 request: the per-request _meta envelope in the body, and the standard headers
 * (MCP-Protocol-Version, Mcp-Method, and Mcp-Name from params.name or params.taskId).
 */
export function modernRequest(method: string, params: Record<string, unknown>, opts: ModernRequestOptions = {}) {
  const body = {
    jsonrpc: '2.0', id: 7, method,
    params: {
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL,
        'io.modelcontextprotocol/clientInfo': { name: 'raw-2026', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': opts.declareTasks ? { extensions: { 'io.modelcontextprotocol/tasks': {} } } : {},
      },
    },
  };
  const name = typeof params.name === 'string' ? params.name : typeof params.taskId === 'string' ? params.taskId : undefined;
  const all: Record<string, string | undefined> = {
    ...mcpHeaders(), 'mcp-protocol-version': MODERN_PROTOCOL, 'mcp-method': method, ...(name ? { 'mcp-name': name } : {}), ...opts.headers,
  };
  const headers = Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
  return { body: JSON.stringify(body), headers };
}

export interface RpcMessage {
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/** The JSON-RPC message of a reply, whether it came as a JSON body or as SSE events (the last one). */
export function rpcMessageOf(body: string): RpcMessage {
  const data = body.trimStart().startsWith('{') ? body : body.split('\n').filter((l) => l.startsWith('data: ')).pop()?.slice(6);
  return JSON.parse(data ?? 'null') as RpcMessage;
}

export interface GatewayStack {
  deps: GatewayDeps;
  store: StoreHandle;
  /** Builds and starts a gateway on 127.0.0.1 with these `http` settings (and logger); returns it and its base URL. */
  start(http: Record<string, unknown>, logger?: Logger): Promise<{ app: FastifyInstance; url: string }>;
  close(): Promise<void>;
}

export async function startGatewayStack(name: string): Promise<GatewayStack> {
  let temporalServer: DevServer | undefined;
  let database: TestDatabase | undefined;
  let temporal: TemporalHandle | undefined;
  let store: StoreHandle | undefined;
  const apps: FastifyInstance[] = [];
  const close = async () => {
    await Promise.allSettled(apps.map((app) => app.close()));
    await store?.close();
    await temporal?.close();
    await temporalServer?.stop();
    await database?.drop();
  };
  try {
    [temporalServer, database] = await Promise.all([startTestTemporal(), createTestDatabase()]);
    const dir = mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    const policyPath = path.join(dir, 'policy.json');
    writeFileSync(policyPath, JSON.stringify(TEST_POLICY));
    const config = configSchema.parse({
      temporal: { address: temporalServer.address, taskQueue: `${name}-${process.pid}` },
      database: { url: database.url },
      policy: { path: policyPath },
      dataDir: dir,
      logLevel: 'silent',
    });
    const logger = createLogger('silent');
    temporal = await connectTemporal(config, logger, false);
    store = await openStore(config, logger);
    const deps: GatewayDeps = { config, store: store.store, temporal: temporal.client, logger };
    return {
      deps,
      store,
      async start(http, gatewayLogger = logger) {
        // Only the http section is parsed again: the rest of the config is already parsed, defaults included.
        const gatewayConfig = { ...config, http: configSchema.parse({ http: { ...config.http, ...http } }).http };
        const app = await createHttpGateway({ ...deps, config: gatewayConfig, logger: gatewayLogger }, { dbKind: store!.db.kind });
        apps.push(app);
        return { app, url: await app.listen({ host: '127.0.0.1', port: 0 }) };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
