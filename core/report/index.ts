// Public API of reports: the compliance report document and its renderings, violation history
// and trend, and the pieces paged listings share.
export { decodeCursor, encodeCursor, CursorError, type PageCursor } from './cursor.js';
export { csvCell, toCsv, CSV_COLUMNS, renderCsv, type CsvValue } from './csv.js';
export { describeScope, money, percent } from './format.js';
export {
  groupSnapshots, periodOf, scopeMatches, trendOf, HISTORY_GROUPINGS, TREND_THRESHOLD_POINTS,
  type HistoryGrouping, type HistoryPoint, type ScopeFilter, type SnapshotSummary, type Trend, type TrendResult,
} from './history.js';
export { breakdownBars, escapeHtml, renderHtml } from './html.js';
export { barChart, lineChart, scoreColour, SERIES_COLOURS, type BarRow, type LinePoint, type LineSeries } from './svg-charts.js';
export { cloudCounts, escapeMarkdown, renderMarkdown } from './markdown.js';
export {
  buildReport, rankByCost, rankByCount, REPORT_TITLE,
  type BreakdownRow, type BreakdownStat, type ComplianceReport, type ConsistencyRow, type ConsistencySection, type DataQualitySummary, type MissingTarget,
  type ReportAggregates, type ReportCounts, type ReportInput, type ReportOptions, type ReportScope, type ReportSummary,
  type ViolationRow, type ViolationStat,
} from './model.js';
export { recommend, type Recommendation, type RecommendationPriority } from './recommendations.js';
export { renderReport, REPORT_FORMATS, type ReportFormat } from './render.js';
export { ageDays, ageNote, missingRequiredTags, resourceAge } from './untagged.js';
