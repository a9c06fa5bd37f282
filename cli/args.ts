// Flags of the terminal commands (scan, report, status, schedules), parsed by node's own
// util.parseArgs. Every refusal is a UsageError, which the command turns into exit code 2 with
// a sentence saying what to change; values reach nothing before they pass here.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MAX_ACCOUNTS_PER_CALL, MAX_REGIONS_PER_CALL } from '../core/limits.js';

export class UsageError extends Error {
  override name = 'UsageError';
  /** A flag error shows the command's usage; a refused scope only says why. */
  readonly showUsage: boolean = true;
}

/** The scope parsed but was refused (unknown type, account outside the allowed set): exit 2, no usage dump. */
export class ScopeRefusal extends UsageError {
  override readonly showUsage = false;
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

// Control characters (NUL, escapes, newlines) have no place in an id, a region or a type, and
// echoed back they could rewrite the user's terminal.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** util.parseArgs with its errors reworded for people, and control characters refused. */
export function parseCommandArgs(command: string, argv: string[], options: Options, maxPositionals = 0): Parsed {
  for (const arg of argv) {
    if (CONTROL.test(arg)) throw new UsageError(`${command}: an argument contains a control character (${JSON.stringify(arg.slice(0, 40))})`);
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(`${command}: ${reword((err as Error).message)}`);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`${command}: unexpected argument "${parsed.positionals[maxPositionals]}"`);
  }
  return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
}

/** Node's messages name its own API ("ERR_PARSE_ARGS_…", "To specify a positional…"): keep the first sentence. */
function reword(message: string): string {
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(message);
  if (missing) return `${missing[1]} needs a value`;
  const ambiguous = /Option '(?:-\w, )?(--[\w-]+)' argument is ambiguous/.exec(message);
  if (ambiguous) return `${ambiguous[1]} needs a value; write ${ambiguous[1]}=VALUE for one that starts with "-"`;
  const notValue = /Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(message);
  if (notValue) return `${notValue[1]} takes no value`;
  return message.split('\n')[0]!.replace(/\. To specify.*$/, '');
}

/** A comma-separated (or repeated) list flag, trimmed, de-duplicated, empty parts dropped. */
export function listFlag(value: string | boolean | string[] | undefined): string[] | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  return parts.length ? [...new Set(parts)] : undefined;
}

/** A list flag capped at `max` entries, refused with the limit when over it. */
export function cappedList(command: string, flag: string, value: Parsed['values'][string], max: number): string[] | undefined {
  const list = listFlag(value);
  if (list && list.length > max) throw new UsageError(`${command}: --${flag} names ${list.length} entries; the limit is ${max} per scan`);
  return list;
}

/** A non-negative number flag (seconds, counts); `integer` refuses fractions. */
export function numberFlag(command: string, flag: string, value: Parsed['values'][string], opts: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const n = Number(text);
  const min = opts.min ?? 0;
  if (text === '' || !Number.isFinite(n) || n < min || (opts.max !== undefined && n > opts.max) || (opts.integer && !Number.isInteger(n))) {
    const range = opts.max !== undefined ? `${min}..${opts.max}` : `${min} or more`;
    throw new UsageError(`${command}: --${flag} must be ${opts.integer ? 'a whole number' : 'a number'} ${range}, got "${text}"`);
  }
  return n;
}

/** `--fail-under`: a percentage 0..100 (`80`, `92.5` or `80%`), returned as a 0..1 score. */
export function failUnderFlag(command: string, value: Parsed['values'][string]): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim().replace(/%$/, '');
  const percent = numberFlag(command, 'fail-under', text, { min: 0, max: 100 });
  return percent === undefined ? undefined : percent / 100;
}

export function oneOf<T extends string>(command: string, flag: string, value: Parsed['values'][string], allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new UsageError(`${command}: --${flag} must be one of ${allowed.join(', ')}, got "${String(value)}"`);
  return value as T;
}

export const SCOPE_LIMITS = { accounts: MAX_ACCOUNTS_PER_CALL, regions: MAX_REGIONS_PER_CALL } as const;
