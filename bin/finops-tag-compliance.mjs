#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx: no build step between a clone and a run.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
try {
  await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`finops-tag-compliance: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
