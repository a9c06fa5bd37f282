// The OAuth pieces that need no server: the scope each tool and method needs, scope implication,
// the resource identifier, metadata URL and challenges, the oauth config keys, and the startup
// checks that refuse an OAuth setup that cannot work.
import { describe, expect, it } from 'vitest';
import { configSchema, loadConfig } from '../../../config/index.js';
import { AuthConfigError, resolveAuthMode } from '../../../mcp-gateway/auth.js';
import { metadataUrls } from '../../../mcp-gateway/auth/access-tokens.js';
import { tokenActor } from '../../../mcp-gateway/auth/authenticate.js';
import { ProtectedResource } from '../../../mcp-gateway/auth/protected-resource.js';
import {
  APPROVAL_TOOLS, effectiveScopes, READ_SCOPE, SCAN_SCOPE, scopesSupported, ToolScopes, toolScope,
} from '../../../mcp-gateway/auth/tool-scopes.js';
import { TOOLS } from '../../../mcp-gateway/tools/index.js';

const oauth = (over: Record<string, unknown> = {}) => configSchema.parse({ http: { oauth: { issuer: 'https://idp.example.com/realms/finops', ...over } } }).http.oauth;

describe('tool scopes', () => {
  it('gives read-only tools compliance:read and every other tool that changes state compliance:scan', () => {
    for (const tool of TOOLS) {
      const expected = APPROVAL_TOOLS.has(tool.name) ? 'compliance:approve' : tool.annotations.readOnlyHint === true ? READ_SCOPE : SCAN_SCOPE;
      expect(toolScope(tool), tool.name).toBe(expected);
    }
    const scopes = new ToolScopes(TOOLS);
    for (const name of ['start_compliance_scan', 'cancel_scan', 'schedule_compliance_audit', 'import_aws_tag_policy']) {
      expect(scopes.scopeOfTool(name), name).toBe(SCAN_SCOPE);
    }
    for (const name of ['check_tag_compliance', 'get_tagging_policy', 'get_scan_status', 'list_scans']) {
      expect(scopes.scopeOfTool(name), name).toBe(READ_SCOPE);
    }
  });

  it('gives the approval tools their own, configurable scope, even before they are registered', () => {
    expect([...APPROVAL_TOOLS]).toEqual(['approve_scan', 'reject_scan']);
    expect(new ToolScopes(TOOLS).scopeOfTool('approve_scan')).toBe('compliance:approve');
    const custom = new ToolScopes([...TOOLS, { name: 'reject_scan', annotations: { readOnlyHint: false } } as never], 'finops:approver');
    expect(custom.scopeOfTool('approve_scan')).toBe('finops:approver');
    expect(custom.scopeOfTool('reject_scan')).toBe('finops:approver');
  });

  it('collects every scope a body needs, batches and task methods included; unknown tools need read', () => {
    const scopes = new ToolScopes(TOOLS);
    expect(scopes.needOf({ method: 'tools/list' })).toEqual({ scopes: [], operations: [] });
    expect(scopes.needOf({ method: 'tools/call', params: { name: 'no_such_tool' } }).scopes).toEqual([READ_SCOPE]);
    expect(scopes.needOf({ method: 'tasks/cancel', params: { taskId: 't' } }).scopes).toEqual([SCAN_SCOPE]);
    expect(scopes.needOf({ method: 'tasks/get', params: { taskId: 't' } }).scopes).toEqual([READ_SCOPE]);
    const batch = scopes.needOf([
      { method: 'tools/call', params: { name: 'get_tagging_policy' } },
      { method: 'tools/call', params: { name: 'start_compliance_scan' } },
      { method: 'notifications/initialized' },
    ]);
    expect(batch).toEqual({ scopes: [READ_SCOPE, SCAN_SCOPE], operations: ['get_tagging_policy', 'start_compliance_scan'] });
  });

  it('lets compliance:scan imply compliance:read, and nothing imply the approval scope', () => {
    expect([...effectiveScopes([SCAN_SCOPE])].sort()).toEqual([READ_SCOPE, SCAN_SCOPE]);
    expect([...effectiveScopes([READ_SCOPE])]).toEqual([READ_SCOPE]);
    expect(effectiveScopes([SCAN_SCOPE, READ_SCOPE]).has('compliance:approve')).toBe(false);
    expect(scopesSupported('compliance:approve', ['mcp'])).toEqual(['mcp', READ_SCOPE, SCAN_SCOPE, 'compliance:approve']);
  });
});

