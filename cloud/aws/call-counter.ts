// Counts every request an AWS SDK client sends, as `<service>:<Operation>` (e.g. `s3:ListBuckets`,
// `tagging:GetResources`), into the counter of the calling context (cloud/call-count.ts). It sits
// inside the SDK's retry loop, so each attempt AWS receives is one call, retries included.
import type { AbsoluteLocation, FinalizeRequestHandlerOptions, FinalizeRequestMiddleware, HandlerExecutionContext, Pluggable } from '@smithy/types';
import { countCall } from '../call-count.js';

/** The SDK names commands `ListBucketsCommand`; the API's operation is `ListBuckets`. */
function operationOf(context: HandlerExecutionContext): string {
  return (context.commandName ?? 'Unknown').replace(/Command$/, '');
}

const OPTIONS: FinalizeRequestHandlerOptions & AbsoluteLocation & { name: string } = {
  step: 'finalizeRequest',
  // Lower than the retry middleware (high), so it runs once per attempt.
  priority: 'low',
  name: 'finopsCallCounter',
};

/** A plugin for an SDK client: `client.middlewareStack.use(callCounter('s3'))`. */
export function callCounter<Input extends object, Output extends object>(service: string): Pluggable<Input, Output> {
  const middleware: FinalizeRequestMiddleware<Input, Output> = (next, context) => (args) => {
    countCall(`${service}:${operationOf(context)}`);
    return next(args);
  };
  return { applyToStack: (stack) => stack.add(middleware, OPTIONS) };
}
