// The container deployment, checked without a Docker engine: docker-compose.yml against the official
// Compose Specification JSON schema (after Compose-style variable interpolation), the structure the
// design needs (two workers, Temporal on PostgreSQL, a UI pointing at it, no secrets in the file),
// the Dockerfile and .dockerignore, and, where a Compose CLI is installed, `config -q`.
//
// Schema: compose-spec/compose-spec's schema/compose-spec.json (Apache-2.0), as shipped in the
// `dclint` npm package (devDependency) at schemas/compose.schema.json; it is the same file Docker
// Compose validates with. Nothing is vendored here, so updating dclint updates the schema.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ENV_KEYS, loadConfig } from '../../config/load.js';
import { AuthConfigError, InsecureBindError, resolveAuthMode } from '../../mcp-gateway/auth.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/contract.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const ENV_EXAMPLE = path.join(ROOT, 'deploy', '.env.example');
const DOCKERFILE = path.join(ROOT, 'Dockerfile');
const DOCKERIGNORE = path.join(ROOT, '.dockerignore');
const APP_COMMANDS = ['worker', 'http', 'stdio', 'start'];
/** Stand-in for secrets the example leaves empty; never a real value. */
const DUMMY_SECRET = 'test-only-not-a-secret';

// ---------------------------------------------------------------------------------------------
// Compose-style interpolation (https://github.com/compose-spec/compose-spec/blob/main/12-interpolation.md):
// $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}.

interface VarRef { name: string; op?: string; arg?: string }

const TOKEN = /\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;
const BRACED = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/;

class MissingVariableError extends Error {
  override name = 'MissingVariableError';
  constructor(readonly variable: string, message?: string) {
    super(`required variable ${variable} is missing a value${message ? `: ${message}` : ''}`);
  }
}

function parseBraced(inner: string): VarRef {
  const match = BRACED.exec(inner);
  if (!match) throw new Error(`invalid interpolation \${${inner}}`);
  return { name: match[1]!, op: match[2], arg: match[3] };
}

function referencesIn(text: string): VarRef[] {
  const refs: VarRef[] = [];
  for (const m of text.matchAll(TOKEN)) {
    if (m[1]) continue;
    refs.push(m[2] !== undefined ? parseBraced(m[2]) : { name: m[3]! });
  }
  return refs;
}

function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(TOKEN, (_all, dollar: string | undefined, braced: string | undefined, bare: string | undefined) => {
    if (dollar) return '$';
    const ref = braced !== undefined ? parseBraced(braced) : { name: bare!, op: undefined, arg: undefined };
    const value = env[ref.name];
    const isSet = value !== undefined;
    const nonEmpty = isSet && value !== '';
    switch (ref.op) {
      case ':-': return nonEmpty ? value : ref.arg ?? '';
      case '-': return isSet ? value : ref.arg ?? '';
      case ':?': if (!nonEmpty) throw new MissingVariableError(ref.name, ref.arg); return value;
      case '?': if (!isSet) throw new MissingVariableError(ref.name, ref.arg); return value;
      case ':+': return nonEmpty ? ref.arg ?? '' : '';
      case '+': return isSet ? ref.arg ?? '' : '';
      default: return value ?? '';
    }
  });
}

/** Applies fn to every string value (not to mapping keys, as Compose does). */
function mapStrings(node: unknown, fn: (s: string) => string): unknown {
  if (typeof node === 'string') return fn(node);
  if (Array.isArray(node)) return node.map((item) => mapStrings(item, fn));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, mapStrings(v, fn)]));
  }
  return node;
}

