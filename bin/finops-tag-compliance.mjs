#!/usr/bin/env node
// Runs the compiled code in dist/ when `npm run build` made it after the last change to any
// source; otherwise the TypeScript sources directly through tsx, so a clone runs with no build step.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['cli', 'client', 'config', 'core', 'workflows', 'activities', 'cloud', 'store', 'worker', 'mcp-gateway'];

function newestSourceMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(file));
    else if (/\.(ts|sql)$/.test(entry.name)) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

function freshBuild() {
  const stamp = path.join(root, 'dist', '.built');
  if (process.env.FINOPS_FROM_SOURCE === '1' || !existsSync(stamp)) return undefined;
  const builtMs = statSync(stamp).mtimeMs;
  const stale = SOURCE_DIRS.some((dir) => existsSync(path.join(root, dir)) && newestSourceMs(path.join(root, dir)) > builtMs);
  if (stale) {
    process.stderr.write('finops-tag-compliance: dist/ is older than the sources; running the sources (npm run build refreshes it)\n');
    return undefined;
  }
  return path.join(root, 'dist', 'cli', 'main.js');
}

let entry = freshBuild();
if (!entry) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = path.join(root, 'cli', 'main.ts');
}
const { main } = await import(entry);
try {
  await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`finops-tag-compliance: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
