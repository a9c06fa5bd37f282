// Config: environment overrides config.yaml, and bad values name the field.
import { mkdtempSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/index.js';
import { findTemporalCli, TemporalCliNotFound } from '../../worker/temporal-cli.js';

function yamlFile(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'config-'));
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('applies defaults with no file and no environment', () => {
    const config = loadConfig({ CONFIG_FILE: undefined } as NodeJS.ProcessEnv);
    expect(config.temporal.taskQueue).toBe('tag-compliance');
    expect(config.temporal.devServer).toMatchObject({ port: 7233, uiPort: 8233 });
    expect(config.database.url).toBeUndefined();
    expect(config.policy.path).toBe('policies/default.json');
  });

  it('lets the environment override config.yaml', () => {
    const file = yamlFile('http:\n  port: 4000\npolicy:\n  path: policies/examples/x.json\n');
    const config = loadConfig({ CONFIG_FILE: file, PORT: '5000' } as NodeJS.ProcessEnv);
    expect(config.http.port).toBe(5000);
    expect(config.policy.path).toBe('policies/examples/x.json');
  });

  it('reads the shard concurrency as MAX_CONCURRENT_SHARDS, with the old names still accepted', () => {
    expect(loadConfig({} as NodeJS.ProcessEnv).clouds.aws.maxConcurrentShards).toBe(5);
    expect(loadConfig({ MAX_CONCURRENT_SHARDS: '3' } as NodeJS.ProcessEnv).clouds.aws.maxConcurrentShards).toBe(3);
    expect(loadConfig({ MAX_CONCURRENT_REGIONS: '2' } as NodeJS.ProcessEnv).clouds.aws.maxConcurrentShards).toBe(2);
    expect(loadConfig({ MAX_CONCURRENT_REGIONS: '2', MAX_CONCURRENT_SHARDS: '4' } as NodeJS.ProcessEnv).clouds.aws.maxConcurrentShards).toBe(4);
    const old = yamlFile('aws:\n  maxConcurrentRegions: 7\n');
    expect(loadConfig({ CONFIG_FILE: old } as NodeJS.ProcessEnv).clouds.aws.maxConcurrentShards).toBe(7);
    // The environment still overrides the file, whichever names either uses.
    const both = yamlFile('aws:\n  maxConcurrentShards: 6\n');
    expect(loadConfig({ CONFIG_FILE: both, MAX_CONCURRENT_REGIONS: '2' } as NodeJS.ProcessEnv).clouds.aws.maxConcurrentShards).toBe(2);
    expect(() => loadConfig({ MAX_CONCURRENT_REGIONS: '0' } as NodeJS.ProcessEnv)).toThrow(/aws\.maxConcurrentShards/);
  });

  it('reads each cloud under clouds, with the old top-level aws block folded in key by key', () => {
    const fresh = yamlFile('clouds:\n  aws:\n    crossAccountRoleName: AuditRole\n    regions: [eu-west-1]\n');
    expect(loadConfig({ CONFIG_FILE: fresh } as NodeJS.ProcessEnv).clouds.aws).toMatchObject({ crossAccountRoleName: 'AuditRole', regions: ['eu-west-1'] });
    const old = yamlFile('aws:\n  crossAccountRoleName: OldRole\n  accounts: ["111111111111"]\n');
    expect(loadConfig({ CONFIG_FILE: old } as NodeJS.ProcessEnv).clouds.aws).toMatchObject({ crossAccountRoleName: 'OldRole', accounts: ['111111111111'] });
    // Both spelled: clouds.aws wins where both set a key; the old block still fills the rest.
    const both = yamlFile('aws:\n  crossAccountRoleName: OldRole\n  sdkMaxAttempts: 7\nclouds:\n  aws:\n    crossAccountRoleName: NewRole\n');
    const merged = loadConfig({ CONFIG_FILE: both } as NodeJS.ProcessEnv);
    expect(merged.clouds.aws).toMatchObject({ crossAccountRoleName: 'NewRole', sdkMaxAttempts: 7 });
    expect(merged).not.toHaveProperty('aws');
    // The environment wins over either spelling, and a bad value names its new path.
    expect(loadConfig({ CONFIG_FILE: both, CROSS_ACCOUNT_ROLE_NAME: 'EnvRole' } as NodeJS.ProcessEnv).clouds.aws.crossAccountRoleName).toBe('EnvRole');
    expect(() => loadConfig({ CONFIG_FILE: yamlFile('aws:\n  sdkMaxAttempts: 99\n') } as NodeJS.ProcessEnv)).toThrow(/clouds\.aws\.sdkMaxAttempts/);
  });

  it('names the field of an invalid value', () => {
    expect(() => loadConfig({ PORT: 'eighty' } as NodeJS.ProcessEnv)).toThrow(/http\.port/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' } as NodeJS.ProcessEnv)).toThrow(ConfigError);
  });

  it('reads the default scan accounts and regions as comma-separated lists, and names a bad entry', () => {
    const config = loadConfig({ SCAN_ACCOUNTS: '111111111111, 222222222222', SCAN_REGIONS: 'us-east-1,eu-west-1,us-gov-west-1' } as NodeJS.ProcessEnv);
    expect(config.clouds.aws.accounts).toEqual(['111111111111', '222222222222']);
    expect(config.clouds.aws.regions).toEqual(['us-east-1', 'eu-west-1', 'us-gov-west-1']);
    expect(() => loadConfig({ SCAN_ACCOUNTS: '111111111111,12345' } as NodeJS.ProcessEnv)).toThrow(/aws\.accounts\.1: must be a 12-digit AWS account id/);
    expect(() => loadConfig({ SCAN_REGIONS: 'us-east-1,../etc' } as NodeJS.ProcessEnv)).toThrow(/aws\.regions\.1: must be an AWS region/);
  });

  it('refuses a CONFIG_FILE that does not exist', () => {
    expect(() => loadConfig({ CONFIG_FILE: '/nonexistent/config.yaml' } as NodeJS.ProcessEnv)).toThrow(/does not exist/);
  });
});

describe('findTemporalCli', () => {
  it('prefers an explicit path, then PATH', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-'));
    mkdirSync(path.join(dir, 'bin'));
    const fake = path.join(dir, 'bin', 'temporal');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    expect(findTemporalCli(fake, '')).toBe(fake);
    expect(findTemporalCli(undefined, path.join(dir, 'bin'))).toBe(fake);
  });

  it('says how to install it when an explicit path is wrong', () => {
    expect(() => findTemporalCli('/nonexistent/temporal', '')).toThrow(TemporalCliNotFound);
    expect(() => findTemporalCli('/nonexistent/temporal', '')).toThrow(/npm run setup:tools/);
  });
});
