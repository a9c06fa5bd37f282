// Spend by cost allocation tag, as Cost Explorer groups it: `Key$value`, where `Key$` (empty
// value) is spend carrying no such tag. Only the empty value coming back means the tag is not
// activated as a cost allocation tag (or nothing carries it yet).

export interface TagSpendGroup {
  /** The tag value; '' for spend without the tag. */
  value: string;
  amount: number;
}

export interface TagSpendSummary {
  key: string;
  taggedSpend: number;
  untaggedSpend: number;
  /** false: Cost Explorer saw spend but never this tag; null: no spend to tell. */
  activated: boolean | null;
  /** Up to five values with the most spend. */
  topValues: TagSpendGroup[];
}

const TOP = 5;

export function summariseTagSpend(key: string, groups: TagSpendGroup[]): TagSpendSummary {
  let tagged = 0;
  let untagged = 0;
  const byValue = new Map<string, number>();
  for (const g of groups) {
    if (g.value === '') untagged += g.amount;
    else {
      tagged += g.amount;
      byValue.set(g.value, (byValue.get(g.value) ?? 0) + g.amount);
    }
  }
  const anySpend = groups.some((g) => g.amount > 0);
  return {
    key,
    taggedSpend: tagged,
    untaggedSpend: untagged,
    activated: !anySpend ? null : byValue.size > 0,
    topValues: [...byValue.entries()].map(([value, amount]) => ({ value, amount }))
      .sort((a, b) => b.amount - a.amount || (a.value < b.value ? -1 : 1)).slice(0, TOP),
  };
}

/** `CostCenter$cc-1` -> `cc-1`; `CostCenter$` -> ''. */
export function tagValueOf(groupKey: string): string {
  const i = groupKey.indexOf('$');
  return i < 0 ? groupKey : groupKey.slice(i + 1);
}
