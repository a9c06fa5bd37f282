// How figures read in every rendering: percentages rounded but never up to 100, USD amounts,
// scope and failed-target labels.
import type { MissingTarget, ReportScope } from './model.js';

const USD = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/**
 * Two decimals of a percent, rounded to nearest (0.35799 is 35.8%), but never 100% unless every
 * resource is compliant nor 0% unless none is; null (no resources) reads "no score".
 */
export function percent(score: number | null): string {
  if (score === null) return 'no score';
  let hundredths = Math.round(score * 10_000);
  if (score < 1) hundredths = Math.min(hundredths, 9_999);
  if (score > 0) hundredths = Math.max(hundredths, 1);
  return `${(hundredths / 100).toFixed(2).replace(/\.?0+$/, '')}%`;
}

export function money(value: number | null): string {
  return value === null ? 'unknown' : USD.format(value);
}

export function describeScope(scope: ReportScope): string {
  const types = scope.resource_types.join(', ') || 'all';
  const accounts = scope.accounts === null ? 'all accounts' : plural(scope.accounts.length, 'account');
  const regions = scope.regions === null ? 'all regions' : scope.regions.join(', ');
  return `${types}; ${accounts}; ${regions}`;
}

export function describeTarget(target: MissingTarget): string {
  const where = [target.account, target.region, target.resource_type].filter((p) => p !== null).join('/') || 'unknown target';
  return target.error_type ? `${where} (${target.error_type})` : where;
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
