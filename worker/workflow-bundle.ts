// Bundles the workflow code in a short-lived child process: webpack needs a few hundred MB
// while it runs, and a worker that bundled in-process would keep that heap for its lifetime.
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './temporal-cli.js';

/** workflows/index.ts beside this module, or workflows/index.js when running from dist/. */
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** Runs in the child (`finops-tag-compliance bundle-workflows OUT`). */
export async function writeWorkflowBundle(outFile: string, workflowInterceptorModules: string[] = []): Promise<void> {
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, ignoreModules: [], workflowInterceptorModules });
  await writeFile(outFile, code);
}

/** Bundles in a child process and returns the bundle's path; interceptor modules (tracing) are bundled too. */
export async function buildWorkflowBundle(workflowInterceptorModules: string[] = []): Promise<string> {
  const outFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'finops-workflows-')), 'workflows.js');
  const child = fork(path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs'), ['bundle-workflows', outFile, ...workflowInterceptorModules], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-10_000); });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`bundling the workflows failed (exit ${code}):\n${stderr.trim()}`);
  return outFile;
}
