// How figures read in every rendering: percentages that never round up to 100, USD amounts,
// scope and failed-target labels.
import type { MissingTarget, ReportScope } from './model.js';

const USD = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** 0.99995 style scores are floored to 4 decimals upstream; two decimals of a percent show them. */
export function percent(score: number): string {
  const text = (Math.floor(score * 10_000 + 1e-6) / 100).toFixed(2).replace(/\.?0+$/, '');
  return `${text}%`;
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
