// The process logger: pino to stderr (stdout belongs to the MCP stdio transport), with
// credential-looking fields redacted wherever they appear. On a terminal the lines are for a
// person (pino-pretty); piped or collected, they stay JSON for machines.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export const REDACTED_PATHS = [
  '*.password', '*.secret', '*.clientSecret', '*.webhookSecret', '*.privateKey', '*.private_key', '*.secretAccessKey', '*.sessionToken', '*.accessKeyId',
  '*.authorization', '*.apiKey', '*.token', 'req.headers.authorization', 'req.headers.cookie',
  'databaseUrl', '*.databaseUrl', 'config.database.url',
];

export interface LoggerOptions {
  name?: string;
  /** Human-readable lines; default: when stderr is a terminal (LOG_FORMAT=json|pretty overrides). */
  pretty?: boolean;
}

function wantPretty(): boolean {
  const format = process.env.LOG_FORMAT?.toLowerCase();
  if (format === 'json') return false;
  if (format === 'pretty') return true;
  return process.stderr.isTTY === true;
}

export function createLogger(level: string, opts: LoggerOptions | string = {}): Logger {
  const { name = 'finops-tag-compliance', pretty: human = wantPretty() } = typeof opts === 'string' ? { name: opts } : opts;
  const options = { name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  // Synchronous in this thread (no transport worker), so the last lines before process.exit are written.
  if (human) return pino(options, pretty({ destination: 2, sync: true, ignore: 'pid,hostname,name', translateTime: 'SYS:HH:MM:ss' }));
  return pino(options, pino.destination(2));
}

export type { Logger };
