// What the guardrails count by: a fixed-size digest of a call (tool + arguments, keys sorted) and
// of the caller, so no argument text or principal ever reaches a counter store, whatever it holds
// (NUL, control characters, megabytes, nesting deeper than the call stack).
import { createHash, type Hash } from 'node:crypto';

/** Who is counted: the principal, and the client's conversation when the request names one. */
export interface GuardKey {
  /** `key:<sha256 of the API key>`, `sub:<token subject>`, or `ip:<client address>` when auth is off. */
  principal: string;
  /** A client-supplied conversation id; loops are counted per conversation, the budget per principal. */
  conversation?: string;
}

/** SHA-256 (hex) of the principal: the budget's counter key. */
export function principalDigest(key: GuardKey): string {
  return createHash('sha256').update('principal\0').update(key.principal, 'utf8').digest('hex');
}

/**
 * SHA-256 (hex) of who called what: principal, conversation, tool and canonical arguments. Two
 * calls get the same digest exactly when their arguments are equal as JSON, whatever the key order.
 */
export function callDigest(key: GuardKey, tool: string, input: unknown): string {
  const hash = createHash('sha256');
  // Each part is length-prefixed, so no choice of strings can make two different tuples collide.
  for (const part of [key.principal, key.conversation === undefined ? '' : `c${key.conversation}`, tool]) {
    hash.update(`${Buffer.byteLength(part, 'utf8')}:`).update(part, 'utf8');
  }
  writeCanonicalJson(hash, input);
  return hash.digest('hex');
}

/** SHA-256 (hex) of a tool name and its canonical arguments (the in-memory session guard's key). */
export function argumentsDigest(tool: string, input: unknown): string {
  const hash = createHash('sha256').update(tool, 'utf8').update('\0');
  writeCanonicalJson(hash, input);
  return hash.digest('hex');
}

type Frame = { kind: 'value'; value: unknown } | { kind: 'text'; text: string } | { kind: 'leave'; container: object };

/**
 * Streams `value` as JSON with object keys sorted into `hash`. Iterative (an explicit stack), so a
 * deeply nested argument cannot overflow the call stack; strings go through JSON.stringify, which
 * escapes NUL, control characters and lone surrogates, so distinct strings stay distinct. A cycle
 * (impossible in parsed JSON, but not in an object built in code) throws instead of looping.
 */
export function writeCanonicalJson(hash: Hash, value: unknown): void {
  // Pieces are gathered into chunks before hashing: a hash update per brace and comma cost more
  // than the hashing itself. The digest is the same either way.
  let chunk = '';
  const write = (text: string) => {
    chunk += text;
    if (chunk.length >= 16_384) {
      hash.update(chunk, 'utf8');
      chunk = '';
    }
  };
  const stack: Frame[] = [{ kind: 'value', value }];
  const open = new Set<object>(); // containers being written: a value among them is a cycle
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.kind === 'text') {
      write(frame.text);
      continue;
    }
    if (frame.kind === 'leave') {
      open.delete(frame.container);
      continue;
    }
    const v = frame.value;
    if (v !== null && typeof v === 'object') {
      if (open.has(v)) throw new TypeError('cannot fingerprint a value that contains itself');
      open.add(v);
      stack.push({ kind: 'leave', container: v });
    }
    if (Array.isArray(v)) {
      // Pushed in reverse: the stack pops them in order.
      stack.push({ kind: 'text', text: ']' });
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ kind: 'value', value: v[i] });
        if (i > 0) stack.push({ kind: 'text', text: ',' });
      }
      write('[');
    } else if (v !== null && typeof v === 'object') {
      const record = v as Record<string, unknown>;
      const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
      stack.push({ kind: 'text', text: '}' });
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push({ kind: 'value', value: record[keys[i]!] });
        stack.push({ kind: 'text', text: `${i > 0 ? ',' : ''}${JSON.stringify(keys[i])}:` });
      }
      write('{');
    } else {
      // undefined, functions and symbols have no JSON form: hashed as null, as JSON.stringify does in arrays.
      write(scalarJson(v));
    }
  }
  hash.update(chunk, 'utf8');
}

function scalarJson(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v) ?? 'null';
}
