// Streamable HTTP transport on fastify: /mcp (both protocol eras; see http/mcp-route.ts),
// /health, and /ready and /metrics (http/ops-routes.ts). 2026-07-28 requests are stateless;
// 2025-era sessions live in this process's memory, bounded (http/sessions.ts); scans and results
// live in Temporal and the store, so losing a gateway loses nothing but open 2025 sessions.
//
// Guardrails, in the order a request meets them:
//   1. Host / Origin validation (DNS rebinding)        403   every route, /health included
//   2. CORS (only when http.corsOrigins is set)             preflights answered here
//   3. rate limit per API key / token subject, else per client address  429   /health and the OAuth metadata have buckets per address
//   4. API key or OAuth access token (http.auth.mode)   401 / 503   /mcp only, before the body is read (auth/)
//   4b. OAuth scopes per tool                           403   /mcp, once the body is parsed (auth/tool-scopes.ts)
//   5. body size limit                                  413
//   6. session caps per principal and in total          429 / 503   on initialize (2025 era)
//   7. MCP headers and protocol version (2026 era)      400   checked by the SDK's createMcpHandler
// Every error reply is a JSON-RPC error object without stacks (see http/errors.ts); every refusal is
// logged and audited, at a bounded rate per client address (http/refusal-audit.ts).
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { resolveAuthMode, type AuthResult } from './auth.js';
import { createAuthenticator } from './auth/authenticate.js';
import { registerProtectedResourceMetadata } from './auth/metadata-route.js';
import type { GatewayDeps } from './context.js';
import { checkHealth } from './health.js';
import { createErrorHandler, HttpError, RPC, rpcError } from './http/errors.js';
import { HostGuard } from './http/host-guard.js';
import { registerMcpRoute } from './http/mcp-route.js';
import { registerDashboard } from './dashboard/index.js';
import { createSharedGuard, guardKeyOf } from './guard/index.js';
import { createPrincipalQuotas } from './quotas/index.js';
import { sharedCallGuard } from './http/shared-call-guard.js';
import { RefusalAuditor } from './http/refusal-audit.js';
import { SessionRegistry } from './http/sessions.js';
import { withScanMemo } from './scans/memo.js';
import { gatewayMetricsFor } from './metrics-of.js';
import { registerOpsRoutes } from './http/ops-routes.js';

const registries = new WeakMap<FastifyInstance, SessionRegistry>();

/** The open MCP sessions of a gateway built by createHttpGateway (for tests, benchmarks and metrics). */
export function sessionsOf(app: FastifyInstance): SessionRegistry | undefined {
  return registries.get(app);
}

export interface HttpGatewayOptions {
  dbKind: string;
  /** Overrides config.http.bodyLimitBytes. */
  bodyLimitBytes?: number;
}

export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Mcp-Session-Id', 'Mcp-Protocol-Version', 'Mcp-Method', 'Mcp-Name', 'Last-Event-ID'];
export const CORS_EXPOSED_HEADERS = ['Mcp-Session-Id', 'WWW-Authenticate', 'Retry-After'];

/**
 * Builds the gateway (not yet listening). Throws InsecureBindError when http.host is not loopback,
 * no API key hashes are configured and http.allowUnauthenticated is not set.
 */
