// Policy regexes are author-supplied code that runs against every tag value of every resource,
// so they are vetted once at load time and compiled the same way everywhere.
//
// Bounding catastrophic backtracking (decision):
// 1. Reject at validation time a quantifier that can repeat (max > 1: `*`, `+`, `{2,}`, `{0,7}`)
//    applied to a group containing a variable-length quantifier (`(a+)+`, `(\w+\.)*`,
//    `(a?){2,}`): star height > 1, the classic exponential shape. The pattern is parsed with
//    `ret`, the parser behind fastify's safe-regex2; safe-regex2 itself also counts `?` as a
//    star and so refused the common `^[a-z]+(-[a-z]+)?$`. Still conservative: some safe
//    nestings such as `\d+(,\d+)*` are refused and must be written flat (`[\d,]+`).
// 2. Never test a value longer than tag_naming_rules.max_value_length (default 256, at most
//    512, as in the peer): such values fail the rule without running the regex, so polynomial
//    patterns (`\d*\d*\d*x`) cost a bounded amount per value.
// Known gap: overlapping alternation under a single star (`(a|a)*$`) has star height 1 and
// passes. Policies are written by administrators, not end users; the worker may add V8's
// `--enable-experimental-regexp-engine-on-excessive-backtracks` as defence in depth.
import retModule, { type Root, type Token } from 'ret';

// ret's CommonJS entry is the tokenizer itself (`module.exports = tokenizer`, with `types`
// attached), while its typings describe an ES module; name the call signature here.
const tokenize = retModule as unknown as (source: string) => Root;
const { types } = retModule;

export const INVALID_REGEX = 'invalid regular expression';
export const CATASTROPHIC_REGEX = 'regular expression may backtrack catastrophically (nested quantifier)';
const UNCHECKABLE_REGEX = 'regular expression uses syntax the backtracking check cannot read';

// ret does not know lookbehind; a lookahead has the same structure, so the verdict is unchanged.
const LOOKBEHIND = /\(\?<([=!])/g;

/** Returns why a policy regex is unacceptable, or null when it may be used. */
export function regexProblem(source: string): string | null {
  try {
    new RegExp(source);
  } catch (err) {
    return `${INVALID_REGEX} (${regexErrorDetail(err)})`;
  }
  let tree: Root;
  try {
    tree = tokenize(source.replace(LOOKBEHIND, '(?$1'));
  } catch {
    // V8 accepted it but ret cannot read it: refuse rather than run an unchecked pattern.
    return UNCHECKABLE_REGEX;
  }
  return scan(tree).nested ? CATASTROPHIC_REGEX : null;
}

interface Scan {
  /** Contains a quantifier whose repetition count can vary (`*`, `+`, `?`, `{1,3}`). */
  variable: boolean;
  /** Contains a repeating quantifier over such a part. */
  nested: boolean;
}

function scan(node: Root | Token): Scan {
  if (node.type === types.REPETITION) {
    const inner = scan(node.value);
    return { variable: inner.variable || node.min !== node.max, nested: inner.nested || (inner.variable && node.max > 1) };
  }
  if (node.type !== types.ROOT && node.type !== types.GROUP) return { variable: false, nested: false };
  const result: Scan = { variable: false, nested: false };
  const sequences = node.options ?? (node.stack ? [node.stack] : []);
  for (const sequence of sequences) {
    for (const token of sequence) {
      const part = scan(token);
      result.variable ||= part.variable;
      result.nested ||= part.nested;
    }
  }
  return result;
}

/**
 * Compiles a vetted policy regex. The peer tests values with Python's `re.match`, which is
 * anchored at the start of the value but not at its end; wrapping in `^(?:...)` keeps that
 * meaning (a policy without `^` must still match from the first character). No flags: the
 * `u` flag would reject identity escapes such as `\@` that Python-authored patterns use.
 */
export function compileValuePattern(source: string): RegExp {
  return new RegExp(`^(?:${source})`);
}

function regexErrorDetail(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // V8 says "Invalid regular expression: /(/: Unterminated group"; keep only the reason.
  const at = message.lastIndexOf(': ');
  return at >= 0 ? message.slice(at + 2) : message;
}