describe('protected resource', () => {
  it('uses the configured public URL and derives the path-suffixed metadata URL from it', () => {
    const resource = new ProtectedResource({ ...oauth({ resource: 'https://mcp.example.com/finops/mcp/' }), issuer: 'https://idp.example.com/realms/finops' });
    expect(resource.resourceFor('ignored:1')).toBe('https://mcp.example.com/finops/mcp');
    expect(resource.audienceFor(undefined)).toBe('https://mcp.example.com/finops/mcp');
    expect(resource.metadataUrlFor(undefined)).toBe('https://mcp.example.com/.well-known/oauth-protected-resource/finops/mcp');
    expect(resource.metadataPaths()).toEqual(['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource/finops/mcp']);
    expect(resource.metadata(undefined)).toMatchObject({ resource: 'https://mcp.example.com/finops/mcp', authorization_servers: ['https://idp.example.com/realms/finops'] });
  });

  it('derives the resource from the Host on loopback, and lets the audience differ from it', () => {
    const resource = new ProtectedResource({ ...oauth({ audience: 'api://finops-gateway' }), issuer: 'https://idp.example.com' });
    expect(resource.resourceFor('127.0.0.1:3000')).toBe('http://127.0.0.1:3000/mcp');
    expect(resource.audienceFor('127.0.0.1:3000')).toBe('api://finops-gateway');
  });

  it('writes RFC 6750 challenges with quoted, sanitised values', () => {
    const resource = new ProtectedResource({ ...oauth({ requiredScopes: 'mcp', resource: 'https://mcp.example.com/mcp' }), issuer: 'https://idp.example.com' });
    expect(resource.unauthorized(undefined)).toBe(
      'Bearer scope="mcp compliance:read", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"');
    expect(resource.unauthorized(undefined, { description: 'bad "token"\n' })).toMatch(/^Bearer error="invalid_token", error_description="bad 'token' ", scope=/);
    expect(resource.insufficientScope(undefined, [SCAN_SCOPE], 'needs scan')).toBe(
      'Bearer error="insufficient_scope", error_description="needs scan", scope="mcp compliance:scan", ' +
      'resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"');
  });

  it('looks for the issuer metadata where MCP clients do (RFC 8414, then OpenID discovery)', () => {
    expect(metadataUrls('https://idp.example.com')).toEqual([
      'https://idp.example.com/.well-known/oauth-authorization-server', 'https://idp.example.com/.well-known/openid-configuration']);
    expect(metadataUrls('https://idp.example.com/realms/finops')).toEqual([
      'https://idp.example.com/.well-known/oauth-authorization-server/realms/finops',
      'https://idp.example.com/.well-known/openid-configuration/realms/finops',
      'https://idp.example.com/realms/finops/.well-known/openid-configuration']);
  });

  it('namespaces a token subject by its issuer host, apart from API key identities', () => {
    expect(tokenActor({ issuer: 'https://login.example.com/tenant/v2.0', subject: 'u-1' })).toBe('oauth:login.example.com:u-1');
  });
});

describe('oauth configuration', () => {
  it('reads the oauth keys from the environment, scopes space- or comma-separated', () => {
    const config = loadConfig({
      CONFIG_FILE: undefined, AUTH_MODE: 'oauth', OAUTH_ISSUER: 'https://idp.example.com', OAUTH_RESOURCE: 'https://mcp.example.com/mcp/',
      OAUTH_REQUIRED_SCOPES: 'mcp, finops:use', OAUTH_APPROVE_SCOPE: 'finops:approve', OAUTH_CLOCK_TOLERANCE_SECONDS: '5',
    } as NodeJS.ProcessEnv);
    expect(config.http.auth.mode).toBe('oauth');
    expect(config.http.oauth).toEqual({
      issuer: 'https://idp.example.com', resource: 'https://mcp.example.com/mcp', requiredScopes: ['mcp', 'finops:use'],
      approveScope: 'finops:approve', clockToleranceSeconds: 5,
    });
    expect(loadConfig({ CONFIG_FILE: undefined } as NodeJS.ProcessEnv).http.auth.mode).toBe('keys');
    expect(() => loadConfig({ CONFIG_FILE: undefined, AUTH_MODE: 'sometimes' } as NodeJS.ProcessEnv)).toThrow(/http\.auth\.mode/);
  });

  it('treats OAuth as authentication on a public bind, and refuses setups that cannot work', () => {
    const base = { host: '0.0.0.0', apiKeyHashes: [], allowUnauthenticated: false };
    expect(resolveAuthMode({ ...base, auth: { mode: 'oauth' }, oauth: { issuer: 'https://idp.example.com', resource: 'https://mcp.example.com/mcp' } })).toBe('oauth');
    expect(resolveAuthMode({ ...base, apiKeyHashes: ['a'.repeat(64)], auth: { mode: 'both' }, oauth: { issuer: 'https://idp.example.com', resource: 'https://mcp.example.com/mcp' } }))
      .toBe('api-keys+oauth');
    expect(() => resolveAuthMode({ ...base, auth: { mode: 'oauth' }, oauth: {} })).toThrow(AuthConfigError);
    expect(() => resolveAuthMode({ ...base, auth: { mode: 'both' }, oauth: {} })).toThrow(/set http\.oauth\.issuer \(OAUTH_ISSUER\)/);
    expect(() => resolveAuthMode({ ...base, auth: { mode: 'oauth' }, oauth: { issuer: 'https://idp.example.com' } })).toThrow(/set http\.oauth\.resource/);
    expect(() => resolveAuthMode({ ...base, auth: { mode: 'oauth' }, oauth: { issuer: 'http://idp.example.com', resource: 'https://mcp.example.com/mcp' } }))
      .toThrow(/must be an https URL/);
    // Loopback: plain http issuers and a Host-derived resource are fine for development.
    expect(resolveAuthMode({ host: '127.0.0.1', apiKeyHashes: [], allowUnauthenticated: false, auth: { mode: 'oauth' }, oauth: { issuer: 'http://127.0.0.1:8080' } })).toBe('oauth');
  });
});
