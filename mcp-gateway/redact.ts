// The one place that decides what a credential looks like. Error messages, health reports and
// audit rows all go through it: by key name (a `password` field) and by value (a DSN with a
// password in a field called `dsn`, an access key id pasted into any string).

/** Keys whose value is never kept, whatever it looks like. */
const SENSITIVE_KEY = /(secret|password|passwd|token|credential|authorization|api[_-]?key|access[_-]?key|private[_-]?key|session|cookie|dsn)/i;
const MAX_STRING = 512;
const MAX_ITEMS = 100;
const MAX_DEPTH = 6;

/** Credential-shaped values, replaced wherever they appear in a string. Order matters: blocks first. */
const CREDENTIAL_PATTERNS: Array<[RegExp, string | ((match: string, ...groups: string[]) => string)]> = [
  // PEM private keys, also when the END line was cut off.
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, '[redacted private key]'],
  // user:password@ in any URL (postgres://, https://, redis://, …): the host stays, for context.
  [/\b([a-z][a-z0-9+.-]{1,20}:\/\/)[^\s/?#@"'<>]+@/gi, '$1[redacted]@'],
  // Bearer / Basic credentials. Eight characters at least, and Basic needs a base64-looking
  // value, so "bearer of" and "Basic tier" in ordinary text are kept.
  [/\b(Bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*/gi, '$1 [redacted]'],
  [/\b(Basic)\s+(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]{8,}=*/gi, '$1 [redacted]'],
  // JSON Web Tokens: three base64url parts, the first a JSON header.
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[redacted jwt]'],
  // AWS access key ids (long-term AKIA, temporary ASIA).
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '[redacted]'],
  // name=value / name: value pairs for secret-like names, inside free text.
  [/\b(secret|password|passwd|pwd|token|api[_-]?key|access[_-]?key|secret[_-]?access[_-]?key)("?\s*[=:]\s*"?)[^\s&"',;]+/gi, '$1$2[redacted]'],
  // 40-character base64 (an AWS secret access key's shape). Mixed case and a digit are required,
  // so hex digests, words and paths are kept.
  [/(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])/g,
    (m) => (/[a-z]/.test(m) && /[A-Z]/.test(m) && /[0-9]/.test(m) ? '[redacted]' : m)],
];

/**
 * What any of CREDENTIAL_PATTERNS needs somewhere in a text shorter than 40 characters (the
 * base64 pattern needs 40): a text without it is returned as it is, without running each pattern.
 * Case-insensitive throughout, so it matches a superset of what the patterns match.
 */
const MIGHT_HOLD_CREDENTIAL = /-----BEGIN|:\/\/|bearer|basic|eyJ|AKIA|ASIA|secret|passw|pwd|token|api[_-]?key|access[_-]?key/i;

/** Our own IAM role and STS session ARNs: not a credential, but not for callers to see either. */
const PRINCIPAL_ARN = /arn:aws[a-z-]*:(iam|sts)::\d{12}:[^\s"']+/g;
/** A database URL in a message to a caller: our database's host is not theirs to see either. */
const DATABASE_URL = /postgres(ql)?:\/\/[^\s"']+/g;

/** Credentials in a free text, replaced by `[redacted]`. Used on audit values. */
export function redactCredentials(text: string): string {
  return text.length < 40 && !MIGHT_HOLD_CREDENTIAL.test(text) ? text : redactEveryPattern(text);
}

/** Every pattern applied, without the shortcut (exported for the test that checks the shortcut). */
export function redactEveryPattern(text: string): string {
  let out = text;
  for (const [re, replacement] of CREDENTIAL_PATTERNS) out = out.replace(re, replacement as string);
  return out;
}

/** For texts shown to a caller (errors, health): credentials, database URLs and our principal ARNs. */
export function redactSecrets(text: string): string {
  return redactCredentials(text.replace(DATABASE_URL, '[redacted]')).replace(PRINCIPAL_ARN, '[redacted]');
}

/** Cuts a string without leaving half of a surrogate pair at the end. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 1]!) ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}

/**
 * Tool parameters as they may be kept in the audit log: secret-named keys dropped, credential-
 * shaped values replaced, and sizes bounded (strings, items per array or object, depth), so a
 * hostile input cannot make the audit row itself large.
 */
export function redactParams(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return '[truncated]';
  if (typeof value === 'string') return cut(redactCredentials(value), MAX_STRING);
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => redactParams(item, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `[${value.length - MAX_ITEMS} more items]`] : items;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const kept = entries.slice(0, MAX_ITEMS).map(([key, item]): [string, unknown] =>
      [cut(redactCredentials(key), 200), SENSITIVE_KEY.test(key) ? '[redacted]' : redactParams(item, depth + 1)]);
    if (entries.length > MAX_ITEMS) kept.push(['[more keys]', entries.length - MAX_ITEMS]);
    return Object.fromEntries(kept);
  }
  return value;
}
