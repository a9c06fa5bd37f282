// Azure errors in our own words. ARM's status decides the type: 401/403 AccessDenied, 404
// NotFound, 400 InvalidInput (none retried), 429 Throttled with Retry-After as the next retry's
// delay, 5xx and network failures Unreachable (retried). Messages are short and ours: what the
// SDK says (hosts, tokens' claims, correlation ids) is not for replies or data_quality.
import { ApplicationFailure } from '@temporalio/common';
import { isRestError } from '@azure/core-rest-pipeline';

/** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterSeconds(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'REQUEST_SEND_ERROR']);

/** A typed failure carrying `where` (subscription/shard) but nothing the SDK said. */
export function toAzureFailure(err: unknown, where: string): Error {
  if (err instanceof ApplicationFailure) return err;
  // By name: @azure/identity's error classes may come from its CommonJS and its ESM build at once.
  const name = (err as Error | undefined)?.name;
  if (name === 'CredentialUnavailableError') {
    return ApplicationFailure.create({ type: 'NoCredentials', nonRetryable: true, message: `${where}: no Azure credential is available (check clouds.azure)` });
  }
  if (name === 'AuthenticationError' || name === 'AuthenticationRequiredError' || name === 'AggregateAuthenticationError') {
    // 4xx from Entra: wrong tenant, client or secret; retrying will not fix it.
    const status = (err as { statusCode?: number }).statusCode ?? 0;
    const retryable = status >= 500 || status === 429;
    return ApplicationFailure.create({ type: retryable ? 'Unreachable' : 'AccessDenied', nonRetryable: !retryable,
      message: `${where}: Azure sign-in failed${status ? ` (HTTP ${status})` : ''}; check clouds.azure tenantId, clientId and clientSecret` });
  }
  if (isRestError(err)) {
    const status = err.statusCode;
    if (status === 429) {
      const seconds = retryAfterSeconds(err.response?.headers.get('retry-after') ?? undefined);
      return ApplicationFailure.create({ type: 'Throttled', message: `${where}: throttled by Azure Resource Manager`,
        ...(seconds !== undefined ? { nextRetryDelay: `${seconds}s` } : {}) });
    }
    if (status === 401 || status === 403) {
      return ApplicationFailure.create({ type: 'AccessDenied', nonRetryable: true, message: `${where}: access denied by Azure (HTTP ${status}); the credential needs Reader on the subscription` });
    }
    if (status === 404) return ApplicationFailure.create({ type: 'NotFound', nonRetryable: true, message: `${where}: not found in Azure` });
    if (status === 400) return ApplicationFailure.create({ type: 'InvalidInput', nonRetryable: true, message: `${where}: Azure rejected the request (HTTP 400 ${err.code ?? ''})`.trim() });
    if (status === undefined || status >= 500 || NETWORK.has(err.code ?? '')) {
      return ApplicationFailure.create({ type: 'Unreachable', message: `${where}: Azure Resource Manager unreachable or failing${status ? ` (HTTP ${status})` : ''}` });
    }
    return ApplicationFailure.create({ type: 'UnexpectedResponse', message: `${where}: unexpected HTTP ${status} from Azure` });
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && NETWORK.has(code)) return ApplicationFailure.create({ type: 'Unreachable', message: `${where}: Azure unreachable (${code})` });
  return ApplicationFailure.create({ type: 'UnexpectedResponse', message: `${where}: ${(err as Error)?.name ?? 'error'} from the Azure SDK` });
}
