// The paged tools' cursors as a model sees them: a cursor it mangled, or one issued for other
// parameters, is a tool error saying what to do, never an internal error.
import { CursorError, decodeCursor, type PageCursor } from '../../core/report/cursor.js';
import { ToolError } from '../errors.js';

/** Decodes `cursor` and checks it was issued for `filter`; `issuedFor` names what differs (e.g. "a different min_cost_threshold"). */
export function toolCursor(cursor: string, filter: string, issuedFor = 'other parameters'): PageCursor {
  let decoded;
  try {
    decoded = decodeCursor(cursor);
  } catch (err) {
    if (err instanceof CursorError) throw new ToolError('invalid cursor: pass next_cursor exactly as returned, or omit cursor to start over');
    throw err;
  }
  if (decoded.filter !== filter) {
    throw new ToolError(`the cursor was issued for ${issuedFor}; repeat the first call's parameters, or omit cursor to start over`);
  }
  return decoded;
}
