// The gateway as an OAuth protected resource (RFC 9728): its resource identifier (the public URL
// of /mcp), the metadata document naming the authorization server, and the WWW-Authenticate
// challenges (RFC 6750 section 3) that point clients at that document.
import { getOAuthProtectedResourceMetadataUrl, type OAuthProtectedResourceMetadata } from '@modelcontextprotocol/server';
import type { OAuthSettings } from '../../config/oauth-schema.js';
import { READ_SCOPE, scopesSupported } from './tool-scopes.js';

export const METADATA_PATH = '/.well-known/oauth-protected-resource';

export class ProtectedResource {
  readonly issuer: string;

  constructor(private readonly settings: OAuthSettings & { issuer: string }) {
    this.issuer = settings.issuer;
  }

  /**
   * The resource identifier: http.oauth.resource, else (loopback binds only: resolveAuthMode
   * refuses others) the /mcp URL at the Host the request named, which the Host guard has accepted.
   */
  resourceFor(host: string | undefined): string {
    return this.settings.resource ?? `http://${host ?? 'localhost'}/mcp`;
  }

  /** The value a token's aud must contain. */
  audienceFor(host: string | undefined): string {
    return this.settings.audience ?? this.resourceFor(host);
  }

  metadataUrlFor(host: string | undefined): string {
    return getOAuthProtectedResourceMetadataUrl(new URL(this.resourceFor(host)));
  }

  /** Paths the metadata is served at: the root form and the path-suffixed form of the resource. */
  metadataPaths(): string[] {
    const suffix = this.settings.resource ? new URL(this.settings.resource).pathname.replace(/\/+$/, '') : '/mcp';
    return [...new Set([METADATA_PATH, `${METADATA_PATH}/mcp`, `${METADATA_PATH}${suffix}`])];
  }

  metadata(host: string | undefined): OAuthProtectedResourceMetadata {
    return {
      resource: this.resourceFor(host),
      authorization_servers: [this.issuer],
      scopes_supported: scopesSupported(this.settings.approveScope, this.settings.requiredScopes),
      bearer_methods_supported: ['header'],
      resource_name: 'FinOps tag compliance MCP gateway',
    };
  }

  /** Scopes every token must carry to use /mcp at all (http.oauth.requiredScopes). */
  get requiredScopes(): readonly string[] {
    return this.settings.requiredScopes;
  }

  get approveScope(): string {
    return this.settings.approveScope;
  }

  /** The scopes of basic use (reading), named in the challenge to a request without a token. */
  basicScopes(): string[] {
    return [...new Set([...this.settings.requiredScopes, READ_SCOPE])];
  }

  /** 401 without a usable token: where the metadata is and which scopes to ask for. */
  unauthorized(host: string | undefined, error?: { description: string }): string {
    return challenge({
      ...(error ? { error: 'invalid_token', error_description: error.description } : {}),
      scope: this.basicScopes().join(' '),
      resource_metadata: this.metadataUrlFor(host),
    });
  }

  /** 403 for a token that lacks scopes: all the scopes the operation needs, in one challenge. */
  insufficientScope(host: string | undefined, scopes: readonly string[], description: string): string {
    return challenge({
      error: 'insufficient_scope', error_description: description,
      scope: [...new Set([...this.settings.requiredScopes, ...scopes])].join(' '), resource_metadata: this.metadataUrlFor(host),
    });
  }
}

/** `Bearer k="v", …` with every value an HTTP quoted-string (RFC 6750 grammar: no `"` or `\`, printable ASCII). */
function challenge(params: Record<string, string>): string {
  const quoted = (v: string) => `"${v.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, ' ')}"`;
  return `Bearer ${Object.entries(params).map(([k, v]) => `${k}=${quoted(v)}`).join(', ')}`;
}
