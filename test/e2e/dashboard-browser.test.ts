// The dashboard end to end in a real headless Chromium (Debian's chromium, driven by
// playwright-core) against the whole stack: Temporal dev server, a worker process, moto behind a
// fault proxy, PostgreSQL with a seeded snapshot history, and the HTTP gateway. Logs in with an
// API key, checks that the figures shown are the store's, filters the violations table, follows a
// live scan's progress, and keeps screenshots in test-artifacts/ (and, with UPDATE_DOCS_SCREENSHOTS=1,
// the README's pictures in docs/screenshots/: an ordinary run leaves tracked files alone).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type StoreHandle } from '../../cli/runtime.js';
import { startComplianceScan } from '../../client/scans.js';
import { configSchema } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { complianceScore, scanScore } from '../../core/compliance/index.js';
import { money, percent } from '../../core/report/index.js';
import { hashApiKey } from '../../mcp-gateway/auth.js';
import { CHROMIUM_ARGS } from '../../mcp-gateway/exports/report-pdf.js';
import { createHttpGateway } from '../../mcp-gateway/http.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { startMotoStack, type MotoStack } from '../support/moto-stack.js';
import { seedHistory, XSS_VALUE, type SeededHistory } from '../support/dashboard-seed.js';

const KEY = 'dashboard-e2e-key-5b2f8c1d9e0a7364';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const DOCS = path.join(REPO_ROOT, 'docs', 'screenshots');

let stack: MotoStack;
let store: StoreHandle;
let temporal: Client;
let browser: Browser;
let page: Page;
let url: string;
let seeded: SeededHistory;
const closers: (() => Promise<unknown>)[] = [];

async function shoot(name: string, opts: { docs?: boolean; width?: number } = {}): Promise<void> {
  if (opts.width) await page.setViewportSize({ width: opts.width, height: 860 });
  await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
  if (opts.docs && process.env.UPDATE_DOCS_SCREENSHOTS === '1') await page.screenshot({ path: path.join(DOCS, `${name}.png`) });
  if (opts.width) await page.setViewportSize({ width: 1280, height: 860 });
}

const textOf = async (selector: string) => (await page.locator(selector).first().innerText()).trim();

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  mkdirSync(DOCS, { recursive: true });
  stack = await startMotoStack({ name: 'dashboard-e2e' });
  closers.push(() => stack.stop());
  store = await openStore(stack.config, createLogger('silent'));
  closers.push(() => store.close());
  temporal = new Client({ connection: await Connection.connect({ address: stack.temporalServer.address }) });
  closers.push(() => temporal.connection.close());
  seeded = await seedHistory(store.store, store.db);
  const config = { ...stack.config, http: configSchema.parse({ http: { apiKeyHashes: [hashApiKey(KEY)] } }).http };
  const app = await createHttpGateway({ config, store: store.store, temporal, logger: createLogger('silent') }, { dbKind: store.db.kind });
  closers.push(() => app.close());
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  closers.push(() => browser.close());
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  // The CSP forbids every script: a violation would show up here.
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
}, 240_000);

const consoleErrors: string[] = [];

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
}, 120_000);

