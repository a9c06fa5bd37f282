// The tagging policy file as a stored policy version: loaded, validated and recorded, so every
// scan points at the exact policy document it was evaluated against; and compiled versions by id.
// Used by the activities and the gateway alike, so it lives with the policy versions it writes.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { compilePolicy, parsePolicy, type CompiledPolicy, type TaggingPolicy } from '../core/policy/index.js';
import type { Store } from './index.js';

export interface LoadedPolicy {
  id: number;
  hash: string;
  /** `file:<path>`: the configured path as given, or relative to the project when it lies inside it. */
  source: string;
  policy: TaggingPolicy;
}

/** The package root (where package.json is), from the sources or from their build in dist/. */
const PROJECT_ROOT = (() => {
  let dir = nodePath.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(nodePath.join(dir, 'package.json')) && nodePath.dirname(dir) !== dir) dir = nodePath.dirname(dir);
  return dir;
})();

/**
 * How a policy file is named in its version's `source`: the configured path as given when it is
 * relative, and relative to the project when an absolute path points inside it (Claude Desktop's
 * entry must name it absolutely; the machine's layout is nobody's business in a tool result).
 */
export function policySourceName(configuredPath: string): string {
  if (!nodePath.isAbsolute(configuredPath)) return nodePath.normalize(configuredPath);
  const relative = nodePath.relative(PROJECT_ROOT, configuredPath);
  return relative && !relative.startsWith('..') && !nodePath.isAbsolute(relative) ? relative : configuredPath;
}

export async function loadPolicyFile(store: Store, path: string): Promise<LoadedPolicy> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`${path}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const policy = parsePolicy(json);
  const source = `file:${policySourceName(path)}`;
  const version = await store.savePolicyVersion({ source, document: policy });
  // The file it was read from now: a version saved earlier from elsewhere keeps its first source in the store.
  return { id: version.id, hash: version.hash, source, policy };
}

/** Compiled policies by version id: versions are immutable, so the cache never goes stale. */
export class CompiledPolicyCache {
  private readonly byId = new Map<number, CompiledPolicy>();
  constructor(private readonly store: Store, private readonly max = 32) {}

  async get(versionId: number): Promise<CompiledPolicy | undefined> {
    const hit = this.byId.get(versionId);
    if (hit) return hit;
    const version = await this.store.getPolicyVersion(versionId);
    if (!version) return undefined;
    const compiled = compilePolicy(parsePolicy(version.document));
    if (this.byId.size >= this.max) this.byId.delete(this.byId.keys().next().value!);
    this.byId.set(versionId, compiled);
    return compiled;
  }
}
