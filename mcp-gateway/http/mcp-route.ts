// The /mcp route: POST (JSON-RPC), GET (SSE stream) and DELETE (close the session) of the Streamable
// HTTP transport, with sessions held in a SessionRegistry. Sessions are in this replica's memory
// only: behind a load balancer, 2025-protocol clients need sticky routing on Mcp-Session-Id.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../config/logger.js';
import type { ApiKeyVerifier, AuthResult } from '../auth.js';
import type { GatewayDeps } from '../context.js';
import { createMcpServer, type SessionInfo } from '../server.js';
import { HttpError, RPC, rpcError } from './errors.js';
import type { Session, SessionRegistry } from './sessions.js';

export interface McpRouteOptions {
  deps: GatewayDeps;
  log: Logger;
  verifier: ApiKeyVerifier;
  authOf(req: FastifyRequest): AuthResult;
  sessions: SessionRegistry;
}

export const UNKNOWN_SESSION =
  'Not Found: this gateway replica does not know that MCP session (it expired after being idle, was closed, or was ' +
  'opened on another replica); send initialize again. Behind a load balancer, route requests by the Mcp-Session-Id header';

const JSON_TYPE = 'application/json; charset=utf-8';

export function registerMcpRoute(app: FastifyInstance, opts: McpRouteOptions): void {
  const { deps, log, verifier, authOf, sessions } = opts;
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
        if (!auth.ok) {
          throw new HttpError(401, RPC.unauthorized, auth.message, {
            'WWW-Authenticate': auth.reason === 'missing' ? 'Bearer realm="mcp"' : 'Bearer realm="mcp", error="invalid_token"',
          });
        }
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
      let session = sessionId ? sessions.find(sessionId, actor) : undefined;
      if (!session) {
        // Thrown, not sent: the error handler answers and audits every refusal alike.
        if (sessionId) throw new HttpError(404, RPC.serverError, UNKNOWN_SESSION);
        if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
          throw new HttpError(400, RPC.serverError, 'Bad Request: send an initialize request first (without an Mcp-Session-Id header)');
        }
        session = openSession(req, actor);
      }
      await serve(session, req, reply);
    },
  });

  function openSession(req: FastifyRequest, actor: string | undefined): Session {
    const principal = actor ?? `ip:${req.ip}`;
    sessions.makeRoom(principal, actor ? 'this API key' : 'this client address');
    const id = randomUUID();
    const info: SessionInfo = { sessionId: id, ...(actor ? { actor } : {}) };
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => id });
    // The transport closes itself on some errors: forget it then, so nothing keeps it alive.
    transport.onclose = () => { sessions.forget(id); };
    return sessions.add({ id, transport, server: createMcpServer(deps, info), actor, principal });
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

/** Takes over the raw response, carrying over what the hooks set (CORS, rate-limit headers). */
function writeRaw(reply: FastifyReply): ServerResponse {
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) reply.raw.setHeader(name, value);
  }
  reply.hijack();
  return reply.raw;
}
