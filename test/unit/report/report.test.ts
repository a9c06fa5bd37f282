import { describe, expect, it } from 'vitest';
import {
  buildReport, csvCell, escapeHtml, escapeMarkdown, percent, recommend, renderReport, toCsv,
  type BreakdownStat, type ComplianceReport, type ReportInput, type ViolationStat,
} from '../../../core/report/index.js';

// ---- builders ------------------------------------------------------------------------------

function aBreakdown(key: string, total: number, compliant: number, nonCompliantCost: number | null = null): BreakdownStat {
  return { key, total, compliant, nonCompliantCost };
}

function aViolation(tag: string, kind: string, resources: number, overrides: Partial<ViolationStat> = {}): ViolationStat {
  return {
    tag, kind, severity: 'error', resources, nonCompliantResources: resources, cost: null,
    foundKeys: [], values: [], allowed: null, suggestions: [], ...overrides,
  };
}

function aReportInput(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    scanId: 'scan-1',
    finishedAt: '2026-03-01T10:00:00.000Z',
    policyVersionId: 3,
    scope: { resource_types: ['ec2:instance', 's3:bucket'], accounts: ['111111111111'], regions: null },
    dataQuality: { status: 'complete', missing_total: 0, missing: [] },
    counts: {
      total: 20, compliant: 12, neverTagged: 2, missingRequired: 6, findings: 11,
      resourcesWithCost: 20, totalCost: 1000, nonCompliantCost: 400,
    },
    byResourceType: [aBreakdown('ec2:instance', 10, 4, 300), aBreakdown('s3:bucket', 10, 8, 100)],
    byAccount: [aBreakdown('111111111111', 20, 12, 400)],
    byRegion: [aBreakdown('us-east-1', 15, 9, 250), aBreakdown('eu-west-1', 5, 3, 150)],
    violations: [
      aViolation('CostCenter', 'missing_required_tag', 5, { cost: 120 }),
      aViolation('Owner', 'missing_required_tag', 3, { cost: 350 }),
      aViolation('Environment', 'invalid_value', 2, {
        values: ['prod'], allowed: ['production', 'staging'], suggestions: [], cost: 40,
      }),
      aViolation('Environment', 'key_case_mismatch', 1, { severity: 'warning', nonCompliantResources: 0, foundKeys: ['environment'] }),
    ],
    ...overrides,
  };
}

const generatedAt = new Date('2026-03-02T00:00:00Z');
const report = (input: ReportInput = aReportInput(), includeRecommendations = true): ComplianceReport =>
  buildReport(input, { generatedAt, includeRecommendations });

