// Local receivers for notification tests: an SMTP sink (smtp-server, in process) that keeps every
// message, and an HTTP webhook receiver whose answers a test scripts (status codes, or a dropped
// connection after the request arrived).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SmtpMessage {
  from: string;
  to: string[];
  raw: string;
  /** The body, quoted-printable decoded (nodemailer wraps long lines). */
  text: string;
}

function decodeQuotedPrintable(raw: string): string {
  const body = raw.slice(raw.search(/\r?\n\r?\n/)).trim();
  return Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
}

export interface SmtpSink {
  port: number;
  messages: SmtpMessage[];
  /** SMTP reply codes for the next DATA commands (e.g. 451), then accept. */
  refuseNext(...codes: number[]): void;
  stop(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: SmtpMessage[] = [];
  const refusals: number[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => { raw += chunk.toString(); });
      stream.on('end', () => {
        const code = refusals.shift();
        if (code) return callback(Object.assign(new Error('refused by the test'), { responseCode: code }));
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address), raw, text: decodeQuotedPrintable(raw),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port, messages,
    refuseNext: (...codes) => { refusals.push(...codes); },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface WebhookRequest {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  requests: WebhookRequest[];
  /** Answers for the next requests: an HTTP status, or 'drop' to close the socket without answering. */
  script(...answers: (number | 'drop')[]): void;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: WebhookRequest[] = [];
  const answers: (number | 'drop')[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      requests.push({ headers: req.headers, body });
      const answer = answers.shift() ?? 204;
      if (answer === 'drop') req.socket.destroy();
      else res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`, requests,
    script: (...a) => { answers.push(...a); },
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
