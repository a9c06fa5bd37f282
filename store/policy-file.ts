// The tagging policy file as a stored policy version: loaded, validated and recorded, so every
// scan points at the exact policy document it was evaluated against; and compiled versions by id.
// Used by the activities and the gateway alike, so it lives with the policy versions it writes.
import { readFile } from 'node:fs/promises';
import { compilePolicy, parsePolicy, type CompiledPolicy, type TaggingPolicy } from '../core/policy/index.js';
import type { Store } from './index.js';

export interface LoadedPolicy {
  id: number;
  hash: string;
  source: string;
  policy: TaggingPolicy;
}

export async function loadPolicyFile(store: Store, path: string): Promise<LoadedPolicy> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const policy = parsePolicy(json);
  const version = await store.savePolicyVersion({ source: `file:${path}`, document: policy });
  return { id: version.id, hash: version.hash, source: version.source, policy };
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
