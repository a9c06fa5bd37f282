// Benches run the product's processes from dist/, as production does (see "Running from sources
// or from `dist/`" in the README): under tsx they would carry the loader's CPU and memory too.
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../worker/temporal-cli.js';

/** `npm run build`, unless FINOPS_FROM_SOURCE=1 asks for the sources; says which code runs. */
export function buildDist(): string {
  if (process.env.FINOPS_FROM_SOURCE === '1') return 'sources (tsx)';
  console.error('building dist/ (npm run build) ...');
  const build = spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'build.sh')], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (build.status === 0) return 'dist/ (npm run build)';
  // tsc emits in spite of type errors: a checkout with work in progress elsewhere still benches
  // the code it has, and the table says so. The rest of build.sh runs here.
  const first = `${build.stdout}${build.stderr}`.split('\n').find((line) => line.includes('error')) ?? `exit ${build.status}`;
  console.error(`npm run build reported type errors (${first.slice(0, 160)}); using what tsc emitted`);
  execFileSync('bash', ['-c', 'rm -rf dist/store/migrations && mkdir -p dist/store/migrations && cp store/migrations/*.sql dist/store/migrations/ && touch dist/.built'],
    { cwd: REPO_ROOT, stdio: 'inherit' });
  return 'dist/ (npm run build; type errors elsewhere, emitted anyway)';
}
