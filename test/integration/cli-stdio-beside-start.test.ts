// The first run as a new user meets it: `start` on the embedded store prints a Claude Desktop
// entry; that entry, launched as Claude would (its own working directory, the printed env), serves
// tools through the running stack instead of failing on the store's lock; and Ctrl-C stops `start`
// without a page of warnings. Real processes: `start`, its dev server, PGlite, a real MCP stdio client.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../worker/dev-server.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { killLeftovers, leftovers, spawnCli, waitFor, type CliProcess } from '../support/cli-process.js';

interface Snippet { mcpServers: Record<string, { command: string; args: string[]; env?: Record<string, string> }> }

/** The JSON block `start` prints after "Claude Desktop (claude_desktop_config.json):". */
function printedSnippet(stderr: string): Snippet {
  const after = stderr.slice(stderr.indexOf('claude_desktop_config.json'));
  const start = after.indexOf('\n{');
  const end = after.indexOf('\n}\n', start);
  if (start < 0 || end < 0) throw new Error(`no Claude Desktop snippet in:\n${stderr.slice(-3000)}`);
  return JSON.parse(after.slice(start + 1, end + 2)) as Snippet;
}

/** Log lines (JSON: stderr is a pipe here) written after `start` began shutting down. */
function linesAfterShutdown(stderr: string): Array<{ level: number; msg: string }> {
  const lines = stderr.split('\n').filter((l) => l.startsWith('{"')).map((l) => JSON.parse(l) as { level: number; msg: string });
  return lines.slice(lines.findIndex((l) => l.msg === 'shutting down'));
}

describe('stdio beside a running start (embedded store)', () => {
  let cli: CliProcess | undefined;
  let marker = '';
  afterEach(() => { if (cli) killLeftovers(cli.pid, marker); });

  it('the printed entry answers tool calls through start, names the ports in use, and Ctrl-C is quiet', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cli-stdio-'));
    marker = dataDir;
    const [temporalPort, uiPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: dataDir,
      TEMPORAL_DEV_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      PORT: String(httpPort),
      LOG_LEVEL: 'info',
      // Absolute, as an entry run from Claude's working directory needs it; reported relative.
      POLICY_PATH: path.join(REPO_ROOT, 'policies', 'default.json'),
    };
    delete env.DATABASE_URL; // the embedded PGlite store: one process only
    delete env.TEMPORAL_ADDRESS;
    cli = spawnCli(['start'], env);
    const started = cli;
    await waitFor(async () => {
      if (started.exitStatus() !== undefined) throw new Error(`start exited with ${started.exitStatus()}:\n${started.stderr().slice(-4000)}`);
      const res = await fetch(`http://127.0.0.1:${httpPort}/health`).catch(() => undefined);
      return res?.status === 200 && started.stderr().includes('\n}\n') ? true : undefined;
    }, 150_000, () => `start never became healthy:\n${started.stderr().slice(-4000)}`);

    const snippet = printedSnippet(cli.stderr());
    const stdioEntry = snippet.mcpServers['finops-tag-compliance']!;
    expect(stdioEntry.env).toMatchObject({ DATA_DIR: dataDir, TEMPORAL_DEV_PORT: String(temporalPort) });
    expect(JSON.stringify(stdioEntry)).not.toContain('7233');
    expect(snippet.mcpServers['finops-tag-compliance-http']!.args).toContain(`http://127.0.0.1:${httpPort}/mcp`);
    expect(cli.stderr()).toContain(`Temporal        127.0.0.1:${temporalPort}`);
    // The dev server's start-up banner is not a warning (it named localhost and a metrics port).
    expect(cli.stderr()).not.toMatch(/"level":40[^\n]*"msg":"temporal dev server"/);

    // As Claude Desktop launches it: the printed command, args and env, from another directory.
    const childEnv = { ...process.env, ...stdioEntry.env } as Record<string, string>;
    delete childEnv.DATABASE_URL;
    delete childEnv.TEMPORAL_ADDRESS;
    // Both protocol eras: the relay passes messages unchanged, the gateway answers each in its own.
    for (const era of ['2026-07-28', '2025-11-25'] as const) {
      let stdioStderr = '';
      const transport = new StdioClientTransport({ command: stdioEntry.command, args: stdioEntry.args, env: childEnv, cwd: os.tmpdir(), stderr: 'pipe' });
      transport.stderr?.on('data', (chunk: Buffer) => { stdioStderr += chunk.toString(); });
      const client = new Client({ name: `cli-stdio-${era}`, version: '1.0.0' }, era === '2026-07-28'
        ? { versionNegotiation: { mode: { pin: era } } }
        : { supportedProtocolVersions: [era] });
      try {
        await client.connect(transport);
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toContain('get_tagging_policy');
        const result = await client.callTool({ name: 'get_tagging_policy', arguments: {} });
        expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
        const structured = result.structuredContent as { source: string; version_id: number };
        expect(structured.source).toBe('file:policies/default.json');
        expect(structured.version_id).toBeGreaterThan(0);
      } catch (err) {
        throw new Error(`${era}: ${(err as Error).message}\nstdio stderr:\n${stdioStderr.slice(-3000)}\nstart stderr:\n${cli.stderr().slice(-3000)}`, { cause: err });
      } finally {
        await client.close();
      }
      expect(stdioStderr).toContain('serving stdio through the running local stack');
      expect(stdioStderr).not.toContain('is in use by process');
      // It served through start: it opened no store and launched no dev server of its own.
      expect(stdioStderr).not.toMatch(/database migrated|starting Temporal dev server/);
    }

    // `evaluate`, as the banner suggests, with only DATA_DIR: it finds start's Temporal on its port.
    const evaluateEnv = { ...childEnv };
    delete evaluateEnv.TEMPORAL_DEV_PORT;
    const evaluated = spawnSync(process.execPath, [stdioEntry.args[0]!, 'evaluate', path.join(REPO_ROOT, 'examples', 'inventory.sample.json')],
      { env: evaluateEnv, cwd: os.tmpdir(), encoding: 'utf8', timeout: 60_000 });
    expect(evaluated.status, evaluated.stderr).toBe(0);
    expect((JSON.parse(evaluated.stdout) as { totals: { total: number } }).totals.total).toBe(6);

    // Ctrl-C after real work (a tool call, a workflow run): nothing above info level follows.
    cli.signalGroup('SIGINT');
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`start still running 30 s after Ctrl-C:\n${started.stderr().slice(-3000)}`)), 30_000).unref());
    expect(await Promise.race([cli.exited, timeout])).toBe(0);
    const after = linesAfterShutdown(cli.stderr());
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((l) => l.level >= 40), JSON.stringify(after)).toEqual([]);
    expect(cli.stderr()).not.toMatch(/Failed to poll|network dial error/);
    expect(leftovers(cli.pid, dataDir)).toEqual([]);
  }, 300_000);
});
