// Cloud Asset errors in our words: google-gax errors carry a gRPC status `code` (the REST fallback
// maps HTTP 429 to RESOURCE_EXHAUSTED, 403 to PERMISSION_DENIED). Throttling and outages are
// retried by Temporal; denials, bad input and missing credentials are not. Messages are ours and
// short: no tokens, hosts or principals.
import { ApplicationFailure } from '@temporalio/common';

/** gRPC status codes google-gax puts on its errors. */
const CODE = {
  INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8,
  UNAVAILABLE: 14, UNAUTHENTICATED: 16,
} as const;

/** What to set when no Application Default Credentials are found. */
export const NO_CREDENTIALS_HINT = 'no GCP credentials found (Application Default Credentials): set GOOGLE_APPLICATION_CREDENTIALS ' +
  '(or clouds.gcp.keyFile / GCP_KEY_FILE) to a service account key file, run `gcloud auth application-default login`, or on GCP ' +
  'set clouds.gcp.useMetadataServer (GCP_USE_METADATA_SERVER=true) for the attached service account; the principal needs Cloud Asset Viewer (roles/cloudasset.viewer) on the configured scopes';

/** Raised when ADC cannot produce a client: typed, so the seam reports it instead of the process crashing. */
export class GcpCredentialsError extends Error {
  override name = 'GcpCredentialsError';
}

/** gRPC status names by HTTP status: the REST transport leaves the HTTP status in `code`. */
const HTTP_TO_GRPC: Record<number, number> = {
  400: CODE.INVALID_ARGUMENT, 401: CODE.UNAUTHENTICATED, 403: CODE.PERMISSION_DENIED, 404: CODE.NOT_FOUND,
  429: CODE.RESOURCE_EXHAUSTED, 503: CODE.UNAVAILABLE, 504: CODE.DEADLINE_EXCEEDED,
};

/** Google's JSON error body (`{"error": {"code", "message", "status"}}`), which the REST transport leaves as the message. */
function bodyOf(err: unknown): { message?: string; status?: string } | undefined {
  const message = (err as Error)?.message;
  if (typeof message !== 'string' || !message.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(message) as { error?: { message?: unknown; status?: unknown } };
    return { message: typeof parsed.error?.message === 'string' ? parsed.error.message : undefined, status: typeof parsed.error?.status === 'string' ? parsed.error.status : undefined };
  } catch {
    return undefined;
  }
}

/** The gRPC status of an error, whether gRPC or REST delivered it. */
function codeOf(err: unknown): number | undefined {
  const status = bodyOf(err)?.status;
  if (status && status in CODE) return CODE[status as keyof typeof CODE];
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'number') return undefined;
  return code >= 100 ? HTTP_TO_GRPC[code] ?? (code >= 500 ? CODE.UNAVAILABLE : undefined) : code;
}

/** The API's own message, first line only (gax appends request details there), without credentials. */
function shortMessage(err: unknown): string {
  const message = bodyOf(err)?.message ?? (err as Error)?.message ?? String(err);
  return message.split('\n')[0]!.replace(/Bearer\s+\S+/gi, 'Bearer ***').slice(0, 300);
}

/** A page token the API no longer accepts: INVALID_ARGUMENT naming the token. */
export function isExpiredPageToken(err: unknown): boolean {
  return codeOf(err) === CODE.INVALID_ARGUMENT && /page[ _]?token/i.test(shortMessage(err));
}

export function toGcpFailure(err: unknown, where: string): Error {
  if (err instanceof ApplicationFailure) return err;
  const failure = (type: string, message: string, nonRetryable: boolean) =>
    ApplicationFailure.create({ type, message: `${where}: ${message}`, nonRetryable });
  if (err instanceof GcpCredentialsError) return failure('AccessDenied', err.message, true);
  switch (codeOf(err)) {
    case CODE.RESOURCE_EXHAUSTED: return failure('Throttled', `Cloud Asset API throttled the request (${shortMessage(err)})`, false);
    case CODE.PERMISSION_DENIED: return failure('AccessDenied', `permission denied: grant Cloud Asset Viewer (roles/cloudasset.viewer) on the scope (${shortMessage(err)})`, true);
    case CODE.UNAUTHENTICATED: return failure('AccessDenied', `the GCP credentials were refused (${shortMessage(err)})`, true);
    case CODE.INVALID_ARGUMENT: return failure('InvalidInput', shortMessage(err), true);
    case CODE.NOT_FOUND: return failure('NotFound', shortMessage(err), true);
    case CODE.UNAVAILABLE: case CODE.DEADLINE_EXCEEDED: return failure('Unreachable', `Cloud Asset API unreachable (${shortMessage(err)})`, false);
    default: return failure('UnexpectedResponse', shortMessage(err), false);
  }
}
