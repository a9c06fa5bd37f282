// The report as Markdown. Every value from the cloud (tag keys and values, names, reasons) is
// escaped, so a tag value cannot break a table or inject links, HTML or headings.
import { describeScope, describeTarget, money, percent } from './format.js';
import type { BreakdownRow, ComplianceReport, ConsistencySection, ViolationRow } from './model.js';

const WORD = /^[A-Za-z0-9]$/;

/**
 * Escapes what can change structure mid-line: emphasis, code, links and images (`[`), raw HTML
 * and autolinks (`<`), table cells (`|`), strikethrough, and line breaks (they would end a row).
 * CommonMark lets any ASCII punctuation be backslash-escaped; the rest stays readable.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[\\`*_[\]<>|~]/g, (ch, at: number, all: string) =>
    // An underscore inside a word (snake_case) cannot open emphasis: left as is, it stays readable.
    ch === '_' && WORD.test(all[at - 1] ?? '') && WORD.test(all[at + 1] ?? '') ? ch : `\\${ch}`);
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

function breakdownTable(title: string, rows: BreakdownRow[], groups: number): string[] {
  if (rows.length === 0) return [];
  const more = groups > rows.length ? ` (${rows.length} of ${groups}, most non-compliant first)` : '';
  return [`## ${title}${more}`, '', ...table(
    ['Key', 'Resources', 'Compliant', 'Non-compliant', 'Score', 'Non-compliant cost/month'],
    rows.map((r) => [escapeMarkdown(r.key), String(r.total), String(r.compliant), String(r.non_compliant),
      percent(r.compliance_score), money(r.non_compliant_monthly_cost)]),
  ), ''];
}

function violationTable(title: string, rows: ViolationRow[]): string[] {
  if (rows.length === 0) return [];
  return [`## ${title}`, '', ...table(
    ['#', 'Tag', 'Violation', 'Severity', 'Resources', 'Non-compliant', 'Cost/month'],
    rows.map((r, i) => [String(i + 1), escapeMarkdown(r.tag), escapeMarkdown(r.kind), escapeMarkdown(r.severity),
      String(r.resources), String(r.non_compliant_resources), money(r.monthly_cost)]),
  ), ''];
}

/** `aws: 3, gcp: 1`: counts per cloud, by cloud name. */
export function cloudCounts(counts: Record<string, number>): string {
  return Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([cloud, n]) => `${cloud}: ${n}`).join(', ');
}

function consistencyTable(section: ConsistencySection | undefined): string[] {
  if (!section || section.issues.length === 0) return [];
  const more = section.issues_total > section.issues.length ? ` (${section.issues.length} of ${section.issues_total})` : '';
  return [`## Cross-cloud consistency${more}`, '', ...table(
    ['Tag', 'Issue', 'Spellings (resources per cloud)', 'Use'],
    section.issues.map((i) => [escapeMarkdown(i.tag), i.kind === 'key_spelling' ? 'key spelled differently' : 'value spelled differently',
      i.variants.map((v) => `${escapeMarkdown(v.spelling)}${v.declared ? '' : ' (undeclared)'} (${cloudCounts(v.counts)})`).join('; '),
      escapeMarkdown(i.canonical ?? i.tag)]),
  ), ...(section.truncated ? ['', '_Counted over the most frequent tag values only: rare spellings may be missing._'] : []), ''];
}

export function renderMarkdown(report: ComplianceReport): string {
  const s = report.summary;
  const dq = report.data_quality;
  const lines: string[] = [
    `# ${report.title}`,
    '',
    `- Scan: ${escapeMarkdown(report.scan.id)}, finished ${report.scan.finished_at ?? 'unknown'}; generated ${report.generated_at}`,
    `- Scope: ${escapeMarkdown(describeScope(report.scan.scope))}`,
    `- Data quality: **${dq.status}**${dq.missing_total ? `, ${dq.missing_total} target(s) not read` : ''}`,
    '',
  ];
  if (dq.status === 'partial') {
    lines.push(`> **Warning:** partial data. Unread targets: ${dq.missing.map((t) => escapeMarkdown(describeTarget(t))).join(', ') || 'not listed'}` +
      `${dq.missing_total > dq.missing.length ? ' and more' : ''}. Figures undercount.`, '');
  }
  lines.push('## Summary', '', ...table(['Metric', 'Value'], [
    ['Compliance score', `**${percent(s.compliance_score)}**`],
    ['Resources', String(s.total_resources)],
    ['Compliant', String(s.compliant)],
    ['Non-compliant', String(s.non_compliant)],
    ['Missing a required tag', String(s.missing_required_tags)],
    ['No tags at all', String(s.never_tagged)],
    ['Findings', String(s.findings)],
    ['Monthly cost (known)', `${money(s.total_monthly_cost)} (${s.resources_with_cost} resources with a cost)`],
    ['Non-compliant monthly cost', money(s.non_compliant_monthly_cost)],
  ]), '');
  lines.push(
    ...breakdownTable('By cloud', report.by_cloud ?? [], report.by_cloud?.length ?? 0),
    ...violationTable('Top violations by count', report.top_violations_by_count),
    ...violationTable('Top violations by cost', report.top_violations_by_cost),
    ...breakdownTable('By resource type', report.by_resource_type, report.breakdown_groups.resource_type),
    ...breakdownTable('By account', report.by_account, report.breakdown_groups.account),
    ...breakdownTable('By region', report.by_region, report.breakdown_groups.region),
    ...consistencyTable(report.consistency),
  );
  if (report.recommendations.length > 0) {
    lines.push('## Recommendations', '',
      ...report.recommendations.map((r, i) => `${i + 1}. **${r.priority}** (${escapeMarkdown(r.category)}): ${escapeMarkdown(r.message)}`), '');
  }
  return lines.join('\n');
}