describe('dashboard in a real browser', () => {
  it('asks for a key, refuses a wrong one, and logs in with the right one', async () => {
    await page.goto(`${url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
    await page.fill('#key', 'wrong-key-123456789');
    await page.click('button[type=submit]');
    expect(await textOf('[data-testid=login-error]')).toContain('not accepted');
    await shoot('login');
    await page.fill('#key', KEY);
    await page.click('button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    expect(await page.locator('header .viewer').innerText()).toBe(`key:${hashApiKey(KEY).slice(0, 8)}`);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'ftc_dashboard')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/dashboard' });
    expect(JSON.stringify(cookies)).not.toContain(KEY);
  });

  it('shows the store\'s figures: score, counts, breakdowns, snapshot history and trend lines', async () => {
    consoleErrors.length = 0;
    await page.goto(`${url}/dashboard`);
    const agg = await store.store.reportAggregates(seeded.latest.id);
    expect(await textOf('[data-testid=scan-id]')).toBe(seeded.latest.workflowId);
    expect(await textOf('[data-testid=score]')).toBe(percent(scanScore(agg.counts.compliant, agg.counts.total)));
    expect(await textOf('[data-testid=total]')).toBe(String(agg.counts.total));
    expect(await textOf('[data-testid=compliant]')).toBe(String(agg.counts.compliant));
    expect(await textOf('[data-testid=non-compliant-cost]')).toBe(money(agg.counts.nonCompliantCost));

    // By cloud: every row as the store aggregates it.
    const cloudRows = await page.locator('[data-testid=breakdown-cloud] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim())));
    expect(cloudRows.map((r) => r[0]).sort()).toEqual(agg.byCloud!.map((c) => c.key).sort());
    for (const c of agg.byCloud!) {
      const row = cloudRows.find((r) => r[0] === c.key)!;
      expect(row.slice(1, 5)).toEqual([String(c.total), String(c.compliant), String(c.total - c.compliant), percent(complianceScore(c.compliant, c.total))]);
    }

    // Snapshot history: the newest first, each with the score stored with it.
    const { snapshots } = await store.store.listSnapshots({ since: new Date(Date.now() - 90 * 86_400_000) });
    expect(snapshots).toHaveLength(seeded.snapshots.length);
    const shown = await page.locator('[data-testid=snapshots] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({ id: tr.getAttribute('data-scan'), cells: [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim()) })));
    expect(shown.map((s) => s.id)).toEqual([...snapshots].reverse().map((s) => s.workflowId));
    for (const s of snapshots) {
      const row = shown.find((r) => r.id === s.workflowId)!;
      expect(row.cells.slice(2, 5)).toEqual([percent(s.score), String(s.total), String(s.compliant)]);
    }
    // The trend chart: one line overall and one per cloud, a point per snapshot.
    const series = await page.locator('svg.line-chart g.series').evaluateAll((gs) =>
      gs.map((g) => ({ name: g.getAttribute('data-series'), points: g.querySelectorAll('circle').length })));
    expect(series).toEqual([
      { name: 'overall', points: snapshots.length }, { name: 'aws', points: snapshots.length }, { name: 'azure', points: snapshots.length },
    ]);
    // Top violations by count lead with the most frequent finding.
    const top = [...agg.violations].sort((a, b) => b.resources - a.resources)[0]!;
    expect(await page.locator('[data-testid=top-by-count] tbody tr').first().locator('td').nth(4).innerText()).toBe(String(top.resources));
    expect(consoleErrors).toEqual([]);
    await shoot('overview', { docs: true });
  });

  it('filters and pages the violations table, with suggested fixes, and shows tag values as text', async () => {
    await page.goto(`${url}/dashboard/violations`);
    const all = await store.store.countViolationRows(seeded.latest.id, {});
    expect(await textOf('[data-testid=matching]')).toBe(String(all));
    await page.selectOption('select[name=cloud]', 'azure');
    await page.selectOption('select[name=tag]', 'Environment');
    await page.click('[data-testid=filters] button[type=submit]');
    const params = new URL(page.url()).searchParams;
    expect(params.get('cloud')).toBe('azure');
    const expected = await store.store.countViolationRows(seeded.latest.id, { cloud: 'azure', tag: 'Environment' });
    expect(expected).toBeGreaterThan(0);
    expect(await textOf('[data-testid=matching]')).toBe(String(expected));
    const rows = await page.locator('[data-testid=violations] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim())));
    expect(rows).toHaveLength(expected);
    expect(rows.every((r) => r[1] === 'azure' && r[5] === 'Environment')).toBe(true);
    const missingRows = rows.filter((r) => r[6] === 'missing_required_tag');
    expect(missingRows.length).toBeGreaterThan(0);
    expect(missingRows.every((r) => r[9] === 'Add tag Environment')).toBe(true);

    // The XSS attempt in a tag value (an AWS resource) renders as text and runs nothing.
    await page.goto(`${url}/dashboard/violations?cloud=aws&tag=Environment&limit=200`);
    const values = await page.locator('[data-testid=violations] tbody tr td:nth-child(9)').allInnerTexts();
    expect(values).toContain(XSS_VALUE);
    const fixes = await page.locator('[data-testid=violations] tbody tr [data-testid=fix]').allInnerTexts();
    expect(fixes).toContain('Set Environment to "production" (was "Production")');
    expect(fixes).toContain('Use one of: production, staging'); // the XSS value has no case-insensitive match
    expect(await page.locator('script').count()).toBe(0);

    // Paging: 25 a page, every finding once.
    await page.goto(`${url}/dashboard/violations?limit=25`);
    const seen: string[] = [];
    for (;;) {
      seen.push(...await page.locator('[data-testid=violations] tbody tr').evaluateAll((trs) =>
        trs.map((tr) => `${tr.querySelector('code')!.textContent}|${tr.querySelectorAll('td')[5]!.textContent}|${tr.querySelectorAll('td')[6]!.textContent}`)));
      const next = page.locator('[data-testid=next-page]');
      if (await next.count() === 0) break;
      await next.click();
    }
    expect(seen).toHaveLength(all);
    expect(new Set(seen).size).toBe(all);
    await page.goto(`${url}/dashboard/violations?cloud=aws&limit=25`);
    await shoot('violations', { docs: true, width: 1680 });
  });

  it('follows a live scan\'s progress from Temporal until it completes, with a link to its run', async () => {
    // Slow every AWS call so the scan runs long enough to watch.
    stack.proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 700 } }]);
    // No approval gate: this scan is small, and its waiting is another test's subject.
    const config = { ...stack.config, approval: { ...stack.config.approval, enabled: false } };
    const { workflowId } = await startComplianceScan(temporal, config, {
      scope: { accounts: stack.org.accounts, regions: stack.org.regions, resource_types: ['ec2:instance', 'ec2:volume', 's3:bucket', 'dynamodb:table'] },
    });
    try {
      await page.goto(`${url}/dashboard/scans`);
      const running = page.locator(`[data-testid=running] tr[data-scan="${workflowId}"]`);
      // The row appears once the workflow has planned and recorded the scan.
      for (let i = 0; i < 120 && await running.count() === 0; i++) {
        await page.waitForTimeout(500);
        await page.reload();
      }
      expect(await running.count()).toBe(1);
      const link = await running.locator('a').getAttribute('href');
      expect(link).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
      const first = await running.locator('[data-testid=progress]').innerText().catch(() => '');
      let shot = false;
      // The page reloads itself (meta refresh) while the scan runs: the progress moves on, then the scan completes.
      const seen = new Set<string>([first]);
      const done = page.locator(`[data-testid=recent] tr[data-scan="${workflowId}"] [data-testid=status]`);
      const deadline = Date.now() + 180_000;
      while (Date.now() < deadline) {
        if (await running.count() > 0) {
          const progress = await running.locator('[data-testid=progress]').innerText().catch(() => '');
          seen.add(progress);
          // The README's picture: a scan under way, some shards done.
          if (!shot && /scanning: [1-9]\d*\/\d+ shards/.test(progress)) {
            await shoot('scans', { docs: true });
            shot = true;
          }
        }
        if (await done.count() > 0 && (await done.innerText()) === 'completed') break;
        await page.waitForTimeout(500);
      }
      expect(await done.innerText()).toBe('completed');
      expect(seen.size).toBeGreaterThan(1);
      expect([...seen].some((s) => /scanning: \d+\/\d+ shards/.test(s))).toBe(true);
      expect(await page.locator(`[data-testid=running] tr[data-scan="${workflowId}"]`).count()).toBe(0);
      await shoot('scans-completed');
    } finally {
      stack.proxy.setRules([]);
    }
  }, 240_000);

  it('logs out with the session\'s CSRF token', async () => {
    await page.goto(`${url}/dashboard`);
    await page.click('form.logout button');
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
    await page.goto(`${url}/dashboard/scans`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
  });
});
