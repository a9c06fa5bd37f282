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

/**
 * Claude Desktop's entries for this stack. The stdio entry runs in Claude's own working directory,
 * so it names the data dir absolutely: there it finds the running `start` (cli/local-stack.ts) and
 * serves through it. Its Temporal settings are the ones actually in use, for when it runs alone.
 */
export function claudeDesktopSnippet(input: { config: Config; temporal: Pick<TemporalHandle, 'address' | 'devServer'>; httpUrl?: string }): string {
  const { config, temporal, httpUrl } = input;
  const env: Record<string, string> = { DATA_DIR: path.resolve(config.dataDir) };
  if (config.temporal.address) {
    env.TEMPORAL_ADDRESS = temporal.address;
  } else {
    // Alone, stdio starts (or joins) the dev server on this port, with the same history file.
    env.TEMPORAL_DEV_PORT = temporal.address.slice(temporal.address.lastIndexOf(':') + 1);
  }
  if (config.policy.path) env.POLICY_PATH = path.resolve(config.policy.path);
  // With API keys the gateway wants one from every client; the key itself is never printed.
  const keyed = config.http.apiKeyHashes.length > 0;
  if (keyed) env.FINOPS_API_KEY = '<your key>';
  const servers: Record<string, unknown> = {
    'finops-tag-compliance': {
      command: process.execPath,
      args: [path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs'), 'stdio'],
      env,
    },
  };
  if (httpUrl) {
    servers['finops-tag-compliance-http'] = keyed
      ? { command: 'npx', args: ['-y', 'mcp-remote', `${httpUrl}/mcp`, '--header', 'Authorization: Bearer ${FINOPS_API_KEY}'], env: { FINOPS_API_KEY: '<your key>' } }
      : { command: 'npx', args: ['-y', 'mcp-remote', `${httpUrl}/mcp`] };
  }
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
  out(`  Store           ${input.dbKind === 'pglite' ? `embedded PGlite in ${path.resolve(config.dataDir, 'pglite')}` : 'PostgreSQL (DATABASE_URL)'}`);
  out(`  Worker          ${input.worker ? 'running in this process' : 'not in this process'}`);
  if (input.httpUrl) {
    out(`  MCP (HTTP)      ${input.httpUrl}/mcp`);
    out(`  Health          ${input.httpUrl}/health`);
    out(`  Dashboard       ${input.httpUrl}/dashboard${config.http.apiKeyHashes.length > 0 ? '   (log in with an API key)' : ''}`);
  }
  if (input.transport === 'stdio') out('  MCP (stdio)     this process\'s stdin/stdout');
  if (input.transport === 'http') {
    out(`  MCP (stdio)     \`stdio\` with DATA_DIR=${path.resolve(config.dataDir)} serves through this process while it runs`);
    out();
    out('Claude Desktop (claude_desktop_config.json):');
    out(claudeDesktopSnippet({ config, temporal, httpUrl: input.httpUrl }));
    out();
    out('Try: npx finops-tag-compliance evaluate examples/inventory.sample.json   (Ctrl-C stops everything)');
  }
}
