// The /mcp route of the Streamable HTTP transport, serving both protocol eras on one endpoint:
//   2026-07-28 (a request carrying the per-request _meta envelope): stateless, one server instance per
//     request from the SDK's createMcpHandler (legacy: 'reject'), mounted with toNodeHandler. The SDK
//     checks the Mcp-Method / Mcp-Name / MCP-Protocol-Version headers and the version. Any replica
//     can answer: nothing of the request outlives it here.
//   2025-era (initialize, then Mcp-Session-Id): POST, GET (SSE stream) and DELETE of a session held in
//     a SessionRegistry. Sessions are in this replica's memory only: behind a load balancer,
//     2025-protocol clients need sticky routing on Mcp-Session-Id.
// The era is told apart by the SDK's own isLegacyRequest, so the branch never disagrees with the SDK.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NodeStreamableHTTPServerTransport, toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, isInitializeRequest, isLegacyRequest, type AuthInfo } from '@modelcontextprotocol/server';
import type { Logger } from '../../config/logger.js';
import type { AuthResult } from '../auth.js';
import type { Authenticator } from '../auth/authenticate.js';
import { authRefusal, scopeRefusal } from '../auth/refusals.js';
import { mayApprove, ToolScopes } from '../auth/tool-scopes.js';
import type { GatewayDeps } from '../context.js';
import type { CallerIdentity } from '../guard/principal.js';
import { redactSecrets } from '../redact.js';
import type { PrincipalQuota } from '../quotas/principal-quotas.js';
import { createMcpServer, type CallGuard, type SessionInfo } from '../server.js';
import { TOOLS } from '../tools/index.js';
import { HttpError, REFUSAL_STATUSES, RPC, rpcError } from './errors.js';
import { isUnsupportedVersionError, withEverySupportedVersion } from './protocol-versions.js';
import type { Refusal } from './refusal-audit.js';
import type { Session, SessionRegistry } from './sessions.js';

export interface McpRouteOptions {
  deps: GatewayDeps;
  log: Logger;
  /** API keys and/or OAuth access tokens (http.auth.mode). */
  verifier: Authenticator;
  authOf(req: FastifyRequest): AuthResult;
  sessions: SessionRegistry;
  /** The call guard of a caller's 2026-era requests (which have no session). */
  guardOf(caller: CallerIdentity): CallGuard;
  /** The caller's per-principal quotas, in both eras (quotas/); absent: none are counted. */
  quotaOf?(caller: CallerIdentity): PrincipalQuota;
  /** Records a refusal the SDK answered itself (a 4xx of the 2026 path). */
  onRefusal(req: FastifyRequest, refusal: Refusal): void;
  bodyLimit: number;
}

export const UNKNOWN_SESSION =
  'Not Found: this gateway replica does not know that MCP session (it expired after being idle, was closed, or was ' +
  'opened on another replica); send initialize again. Behind a load balancer, route requests by the Mcp-Session-Id header';

const JSON_TYPE = 'application/json; charset=utf-8';

/** What the SDK reported about the 2026 request being served (its onerror runs before it answers). */
interface RefusalSlot {
  reason?: string;
  unsupportedVersion?: boolean;
}

