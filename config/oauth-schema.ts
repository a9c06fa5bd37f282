// Settings of the gateway as an OAuth 2.1 resource server (http.auth.mode oauth or both): which
// authorization server's tokens it accepts, and for which resource (audience) they must be issued.
import { z } from 'zod';

/** An RFC 6749 scope-token: printable ASCII without space, `"` or `\`. */
const scopeToken = z.string().trim().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be an OAuth scope (printable ASCII, no spaces, quotes or backslashes)');

/** Scopes as an array (config.yaml) or one space- or comma-separated string (environment). */
const scopeList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v), z.array(scopeToken));

/** An absolute http(s) URL without fragment; the trailing slash is dropped (RFC 8707 resources are compared as strings). */
const httpUrl = z.string().trim().url().refine((u) => /^https?:\/\//i.test(u) && !u.includes('#'), 'must be an http(s) URL without a fragment');

export const authModeSchema = z.object({
  /** keys: API keys only (no keys configured: no authentication); oauth: bearer JWTs only; both: either. */
  mode: z.enum(['keys', 'oauth', 'both']).default('keys'),
});

export const oauthSchema = z.object({
  /** The authorization server's issuer identifier; tokens' `iss` must equal it exactly (RFC 9207). */
  issuer: httpUrl.optional(),
  /** The value tokens' `aud` must contain. Default: `resource`. */
  audience: z.string().trim().min(1).optional(),
  /** Where the signing keys are. Default: `jwks_uri` of the issuer's metadata (RFC 8414 / OpenID discovery). */
  jwksUri: httpUrl.optional(),
  /**
   * The public URL of /mcp (e.g. https://mcp.example.com/mcp): the resource of the Protected Resource
   * Metadata. Unset on a loopback bind: http://<Host header>/mcp. Required on any other bind.
   */
  resource: httpUrl.transform((u) => u.replace(/\/+$/, '')).optional(),
  /** Scopes every token must carry to use /mcp at all, besides the per-tool ones. */
  requiredScopes: scopeList.default([]),
  /** The scope of the approval tools (approve_scan, reject_scan). */
  approveScope: scopeToken.default('compliance:approve'),
  /** Slack allowed on exp and nbf, for clocks that disagree a little. */
  clockToleranceSeconds: z.coerce.number().int().min(0).max(600).default(30),
});

export type OAuthSettings = z.infer<typeof oauthSchema>;
export type HttpAuthModeName = z.infer<typeof authModeSchema>['mode'];
