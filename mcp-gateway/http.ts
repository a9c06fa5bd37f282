// Streamable HTTP transport on fastify: /mcp (POST, GET for SSE, DELETE) and /health.
// Sessions live in this process's memory; scans and results live in Temporal and the store,
// so losing a gateway loses nothing but the open stream.
//
// Guardrails, in the order a request meets them:
//   1. Host / Origin validation (DNS rebinding)        403   every route, /health included
//   2. CORS (only when http.corsOrigins is set)             preflights answered here
//   3. rate limit per API key, else per client address  429   /mcp and /health
//   4. API key (Authorization: Bearer)                  401   /mcp only, before the body is read
//   5. body size limit                                  413
// Every error reply is a JSON-RPC error object without stacks (see http/errors.ts).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ApiKeyVerifier, resolveAuthMode, type AuthResult } from './auth.js';
import type { GatewayDeps } from './context.js';
import { checkHealth } from './health.js';
import { createErrorHandler, HttpError, RPC, rpcError } from './http/errors.js';
import { HostGuard } from './http/host-guard.js';
import { withScanMemo } from './scan-memo.js';
import { createMcpServer, type SessionInfo } from './server.js';

interface Session {
  server: McpServer;
  transport: StreamableHTTPServerTransport;
  /** The key identity that opened the session; only that key may use it. */
  actor?: string;
}

export interface HttpGatewayOptions {
  dbKind: string;
  /** Overrides config.http.bodyLimitBytes. */
  bodyLimitBytes?: number;
}

export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Mcp-Session-Id', 'Mcp-Protocol-Version', 'Last-Event-ID'];
export const CORS_EXPOSED_HEADERS = ['Mcp-Session-Id', 'WWW-Authenticate', 'Retry-After'];

/**
 * Builds the gateway (not yet listening). Throws InsecureBindError when http.host is not loopback,
 * no API key hashes are configured and http.allowUnauthenticated is not set.
 */
export async function createHttpGateway(gatewayDeps: GatewayDeps, opts: HttpGatewayOptions): Promise<FastifyInstance> {
  const deps = withScanMemo(gatewayDeps);
  const http = deps.config.http;
  const log = deps.logger.child({ component: 'http' });
  const authMode = resolveAuthMode(http);
  const verifier = new ApiKeyVerifier(http.apiKeyHashes);
  const hostGuard = new HostGuard({ bindHost: http.host, port: http.port, allowedHosts: http.allowedHosts, corsOrigins: http.corsOrigins });
  const bodyLimit = opts.bodyLimitBytes ?? http.bodyLimitBytes;

  const app = Fastify({ logger: false, bodyLimit });
  const sessions = new Map<string, Session>();
  app.setErrorHandler(createErrorHandler(log, bodyLimit));
  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).send(rpcError(RPC.serverError, 'Not Found: the MCP endpoint is /mcp (POST, GET, DELETE); health is GET /health')));

  // The verdict on a request's Authorization header, computed once (the rate limiter needs it too).
  const authResults = new WeakMap<IncomingMessage, AuthResult>();
  const authOf = (req: FastifyRequest): AuthResult => {
    let result = authResults.get(req.raw);
    if (!result) {
      result = verifier.verify(req.headers.authorization);
      authResults.set(req.raw, result);
    }
    return result;
  };

  app.addHook('onRequest', async (req) => {
    const problem = hostGuard.check({
      host: req.headers.host,
      origin: req.headers.origin,
      localAddress: req.socket.localAddress,
      localPort: req.socket.localPort,
    });
    if (problem) {
      log.warn({ ip: req.ip, method: req.method, url: req.url }, problem);
      throw new HttpError(403, RPC.forbidden, problem);
    }
  });

  if (http.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: [...http.corsOrigins],
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: CORS_ALLOWED_HEADERS,
      exposedHeaders: CORS_EXPOSED_HEADERS,
      maxAge: 600,
    });
  }

  const perKey = verifier.enabled;
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: http.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => {
      const auth = perKey ? authOf(req) : undefined;
      return auth?.ok ? `key:${auth.hash}` : `ip:${req.ip}`;
    },
    errorResponseBuilder: (_req, ctx) => new HttpError(ctx.statusCode, RPC.rateLimited,
      `Too Many Requests: the limit is ${ctx.max} requests per minute per ${perKey ? 'API key' : 'client address'} ` +
      `(http.rateLimitPerMinute); retry in ${ctx.after}`),
  });

  app.get('/health', async (_req, reply) => {
    const report = await checkHealth(deps, opts.dbKind);
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });

  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/mcp',
    exposeHeadRoute: false,
    // preParsing: after the rate limiter (onRequest), before a body is read.
    preParsing: async (req, _reply, payload) => {
      if (!verifier.enabled) return payload;
      const auth = authOf(req);
      if (!auth.ok) {
        log.warn({ ip: req.ip, method: req.method, reason: auth.reason }, 'rejected unauthenticated MCP request');
        throw new HttpError(401, RPC.unauthorized, auth.message, {
          'WWW-Authenticate': auth.reason === 'missing' ? 'Bearer realm="mcp"' : 'Bearer realm="mcp", error="invalid_token"',
        });
      }
      return payload;
    },
    handler: async (req, reply) => {
      const auth = verifier.enabled ? authOf(req) : undefined;
      const actor = auth?.ok ? auth.actor : undefined;
      const header = req.headers['mcp-session-id'];
      const sessionId = Array.isArray(header) ? header[0] : header;
      let session = sessionId ? sessions.get(sessionId) : undefined;
      // A session opened with one key is invisible to every other key.
      if (session && session.actor !== actor) session = undefined;

      if (!session) {
        if (sessionId || req.method !== 'POST' || !isInitializeRequest(req.body)) {
          return reply.code(sessionId ? 404 : 400).send(rpcError(RPC.serverError,
            sessionId ? 'Unknown or expired session: initialize again' : 'Send an initialize request first'));
        }
        const info: SessionInfo = actor ? { actor } : {};
        const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => {
            info.sessionId = id;
            sessions.set(id, session!);
          },
        });
        transport.onclose = () => { if (transport.sessionId) sessions.delete(transport.sessionId); };
        session = { transport, server: createMcpServer(deps, info), actor };
        await session.server.connect(transport);
      }

      // The SDK writes to the raw response: carry over what the hooks set (CORS, rate-limit headers).
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) reply.raw.setHeader(name, value);
      }
      reply.hijack();
      try {
        await session.transport.handleRequest(req.raw, reply.raw, req.body);
      } catch (err) {
        log.error({ err, method: req.method }, 'MCP transport failed');
        if (!reply.raw.headersSent) {
          reply.raw.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          reply.raw.end(JSON.stringify(rpcError(RPC.internalError, 'Internal error: the request failed on the server')));
        } else {
          reply.raw.destroy();
        }
      }
    },
  });

  app.addHook('onClose', async () => {
    await Promise.allSettled([...sessions.values()].map((s) => s.server.close()));
    sessions.clear();
    await deps.store.flushAudit(); // audit rows of calls that were still in flight
  });

  const guardrails = {
    authMode,
    apiKeys: http.apiKeyHashes.length,
    corsOrigins: http.corsOrigins,
    allowedHosts: http.allowedHosts,
    bodyLimitBytes: bodyLimit,
    rateLimitPerMinute: http.rateLimitPerMinute,
  };
  if (authMode === 'off-allowed') log.warn(guardrails, `serving MCP on ${http.host} without authentication (http.allowUnauthenticated)`);
  else log.info(guardrails, 'http gateway guardrails');
  return app;
}
