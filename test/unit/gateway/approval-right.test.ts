// Who is put the approval question: API keys (no token) always; an OAuth token only with the approve
// scope (the configured one, not implied by the scan scope).
import { describe, expect, it } from 'vitest';
import { DEFAULT_APPROVE_SCOPE, mayApprove, SCAN_SCOPE } from '../../../mcp-gateway/auth/tool-scopes.js';

describe('mayApprove', () => {
  it('lets principals without a token approve (API keys, stdio, no auth)', () => {
    expect(mayApprove(undefined)).toBe(true);
  });

  it('needs the approve scope on a token, as configured', () => {
    expect(mayApprove({ scopes: [SCAN_SCOPE] })).toBe(false);
    expect(mayApprove({ scopes: [] })).toBe(false);
    expect(mayApprove({ scopes: [SCAN_SCOPE, DEFAULT_APPROVE_SCOPE] })).toBe(true);
    expect(mayApprove({ scopes: ['ops:approve'] }, 'ops:approve')).toBe(true);
    expect(mayApprove({ scopes: [DEFAULT_APPROVE_SCOPE] }, 'ops:approve')).toBe(false);
  });
});
