// The process logger: pino to stderr (stdout belongs to the MCP stdio transport), with
// credential-looking fields redacted wherever they appear.
import { pino, type Logger } from 'pino';

export const REDACTED_PATHS = [
  '*.password', '*.secret', '*.secretAccessKey', '*.sessionToken', '*.accessKeyId',
  '*.authorization', '*.apiKey', '*.token', 'req.headers.authorization', 'req.headers.cookie',
  'databaseUrl', '*.databaseUrl', 'config.database.url',
];

export function createLogger(level: string, name = 'finops-tag-compliance'): Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, pino.destination(2));
}

export type { Logger };
