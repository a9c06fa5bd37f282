// Operator routes of the HTTP gateway: GET /ready (readiness, see ready.ts) and GET /metrics
// (Prometheus exposition, see metrics.ts). Both sit behind the Host guard and the rate limiter like
// every route. /metrics asks for a credential (API key or access token) when authentication is on,
// unless metrics.requireAuth is false; a scraper without one is better served by the separate
// listener (metrics.port).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthResult } from '../auth.js';
import { keysUnavailableRefusal } from '../auth/refusals.js';
import type { GatewayDeps } from '../context.js';
import type { GatewayMetrics } from '../metrics.js';
import { checkReadiness } from '../ready.js';
import { HttpError, RPC } from './errors.js';

export interface OpsRouteOptions {
  deps: GatewayDeps;
  metrics: GatewayMetrics;
  /** Whether API keys are configured at all. */
  authEnabled: boolean;
  authOf(req: FastifyRequest): AuthResult;
}

export function registerOpsRoutes(app: FastifyInstance, opts: OpsRouteOptions): void {
  const { deps, metrics } = opts;
  app.get('/ready', async (_req, reply) => {
    const report = await checkReadiness(deps);
    return reply.code(report.status === 'ready' ? 200 : 503).header('cache-control', 'no-store').send(report);
  });

  // Served here unless it has its own listener (metrics.port) or is turned off.
  if (!deps.config.metrics.enabled || deps.config.metrics.port !== undefined) return;
  const requireAuth = opts.authEnabled && deps.config.metrics.requireAuth;
  app.get('/metrics', {
    onRequest: async (req) => {
      if (!requireAuth) return;
      const auth = opts.authOf(req);
      const unavailable = keysUnavailableRefusal(auth);
      if (unavailable) throw unavailable;
      if (!auth.ok) {
        throw new HttpError(401, RPC.unauthorized, auth.message, {
          'WWW-Authenticate': auth.reason === 'missing' ? 'Bearer realm="metrics"' : 'Bearer realm="metrics", error="invalid_token"',
        });
      }
    },
  }, async (_req, reply) => reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(await metrics.exposition()));
}
