// The report as a standalone, printable HTML page with inline SVG charts (the dashboard's). Every
// value is escaped and the page forbids scripts (Content-Security-Policy), so tag values cannot
// inject markup.
import { describeScope, describeTarget, money, percent } from './format.js';
import type { BreakdownRow, ComplianceReport, ViolationRow } from './model.js';
import { barChart, type BarRow } from './svg-charts.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' };

export function escapeHtml(value: string | number | null): string {
  return String(value ?? '').replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);
}

function table(header: string[], rows: (string | number)[][]): string {
  const head = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function breakdownSection(title: string, rows: BreakdownRow[], groups: number): string {
  if (rows.length === 0) return '';
  const more = groups > rows.length ? ` (${rows.length} of ${groups})` : '';
  return `<h2>${escapeHtml(title + more)}</h2>\n` + table(
    ['Key', 'Resources', 'Compliant', 'Non-compliant', 'Score', 'Non-compliant cost/month'],
    rows.map((r) => [r.key, r.total, r.compliant, r.non_compliant, percent(r.compliance_score), money(r.non_compliant_monthly_cost)]));
}

function violationSection(title: string, rows: ViolationRow[]): string {
  if (rows.length === 0) return '';
  return `<h2>${escapeHtml(title)}</h2>\n` + table(
    ['#', 'Tag', 'Violation', 'Severity', 'Resources', 'Non-compliant', 'Cost/month'],
    rows.map((r, i) => [i + 1, r.tag, r.kind, r.severity, r.resources, r.non_compliant_resources, money(r.monthly_cost)]));
}

/** A breakdown as bars: score per group, with the non-compliant count and its known monthly cost. */
export function breakdownBars(rows: BreakdownRow[]): BarRow[] {
  return rows.map((r) => ({
    label: r.key,
    score: r.compliance_score,
    note: `${r.non_compliant}/${r.total} non-compliant${r.non_compliant_monthly_cost ? ` · ${money(r.non_compliant_monthly_cost)}/mo` : ''}`,
  }));
}

function chartsSection(report: ComplianceReport): string {
  const charts = [
    report.by_cloud.length > 0 ? barChart(breakdownBars(report.by_cloud), { title: 'Score by cloud' }) : '',
    barChart(breakdownBars(report.by_resource_type), { title: 'Score by resource type' }),
    barChart(breakdownBars(report.by_account), { title: 'Score by account' }),
    barChart(breakdownBars(report.by_region), { title: 'Score by region' }),
  ].filter(Boolean);
  return `<h2>Charts</h2>\n<div class="charts">\n${charts.map((c) => `<figure>${c}</figure>`).join('\n')}\n</div>`;
}

const PRINT_CSS = 'body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}' +
  'th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}.warning{background:#fff3cd;padding:8px}' +
  'figure{margin:0 0 1em}svg{max-width:100%;height:auto}' +
  '@page{size:A4;margin:12mm}@media print{body{margin:0}h2{break-after:avoid}figure,tr{break-inside:avoid}}';

export function renderHtml(report: ComplianceReport): string {
  const s = report.summary;
  const dq = report.data_quality;
  const warning = dq.status === 'partial'
    ? `<p class="warning"><strong>Partial data:</strong> ${escapeHtml(dq.missing_total)} target(s) could not be read ` +
      `(${escapeHtml(dq.missing.map(describeTarget).join(', ') || 'not listed')}). Figures undercount.</p>\n`
    : '';
  const recommendations = report.recommendations.length === 0 ? '' : '<h2>Recommendations</h2>\n<ol>\n' +
    report.recommendations.map((r) => `<li><strong>${escapeHtml(r.priority)}</strong> (${escapeHtml(r.category)}): ${escapeHtml(r.message)}</li>`).join('\n') +
    '\n</ol>\n';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(`${report.title} - ${report.scan.id}`)}</title>
<style>${PRINT_CSS}</style>
</head>
<body>
<h1>${escapeHtml(report.title)}</h1>
<p>Scan ${escapeHtml(report.scan.id)}, finished ${escapeHtml(report.scan.finished_at ?? 'unknown')}; generated ${escapeHtml(report.generated_at)}.<br>
Scope: ${escapeHtml(describeScope(report.scan.scope))}<br>
Data quality: <strong>${escapeHtml(dq.status)}</strong></p>
${warning}<h2>Summary</h2>
${table(['Metric', 'Value'], [
    ['Compliance score', percent(s.compliance_score)],
    ['Resources', s.total_resources],
    ['Compliant', s.compliant],
    ['Non-compliant', s.non_compliant],
    ['Missing a required tag', s.missing_required_tags],
    ['No tags at all', s.never_tagged],
    ['Findings', s.findings],
    ['Monthly cost (known)', `${money(s.total_monthly_cost)} (${s.resources_with_cost} resources with a cost)`],
    ['Non-compliant monthly cost', money(s.non_compliant_monthly_cost)],
  ])}
${report.summary.total_resources > 0 ? chartsSection(report) : ''}
${[
    violationSection('Top violations by count', report.top_violations_by_count),
    violationSection('Top violations by cost', report.top_violations_by_cost),
    breakdownSection('By cloud', report.by_cloud ?? [], report.by_cloud?.length ?? 0),
    breakdownSection('By resource type', report.by_resource_type, report.breakdown_groups.resource_type),
    breakdownSection('By account', report.by_account, report.breakdown_groups.account),
    breakdownSection('By region', report.by_region, report.breakdown_groups.region),
  ].filter(Boolean).join('\n')}
${recommendations}</body>
</html>
`;
}
