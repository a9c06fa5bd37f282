// Writing policy strings into HCL (Terraform) safely: tag keys and values come from policy files
// and imported Organizations policies, so any of them may hold quotes, backslashes, newlines or
// HCL template sequences (`${`, `%{`) that would otherwise be evaluated by Terraform.

/** A quoted HCL string whose value is exactly `value` (HCL native syntax spec: escapes + template escapes). */
export function hclString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    const next = value[i + 1];
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    // `$${` and `%%{` are HCL's literal `${` and `%{`.
    else if ((ch === '$' || ch === '%') && next === '{') out += ch + ch;
    else if (ch < ' ' || ch === '\u007f') out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * JSON as an HCL heredoc (as provider docs show policy documents). A heredoc is a template, so
 * `${` and `%{` inside JSON strings are written as the JSON escapes `\u0024{` and `\u0025{`: the
 * heredoc then holds no template sequence, and the JSON still decodes to the value. The body and
 * the closing marker start at column 0, which every HCL reader accepts for `<<`.
 */
export function hclJsonHeredoc(value: unknown): string {
  const body = defuseTemplates(JSON.stringify(value, null, 2));
  if (body.split('\n').some((line) => line.trim() === HEREDOC_MARKER)) throw new Error(`heredoc marker ${HEREDOC_MARKER} occurs in its body`);
  return `<<${HEREDOC_MARKER}\n${body}\n${HEREDOC_MARKER}`;
}

export const HEREDOC_MARKER = 'JSON';

/** JSON text with no `${` or `%{`: both can only occur inside JSON strings, where `\u0024`/`\u0025` mean the same. */
export function defuseTemplates(json: string): string {
  return json.replace(/\$\{/g, '\\u0024{').replace(/%\{/g, '\\u0025{');
}

/**
 * A Terraform block label or CloudFormation-style name from free text: `[a-z0-9_]`, starting with
 * a letter, unique among `used` (a counter is appended on a clash).
 */
export function identifier(text: string, used: Set<string>, prefix = 'r'): string {
  const slug = text.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 48);
  const base = /^[a-z]/.test(slug) ? slug : `${prefix}_${slug}`.replace(/_+$/, '');
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
  used.add(name);
  return name;
}

/** 8 hex digits of FNV-1a over `text`: keeps generated names stable across runs and distinct for distinct keys. */
export function stableSuffix(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** Text cut to an engine's field limit (a description, a display name), marked with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
