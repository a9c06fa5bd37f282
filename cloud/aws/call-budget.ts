// Holds every request an AWS SDK client sends (each attempt, retries included) until its
// account-and-region bucket has a token (cloud/call-budget.ts). AWS throttles per account and
// Region for nearly every API, so that is the bucket's key.
import type { AbsoluteLocation, FinalizeRequestHandlerOptions, FinalizeRequestMiddleware, Pluggable } from '@smithy/types';
import type { CallBudgets } from '../call-budget.js';

const OPTIONS: FinalizeRequestHandlerOptions & AbsoluteLocation & { name: string } = {
  step: 'finalizeRequest',
  // Lower than the retry middleware (high), so every attempt waits for its own token.
  priority: 'low',
  name: 'finopsCallBudget',
};

/** The bucket key of an account and Region. */
export const awsBudgetKey = (accountId: string, region: string) => `${accountId}/${region}`;

/** A plugin for one client: `client.middlewareStack.use(callBudget(budgets, account, region))`. */
export function callBudget<Input extends object, Output extends object>(budgets: CallBudgets, accountId: string, region: string): Pluggable<Input, Output> {
  const key = awsBudgetKey(accountId, region);
  const middleware: FinalizeRequestMiddleware<Input, Output> = (next) => async (args) => {
    await budgets.take(key);
    return next(args);
  };
  return { applyToStack: (stack) => stack.add(middleware, OPTIONS) };
}
