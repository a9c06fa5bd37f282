// The inventory scanner, the seam's second implementation: pages with resumable tokens, typed
// failures for missing and malformed files, a rewritten file read again, tags by id.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { INVENTORY_PAGE_SIZE, createInventoryScanner } from '../../../cloud/inventory/scanner.js';
import { CloudScanners } from '../../../cloud/scanner.js';
import { anAwsResource, writeInventory } from '../../support/inventory.js';

const failureType = (err: unknown) => (err instanceof ApplicationFailure ? err.type : `not typed: ${String(err)}`);

describe('the inventory scanner', () => {
  it('plans one shard and pages the file with tokens a retry can resume from', async () => {
    const resources = Array.from({ length: 2 * INVENTORY_PAGE_SIZE + 37 }, () => anAwsResource());
    const file = writeInventory(resources);
    const scanner = createInventoryScanner();
    const plan = await scanner.planTarget(file, { resourceTypes: ['all'] });
    expect(plan.shards).toHaveLength(1);
    const shard = plan.shards[0]!;

    const seen: string[] = [];
    const tokens: (string | undefined)[] = [];
    let token: string | undefined;
    do {
      const page = await scanner.fetchPage(file, shard, token);
      seen.push(...page.resources.map((r) => r.id));
      token = page.next;
      tokens.push(token);
    } while (token);
    expect(seen).toEqual(resources.map((r) => r.id));
    expect(tokens).toEqual([String(INVENTORY_PAGE_SIZE), String(2 * INVENTORY_PAGE_SIZE), undefined]);

    // A new scanner (another worker) resumes from a heartbeated token: the same last page.
    const resumed = await createInventoryScanner().fetchPage(file, shard, String(2 * INVENTORY_PAGE_SIZE));
    expect(resumed.resources.map((r) => r.id)).toEqual(resources.slice(2 * INVENTORY_PAGE_SIZE).map((r) => r.id));
    expect(resumed.next).toBeUndefined();
  });

  it('refuses tokens it never handed out', async () => {
    const file = writeInventory([anAwsResource()]);
    const scanner = createInventoryScanner();
    const shard = (await scanner.planTarget(file, { resourceTypes: ['all'] })).shards[0]!;
    for (const bad of ['-1', 'abc', '1e400', '\u0000', '9'.repeat(30)]) {
      expect(failureType(await scanner.fetchPage(file, shard, bad).catch((e: unknown) => e))).toBe('InvalidInput');
    }
  });

  it('fails planning with NotFound for a missing file and InvalidInput, naming the item, for a malformed one', async () => {
    const scanner = createInventoryScanner();
    const missing = await scanner.planTarget('/nonexistent/inventory.json', { resourceTypes: ['all'] }).catch((e: unknown) => e);
    expect(failureType(missing)).toBe('NotFound');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bad-inventory-'));
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ cloud: 'aws', account: '1', region: 'x', type: 'no-colon', id: 'a', tags: {} }]));
    const malformed = await scanner.planTarget(bad, { resourceTypes: ['all'] }).catch((e: unknown) => e);
    expect(failureType(malformed)).toBe('InvalidInput');
    expect((malformed as Error).message).toMatch(/\[0\]\.type: must be service:kind/);
    // Fixed in place, the file is read again rather than served from the failed read.
    writeFileSync(bad, JSON.stringify([anAwsResource({ id: 'fixed' })]));
    await expect(scanner.planTarget(bad, { resourceTypes: ['all'] })).resolves.toMatchObject({ shards: [{ label: 'inventory' }] });
  });

  it('reads a rewritten file again instead of serving the earlier version', async () => {
    const file = writeInventory([anAwsResource({ id: 'first' })]);
    const scanner = createInventoryScanner();
    const shard = (await scanner.planTarget(file, { resourceTypes: ['all'] })).shards[0]!;
    expect((await scanner.fetchPage(file, shard, undefined)).resources.map((r) => r.id)).toEqual(['first']);
    writeFileSync(file, JSON.stringify([anAwsResource({ id: 'second' }), anAwsResource({ id: 'third' })]));
    expect((await scanner.fetchPage(file, shard, undefined)).resources.map((r) => r.id)).toEqual(['second', 'third']);
  });

  it('reads tags by id from the named file, and says which ids it lacks', async () => {
    const file = writeInventory([anAwsResource({ id: 'a', tags: { Owner: 'x' } })]);
    const scanner = createInventoryScanner();
    const tags = await scanner.readTags(['a', 'b'], file);
    expect(tags.get('a')).toEqual({ tags: { Owner: 'x' } });
    expect(tags.get('b')).toEqual({ error: `not in ${file}` });
    expect(failureType(await scanner.readTags(['a']).catch((e: unknown) => e))).toBe('InvalidInput');
  });

  it('lists only the files a scope names', async () => {
    const scanner = createInventoryScanner();
    await expect(scanner.listTargets(['/a.json'])).resolves.toEqual({ targets: ['/a.json'], source: 'scope' });
    expect(failureType(await scanner.listTargets(undefined).catch((e: unknown) => e))).toBe('InvalidInput');
  });
});

describe('the scanner registry', () => {
  it('finds a scanner by cloud id and refuses a cloud the worker cannot scan, without retries', () => {
    const scanners = new CloudScanners([createInventoryScanner()]);
    expect(scanners.get('inventory').id).toBe('inventory');
    const err = (() => { try { scanners.get(`azure${'\u0000x'.repeat(100)}`); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).type).toBe('InvalidInput');
    // The cloud's name is bounded in the message; the worker's clouds are listed.
    expect((err as Error).message.length).toBeLessThan(120);
    expect((err as Error).message).toMatch(/it scans: inventory\)$/);
  });
});
