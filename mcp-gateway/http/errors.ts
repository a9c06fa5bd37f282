// Error replies of the HTTP gateway: always a JSON-RPC error object with a message a client can act
// on; never a stack, an internal path or a credential.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../config/logger.js';

/** JSON-RPC error codes used on the HTTP layer (-32000..-32099 are implementation-defined). */
export const RPC = {
  serverError: -32000,
  unauthorized: -32001,
  forbidden: -32003,
  payloadTooLarge: -32004,
  rateLimited: -32029,
  /** HEADER_MISMATCH (2026-07-28): a standard header disagrees with the body. */
  headerMismatch: -32020,
  parseError: -32700,
  invalidRequest: -32600,
  internalError: -32603,
} as const;

export function rpcError(code: number, message: string) {
  return { jsonrpc: '2.0' as const, error: { code, message }, id: null };
}

/** An error whose message is written for the client; thrown from hooks, rendered by the error handler. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly rpcCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function describe(err: FastifyError, bodyLimit: number): { status: number; code: number; message: string } {
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: RPC.payloadTooLarge, message: `Payload Too Large: the request body exceeds the limit of ${bodyLimit} bytes (http.bodyLimitBytes)` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: RPC.invalidRequest, message: 'Unsupported Media Type: send Content-Type: application/json' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: RPC.invalidRequest, message: 'Bad Request: the JSON body is empty' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: RPC.parseError, message: 'Parse error: the request body is not valid JSON' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: RPC.invalidRequest, message: 'Bad Request: Content-Length does not match the body' };
  }
  if (status >= 500) {
    return { status, code: RPC.internalError, message: 'Internal error: the request failed on the server; retry, and report it if it persists' };
  }
  // Other 4xx errors from fastify and its plugins carry messages meant for the client.
  return { status, code: RPC.serverError, message: err.message || 'Bad Request' };
}

/**
 * Statuses that refuse a request before any MCP handler sees it (malformed or unparsable body, auth,
 * Host/Origin, unknown session, size, media type, rate, capacity): audited by `onRefusal`.
 */
export const REFUSAL_STATUSES: ReadonlySet<number> = new Set([400, 401, 403, 404, 405, 406, 413, 415, 429, 503]);

export function createErrorHandler(logger: Logger, bodyLimit: number,
  onRefusal: (req: FastifyRequest, status: number, reason: string) => void = () => {}) {
  return (err: FastifyError | HttpError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HttpError) {
      if (REFUSAL_STATUSES.has(err.statusCode)) onRefusal(req, err.statusCode, err.message);
      reply.headers(err.headers);
      return reply.code(err.statusCode).type('application/json; charset=utf-8').send(rpcError(err.rpcCode, err.message));
    }
    const { status, code, message } = describe(err, bodyLimit);
    if (status >= 500) logger.error({ err, method: req.method, url: req.url }, 'http request failed');
    else if (REFUSAL_STATUSES.has(status)) onRefusal(req, status, message);
    else logger.debug({ code: err.code, status, method: req.method, url: req.url }, 'http request refused');
    return reply.code(status).type('application/json; charset=utf-8').send(rpcError(code, message));
  };
}
