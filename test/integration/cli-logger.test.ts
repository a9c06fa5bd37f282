// Logs are for people on a terminal (pino-pretty) and JSON when piped or collected, and the
// redaction of credentials holds in both. The terminal is a real pseudo-terminal (util-linux `script`).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../worker/temporal-cli.js';

const CHILD = path.join(REPO_ROOT, 'test', 'support', 'log-child.ts');
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, "'\\''")}'`;
}

describe('process logger format', () => {
  it('writes JSON lines when stderr is a pipe', () => {
    const env = { ...process.env };
    delete env.LOG_FORMAT;
    const run = spawnSync(process.execPath, ['--import', 'tsx', CHILD], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const line = JSON.parse(run.stderr.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 40, msg: 'a warning for people', scan: 'scan-1', config: { token: '[redacted]' } });
    expect(run.stderr).not.toContain('tok-SECRET-123');
  });

  it.skipIf(!hasScript)('writes human lines on a terminal, still redacted', () => {
    const env = { ...process.env };
    delete env.LOG_FORMAT;
    const command = [process.execPath, '--import', 'tsx', CHILD].map(shellQuote).join(' ');
    // `script` gives the child a pseudo-terminal as stdin/stdout/stderr and copies it to our pipe.
    const run = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const text = stripVTControlCharacters(run.stdout);
    expect(text).toMatch(/WARN: a warning for people/);
    expect(text).toContain('scan: "scan-1"');
    expect(text).not.toContain('{"level"');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('tok-SECRET-123');
  });
});