function stringsIn(node: unknown): string[] {
  const out: string[] = [];
  mapStrings(node, (s) => { out.push(s); return s; });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Inputs

interface Healthcheck { test?: string | string[]; disable?: boolean }
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; target?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: (string | number | { target?: number | string; published?: number | string })[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  healthcheck?: Healthcheck;
  deploy?: { replicas?: number | string };
  restart?: string;
}
interface ComposeFile { services: Record<string, Service>; volumes?: Record<string, unknown> }

function readEnvFile(file: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const raw of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${path.relative(ROOT, file)}: not KEY=VALUE: ${line}`);
    vars.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim().replace(/^(['"])(.*)\1$/, '$2'));
  }
  return vars;
}

/** The example settings with every empty (secret) value replaced by a dummy. */
function exampleEnvWithDummySecrets(): Record<string, string> {
  return Object.fromEntries([...readEnvFile(ENV_EXAMPLE)].map(([k, v]) => [k, v === '' ? DUMMY_SECRET : v]));
}

const composeText = readFileSync(COMPOSE_FILE, 'utf8');
/** As written: `${...}` unresolved. YAML merge keys (<<) resolved, as Compose does. */
const raw = parseYaml(composeText, { merge: true }) as ComposeFile;
/** As Compose would run it with deploy/.env.example (dummy secrets). */
const compose = mapStrings(raw, (s) => interpolate(s, exampleEnvWithDummySecrets())) as ComposeFile;

function loadComposeSchema(): Record<string, unknown> {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('dclint/package.json');
  } catch {
    throw new Error('the Compose Specification schema comes from the dclint package: add it as a devDependency (npm install --save-dev dclint)');
  }
  const schema = JSON.parse(readFileSync(path.join(path.dirname(pkg), 'schemas', 'compose.schema.json'), 'utf8')) as Record<string, unknown>;
  // The schema declares "$schema": "https://json-schema.org/draft-07/schema", an alias Ajv does not
  // register; Ajv's default meta-schema is draft-07 itself, so drop the declaration.
  delete schema.$schema;
  return schema;
}

function env(service: Service): Record<string, string> {
  const e = service.environment ?? {};
  if (Array.isArray(e)) {
    return Object.fromEntries(e.map((item) => {
      const eq = item.indexOf('=');
      return eq < 0 ? [item, ''] : [item.slice(0, eq), item.slice(eq + 1)];
    }));
  }
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

function dependsOn(service: Service): Record<string, string> {
  const d = service.depends_on ?? {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(d).map(([name, spec]) => [name, spec.condition ?? 'service_started']));
}

function argv(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : value.trim().split(/\s+/);
}

function ports(service: Service): { published?: string; target: string }[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'object') return { published: p.published?.toString(), target: String(p.target) };
    const parts = String(p).replace(/\/(tcp|udp)$/, '').split(':');
    return { target: parts[parts.length - 1]!, published: parts.length > 1 ? parts[parts.length - 2] : undefined };
  });
}

function volumes(service: Service): { source?: string; target: string }[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v === 'object') return { source: v.source, target: v.target ?? '' };
    const parts = v.split(':');
    return parts.length === 1 ? { target: parts[0]! } : { source: parts[0], target: parts[1]! };
  });
}

const services = Object.entries(compose.services);
const service = (name: string): Service => {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service "${name}" (has: ${Object.keys(compose.services).join(', ')})`);
  return s;
};
const workerServices = services.filter(([, s]) => argv(s.command)[0] === 'worker');
const temporalName = services.find(([, s]) => /^temporalio\/(server|auto-setup):/.test(s.image ?? ''))?.[0];

// ---------------------------------------------------------------------------------------------

