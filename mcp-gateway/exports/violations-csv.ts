// Writes a violations export: rows streamed from the store's cursor through csv-stringify. Up to
// inlineMaxRows rows come back as text; beyond that the CSV goes to a file we name inside the
// export directory, written as .partial and renamed when complete.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import { csvExportOptions } from '../../core/remediation/csv-export.js';
import type { ExportRow, Store, ViolationExportQuery } from '../../store/index.js';

const BATCH = 2000;

export type ExportOutcome =
  | { delivery: 'inline'; rows: number; csv: string }
  | { delivery: 'file'; rows: number; path: string; fileName: string; bytes: number };

/** A name of ours only: a UTC timestamp and random hex, so nothing a caller sends reaches the file system. */
export function exportFileName(now = new Date()): string {
  return `violations-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(6).toString('hex')}.csv`;
}

export async function exportViolationsCsv(store: Pick<Store, 'streamViolations'>, query: ViolationExportQuery,
  opts: { directory: string; inlineMaxRows: number }): Promise<ExportOutcome> {
  const csvOptions = csvExportOptions(query.columns);
  let buffered: ExportRow[] | undefined = [];
  let file: { stringifier: ReturnType<typeof stringify>; done: Promise<void>; partial: string; final: string; fileName: string } | undefined;

  const write = async (rows: ExportRow[]) => {
    for (const row of rows) {
      if (!file!.stringifier.write(row)) await once(file!.stringifier, 'drain');
    }
  };

  try {
    const rows = await store.streamViolations(query, BATCH, async (batch) => {
      if (buffered) {
        buffered.push(...batch);
        if (buffered.length <= opts.inlineMaxRows) return;
        file = await openFile(opts.directory, csvOptions);
        const pending = buffered;
        buffered = undefined;
        await write(pending);
        return;
      }
      await write(batch);
    });
    if (!file) return { delivery: 'inline', rows, csv: stringifySync(buffered!, csvOptions) };
    file.stringifier.end();
    await file.done;
    await rename(file.partial, file.final);
    return { delivery: 'file', rows, path: file.final, fileName: file.fileName, bytes: (await stat(file.final)).size };
  } catch (err) {
    if (file) {
      file.stringifier.destroy();
      await file.done.catch(() => undefined);
      await unlink(file.partial).catch(() => undefined);
    }
    throw err;
  }
}

async function openFile(directory: string, csvOptions: ReturnType<typeof csvExportOptions>) {
  const dir = path.resolve(directory);
  await mkdir(dir, { recursive: true });
  const fileName = exportFileName();
  const final = path.join(dir, fileName);
  if (path.dirname(final) !== dir) throw new Error('export file name escaped the export directory'); // cannot happen with our names
  const partial = `${final}.partial`;
  const stringifier = stringify(csvOptions);
  const out = createWriteStream(partial, { flags: 'wx', mode: 0o640 });
  const done = pipeline(stringifier, out);
  done.catch(() => undefined); // observed by the caller; a failure also surfaces on the next write
  return { stringifier, done, partial, final, fileName };
}
