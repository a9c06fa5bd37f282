// stdio transport: one MCP session for the life of the process (Claude Desktop, Inspector).
import { randomUUID } from 'node:crypto';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { GatewayDeps } from './context.js';
import { withScanMemo } from './scans/memo.js';
import { createMcpServer } from './server.js';

export async function serveStdio(gatewayDeps: GatewayDeps): Promise<{ close(): Promise<void>; closed: Promise<void> }> {
  const deps = withScanMemo(gatewayDeps);
  const server = createMcpServer(deps, { sessionId: `stdio-${randomUUID()}`, actor: 'stdio' });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => { transport.onclose = () => resolve(); });
  await server.connect(transport);
  const close = async () => {
    await server.close();
    await deps.store.flushAudit(); // audit rows of calls that were still in flight
  };
  return { close, closed };
}