describe('docker-compose.yml: variables and secrets', () => {
  const refs = stringsIn(raw).flatMap(referencesIn);
  const example = readEnvFile(ENV_EXAMPLE);

  it('uses variables, and every one is defaulted or listed in deploy/.env.example', () => {
    expect(refs.length).toBeGreaterThan(0);
    const undocumented = refs.filter((r) => r.op !== ':-' && r.op !== '-' && !example.has(r.name)).map((r) => r.name);
    expect([...new Set(undocumented)], 'variables without a default that deploy/.env.example does not list').toEqual([]);
  });

  it('lists nothing in deploy/.env.example that the compose file does not use', () => {
    const used = new Set(refs.map((r) => r.name));
    expect([...example.keys()].filter((k) => !used.has(k))).toEqual([]);
  });

  it('gives secrets no value anywhere: required in the file, empty in the example', () => {
    const required = [...new Set(refs.filter((r) => r.op === ':?').map((r) => r.name))];
    expect(required).toEqual(expect.arrayContaining(['POSTGRES_PASSWORD']));
    for (const name of required) expect(example.get(name), `${name} in deploy/.env.example`).toBe('');

    const requiredRef = /^\$\{([A-Za-z_][A-Za-z0-9_]*):\?[^}]*\}$/;
    for (const [name, s] of Object.entries(raw.services)) {
      for (const [key, value] of Object.entries(env(s))) {
        const where = `${name}.environment.${key}`;
        const credentials = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]+:([^@]*)@/i.exec(value);
        if (credentials) expect(credentials[1], `${where}: password in a URL`).toMatch(requiredRef);
        else if (/PASSWORD|PWD|SECRET|TOKEN/i.test(key)) expect(value, where).toMatch(requiredRef);
      }
    }
  });

  it('refuses to interpolate without the secrets (what `docker compose up` does)', () => {
    const defaultsOnly = Object.fromEntries([...example].filter(([, v]) => v !== ''));
    expect(() => mapStrings(raw, (s) => interpolate(s, defaultsOnly))).toThrow(MissingVariableError);
    expect(() => mapStrings(raw, (s) => interpolate(s, exampleEnvWithDummySecrets()))).not.toThrow();
  });
});

describe('docker-compose.yml: Compose Specification schema', () => {
  // Compiled on first use, so a missing schema package fails these tests only, with its message.
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  let compiled: ReturnType<typeof ajv.compile> | undefined;
  const validate = (doc: unknown) => (compiled ??= ajv.compile(loadComposeSchema()))(doc);

  it('is valid, as Compose would interpolate it with deploy/.env.example', () => {
    const ok = validate(compose);
    expect(ok, ajv.errorsText(compiled?.errors, { separator: '\n' })).toBe(true);
  });

  it('is checked for real: the validator rejects an unknown service key and a bad depends_on condition', () => {
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services.gateway!.replicas = 2; // belongs under deploy:
    expect(validate(broken)).toBe(false);
    const badCondition = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    badCondition.services.gateway!.depends_on = { temporal: { condition: 'service_ready' } };
    expect(validate(badCondition)).toBe(false);
  });
});

