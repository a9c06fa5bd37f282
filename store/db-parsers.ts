// Column parsers shared by both backends, so counts, ids and costs have the same JS type on each.

export const PG_TYPE = { INT8: 20, NUMERIC: 1700 } as const;

/** int8 (counts, identity ids): a number; past 2^53 it throws rather than silently losing precision. */
export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`int8 value ${text} does not fit a JS number`);
  return value;
}

/** numeric (costs): a double is precise enough for reporting money estimates. */
export function parseNumeric(text: string): number {
  return Number(text);
}
