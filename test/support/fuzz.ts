// Generators of random and malicious tool arguments, shared by the fuzz test and bench/fuzz.ts:
// values that sometimes fit a tool's JSON schema and often do not, with NUL and other control
// characters, path tricks, injections, prototype keys, secrets and huge values among them.
export const FUZZ_SECRET = 'AKIAIOSFODNN7EXAMPLE';

export const NASTY_STRINGS = [
  '', ' ', '../../../../etc/passwd', '..\\..\\windows\\win.ini', '/etc/shadow', 'file:///etc/passwd', '%2e%2e%2f%2e%2e%2f',
  "'; drop table scans; --", '" or 1=1 --', '<script>alert(1)</script>', '{{7*7}}', '${process.env}', '\u0000', '\uffff\ud800',
  'cleanup\u0000', 'a\u0000b\u0001c\u001f', '\u0007\u001b[31mred\u001b[0m', '\u2028\u2029', '\ud83d', '\udc00x', '\u202eevil',
  'arn:aws:iam::123456789012:role/OrganizationAccountAccessRole', FUZZ_SECRET, 'a'.repeat(5000), 'ec2:instance', 'all', 's3:bucket',
  'arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0', 'arn:aws:ec2:zz-fake-9:999999999999:instance/i-1\u0000',
  'scan-adhoc-000000000000-20200101T0000Z', '__proto__', 'constructor', 'us-east-1', 'zz-fake-9', '123456789012', '999999999999',
  '=cmd|" /C calc"!A0', 'é😀', '\n\r\t', 'null', 'NaN', 'postgres://admin:hunter2@db.internal:5432/prod', 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x',
];

/** A small deterministic PRNG, so a failing run can be repeated with its seed. */
export function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export type FuzzSchema = {
  type?: string | string[]; properties?: Record<string, FuzzSchema>; items?: FuzzSchema; enum?: unknown[]; required?: string[];
};

/** A value that sometimes fits the schema and often does not. */
export function fuzzValue(schema: FuzzSchema | undefined, random: () => number, depth = 0): unknown {
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const wild = (): unknown => pick<unknown>([
    pick(NASTY_STRINGS), -1, 0, 1e308, -0.5, 2 ** 53 + 1, true, false, null, [], {}, [pick(NASTY_STRINGS)],
    { __proto__: { polluted: true } }, { constructor: { prototype: { polluted: true } } }, Array.from({ length: 300 }, () => 'ec2:instance'),
    Array.from({ length: 2000 }, (_, i) => String(100000000000 + i)), { ['k\u0000']: 'v\u0000' },
  ]);
  if (!schema || depth > 4 || random() < 0.25) return wild();
  if (schema.enum) return random() < 0.8 ? pick(schema.enum) : wild();
  const type = Array.isArray(schema.type) ? pick(schema.type) : schema.type;
  switch (type) {
    case 'string': return pick(NASTY_STRINGS);
    case 'number': case 'integer': return pick([0, 1, 5, 50, 90, 101, -3, 1.5, 1e9]);
    case 'boolean': return random() < 0.5;
    case 'array': return Array.from({ length: Math.floor(random() * 4) }, () => fuzzValue(schema.items, random, depth + 1));
    case 'object': return fuzzObject(schema, random, depth + 1);
    default: return wild();
  }
}

/** Arguments for a tool: each known property present 70% of the time, now and then an unknown one. */
export function fuzzObject(schema: FuzzSchema, random: () => number, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (random() < 0.7) out[key] = fuzzValue(prop, random, depth);
  }
  if (random() < 0.1) out[`unexpected_${Math.floor(random() * 100)}`] = 'x';
  // Never wait for scans: a fuzz call must answer at once (no worker serves this task queue).
  if ('wait_seconds' in out) out.wait_seconds = 0;
  return out;
}

/** The arguments of one fuzzed call: mostly schema-shaped, 5% not an object at all. */
export function fuzzArguments(schema: FuzzSchema, random: () => number): unknown {
  return random() < 0.05 ? fuzzValue(undefined, random) : fuzzObject(schema, random);
}

/** What must never appear in a reply: stacks, connection strings, credentials, module paths. */
export const LEAK = /\n\s+at |postgres(ql)?:\/\/[^"\s]*@|AKIA[A-Z0-9]{16}|fuzz-secret-key|assumed-role|node_modules|\$response/;

/** The correlation id of a reply: in `_meta` of a tool result, or in the text of an error. */
export function correlationIdOf(reply: unknown): string | undefined {
  const meta = (reply as { _meta?: { correlation_id?: unknown } } | undefined)?._meta?.correlation_id;
  if (typeof meta === 'string') return meta;
  const text = reply instanceof Error ? reply.message : JSON.stringify(reply ?? '');
  return /correlation id ([0-9a-f-]{36})/.exec(text)?.[1];
}
