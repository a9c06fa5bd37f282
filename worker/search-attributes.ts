// Custom search attributes our workflows set, so operators can filter runs in the Web UI.
export const SEARCH_ATTRIBUTES = {
  ScanTrigger: 'Keyword',
  AccountCount: 'Int',
  Clouds: 'KeywordList',
} as const;
