// One entry point for every report format.
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { ComplianceReport } from './model.js';

export const REPORT_FORMATS = ['json', 'markdown', 'csv', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function renderReport(report: ComplianceReport, format: ReportFormat): string {
  switch (format) {
    case 'json': return JSON.stringify(report, null, 2);
    case 'markdown': return renderMarkdown(report);
    case 'csv': return renderCsv(report);
    case 'html': return renderHtml(report);
  }
}