describe('docker-compose.yml: the processes of the design', () => {
  it('runs two worker replicas from the app image', () => {
    expect(workerServices.length, 'services with command worker').toBeGreaterThan(0);
    const replicas = workerServices.reduce((n, [, s]) => n + Number(s.deploy?.replicas ?? 1), 0);
    expect(replicas).toBe(2);
  });

  it('builds every app service from the repository Dockerfile', () => {
    expect(existsSync(DOCKERFILE)).toBe(true);
    const app = services.filter(([, s]) => s.build !== undefined || APP_COMMANDS.includes(argv(s.command)[0] ?? ''));
    expect(app.map(([name]) => name)).toEqual(expect.arrayContaining(['gateway', ...workerServices.map(([name]) => name)]));
    for (const [name, s] of app) {
      const build = typeof s.build === 'string' ? { context: s.build } : s.build;
      expect(build, `${name}.build`).toBeDefined();
      expect(path.resolve(ROOT, build!.context ?? '.'), `${name}.build.context`).toBe(ROOT);
      expect(build!.dockerfile ?? 'Dockerfile', `${name}.build.dockerfile`).toBe('Dockerfile');
    }
  });

  it('runs Temporal on PostgreSQL persistence', () => {
    expect(temporalName, 'a temporalio/server (or auto-setup) service').toBeDefined();
    const temporal = service(temporalName!);
    const e = env(temporal);
    expect(e.DB ?? e.SQL_PLUGIN).toMatch(/^postgres12(_pgx)?$/);
    const dbHost = e.POSTGRES_SEEDS ?? e.SQL_HOST;
    expect(dbHost, 'POSTGRES_SEEDS').toBeDefined();
    expect(service(dbHost!).image).toMatch(/^postgres:/);
    expect(e.POSTGRES_USER, 'POSTGRES_USER').toBeTruthy();
    expect(dependsOn(temporal)[dbHost!]).toBe('service_healthy');
  });

  it('keeps PostgreSQL in a named volume and reports its health', () => {
    const postgres = services.filter(([, s]) => /^postgres:/.test(s.image ?? ''));
    expect(postgres.length, 'PostgreSQL services').toBeGreaterThan(0);
    for (const [name, s] of postgres) {
      const data = volumes(s).find((v) => v.target === '/var/lib/postgresql/data');
      expect(data?.source, `${name}: volume at /var/lib/postgresql/data`).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/);
      expect(Object.keys(compose.volumes ?? {})).toContain(data!.source);
      expect(s.healthcheck?.test, `${name}.healthcheck`).toBeDefined();
    }
  });

  it('points the Web UI at the Temporal service, on host port 8233', () => {
    const ui = services.find(([, s]) => /^temporalio\/ui:/.test(s.image ?? ''));
    expect(ui, 'a temporalio/ui service').toBeDefined();
    expect(env(ui![1]).TEMPORAL_ADDRESS).toBe(`${temporalName}:7233`);
    expect(ports(ui![1])).toContainEqual({ published: '8233', target: '8080' });
  });

  it('wires the gateway: http on 3000, Temporal, PostgreSQL, namespace, and start-up order', () => {
    const gateway = service('gateway');
    expect(argv(gateway.command)).toEqual(['http']);
    expect(ports(gateway)).toContainEqual({ published: '3000', target: '3000' });
    const e = env(gateway);
    expect(e.HOST, 'the app listens on 127.0.0.1 unless told otherwise').toBe('0.0.0.0');
    expect(e.TEMPORAL_ADDRESS).toBe(`${temporalName}:7233`);
    expect(e.TEMPORAL_NAMESPACE).toBe('default');
    const db = new URL(e.DATABASE_URL!);
    expect(db.protocol).toMatch(/^postgres(ql)?:$/);
    expect(service(db.hostname).image).toMatch(/^postgres:/);
    const deps = dependsOn(gateway);
    expect(deps[temporalName!]).toBe('service_healthy');
    expect(deps[db.hostname]).toBe('service_healthy');
  });

  it('passes every authentication setting to the gateway, which never starts without one', () => {
    const authVars = Object.entries(ENV_KEYS)
      .filter(([, dotted]) => dotted === 'http.apiKeyHashes' || /^http\.(auth|oauth)\./.test(dotted)).map(([name]) => name);
    expect(authVars).toEqual(expect.arrayContaining(['AUTH_MODE', 'API_KEY_HASHES', 'OAUTH_ISSUER', 'OAUTH_RESOURCE']));
    expect(Object.keys(env(service('gateway')))).toEqual(expect.arrayContaining(authVars));
    // The gateway's config as Compose would run it: deploy/.env.example, its secrets filled, plus `settings`.
    const secrets = stringsIn(raw).flatMap(referencesIn).filter((r) => r.op === ':?').map((r) => [r.name, DUMMY_SECRET]);
    const authOf = (settings: Record<string, string>) => {
      const run = mapStrings(raw, (s) => interpolate(s, { ...Object.fromEntries(readEnvFile(ENV_EXAMPLE)), ...Object.fromEntries(secrets), ...settings })) as ComposeFile;
      return () => resolveAuthMode(loadConfig(env(run.services.gateway!)).http);
    };
    expect(authOf({}), 'neither keys nor an issuer: refused, not served open').toThrow(InsecureBindError);
    expect(authOf({ API_KEY_HASHES: 'a'.repeat(64) })()).toBe('api-keys');
    expect(authOf({ AUTH_MODE: 'oauth', OAUTH_ISSUER: 'https://idp.example.com/realms/finops', OAUTH_RESOURCE: 'https://mcp.example.com/mcp' })())
      .toBe('oauth');
    expect(authOf({ AUTH_MODE: 'oauth' }), 'oauth without an issuer').toThrow(AuthConfigError);
  });

  it('gives the workers the same Temporal and database settings as the gateway', () => {
    const gatewayEnv = env(service('gateway'));
    expect(workerServices.length, 'worker services').toBeGreaterThan(0);
    for (const [name, s] of workerServices) {
      const e = env(s);
      for (const key of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'DATABASE_URL']) expect(e[key], `${name}.${key}`).toBe(gatewayEnv[key]);
      expect(Object.keys(dependsOn(s))).toEqual(expect.arrayContaining([temporalName, new URL(e.DATABASE_URL!).hostname]));
    }
  });

  it('has consistent depends_on: targets exist, health-gated ones have checks, one-shots can finish', () => {
    for (const [name, s] of services) {
      for (const [target, condition] of Object.entries(dependsOn(s))) {
        const t = service(target);
        if (condition === 'service_healthy') {
          expect(t.healthcheck?.test && !t.healthcheck.disable, `${name} waits for ${target} to be healthy`).toBeTruthy();
        }
        if (condition === 'service_completed_successfully') {
          expect(['always', 'unless-stopped'], `${target} must be able to exit`).not.toContain(t.restart ?? 'no');
        }
      }
    }
  });

  it('registers the search attributes the workflows set (workflows/definitions.ts)', () => {
    const setup = services.find(([, s]) => env(s).FINOPS_SEARCH_ATTRIBUTES !== undefined);
    expect(setup, 'a service with FINOPS_SEARCH_ATTRIBUTES').toBeDefined();
    const declared = Object.fromEntries(env(setup![1]).FINOPS_SEARCH_ATTRIBUTES!.trim().split(/\s+/).map((pair) => pair.split('=')));
    expect(declared).toEqual(SEARCH_ATTRIBUTES);
    expect(dependsOn(setup![1])[temporalName!]).toBe('service_healthy');
    expect(env(setup![1]).TEMPORAL_ADDRESS).toBe(`${temporalName}:7233`);
    expect(dependsOn(service('gateway'))[setup![0]]).toBe('service_completed_successfully');
    const script = volumes(setup![1]).find((v) => v.source?.endsWith('.sh'));
    const text = readFileSync(path.resolve(ROOT, script!.source!), 'utf8');
    expect(text).toContain('FINOPS_SEARCH_ATTRIBUTES');
    expect(text).toMatch(/temporal operator search-attribute create/);
  });

  it('mounts only files that exist, including the dynamic config Temporal is told to read', () => {
    const bindMounts = services.flatMap(([name, s]) => volumes(s).filter((v) => v.source?.startsWith('.') || v.source?.startsWith('/')).map((v) => [name, v] as const));
    expect(bindMounts.length, 'bind mounts of repository files').toBeGreaterThan(0);
    for (const [name, v] of bindMounts) expect(existsSync(path.resolve(ROOT, v.source!)), `${name}: ${v.source}`).toBe(true);
    const temporal = service(temporalName!);
    const file = env(temporal).DYNAMIC_CONFIG_FILE_PATH;
    if (file) {
      const dir = volumes(temporal).find((v) => v.target === '/etc/temporal/config/dynamicconfig');
      expect(dir?.source, 'dynamic config directory mount').toBeDefined();
      expect(readdirSync(path.resolve(ROOT, dir!.source!))).toContain(path.basename(file));
    }
  });

  it('pins every image to a tag', () => {
    for (const [name, s] of services) {
      expect(s.image ?? s.build, `${name}: image or build`).toBeDefined();
      if (!s.image) continue;
      const tag = /:([^/:]+)$/.exec(s.image)?.[1];
      expect(tag, `${name}: ${s.image}`).toBeDefined();
      expect(['latest', 'stable', 'edge', 'nightly'], `${name}: ${s.image}`).not.toContain(tag);
    }
  });
});

