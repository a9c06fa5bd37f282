// Turns AWS SDK errors into typed activity failures: the type decides whether Temporal retries.
// Throttling retries with backoff; a denied permission or a region the account has not
// enabled does not, so the shard is recorded as failed with its reason.
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

function errorName(err: unknown): string {
  const e = err as { name?: string; Code?: string; code?: string };
  return e?.name ?? e?.Code ?? e?.code ?? 'Error';
}

// AWS messages name the caller's own principal ("User: arn:aws:sts::…:assumed-role/…"):
// keep the reason, drop the identity.
export function redactPrincipal(message: string): string {
  return message.replace(/arn:aws[\w-]*:(sts|iam)::\d{12}:[^\s,;"']+/g, '<principal>');
}

/** `where` names the target, e.g. `111111111111/eu-west-1 ec2:instance`. */
export function toActivityFailure(err: unknown, where: string): Error {
  if (err instanceof ApplicationFailure) return err;
  const name = errorName(err);
  const message = `${where}: ${name}: ${redactPrincipal((err as Error)?.message ?? String(err)).slice(0, 500)}`;
  if (ACCESS_DENIED.has(name)) return ApplicationFailure.create({ type: 'AccessDenied', message, nonRetryable: true });
  if (REGION_NOT_ENABLED.has(name)) return ApplicationFailure.create({ type: 'RegionNotEnabled', message, nonRetryable: true });
  if (INVALID.has(name)) return ApplicationFailure.create({ type: 'InvalidInput', message, nonRetryable: true });
  if (THROTTLED.has(name)) return ApplicationFailure.create({ type: 'Throttled', message });
  return ApplicationFailure.create({ type: name, message });
}
