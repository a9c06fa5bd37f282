// Opaque keyset cursors for paged tool results: the scan they page through, the last resource id
// returned, and a fingerprint of the filters, so a page is never read against another scan or query.

export interface PageCursor {
  scanId: string;
  /** The last resource id of the previous page. */
  after: string;
  /** Fingerprint of the filters the first page used. */
  filter: string;
}

export class CursorError extends Error {
  override name = 'CursorError';
}

const MAX_CURSOR_LENGTH = 4096;

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify({ v: 1, s: cursor.scanId, a: cursor.after, f: cursor.filter })).toString('base64url');
}

export function decodeCursor(text: string): PageCursor {
  if (text.length === 0 || text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) {
    throw new CursorError('cursor is malformed');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('cursor is malformed');
  }
  const c = parsed as Record<string, unknown> | null;
  if (!c || typeof c !== 'object' || c.v !== 1 || typeof c.s !== 'string' || typeof c.a !== 'string' || typeof c.f !== 'string' ||
    c.s.length === 0 || [c.s, c.a, c.f].some((v) => v.includes('\u0000'))) { // NUL cannot be in a text column
    throw new CursorError('cursor is malformed');
  }
  return { scanId: c.s, after: c.a, filter: c.f };
}
