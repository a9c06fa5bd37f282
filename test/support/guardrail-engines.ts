// The real engines the guardrail artefacts must pass, from the tool venv (.venv-tools): python-hcl2's
// hcl2tojson for Terraform, cfn-lint for CloudFormation. Each runs on a temporary file.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '.venv-tools', 'bin');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(path.join(BIN, command), args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(err);
      else resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

async function withFile<T>(name: string, text: string, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'guardrail-'));
  try {
    const file = path.join(dir, name);
    await writeFile(file, text);
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * HCL parsed by python-hcl2: string values unquoted with their escapes resolved, heredoc bodies
 * as written, blocks as lists. Throws with the parser's message when the HCL does not parse.
 */
export function parseHcl(text: string): Promise<HclDocument> {
  return withFile('main.tf', text, async (file) => {
    const r = await run('hcl2tojson', ['--strip-string-quotes', '--no-preserve-heredocs', '--no-explicit-blocks', '-q', file]);
    if (r.code !== 0) throw new Error(`hcl2tojson failed (${r.code}): ${r.stderr || r.stdout}`);
    return JSON.parse(r.stdout) as HclDocument;
  });
}

export interface HclDocument {
  terraform?: unknown[];
  variable?: Record<string, Record<string, unknown>>[];
  resource?: Record<string, Record<string, Record<string, unknown>>>[];
}

/** Every resource of a type, by name. */
export function hclResources(doc: HclDocument, type: string): Map<string, Record<string, unknown>> {
  const found = new Map<string, Record<string, unknown>>();
  for (const entry of doc.resource ?? []) {
    for (const [name, body] of Object.entries(entry[type] ?? {})) found.set(name, body);
  }
  return found;
}

/** cfn-lint's exit code (0 clean; bit 2 errors, 4 warnings, 8 informational) and its findings. */
export function cfnLint(template: string, ext: 'yaml' | 'json'): Promise<Run> {
  return withFile(`template.${ext}`, template, (file) => run('cfn-lint', ['--format', 'parseable', '--', file]));
}
