// Turns any error into a reply a model can act on, without stacks, paths or credentials.

/** Errors whose message is written for the caller and safe to show as is. */
export class ToolError extends Error {
  override name = 'ToolError';
}

const SECRET_PATTERNS: RegExp[] = [
  /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, // AWS access key ids
  /arn:aws[a-z-]*:(iam|sts)::\d{12}:[^\s"']+/g, // our own role / session ARNs
  /postgres(ql)?:\/\/[^\s"']+/g, // connection strings
  /(secret|password|token)=([^\s&"']+)/gi,
];

export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((acc, re) => acc.replace(re, '[redacted]'), text);
}

export function publicMessage(err: unknown): string {
  if (err instanceof ToolError) return redactSecrets(err.message);
  return 'internal error: the request failed on the server; retry, and report the correlation id if it persists';
}
