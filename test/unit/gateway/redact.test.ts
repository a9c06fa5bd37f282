// Redaction by value and by key: what the audit log keeps, and what replies and /health show.
import { describe, expect, it } from 'vitest';
import { publicMessage, redactSecrets as fromErrors, ToolError } from '../../../mcp-gateway/errors.js';
import { redactCredentials, redactEveryPattern, redactParams, redactSecrets } from '../../../mcp-gateway/redact.js';

const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'; // AWS's documented example shape
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\n-----END RSA PRIVATE KEY-----';

describe('redactCredentials', () => {
  it.each([
    ['a DSN password', 'postgres://admin:hunter2@db.internal:5432/prod', 'postgres://[redacted]@db.internal:5432/prod'],
    ['any URL userinfo', 'see https://bob:pw@example.com/x and redis://:pw@cache:6379', 'see https://[redacted]@example.com/x and redis://[redacted]@cache:6379'],
    ['an AWS access key id', 'key AKIAIOSFODNN7EXAMPLE here', 'key [redacted] here'],
    ['a temporary access key id', 'ASIAY34FZKBOKMUTVV7A', '[redacted]'],
    ['a secret access key', `secret is ${AWS_SECRET}.`, 'secret is [redacted].'],
    ['a bearer token', 'Authorization: Bearer abc.def-ghi_123', 'Authorization: Bearer [redacted]'],
    ['basic credentials', 'Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l', 'Authorization: Basic [redacted]'],
    ['a JWT', `token ${JWT}`, 'token [redacted jwt]'],
    ['a PEM private key', `k=${PEM} end`, 'k=[redacted private key] end'],
    ['a PEM private key cut short', `${PEM.slice(0, 60)}`, '[redacted private key]'],
    ['password= pairs', 'host=db password=hunter2 user=x', 'host=db password=[redacted] user=x'],
    ['quoted JSON pairs in text', '{"api_key": "abc123", "n": 1}', '{"api_key": "[redacted]", "n": 1}'],
  ])('replaces %s', (_what, input, expected) => {
    expect(redactCredentials(input)).toBe(expected);
  });

  it.each([
    ['a SHA-1 hex digest', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    ['a scan id', 'scan-adhoc-1a2b3c4d5e6f-20261125T0215Z'],
    ['a resource ARN', 'arn:aws:ec2:us-east-1:111111111111:instance/i-0123456789abcdef0'],
    ['a plain URL', 'https://example.com/path?q=1'],
    ['an e-mail address', 'alice@example.com'],
    ['a long lowercase word run', 'thisisalongsentencewithoutanyspacesatall'],
    ['ordinary words after Bearer and Basic', 'the bearer of the Basic tier plan'],
  ])('keeps %s', (_what, input) => {
    expect(redactCredentials(input)).toBe(input);
  });
});

describe('the short-text shortcut of redactCredentials', () => {
  it.each([
    ['a short name=value pair', 'pwd=x', 'pwd=[redacted]'],
    ['a short token pair', 'token:abc', 'token:[redacted]'],
    ['a short JWT', 'eyJabcd.efgh.ij', '[redacted jwt]'],
    ['an access key id alone', 'AKIAIOSFODNN7EXAMPLE', '[redacted]'],
    ['short URL userinfo', 'ftp://u:p@h', 'ftp://[redacted]@h'],
  ])('still replaces %s', (_what, input, expected) => {
    expect(redactCredentials(input)).toBe(expected);
  });

  it('agrees with every pattern applied, on short texts built from the patterns\' fragments', () => {
    const fragments = ['pwd', 'PassWord', 'secret', 'token', 'api-key', 'access_key', '=', ':', '"', ' ', '://', '@', 'bearer ', 'Basic ',
      'eyJ', 'abcd', '.', 'AKIA', 'ASIA', 'ABCDEFGHIJKLMNOP', '-----BEGIN ', 'PRIVATE KEY-----', 'x', '9', '/', '+'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let redacted = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      while (text.length < 39 && next() < 0.85) text += fragments[Math.floor(next() * fragments.length)];
      text = text.slice(0, 39);
      const expected = redactEveryPattern(text);
      if (expected !== text) redacted++;
      expect(redactCredentials(text)).toBe(expected);
    }
    expect(redacted).toBeGreaterThan(1000); // the texts did reach the patterns
  });
});

describe('redactSecrets (replies and health)', () => {
  it('hides database URLs whole and our principal ARNs, on top of credentials', () => {
    expect(redactSecrets('connect to postgresql://u:p@db:5432/x failed')).toBe('connect to [redacted] failed');
    expect(redactSecrets('as arn:aws:sts::123456789012:assumed-role/Scanner/s1')).toBe('as [redacted]');
    expect(redactSecrets('AKIAIOSFODNN7EXAMPLE')).toBe('[redacted]');
  });

  it('is the same function from errors.ts, and publicMessage uses it', () => {
    expect(fromErrors).toBe(redactSecrets);
    expect(publicMessage(new ToolError('bad key AKIAIOSFODNN7EXAMPLE'))).toBe('bad key [redacted]');
    expect(publicMessage(new Error('at /secret/path'))).not.toContain('/secret/path');
  });
});

describe('redactParams (audit rows)', () => {
  it('redacts by value under any key, and by key name whatever the value', () => {
    expect(redactParams({
      dsn: 'postgres://admin:x@db.internal:5432/prod', conn: 'postgres://admin:x@db.internal:5432/prod',
      aws: 'AKIAIOSFODNN7EXAMPLE', nested: [{ note: `use ${JWT}` }], password: 'short', scan_id: 'scan-adhoc-1a2b3c4d5e6f-20261125T0215Z',
    })).toEqual({
      dsn: '[redacted]', conn: 'postgres://[redacted]@db.internal:5432/prod',
      aws: '[redacted]', nested: [{ note: 'use [redacted jwt]' }], password: '[redacted]', scan_id: 'scan-adhoc-1a2b3c4d5e6f-20261125T0215Z',
    });
  });

  it('redacts credentials used as keys', () => {
    expect(redactParams({ AKIAIOSFODNN7EXAMPLE: 1 })).toEqual({ '[redacted]': 1 });
  });

  it('bounds strings, arrays, objects and depth, without splitting a surrogate pair', () => {
    const long = `${'a'.repeat(511)}😀tail`;
    expect(redactParams(long)).toBe(`${'a'.repeat(511)}…`);
    expect(redactParams(Array.from({ length: 150 }, (_, i) => i))).toHaveLength(101);
    const wide = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`k${i}`, i]));
    expect(Object.keys(redactParams(wide) as object)).toHaveLength(101);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 20; i++) deep = { d: deep };
    expect(JSON.stringify(redactParams(deep))).toContain('[truncated]');
  });
});
