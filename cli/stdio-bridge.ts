// `stdio` beside a running `start`: relays MCP messages, unchanged, between this process's
// stdin/stdout and start's HTTP gateway. The embedded store can be opened by one process only, and
// the gateway already owns the store, Temporal, the audit trail and every guardrail, so this
// process holds none of them: it is a pipe (what mcp-remote does), in either protocol era.
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { Logger } from '../config/logger.js';
import type { LocalStack } from './local-stack.js';

type Message = Parameters<StdioServerTransport['send']>[0];

export interface StdioBridge {
  close(): Promise<void>;
  /** Resolves when the stdio side closes (the client went away). */
  closed: Promise<void>;
}

function requestId(message: Message): string | number | undefined {
  const m = message as { id?: string | number; method?: string };
  return m.method !== undefined && m.id !== undefined ? m.id : undefined;
}

/**
 * `apiKey` (FINOPS_API_KEY) is sent as `Authorization: Bearer` when start's gateway requires keys;
 * the stack record never holds one.
 */
export async function bridgeStdioToHttp(stack: LocalStack, logger: Logger, apiKey?: string): Promise<StdioBridge> {
  const endpoint = new URL(`${stack.httpUrl}/mcp`);
  const http = new StreamableHTTPClientTransport(endpoint, {
    requestInit: apiKey ? { headers: { authorization: `Bearer ${apiKey}` } } : undefined,
  });
  const stdio = new StdioServerTransport();
  const initializeIds = new Set<string | number>();

  stdio.onmessage = (message) => {
    const id = requestId(message);
    if (id !== undefined && (message as { method: string }).method === 'initialize') initializeIds.add(id);
    http.send(message).catch((err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      logger.warn({ error: reason, gateway: endpoint.href }, 'could not relay a message to the local stack');
      // A request must get an answer, or the client waits for ever: say where we tried and why.
      if (id !== undefined) {
        void stdio.send({
          jsonrpc: '2.0', id,
          error: { code: -32603, message: `the local stack's gateway at ${endpoint.href} (start, pid ${stack.pid}) did not answer: ${reason}. Is \`start\` still running?` },
        });
      }
    });
  };
  http.onmessage = (message) => {
    const m = message as { id?: string | number; result?: { protocolVersion?: unknown } };
    if (m.id !== undefined && initializeIds.delete(m.id) && typeof m.result?.protocolVersion === 'string') {
      // 2025-era exchanges carry the negotiated version as a header on every later request.
      http.setProtocolVersion(m.result.protocolVersion);
    }
    void stdio.send(message);
  };
  http.onerror = (err) => logger.warn({ error: err.message, gateway: endpoint.href }, 'local stack gateway stream error');
  stdio.onerror = (err) => logger.warn({ error: err.message }, 'stdio transport error');

  const closed = new Promise<void>((resolve) => { stdio.onclose = () => resolve(); });
  await http.start();
  await stdio.start();
  logger.info({ gateway: endpoint.href, startPid: stack.pid, temporal: stack.temporalAddress }, 'serving stdio through the running local stack');

  return {
    closed,
    close: async () => {
      // Ends a 2025-era session on the gateway rather than leaving it to expire; a no-op without one.
      await http.terminateSession().catch(() => {});
      await http.close();
      await stdio.close();
    },
  };
}
