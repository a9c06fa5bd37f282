// The inventory scanner: a JSON inventory file (core/inventory.ts) is the target, the whole file
// is one shard, and a page is a slice of it (the token is the offset of the next resource). It
// needs no cloud at all, which is the point: the scan workflows and the shard activity run it
// exactly as they run AWS.
import { readFile, stat } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { InventoryError, parseInventory } from '../../core/inventory.js';
import type { Resource } from '../../core/resource.js';
import type { CloudScanner, ShardPage } from '../scanner.js';

/** Resources per page: what a cloud list API would return, so a shard checkpoints as often. */
export const INVENTORY_PAGE_SIZE = 1000;

const notFound = (message: string) => ApplicationFailure.create({ type: 'NotFound', message, nonRetryable: true });
const invalidInput = (message: string) => ApplicationFailure.create({ type: 'InvalidInput', message, nonRetryable: true });

/** Reads and validates an inventory file; a missing file is NotFound, a malformed one InvalidInput. */
export async function readInventory(path: string): Promise<Resource[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`inventory file ${path} does not exist`);
    throw err;
  }
  try {
    return parseInventory(text);
  } catch (err) {
    if (err instanceof InventoryError) throw invalidInput(`${path}: ${err.message}`);
    throw err;
  }
}

export function createInventoryScanner(): CloudScanner {
  // The last file read, by path and version: each page of a shard would otherwise parse it again.
  let cached: { key: string; resources: Promise<Resource[]> } | undefined;
  const resourcesOf = async (path: string): Promise<Resource[]> => {
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? notFound(`inventory file ${path} does not exist`) : err;
    });
    const key = `${path}\0${info.mtimeMs}\0${info.size}`;
    if (cached?.key !== key) {
      const resources = readInventory(path);
      cached = { key, resources };
      resources.catch(() => { if (cached?.key === key) cached = undefined; });
    }
    return cached.resources;
  };

  return {
    id: 'inventory',

    async listTargets(requested) {
      if (!requested?.length) throw invalidInput('an inventory scan names its inventory files');
      return { targets: requested, source: 'scope' };
    },

    async planTarget(path) {
      // Read now, so a missing or malformed file fails the plan instead of every page.
      await resourcesOf(path);
      return { regions: ['*'], regionSource: 'file', shards: [{ region: '*', label: 'inventory', source: { kind: 'file' } }], maxConcurrentShards: 1 };
    },

    async fetchPage(path, _shard, token): Promise<ShardPage> {
      const resources = await resourcesOf(path);
      const offset = token === undefined ? 0 : Number(token);
      if (!Number.isSafeInteger(offset) || offset < 0) throw invalidInput(`not a page token of this inventory: ${String(token).slice(0, 40)}`);
      const end = offset + INVENTORY_PAGE_SIZE;
      return { resources: resources.slice(offset, end), ...(end < resources.length ? { next: String(end) } : {}) };
    },

    isExpiredToken: () => false,
    toFailure: (err) => (err instanceof Error ? err : new Error(String(err))),

    async readTags(ids, path) {
      if (!path) throw invalidInput('inventory ids do not name their file: give the inventory path');
      const byId = new Map((await resourcesOf(path)).map((r) => [r.id, r.tags]));
      return new Map(ids.map((id) => {
        const tags = byId.get(id);
        return [id, tags ? { tags } : { error: `not in ${path}` }];
      }));
    },
  };
}
