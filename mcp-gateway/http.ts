// Streamable HTTP transport on fastify: /mcp (POST, GET for SSE, DELETE) and /health.
// Sessions live in this process's memory; scans and results live in Temporal and the store,
// so losing a gateway loses nothing but the open stream.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { GatewayDeps } from './context.js';
import { checkHealth } from './health.js';
import { createMcpServer, type SessionInfo } from './server.js';

interface Session {
  server: McpServer;
  transport: StreamableHTTPServerTransport;
}

export interface HttpGatewayOptions {
  dbKind: string;
  bodyLimitBytes?: number;
}

export async function createHttpGateway(deps: GatewayDeps, opts: HttpGatewayOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimitBytes ?? 1_048_576 });
  const sessions = new Map<string, Session>();

  app.get('/health', async (_req, reply) => {
    const report = await checkHealth(deps, opts.dbKind);
    return reply.code(report.status === 'ok' ? 200 : 503).send(report);
  });

  app.all('/mcp', async (req, reply) => {
    const header = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(header) ? header[0] : header;
    let session = sessionId ? sessions.get(sessionId) : undefined;

    if (!session) {
      if (sessionId || req.method !== 'POST' || !isInitializeRequest(req.body)) {
        return reply.code(sessionId ? 404 : 400).send({
          jsonrpc: '2.0',
          error: { code: -32000, message: sessionId ? 'Unknown or expired session: initialize again' : 'Send an initialize request first' },
          id: null,
        });
      }
      const info: SessionInfo = {};
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          info.sessionId = id;
          sessions.set(id, session!);
        },
      });
      transport.onclose = () => { if (transport.sessionId) sessions.delete(transport.sessionId); };
      session = { transport, server: createMcpServer(deps, info) };
      await session.server.connect(transport);
    }

    reply.hijack();
    await session.transport.handleRequest(req.raw, reply.raw, req.body);
  });

  app.addHook('onClose', async () => {
    await Promise.allSettled([...sessions.values()].map((s) => s.server.close()));
    sessions.clear();
  });
  return app;
}
