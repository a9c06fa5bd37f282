// What `start` prints once the stack is up: where everything is and how to connect a client.
import path from 'node:path';
import type { Config } from '../config/index.js';
import { REPO_ROOT } from '../worker/temporal-cli.js';
import type { TemporalHandle } from './runtime.js';

export interface BannerInput {
  config: Config;
  temporal: TemporalHandle;
  httpUrl?: string;
  dbKind: string;
  worker: boolean;
  transport: 'http' | 'stdio' | 'none';
}

export function claudeDesktopSnippet(httpUrl?: string): string {
  const servers: Record<string, unknown> = {
    'finops-tag-compliance': {
      command: 'node',
      args: [path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs'), 'stdio'],
      env: { TEMPORAL_ADDRESS: '127.0.0.1:7233' },
    },
  };
  if (httpUrl) servers['finops-tag-compliance-http'] = { command: 'npx', args: ['-y', 'mcp-remote', `${httpUrl}/mcp`] };
  return JSON.stringify({ mcpServers: servers }, null, 2);
}

export function printBanner(input: BannerInput): void {
  // stdout is the MCP channel in stdio mode: everything human goes to stderr.
  const out = (line = '') => process.stderr.write(`${line}\n`);
  const { config, temporal } = input;
  out();
  out('finops-tag-compliance is running');
  out(`  Temporal        ${temporal.address} (namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue})${temporal.devServer ? ' [dev server started here]' : ''}`);
  if (temporal.uiUrl) out(`  Temporal Web UI ${temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows`);
  out(`  Store           ${input.dbKind === 'pglite' ? `embedded PGlite in ${path.join(config.dataDir, 'pglite')}` : 'PostgreSQL (DATABASE_URL)'}`);
  out(`  Worker          ${input.worker ? 'running in this process' : 'not in this process'}`);
  if (input.httpUrl) {
    out(`  MCP (HTTP)      ${input.httpUrl}/mcp`);
    out(`  Health          ${input.httpUrl}/health`);
  }
  if (input.transport === 'stdio') out('  MCP (stdio)     this process\'s stdin/stdout');
  if (input.transport === 'http') {
    out();
    out('Claude Desktop (claude_desktop_config.json):');
    out(claudeDesktopSnippet(input.httpUrl));
    out();
    out('Try: npx finops-tag-compliance evaluate examples/inventory.sample.json   (Ctrl-C stops everything)');
  }
}