export function registerMcpRoute(app: FastifyInstance, opts: McpRouteOptions): void {
  const { deps, log, verifier, authOf, sessions } = opts;
  // OAuth tokens are scoped per tool (auth/tool-scopes.ts); API keys are not.
  const toolScopes = verifier.resource ? new ToolScopes(TOOLS, verifier.resource.approveScope) : undefined;
  const refusalReasons = new AsyncLocalStorage<RefusalSlot>();
  // The 2026-07-28 entry. Who is calling reaches the factory as the request's AuthInfo.
  const modern = createMcpHandler(({ authInfo }) => {
    const who = (authInfo?.extra ?? {}) as { actor?: string; caller?: CallerIdentity };
    const approves = mayApprove(who.caller?.tokenSubject ? { scopes: authInfo?.scopes ?? [] } : undefined, verifier.resource?.approveScope);
    const info: SessionInfo = { ...(who.actor ? { actor: who.actor } : {}), ...(approves ? {} : { mayApprove: false }) };
    const quota = opts.quotaOf?.(who.caller ?? {});
    return createMcpServer(deps, info, undefined, { era: 'modern', guard: opts.guardOf(who.caller ?? {}), ...(quota ? { quota } : {}) });
  }, {
    legacy: 'reject',
    maxRequestBodySize: opts.bodyLimit,
    onerror: (err) => {
      // The SDK reports a refusal here before it answers: keep its reason for the audit row.
      const slot = refusalReasons.getStore();
      if (slot && slot.reason === undefined) slot.reason = err.message;
      if (slot && isUnsupportedVersionError(err)) slot.unsupportedVersion = true;
      log.debug({ err }, 'mcp request refused or failed (2026-07-28)');
    },
  });
  // An unsupported version is answered with every version served here, 2025-era ones included.
  const serveModern = toNodeHandler({
    fetch: async (request, options) => {
      const response = await modern.fetch(request, options);
      return refusalReasons.getStore()?.unsupportedVersion ? withEverySupportedVersion(response) : response;
    },
  }, { onerror: (err) => log.error({ err }, 'MCP transport failed (2026-07-28)') });
  app.addHook('onClose', async () => { await modern.close(); });

  const actorOf = (req: FastifyRequest): string | undefined => {
    const auth = verifier.enabled ? authOf(req) : undefined;
    return auth?.ok ? auth.actor : undefined;
  };
  const sessionIdOf = (req: FastifyRequest): string | undefined => {
    const header = req.headers['mcp-session-id'];
    return Array.isArray(header) ? header[0] : header;
  };

  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/mcp',
    exposeHeadRoute: false,
    // preParsing: after the rate limiter (onRequest), before a body is read.
    preParsing: async (req, reply, payload) => {
      if (verifier.enabled) {
        const auth = authOf(req);
        if (!auth.ok) throw authRefusal(verifier, auth, req.headers.host);
        const refusal = scopeRefusal(verifier, toolScopes, auth, req.headers.host);
        if (refusal) throw refusal;
      }
      // DELETE needs no body, so it is answered before one is parsed: clients frame it differently
      // (the Python SDK sends Content-Type: application/json with an empty body), and all must close.
      if (req.method === 'DELETE') await closeSession(req, reply);
      return payload;
    },
    handler: async (req, reply) => {
      const actor = actorOf(req);
      const sessionId = sessionIdOf(req);
      // JSON-RPC 2.0: an empty batch is an invalid request, answered with a single error.
      if (req.method === 'POST' && Array.isArray(req.body) && req.body.length === 0) {
        throw new HttpError(400, RPC.invalidRequest, 'Invalid Request: the JSON-RPC batch is empty');
      }
      // A token without the scope of the tool it calls: 403 insufficient_scope (MCP authorization, step-up).
      const scopeProblem = verifier.enabled && req.method === 'POST' ? scopeRefusal(verifier, toolScopes, authOf(req), req.headers.host, req.body) : undefined;
      if (scopeProblem) throw scopeProblem;
      let session = sessionId ? sessions.find(sessionId, actor) : undefined;
      if (!session) {
        // Thrown, not sent: the error handler answers and audits every refusal alike.
        if (sessionId) throw new HttpError(404, RPC.serverError, UNKNOWN_SESSION);
        if (req.method === 'POST' && !initializing(req.body)
          && !(await isLegacyRequest(eraProbe(req), req.body, { maxRequestBodySize: opts.bodyLimit }))) {
          await serveStateless(req, reply, actor);
          return;
        }
        if (req.method !== 'POST' || !initializing(req.body)) {
          throw new HttpError(400, RPC.serverError, 'Bad Request: send an initialize request first (without an Mcp-Session-Id header)');
        }
        session = openSession(req, actor);
      }
      await serve(session, req, reply);
    },
  });

  /** A 2026-07-28 request: answered by the SDK's per-request entry; its 4xx refusals are audited here. */
  async function serveStateless(req: FastifyRequest, reply: FastifyReply, actor: string | undefined): Promise<void> {
    checkTaskRouting(req);
    const key = verifier.enabled ? authOf(req) : undefined;
    const caller = callerOf(req);
    // The token itself never travels further than the verifier: handlers see who, not the credential.
    const auth: AuthInfo = {
      token: '', clientId: key?.ok && key.token?.clientId ? key.token.clientId : actor ?? `ip:${req.ip}`,
      scopes: key?.ok && key.token ? key.token.scopes : [],
      ...(key?.ok && key.token ? { expiresAt: key.token.expiresAt } : {}),
      extra: { caller: { ...caller }, ...(actor ? { actor } : {}) },
    };
    const res = writeRaw(reply);
    const slot: RefusalSlot = {};
    await refusalReasons.run(slot, () => serveModern(Object.assign(req.raw, { auth }), res, req.body));
    if (REFUSAL_STATUSES.has(res.statusCode)) {
      const reason = redactSecrets(slot.reason ?? `refused by the MCP 2026-07-28 entry (HTTP ${res.statusCode})`).slice(0, 500);
      opts.onRefusal(req, { status: res.statusCode, reason, ...(actor ? { actor } : {}) });
    }
  }

  /** Who is calling, as the guards and quotas key it: the token subject or API key, else the client address. */
  function callerOf(req: FastifyRequest): CallerIdentity {
    const key = verifier.enabled ? authOf(req) : undefined;
    return !key?.ok ? { clientAddress: req.ip }
      : key.token ? { tokenSubject: key.token.subject, tokenIssuer: key.token.issuer } : { apiKeyHash: key.hash };
  }

  function openSession(req: FastifyRequest, actor: string | undefined): Session {
    const principal = actor ?? `ip:${req.ip}`;
    sessions.makeRoom(principal, !actor ? 'this client address' : actor.startsWith('key:') ? 'this API key' : 'this token subject');
    const id = randomUUID();
    const auth = verifier.enabled ? authOf(req) : undefined;
    const approves = mayApprove(auth?.ok ? auth.token : undefined, verifier.resource?.approveScope);
    const info: SessionInfo = { sessionId: id, ...(actor ? { actor } : {}), ...(approves ? {} : { mayApprove: false }) };
    const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: () => id });
    // The transport closes itself on some errors: forget it then, so nothing keeps it alive.
    transport.onclose = () => { sessions.forget(id); };
    // A 2025 session keeps its in-memory guard; its quotas are the principal's, shared with every replica.
    const quota = opts.quotaOf?.(callerOf(req));
    return sessions.add({ id, transport, server: createMcpServer(deps, info, undefined, quota ? { quota } : {}), actor, principal });
  }

  async function serve(session: Session, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const opening = session.transport.sessionId === undefined;
    sessions.begin(session);
    // An SSE stream keeps the session busy (never idle) until the client closes it.
    reply.raw.once('close', () => sessions.end(session));
    writeRaw(reply);
    try {
      if (opening) await session.server.connect(session.transport);
      await session.transport.handleRequest(req.raw, reply.raw, req.body);
    } catch (err) {
      log.error({ err, method: req.method }, 'MCP transport failed');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { 'content-type': JSON_TYPE });
        reply.raw.end(JSON.stringify(rpcError(RPC.internalError, 'Internal error: the request failed on the server')));
      } else {
        reply.raw.destroy();
      }
    } finally {
      // An initialize the transport refused leaves a session nobody can use: free it now.
      if (opening && session.transport.sessionId === undefined) await sessions.close(session.id, 'failed');
    }
  }

  async function closeSession(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const sessionId = sessionIdOf(req);
    const session = sessionId ? sessions.find(sessionId, actorOf(req)) : undefined;
    if (!session) {
      throw new HttpError(sessionId ? 404 : 400, RPC.serverError, sessionId ? UNKNOWN_SESSION
        : 'Bad Request: DELETE /mcp closes a session: send its Mcp-Session-Id header');
    }
    await sessions.close(session.id, 'deleted');
    writeRaw(reply).writeHead(200).end();
  }
}

