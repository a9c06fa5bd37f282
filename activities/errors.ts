// Typed activity failures: the `type` drives the workflows' non-retryable lists.
import { ApplicationFailure } from '@temporalio/common';

export function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'InvalidInput', message, nonRetryable: true });
}

export function policyInvalid(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'PolicyInvalid', message, nonRetryable: true });
}

export function notFound(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'NotFound', message, nonRetryable: true });
}