// ---------------------------------------------------------------------------------------------

/** Dockerfile instructions: comments dropped, continuation lines joined. */
function instructions(text: string): { op: string; args: string }[] {
  const lines = text.split(/\r?\n/).filter((l) => !/^\s*#/.test(l));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  return joined.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
    const [op, ...rest] = l.split(/\s+/);
    return { op: op!.toUpperCase(), args: rest.join(' ') };
  });
}

/** Whether .dockerignore excludes a path (last matching pattern wins; `!` re-includes). */
function dockerIgnored(patterns: string[], file: string): boolean {
  const glob = (s: string) => s.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  const toRegex = (p: string) => new RegExp('^' + p.replace(/^\/+|\/+$/g, '')
    .split('**/').map((seg) => seg.split('**').map(glob).join('.*')).join('(?:.*/)?') + '$');
  const candidates = file.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const re = toRegex(negate ? raw.slice(1) : raw);
    if (candidates.some((c) => re.test(c))) ignored = !negate;
  }
  return ignored;
}

describe('Dockerfile and .dockerignore', () => {
  const steps = instructions(readFileSync(DOCKERFILE, 'utf8'));
  const args = new Map<string, string>();
  for (const s of steps) {
    if (s.op === 'FROM') break;
    if (s.op === 'ARG' && s.args.includes('=')) args.set(s.args.split('=')[0]!, s.args.slice(s.args.indexOf('=') + 1));
  }
  const stages = steps.filter((s) => s.op === 'FROM').map((s) => {
    const [image, , alias] = s.args.replace(/\$\{?(\w+)\}?/g, (_m, name: string) => args.get(name) ?? '').split(/\s+/);
    return { image: image!, alias };
  });

  it('is multi-stage on node:24-bookworm-slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const aliases = new Set(stages.map((s) => s.alias));
    for (const stage of stages.filter((s) => !aliases.has(s.image))) expect(stage.image).toBe('node:24-bookworm-slim');
  });

  it('ships production dependencies only, from the lockfile, and dist/ built in a stage of its own', () => {
    const lastFrom = steps.map((s) => s.op).lastIndexOf('FROM');
    const stageOf = (i: number) => steps.slice(0, i + 1).filter((s) => s.op === 'FROM').at(-1)!.args.split(/\s+/).at(-1);
    const installs = steps.map((s, i) => ({ s, i })).filter(({ s }) => s.op === 'RUN' && /\bnpm ci\b/.test(s.args));
    expect(installs.length).toBeGreaterThan(0);
    // Dev dependencies (TypeScript) only where dist/ is built; what the runtime copies is --omit=dev.
    for (const { s, i } of installs) if (stageOf(i) !== 'build') expect(s.args).toMatch(/--omit=dev\b/);
    expect(steps.some((s) => s.op === 'RUN' && /scripts\/build\.sh/.test(s.args))).toBe(true);
    const runtime = steps.slice(lastFrom);
    expect(runtime.some((s) => s.op === 'COPY' && /--from=build\b.*\bdist\b/.test(s.args))).toBe(true);
    expect(runtime.some((s) => s.op === 'COPY' && /--from=deps\b.*node_modules/.test(s.args))).toBe(true);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies), 'bin/ runs TypeScript through tsx at run time').toContain('tsx');
  });

  it('runs as a non-root user', () => {
    const lastStage = steps.slice(steps.map((s) => s.op).lastIndexOf('FROM'));
    const user = lastStage.filter((s) => s.op === 'USER').at(-1)?.args.split(':')[0];
    expect(user, 'USER in the final stage').toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('checks the gateway health on /health, port 3000', () => {
    const check = steps.find((s) => s.op === 'HEALTHCHECK');
    expect(check, 'HEALTHCHECK').toBeDefined();
    const script = /deploy\/healthcheck\.mjs/.exec(check!.args)?.[0];
    const text = script ? readFileSync(path.join(ROOT, script), 'utf8') : check!.args;
    expect(text).toContain('/health');
    expect(text).toContain('3000');
    expect(steps.some((s) => s.op === 'EXPOSE' && /\b3000\b/.test(s.args))).toBe(true);
  });

  it('enters through bin/finops-tag-compliance.mjs with an app subcommand by default', () => {
    const entrypoint = JSON.parse(steps.filter((s) => s.op === 'ENTRYPOINT').at(-1)!.args) as string[];
    expect(entrypoint).toEqual(['node', 'bin/finops-tag-compliance.mjs']);
    expect(existsSync(path.join(ROOT, entrypoint[1]!))).toBe(true);
    const cmd = JSON.parse(steps.filter((s) => s.op === 'CMD').at(-1)!.args) as string[];
    expect(APP_COMMANDS).toContain(cmd[0]);
  });

  it('keeps host node_modules, local state and secrets out of the build context, and the app in', () => {
    const patterns = readFileSync(DOCKERIGNORE, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const out of ['node_modules', '.git', '.env', 'deploy/.env', '.data', '.venv-tools']) {
      expect(dockerIgnored(patterns, out), `${out} must be ignored`).toBe(true);
    }
    const needed = ['package.json', 'package-lock.json', 'tsconfig.json', 'bin/finops-tag-compliance.mjs', 'deploy/healthcheck.mjs',
      'cli', 'config', 'core', 'workflows', 'activities', 'store', 'store/migrations', 'worker', 'mcp-gateway', 'policies'];
    for (const file of needed.filter((f) => existsSync(path.join(ROOT, f)))) {
      expect(dockerIgnored(patterns, file), `${file} must reach the image`).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The real Compose CLI, where one is installed (Debian's docker-compose 1.29 or the Compose v2
// plugin); `config` needs no Docker engine.

function composeCli(): string[] | undefined {
  const opts = { stdio: 'ignore' as const, timeout: 20_000 };
  if (spawnSync('docker-compose', ['version'], opts).status === 0) return ['docker-compose'];
  if (spawnSync('docker', ['compose', 'version'], opts).status === 0) return ['docker', 'compose'];
  return undefined;
}
const cli = composeCli();

function runCompose(envFile: Record<string, string>, ...args: string[]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'compose-test-'));
  try {
    const file = path.join(dir, 'env');
    writeFileSync(file, Object.entries(envFile).map(([k, v]) => `${k}=${v}\n`).join(''));
    const [cmd, ...pre] = cli!;
    return spawnSync(cmd!, [...pre, '--env-file', file, '-f', COMPOSE_FILE, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      // Only what the CLI needs: no stray POSTGRES_PASSWORD from the caller's shell.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), LANG: 'C.UTF-8' },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Compose CLI', () => {
  it.skipIf(!cli)(`${cli?.join(' ') ?? 'docker-compose'} config -q accepts the file with deploy/.env.example and secrets set`, () => {
    const result = runCompose(exampleEnvWithDummySecrets(), 'config', '-q');
    expect(result.error).toBeUndefined();
    expect(result.status, result.stderr).toBe(0);
  });

  it.skipIf(!cli)(`${cli?.join(' ') ?? 'docker-compose'} config refuses the file while a secret is unset`, () => {
    const result = runCompose({}, 'config', '-q');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/PASSWORD/);
  });
});

describe('deploy/ scripts', () => {
  // The postgres image executes executable *.sh init scripts and sources the others into its own
  // shell, where our `set -eu` would leak. (The admin-tools scripts run through /bin/sh.)
  it('has executable PostgreSQL init scripts', () => {
    const dir = path.join(ROOT, 'deploy', 'postgres', 'initdb');
    const scripts = readdirSync(dir).filter((f) => f.endsWith('.sh'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const f of scripts) expect(statSync(path.join(dir, f)).mode & 0o111, f).not.toBe(0);
  });
});
