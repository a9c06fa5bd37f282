// API keys for the HTTP gateway: `Authorization: Bearer <key>`. The configuration holds only
// SHA-256 hashes of the keys; a presented key is hashed and compared to every configured hash in
// constant time. A key's identity in logs and the audit trail is the start of its hash, never the key.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { HttpAuthModeName, OAuthSettings } from '../config/oauth-schema.js';
import type { VerifiedToken } from './auth/access-tokens.js';

/** SHA-256 of an API key, lowercase hex: the value to put in http.apiKeyHashes / API_KEY_HASHES. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The audit actor / rate-limit identity of a key: `key:` plus the first 8 hex characters of its hash. */
export function keyIdentity(hashHex: string): string {
  return `key:${hashHex.slice(0, 8)}`;
}

/**
 * Whether `candidate` equals one of `known` (equal-length digests), in time independent of where or
 * whether it matches: every entry is compared with timingSafeEqual, without an early exit.
 */
export function constantTimeIncludes(candidate: Buffer, known: readonly Buffer[]): boolean {
  let found = false;
  for (const hash of known) {
    if (hash.length === candidate.length && timingSafeEqual(hash, candidate)) found = true;
  }
  return found;
}

/** invalid_token: a bearer JWT that fails verification; unavailable: the issuer's keys cannot be fetched. */
export type AuthFailure = 'missing' | 'malformed' | 'unknown' | 'invalid_token' | 'unavailable';

/** A verified API key (`hash`) or OAuth access token (`token`); `actor` is the principal either way. */
export type AuthResult =
  | { ok: true; actor: string; hash: string; token?: undefined }
  | { ok: true; actor: string; hash?: undefined; token: VerifiedToken }
  | { ok: false; reason: AuthFailure; message: string };

const FAILURE_MESSAGES: Record<'missing' | 'malformed' | 'unknown', string> = {
  missing: 'Unauthorized: missing API key; send "Authorization: Bearer <key>"',
  malformed: 'Unauthorized: malformed Authorization header; expected "Authorization: Bearer <key>"',
  unknown: 'Unauthorized: unknown API key',
};

/** Checks Authorization headers against the configured key hashes. */
export class ApiKeyVerifier {
  private readonly hashes: Buffer[];

  constructor(hashHexes: readonly string[]) {
    this.hashes = hashHexes.map((hex) => {
      if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error('an API key hash is not a SHA-256 hex digest (64 hex characters)');
      return Buffer.from(hex, 'hex');
    });
  }

  /** False when no key is configured: the gateway then serves without authentication. */
  get enabled(): boolean {
    return this.hashes.length > 0;
  }

  verify(authorization: string | string[] | undefined): AuthResult {
    if (authorization === undefined || authorization === '') return this.fail('missing');
    if (Array.isArray(authorization)) return this.fail('malformed');
    const match = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(authorization);
    if (!match) return this.fail('malformed');
    const digest = createHash('sha256').update(match[1]!, 'utf8').digest();
    if (!constantTimeIncludes(digest, this.hashes)) return this.fail('unknown');
    const hash = digest.toString('hex');
    return { ok: true, actor: keyIdentity(hash), hash };
  }

  private fail(reason: keyof typeof FAILURE_MESSAGES): AuthResult {
    return { ok: false, reason, message: FAILURE_MESSAGES[reason] };
  }
}

/** 127.0.0.0/8, ::1 (also bracketed or IPv4-mapped) and localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

export interface HttpAuthSettings {
  host: string;
  apiKeyHashes: readonly string[];
  allowUnauthenticated: boolean;
  auth?: { mode: HttpAuthModeName };
  oauth?: Pick<OAuthSettings, 'issuer' | 'jwksUri' | 'resource' | 'audience'>;
}

export type AuthMode = 'api-keys' | 'oauth' | 'api-keys+oauth' | 'off-loopback' | 'off-allowed';

export class InsecureBindError extends Error {
  override name = 'InsecureBindError';
}

/** OAuth is chosen (http.auth.mode) but cannot work as configured. */
export class AuthConfigError extends Error {
  override name = 'AuthConfigError';
}

/**
 * How the gateway authenticates, or an InsecureBindError when it would serve unauthenticated on a
 * non-loopback host without http.allowUnauthenticated, or an AuthConfigError when OAuth is chosen
 * without the settings it needs.
 */
export function resolveAuthMode(http: HttpAuthSettings): AuthMode {
  const mode = http.auth?.mode ?? 'keys';
  if (mode !== 'keys') {
    checkOAuthSettings(mode, http);
    return mode === 'both' && http.apiKeyHashes.length > 0 ? 'api-keys+oauth' : 'oauth';
  }
  if (http.apiKeyHashes.length > 0) return 'api-keys';
  if (isLoopbackHost(http.host)) return 'off-loopback';
  if (http.allowUnauthenticated) return 'off-allowed';
  throw new InsecureBindError(
    `refusing to serve MCP on ${http.host} without authentication: no API keys are configured. ` +
    'Set API_KEY_HASHES (http.apiKeyHashes) to the SHA-256 hashes of your API keys, or bind to 127.0.0.1 (HOST), ' +
    'or set ALLOW_UNAUTHENTICATED=true (http.allowUnauthenticated) if an authenticating proxy sits in front.');
}

/** OAuth is refused at startup, with what to set, rather than failing every request later. */
function checkOAuthSettings(mode: HttpAuthModeName, http: HttpAuthSettings): void {
  const oauth = http.oauth ?? {};
  const where = `http.auth.mode is ${mode} (AUTH_MODE)`;
  if (!oauth.issuer) {
    throw new AuthConfigError(`${where} but no authorization server is configured: set http.oauth.issuer (OAUTH_ISSUER) to its issuer URL`);
  }
  for (const [name, value] of [['http.oauth.issuer (OAUTH_ISSUER)', oauth.issuer], ['http.oauth.jwksUri (OAUTH_JWKS_URI)', oauth.jwksUri]] as const) {
    if (value && !value.toLowerCase().startsWith('https://') && !isLoopbackHost(new URL(value).hostname)) {
      throw new AuthConfigError(`${name} must be an https URL (plain http is accepted on loopback only, for development)`);
    }
  }
  if (!oauth.resource && !isLoopbackHost(http.host)) {
    throw new AuthConfigError(`${where} and the gateway binds ${http.host}: set http.oauth.resource (OAUTH_RESOURCE) to the public URL ` +
      'of /mcp (e.g. https://mcp.example.com/mcp), the resource tokens must be issued for');
  }
}
