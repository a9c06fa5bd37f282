// stdio transport through the SDK's serveStdio: the opening exchange picks the era (2026-07-28
// via server/discover, or the 2025 initialize handshake) and one server instance is pinned to the
// connection for its life (Claude Desktop, Inspector).
import { randomUUID } from 'node:crypto';
import { serveStdio as sdkServeStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { GatewayDeps } from './context.js';
import { withScanMemo } from './scans/memo.js';
import { createMcpServer } from './server.js';
import { guardKeyOf } from './guard/principal.js';
import { createPrincipalQuotas } from './quotas/index.js';
import { SessionGuard } from './session-guard.js';

export async function serveStdio(gatewayDeps: GatewayDeps): Promise<{ close(): Promise<void>; closed: Promise<void> }> {
  const deps = withScanMemo(gatewayDeps);
  const session = { sessionId: `stdio-${randomUUID()}`, actor: 'stdio' };
  // One connection, one budget, in either era (the discover probe's instance is discarded unused).
  const guard = new SessionGuard(deps.config.gateway);
  // The local user's quotas: the principal the guards name a stdio client by (local:stdio).
  const quotas = createPrincipalQuotas({ config: deps.config, store: deps.store, logger: deps.logger });
  const quota = quotas.for(guardKeyOf({}).principal);
  const transport = new StdioServerTransport();
  // serveStdio owns the transport's callbacks: the end of stdin is the end of the connection.
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  const handle = sdkServeStdio(({ era }) => createMcpServer(deps, session, undefined, { era, guard, quota }), {
    transport,
    onerror: (err) => deps.logger.warn({ err }, 'stdio transport error'),
  });
  const close = async () => {
    await handle.close();
    await quotas.close();
    await deps.store.flushAudit(); // audit rows of calls that were still in flight
  };
  return { close, closed };
}