const TASK_METHODS = new Set(['tasks/get', 'tasks/update', 'tasks/cancel']);

/**
 * The tasks extension routes tasks/* by `Mcp-Name: <taskId>` (the SDK checks Mcp-Name only for
 * methods with params.name or params.uri). A header naming another task is refused like any header
 * mismatch; a missing one is tolerated, since any replica can answer for any task here.
 */
function checkTaskRouting(req: FastifyRequest): void {
  const body = req.body as { method?: unknown; params?: { taskId?: unknown } } | undefined;
  if (!body || typeof body.method !== 'string' || !TASK_METHODS.has(body.method)) return;
  const header = req.headers['mcp-name'];
  if (header === undefined) return;
  if (header !== body.params?.taskId) {
    throw new HttpError(400, RPC.headerMismatch, `Bad Request: the Mcp-Name header must be the taskId of ${body.method} (header mismatch)`);
  }
}

/**
 * Whether a body is the initialize request. The method is compared first: the SDK's check parses the
 * whole message with zod, which every ordinary call would otherwise pay for, and pay again on failing.
 */
function initializing(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { method?: unknown }).method === 'initialize' && isInitializeRequest(body);
}

/**
 * The request as isLegacyRequest needs it. Given the parsed body, the SDK classifies from the body,
 * the method and the MCP headers (MCP-Protocol-Version, Mcp-Method, Mcp-Name), read through
 * `headers.get`, and reads nothing else: so the probe is the method and a view of those headers,
 * not a fetch Request (whose construction, with its AbortSignal and body stream, cost more than the
 * classification; the 2026 entry builds its own Request). Without a parsed body the SDK reads the
 * body, so it gets a real Request with an empty body: a claim-less, 2025-era request, as before.
 */
function eraProbe(req: FastifyRequest): Request {
  if (req.body !== undefined) {
    const get = (name: string): string | null => {
      const value = req.headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    };
    return { method: req.method, headers: { get } } as unknown as Request;
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || !(name.startsWith('mcp-') || name === 'content-type')) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return new Request(`http://${req.headers.host ?? 'localhost'}${req.url}`, { method: req.method, headers });
}

/** Takes over the raw response, carrying over what the hooks set (CORS, rate-limit headers). */
function writeRaw(reply: FastifyReply): ServerResponse {
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) reply.raw.setHeader(name, value);
  }
  reply.hijack();
  return reply.raw;
}