export async function createHttpGateway(gatewayDeps: GatewayDeps, opts: HttpGatewayOptions): Promise<FastifyInstance> {
  const measured = gatewayMetricsFor(gatewayDeps);
  const deps = withScanMemo(measured);
  const http = deps.config.http;
  const log = deps.logger.child({ component: 'http' });
  const authMode = resolveAuthMode(http);
  const verifier = createAuthenticator(http, log); // API keys, OAuth access tokens, or both (http.auth.mode)
  const hostGuard = new HostGuard({ bindHost: http.host, port: http.port, allowedHosts: http.allowedHosts, corsOrigins: http.corsOrigins });
  const bodyLimit = opts.bodyLimitBytes ?? http.bodyLimitBytes;

  // Prototype-poisoning keys (`__proto__`, `constructor.prototype`) are dropped from the parsed body
  // rather than failing the whole request: the call then runs, or is refused, through the audited path.
  const app = Fastify({ logger: false, bodyLimit, onProtoPoisoning: 'remove', onConstructorPoisoning: 'remove' });
  const sessions = new SessionRegistry({
    idleTimeoutMs: http.sessionIdleTimeoutSeconds * 1000, maxPerPrincipal: http.maxSessionsPerPrincipal, maxTotal: http.maxSessions,
  }, log);
  registries.set(app, sessions);
  const refusals = new RefusalAuditor({ ...deps, logger: log });
  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).send(rpcError(RPC.serverError, 'Not Found: the MCP endpoint is /mcp (POST, GET, DELETE); health is GET /health, readiness GET /ready, metrics GET /metrics')));

  // The verdict on a request's Authorization header, computed once by the onRequest hook below,
  // before the rate limiter (which keys on it): verifying an access token is asynchronous.
  const authResults = new WeakMap<IncomingMessage, AuthResult>();
  const authOf = (req: FastifyRequest): AuthResult =>
    authResults.get(req.raw) ?? { ok: false, reason: 'missing', message: 'Unauthorized: missing credential' };
  app.setErrorHandler(createErrorHandler(log, bodyLimit, (req, status, reason) => {
    const auth = verifier.enabled && req.headers.authorization !== undefined ? authOf(req) : undefined;
    refusals.record(req, { status, reason, ...(auth?.ok ? { actor: auth.actor } : {}) });
  }));

  app.addHook('onRequest', async (req) => {
    const problem = hostGuard.check({
      host: req.headers.host,
      origin: req.headers.origin,
      localAddress: req.socket.localAddress,
      localPort: req.socket.localPort,
    });
    if (problem) throw new HttpError(403, RPC.forbidden, problem);
  });
  app.addHook('onRequest', async (req) => {
    if (verifier.enabled) authResults.set(req.raw, await verifier.authenticate(req.headers.authorization, req.headers.host));
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
      if (!auth?.ok) return `ip:${req.ip}`;
      return auth.hash ? `key:${auth.hash}` : auth.actor;
    },
    errorResponseBuilder: (_req, ctx) => new HttpError(ctx.statusCode, RPC.rateLimited,
      `Too Many Requests: the limit is ${ctx.max} requests per minute per ${perKey ? (verifier.mode === 'keys' ? 'API key' : 'API key or token subject') : 'client address'} ` +
      `(http.rateLimitPerMinute); retry in ${ctx.after}`),
  });

  // A liveness probe must not be starved by failed logins from its own address: /health counts in
  // a bucket of its own, per client address, with the same limit.
  const healthLimit = {
    keyGenerator: (req: FastifyRequest) => `health:${req.ip}`,
    errorResponseBuilder: (_req: FastifyRequest, ctx: { statusCode: number; max: number; after: string }) =>
      new HttpError(ctx.statusCode, RPC.rateLimited,
        `Too Many Requests: the limit of /health is ${ctx.max} requests per minute per client address (http.rateLimitPerMinute); retry in ${ctx.after}`),
  };
  app.get('/health', { config: { rateLimit: healthLimit } }, async (_req, reply) => {
    const report = await checkHealth(deps, opts.dbKind);
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });

  registerOpsRoutes(app, { deps, metrics: measured.metrics, authEnabled: verifier.enabled, authOf });

  if (verifier.resource) registerProtectedResourceMetadata(app, verifier.resource);

  // 2026-07-28 calls have no session: their budget and loop counters are shared by every replica.
  const sharedGuard = createSharedGuard({ config: deps.config, store: deps.store, logger: log });
  // Calls per minute and scans per day per principal, in both eras, counted where the guard counts.
  const quotas = createPrincipalQuotas({ config: deps.config, store: deps.store, logger: log });
  registerMcpRoute(app, {
    deps, log, verifier, authOf, sessions, bodyLimit,
    guardOf: (caller) => sharedCallGuard(sharedGuard, caller),
    quotaOf: (caller) => quotas.for(guardKeyOf(caller).principal),
    onRefusal: (req, refusal) => refusals.record(req, refusal),
  });

  // The web dashboard: the same credentials as /mcp, exchanged once for a session cookie.
  await registerDashboard(app, {
    deps, log, authRequired: verifier.enabled,
    authenticate: async (authorization, host) => {
      const result = await verifier.authenticate(authorization, host);
      return result.ok ? { ok: true, actor: result.actor } : { ok: false, message: result.message };
    },
  });

  // Before the server waits for open requests: closing the sessions ends their SSE streams, which
  // would otherwise hold the shutdown open for as long as the clients stay connected.
  app.addHook('preClose', async () => {
    await sessions.closeAll();
  });
  app.addHook('onClose', async () => {
    await sharedGuard.close();
    await quotas.close();
    await refusals.flush();
    await deps.store.flushAudit(); // audit rows of calls that were still in flight
  });

  const guardrails = {
    authMode,
    apiKeys: verifier.apiKeys.enabled ? http.apiKeyHashes.length : 0,
    ...(verifier.resource ? { oauthIssuer: verifier.resource.issuer, oauthResource: http.oauth.resource ?? 'http://<Host>/mcp' } : {}),
    corsOrigins: http.corsOrigins,
    allowedHosts: http.allowedHosts,
    bodyLimitBytes: bodyLimit,
    rateLimitPerMinute: http.rateLimitPerMinute,
    sessionIdleTimeoutSeconds: http.sessionIdleTimeoutSeconds,
    maxSessionsPerPrincipal: http.maxSessionsPerPrincipal,
    maxSessions: http.maxSessions,
    protocols: ['2026-07-28 (stateless)', '2025-era sessions'],
    callGuardCounters: sharedGuard.store,
    quotas: { callsPerMinute: deps.config.gateway.quotas.callsPerMinute, scansPerDay: deps.config.gateway.quotas.scansPerDay, counters: quotas.store },
  };
  if (authMode === 'off-allowed') log.warn(guardrails, `serving MCP on ${http.host} without authentication (http.allowUnauthenticated)`);
  else log.info(guardrails, 'http gateway guardrails');
  return app;
}
