// Builders for inventory fixtures.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Resource } from '../../core/resource.js';

let serial = 0;

export function anAwsResource(overrides: Partial<Resource> = {}): Resource {
  serial += 1;
  const type = overrides.type ?? 'ec2:instance';
  const [service, kind] = type.split(':');
  return {
    cloud: 'aws',
    account: '123456789012',
    region: 'us-east-1',
    type,
    id: `arn:aws:${service}:us-east-1:123456789012:${kind}/r-${serial.toString().padStart(6, '0')}`,
    tags: {},
    ...overrides,
  };
}

export function writeInventory(resources: Resource[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'inventory-'));
  const file = path.join(dir, 'inventory.json');
  writeFileSync(file, JSON.stringify({ resources }));
  return file;
}