/** RFC 4180 reader, to check that what we write parses back to the same cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell); rows.push(row); row = []; cell = ''; i++;
    } else cell += ch;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

// ---- the document ----------------------------------------------------------------------------

describe('buildReport', () => {
  it('scores, counts and ranks violations by count and by cost', () => {
    const r = report();
    expect(r.summary).toEqual({
      compliance_score: 0.6, total_resources: 20, compliant: 12, non_compliant: 8, never_tagged: 2, missing_required_tags: 6,
      findings: 11, resources_with_cost: 20, total_monthly_cost: 1000, non_compliant_monthly_cost: 400,
    });
    expect(r.top_violations_by_count.map((v) => `${v.kind}:${v.tag}:${v.resources}`)).toEqual([
      'missing_required_tag:CostCenter:5', 'missing_required_tag:Owner:3', 'invalid_value:Environment:2', 'key_case_mismatch:Environment:1',
    ]);
    expect(r.top_violations_by_cost.map((v) => [v.tag, v.monthly_cost])).toEqual([['Owner', 350], ['CostCenter', 120], ['Environment', 40]]);
  });

  it('sorts breakdowns most non-compliant first, with scores, and caps them while counting every group', () => {
    const r = buildReport(aReportInput({
      byRegion: [aBreakdown('a-1', 10, 10), aBreakdown('b-1', 10, 2), aBreakdown('c-1', 4, 0), aBreakdown('d-1', 8, 4)],
    }), { generatedAt, includeRecommendations: false, maxGroups: 3 });
    expect(r.by_region.map((b) => [b.key, b.non_compliant, b.compliance_score])).toEqual([['b-1', 8, 0.2], ['c-1', 4, 0], ['d-1', 4, 0.5]]);
    expect(r.breakdown_groups.region).toBe(4);
    expect(r.by_resource_type[0]).toEqual({
      key: 'ec2:instance', total: 10, compliant: 4, non_compliant: 6, compliance_score: 0.4, non_compliant_monthly_cost: 300,
    });
  });

  it('ranks nothing by cost when costs are unknown', () => {
    const input = aReportInput();
    input.violations = input.violations.map((v) => ({ ...v, cost: null }));
    expect(report(input).top_violations_by_cost).toEqual([]);
  });

  it('leaves recommendations out when asked', () => {
    expect(report(aReportInput(), false).recommendations).toEqual([]);
  });

  it('keeps scores that are not 100% below 100 in text', () => {
    expect(percent(0.9999)).toBe('99.99%');
    expect(percent(1)).toBe('100%');
    expect(percent(0.6666)).toBe('66.66%');
    expect(percent(0)).toBe('0%');
  });
});

describe('recommend', () => {
  const messages = (input: ReportInput) => recommend(input);

  it('puts the most missed tag first among tags, with its share of the scope', () => {
    const recs = messages(aReportInput());
    const missing = recs.filter((r) => r.category === 'missing_tag');
    expect(missing[0]).toMatchObject({ priority: 'high' });
    expect(missing[0]!.message).toContain('"CostCenter" is missing on 5 resources (25% of the scope');
    expect(missing[1]!.message).toContain('"Owner"');
  });

  it('warns first when the data is partial, naming unread targets', () => {
    const recs = messages(aReportInput({
      dataQuality: { status: 'partial', missing_total: 4, missing: [
        { account: '222222222222', region: 'ap-south-1', resource_type: null, error_type: 'AccessDenied', reason: 'denied' },
      ] },
    }));
    expect(recs[0]!.category).toBe('data_quality');
    expect(recs[0]!.message).toContain('4 targets could not be read (222222222222/ap-south-1 (AccessDenied))');
  });

  it('lists allowed values for invalid values, with case fixes when known', () => {
    const input = aReportInput();
    input.violations[2]!.suggestions = [{ value: 'Production', suggestion: 'production' }];
    const rec = messages(input).find((r) => r.category === 'allowed_values')!;
    expect(rec.message).toContain('Allowed values: production, staging');
    expect(rec.message).toContain('"Production" → "production"');
    expect(rec.message).toContain('seen: "prod"');
  });

  it('asks to normalise case variants of keys', () => {
    const rec = messages(aReportInput()).find((r) => r.category === 'key_case')!;
    expect(rec.message).toContain('rename "environment" to "Environment"');
  });

  it('recommends tagging at creation and policy enforcement for never-tagged resources', () => {
    const rec = messages(aReportInput()).find((r) => r.category === 'tag_at_creation')!;
    expect(rec.priority).toBe('high'); // 2 of 20 is 10%
    expect(rec.message).toMatch(/2 resources .* no tags at all.*Tag at creation.*tag policies/);
  });

  it('names the least compliant resource types', () => {
    const rec = messages(aReportInput()).find((r) => r.category === 'resource_type')!;
    expect(rec.message).toContain('ec2:instance 40% (4 of 10)');
    expect(rec.message).not.toContain('s3:bucket'); // 80% is not called out
  });

  it('points at the costliest gap', () => {
    const rec = messages(aReportInput()).find((r) => r.category === 'cost' && r.priority === 'high')!;
    expect(rec.message).toContain('$400.00/month (40% of known spend)');
    expect(rec.message).toContain('missing required tag "Owner" ($350.00/month)');
  });

  it('orders high before medium before low', () => {
    const order = messages(aReportInput()).map((r) => r.priority);
    expect(order).toEqual([...order].sort((a, b) => ['high', 'medium', 'low'].indexOf(a) - ['high', 'medium', 'low'].indexOf(b)));
  });

  it('says only that the scope is empty when nothing was found', () => {
    const recs = messages(aReportInput({
      counts: { total: 0, compliant: 0, neverTagged: 0, missingRequired: 0, findings: 0, resourcesWithCost: 0, totalCost: null, nonCompliantCost: null },
      byResourceType: [], byAccount: [], byRegion: [], violations: [],
    }));
    expect(recs.map((r) => r.category)).toEqual(['scope']);
  });

  it('gives no score, not 100%, when the scan saw no resource', () => {
    const empty = report(aReportInput({
      counts: { total: 0, compliant: 0, neverTagged: 0, missingRequired: 0, findings: 0, resourcesWithCost: 0, totalCost: null, nonCompliantCost: null },
      byResourceType: [], byAccount: [], byRegion: [], violations: [],
    }));
    expect(empty.summary.compliance_score).toBeNull();
    const markdown = renderReport(empty, 'markdown');
    expect(markdown).toContain('no score');
    expect(markdown).not.toContain('100%');
  });
});

// ---- renderings ------------------------------------------------------------------------------

const NASTY = '=HYPERLINK("http://evil.example","x"), "quoted"\r\nsecond line | <script>alert(1)</script> *bold* [link](javascript:x)';

function nastyInput(): ReportInput {
  return aReportInput({
    byAccount: [aBreakdown('111111111111', 20, 12, 400)],
    byResourceType: [aBreakdown(NASTY, 3, 1, 10), aBreakdown('+cmd', 1, 0), aBreakdown('-2+3', 1, 0), aBreakdown('@SUM(A1)', 1, 1)],
    violations: [aViolation(NASTY, 'invalid_value', 2, { values: [NASTY], allowed: ['a'] })],
  });
}

describe('csv', () => {
  it('quotes commas, quotes and line breaks, and prefixes formula-like text with a quote', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=1+1')).toBe('\'=1+1');
    expect(csvCell('+1')).toBe('\'+1');
    expect(csvCell('-1')).toBe('\'-1');
    expect(csvCell('@A1')).toBe('\'@A1');
    expect(csvCell('\tx')).toBe('\'\tx');
    expect(csvCell('=A1,B1')).toBe('"\'=A1,B1"');
    expect(csvCell(0.75)).toBe('0.75');
    expect(csvCell(null)).toBe('');
    expect(toCsv([['a', 1], ['b', null]])).toBe('a,1\r\nb,\r\n');
  });

  it('renders one table that parses back with every row the same width and the figures in place', () => {
    const text = renderReport(report(nastyInput()), 'csv');
    const rows = parseCsv(text);
    const header = rows[0]!;
    expect(header).toEqual(['section', 'group', 'key', 'severity', 'total', 'compliant', 'non_compliant', 'compliance_score', 'monthly_cost', 'detail']);
    expect(rows.every((r) => r.length === header.length)).toBe(true);
    const col = (r: string[], name: string) => r[header.indexOf(name)];
    const summary = rows.find((r) => r[0] === 'summary')!;
    expect([col(summary, 'total'), col(summary, 'compliant'), col(summary, 'non_compliant'), col(summary, 'compliance_score'), col(summary, 'monthly_cost')])
      .toEqual(['20', '12', '8', '0.6', '400']);
    const nastyRow = rows.find((r) => r[0] === 'breakdown' && r[1] === 'resource_type' && r[2]!.includes('HYPERLINK'))!;
    expect(col(nastyRow, 'key')).toBe(`'${NASTY}`); // intact, line break included, and inert
    const keys = rows.filter((r) => r[1] === 'resource_type').map((r) => col(r, 'key'));
    expect(keys).toEqual(expect.arrayContaining(['\'+cmd', '\'-2+3', '\'@SUM(A1)']));
    // No cell a spreadsheet would evaluate.
    expect(rows.flat().filter((c) => /^[=+\-@]/.test(c))).toEqual([]);
    expect(rows.filter((r) => r[0] === 'recommendation').length).toBeGreaterThan(0);
  });
});

describe('html', () => {
  it('escapes the five special characters', () => {
    expect(escapeHtml('<a href="x" title=\'y\'>&</a>')).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('renders tag values as text only: no element, attribute or script from the data', () => {
    const html = renderReport(report(nastyInput()), 'html');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('=HYPERLINK(&quot;http://evil.example&quot;');
    expect(html).toContain('default-src \'none\'');
    // Every tag in the page is one the renderer wrote (the charts' SVG elements included).
    const tags = new Set([...html.matchAll(/<\/?([a-zA-Z0-9!]+)/g)].map((m) => m[1]!.toLowerCase()));
    expect([...tags].sort()).toEqual(['!doctype', 'body', 'br', 'div', 'figure', 'g', 'h1', 'h2', 'head', 'html', 'li', 'meta', 'ol', 'p', 'rect',
      'strong', 'style', 'svg', 'table', 'tbody', 'td', 'text', 'th', 'thead', 'title', 'tr']);
    expect(html).toContain('<td>60%</td>');
  });

  it('shows a partial-data warning', () => {
    const html = renderReport(report(aReportInput({ dataQuality: { status: 'partial', missing_total: 1, missing: [] } })), 'html');
    expect(html).toContain('<p class="warning"><strong>Partial data:</strong> 1 target(s)');
  });
});

describe('markdown', () => {
  it('escapes structure characters and folds line breaks', () => {
    expect(escapeMarkdown('a|b\nc *d* [e](f) <g> `h` ~i~ \\')).toBe('a\\|b c \\*d\\* \\[e\\](f) \\<g\\> \\`h\\` \\~i\\~ \\\\');
    expect(escapeMarkdown('missing_required_tag _em_ x_ _y')).toBe('missing_required_tag \\_em\\_ x\\_ \\_y');
  });

  it('keeps every table row on one line with the right number of cells', () => {
    const md = renderReport(report(nastyInput()), 'markdown');
    expect(md).toContain('| Compliance score | **60%** |');
    expect(md).not.toContain('<script>');
    const tableLines = md.split('\n').filter((l) => l.startsWith('|'));
    const cells = (l: string) => l.replace(/\\\|/g, '').split('|').length;
    const byType = md.split('## By resource type')[1]!.split('\n## ')[0]!.split('\n').filter((l) => l.startsWith('|'));
    expect(byType.length).toBe(2 + 4); // header, rule, 4 types
    expect(new Set(byType.map(cells)).size).toBe(1);
    expect(tableLines.length).toBeGreaterThan(10);
    expect(md).toContain('## Recommendations');
  });
});

describe('json', () => {
  it('is the document itself', () => {
    const r = report();
    expect(JSON.parse(renderReport(r, 'json'))).toEqual(r);
  });
});
