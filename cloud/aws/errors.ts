// One mapping from AWS SDK errors to our own words. The type decides whether Temporal retries
// (throttling and unreachable endpoints do; a denied permission or a region the account has not
// enabled does not, so the shard is recorded as failed). The public message is short and ours:
// what SDKs put in theirs (endpoint host and port, "Deserialization error … $response", the
// caller's principal ARN) is for operators, so it goes to the log as `detail`, never to replies,
// scan_failures or data_quality.
import { asyncLocalStorage } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

const ACCESS_DENIED = new Set([
  'AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError',
  'AuthorizationErrorException', 'Forbidden',
]);
const REGION_NOT_ENABLED = new Set([
  'OptInRequired', 'InvalidClientTokenId', 'UnrecognizedClientException', 'AuthFailure', 'SignatureDoesNotMatch',
]);
const THROTTLED = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestLimitExceeded', 'TooManyRequestsException',
  'RequestThrottled', 'RequestThrottledException', 'SlowDown', 'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded', 'LimitExceededException',
]);
const INVALID = new Set(['ValidationException', 'InvalidParameterException', 'InvalidParameterValue', 'InvalidParameterValueException']);
/** Socket and DNS failures: Node's `code`, or the name smithy gives its own timeouts. */
const NETWORK = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE',
  'ECONNABORTED', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException',
]);
const MAX_DETAIL_CHARS = 1000;

/** Where a call was made: the IAM service prefix (`ec2`, `tag`, `s3` …), its operation and region. */
export interface AwsSite {
  service: string;
  operation?: string;
  region?: string;
}

export interface AwsErrorInfo {
  /** AccessDenied, RegionNotEnabled, InvalidInput, Throttled, Unreachable, UnexpectedResponse, NoCredentials, or the SDK's error name. */
  type: string;
  nonRetryable: boolean;
  /** Short, ours, safe to show: no host, port, principal or SDK internals. */
  message: string;
  /** The SDK's own account of it, for the log only. */
  detail: string;
}

const SITE = Symbol.for('finops-tag-compliance.awsSite');

/** Attaches where the call was made to the error itself (same object, so callers' name checks still work). */
export function markAwsSite(err: unknown, site: AwsSite): unknown {
  if (err && typeof err === 'object' && !(SITE in err)) Object.defineProperty(err, SITE, { value: site, enumerable: false });
  return err;
}

/** Runs one AWS call; a failure leaves it with its site attached. */
export async function awsCall<T>(site: AwsSite, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw markAwsSite(err, site);
  }
}

/** The region an SDK client was built for, to mark errors of helpers that receive only the client. */
export async function clientRegion(client: { config: { region?: unknown } }): Promise<string | undefined> {
  const region = client.config.region;
  try {
    return typeof region === 'function' ? String(await (region as () => Promise<unknown>)()) : region ? String(region) : undefined;
  } catch {
    return undefined; // an unresolvable region only costs the message its "in <region>"
  }
}

function errorName(err: unknown): string {
  const e = err as { name?: string; Code?: string; code?: string };
  return String(e?.name ?? e?.Code ?? e?.code ?? 'Error').slice(0, 100); // it becomes a failure type
}

function networkCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  for (const c of [e?.code, e?.cause?.code, e?.name]) if (typeof c === 'string' && NETWORK.has(c)) return c;
  return undefined;
}

/** The SDK could not parse what came back: a proxy's HTML page, an emulator's 500, a truncated body. */
// The SDK attaches `$response` to every error it parsed a response for; only service exceptions
// carry `$fault`, so `$response` without `$fault` is a body it could not make sense of.
function isUnexpectedResponse(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; message?: unknown };
  return ('$response' in err && !('$fault' in err)) || e.name === 'SyntaxError' || e.name === 'Unknown' || e.name === 'UnknownError' ||
    (typeof e.message === 'string' && e.message.includes('Deserialization error'));
}

// AWS messages name the caller's own principal ("User: arn:aws:sts::…:assumed-role/…"), and a
// signature mismatch can echo the access key id: keep the reason, drop the identity.
export function redactPrincipal(message: string): string {
  return message.replace(/arn:aws[\w-]*:(sts|iam)::\d{12}:[^\s,;"']+/g, '<principal>').replace(/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '<access key>');
}

/** Classifies an SDK error; `site` is used when the error carries none (see markAwsSite). */
export function describeAwsError(err: unknown, fallback?: AwsSite): AwsErrorInfo {
  const site = (err && typeof err === 'object' ? (err as { [SITE]?: AwsSite })[SITE] : undefined) ?? fallback;
  const name = errorName(err);
  const call = site ? `${site.service}${site.operation ? `:${site.operation}` : ''}` : undefined;
  const inRegion = site?.region ? ` in ${site.region}` : '';
  const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  const raw = redactPrincipal(String((err as Error)?.message ?? err));
  const detail = [name, networkCode(err), status && `HTTP ${status}`, call && `${call}${inRegion}`, raw]
    .filter(Boolean).join(': ').slice(0, MAX_DETAIL_CHARS);
  const info = (type: string, message: string, nonRetryable = false): AwsErrorInfo => ({ type, nonRetryable, message, detail });

  if (ACCESS_DENIED.has(name)) return info('AccessDenied', `access denied${call ? ` to ${call}` : ''}${inRegion} (${name})`, true);
  if (REGION_NOT_ENABLED.has(name)) {
    return info('RegionNotEnabled', `${site?.region ? `region ${site.region}` : 'the region'} is not enabled for this account, ` +
      `or the credentials are not valid there (${name})`, true);
  }
  if (INVALID.has(name)) return info('InvalidInput', `AWS${call ? ` ${call}` : ''}${inRegion} rejected the request as invalid (${name})`, true);
  if (THROTTLED.has(name)) return info('Throttled', `AWS ${call ?? 'API'}${inRegion} is throttling requests (${name})`);
  if (networkCode(err)) {
    return info('Unreachable', `could not reach the AWS endpoint${call ? ` for ${call}` : ''}${inRegion}` +
      `${site?.region ? ' (check the region name and the network)' : ''}`);
  }
  if (isUnexpectedResponse(err)) {
    return info('UnexpectedResponse', `unexpected response from AWS${call ? ` ${call}` : ''}${inRegion}${status ? ` (HTTP ${status})` : ''}`);
  }
  if (name === 'CredentialsProviderError') return info('NoCredentials', `no AWS credentials were found${call ? ` for ${call}` : ''}`);
  return info(name, `${call ?? 'AWS'} call failed${inRegion} (${name})`);
}

/**
 * `where` names the target, e.g. `111111111111/eu-west-1/ec2:instance`; the failure's message is
 * `<where>: <type>: <public message>`. Inside an activity the detail is logged with the attempt.
 */
export function toActivityFailure(err: unknown, where: string, site?: AwsSite): Error {
  if (err instanceof ApplicationFailure) return err;
  const info = describeAwsError(err, site);
  asyncLocalStorage.getStore()?.log.warn('AWS call failed', { where, type: info.type, detail: info.detail });
  return ApplicationFailure.create({ type: info.type, message: `${where}: ${info.type}: ${info.message}`, nonRetryable: info.nonRetryable });
}
