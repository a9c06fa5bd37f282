// The unsupported-protocol-version answer of the /mcp endpoint. The SDK's 2026-07-28 entry refuses
// a version it does not serve with -32022 and `data.supported` listing the per-request revisions
// only; this endpoint also serves the 2025 protocol (initialize, then a session), so the answer
// lists those versions too, and a client can fall back to one of them.
import { ProtocolErrorCode, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';

interface RpcErrorBody {
  jsonrpc?: string;
  id?: unknown;
  error?: { code?: unknown; message?: unknown; data?: { supported?: unknown; requested?: unknown } };
}

/** Whether an error the SDK reported is its unsupported-protocol-version refusal. */
export function isUnsupportedVersionError(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === ProtocolErrorCode.UnsupportedProtocolVersion;
}

/**
 * The SDK's -32022 response with every version this endpoint serves in `data.supported`: its own
 * per-request revisions first, then the 2025-era versions a session accepts. Any other response
 * (or one not shaped as expected) is returned as it is.
 */
export async function withEverySupportedVersion(response: Response): Promise<Response> {
  const body = await response.clone().json().catch(() => undefined) as RpcErrorBody | undefined;
  const error = body?.error;
  if (error?.code !== ProtocolErrorCode.UnsupportedProtocolVersion || !Array.isArray(error.data?.supported)) return response;
  const supported = [...new Set([...(error.data.supported as string[]), ...SUPPORTED_PROTOCOL_VERSIONS])];
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return Response.json({ ...body, error: { ...error, data: { ...error.data, supported } } }, { status: response.status, headers });
}
