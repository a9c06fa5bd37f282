// The compliance report as PDF: the self-contained HTML report printed by a headless Chromium
// (playwright-core drives the one installed on the machine; nothing is downloaded), written to the
// export directory under a name of ours, like a large violations export.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ToolError } from '../errors.js';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu'];
/** Printing a report takes a second or two; a hung browser must not hold the call. */
const RENDER_TIMEOUT_MS = 60_000;

export interface PdfFile {
  path: string;
  fileName: string;
  bytes: number;
}

export function reportFileName(now = new Date()): string {
  return `compliance-report-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(6).toString('hex')}.pdf`;
}

/** Whether an executable Chromium is at `chromiumPath`. */
export async function chromiumAvailable(chromiumPath: string): Promise<boolean> {
  try {
    await access(chromiumPath, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Prints `html` (a page needing no network) to A4 PDF bytes. */
export async function printPdf(html: string, chromiumPath: string): Promise<Buffer> {
  if (!(await chromiumAvailable(chromiumPath))) {
    throw new ToolError(`format pdf needs a headless Chromium, and none is installed at ${chromiumPath} ` +
      '(set reports.chromiumPath / CHROMIUM_PATH, or install it: apt-get install chromium). Ask for format html instead: it prints the same page.');
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, timeout: RENDER_TIMEOUT_MS });
  try {
    const page = await browser.newPage({ javaScriptEnabled: false });
    // The report references nothing outside itself; anything else is refused rather than fetched.
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load', timeout: RENDER_TIMEOUT_MS });
    return await page.pdf({ format: 'A4', printBackground: true, margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' } });
  } finally {
    await browser.close();
  }
}

/** Prints the page and writes it into `directory` (created if needed), as .partial then renamed. */
export async function writeReportPdf(html: string, opts: { chromiumPath: string; directory: string }): Promise<PdfFile> {
  const pdf = await printPdf(html, opts.chromiumPath);
  const dir = path.resolve(opts.directory);
  await mkdir(dir, { recursive: true });
  const fileName = reportFileName();
  const final = path.join(dir, fileName);
  const partial = `${final}.partial`;
  try {
    await writeFile(partial, pdf, { flag: 'wx', mode: 0o640 });
    await rename(partial, final);
  } catch (err) {
    await unlink(partial).catch(() => undefined);
    throw err;
  }
  return { path: final, fileName, bytes: (await stat(final)).size };
}
