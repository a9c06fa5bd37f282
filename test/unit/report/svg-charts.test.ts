// The inline SVG charts shared by the dashboard and the HTML report: geometry follows the data,
// and labels from the estate (tag values, account names) are escaped.
import { describe, expect, it } from 'vitest';
import { barChart, lineChart, scoreColour } from '../../../core/report/index.js';

const DAY = 86_400_000;

describe('lineChart', () => {
  it('draws one path per series with a point per snapshot, higher scores higher up', () => {
    const svg = lineChart([
      { name: 'overall', points: [{ time: 0, score: 0.25 }, { time: DAY, score: 0.75 }] },
      { name: 'aws', points: [{ time: 0, score: 1 }] },
    ], { title: 'Trend', width: 400, height: 200 });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(3);
    const ys = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ys[1]).toBeLessThan(ys[0]!); // 75% above 25%
    expect(svg).toContain('overall 1970-01-02: 75%');
    expect(svg).toContain('1970-01-01');
  });

  it('says so when there are no snapshots', () => {
    expect(lineChart([{ name: 'overall', points: [] }], { title: 'Trend' })).toContain('No snapshots yet');
  });

  it('escapes series names', () => {
    const svg = lineChart([{ name: '<script>x</script>', points: [{ time: 0, score: 0.5 }] }], { title: 'a & b' });
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(svg).toContain('a &amp; b');
  });
});

describe('barChart', () => {
  it('draws bars proportional to the score, coloured by band, and counts the rows left out', () => {
    const rows = [
      { label: 'aws', score: 0.2, note: '8/10 non-compliant' },
      { label: 'azure', score: 0.9 },
      { label: 'gcp', score: 0.6 },
    ];
    const svg = barChart(rows, { title: 'By cloud', width: 600, maxRows: 2 });
    const widths = [...svg.matchAll(/<rect x="\d+" y="[\d.]+" width="([\d.]+)" height="\d+" fill="(#[0-9A-F]{6})"\/>/g)]
      .filter((m) => m[2] !== '#eee').map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[1]! / widths[0]!).toBeCloseTo(0.9 / 0.2, 1);
    expect(svg).toContain(scoreColour(0.2));
    expect(svg).toContain(scoreColour(0.9));
    expect(svg).toContain('8/10 non-compliant');
    expect(svg).toContain('… and 1 more');
    expect(svg).not.toContain('gcp');
  });

  it('escapes labels and truncates long ones while keeping the full label in the tooltip', () => {
    const label = `<img src=x onerror=alert(1)>${'a'.repeat(40)}`;
    const svg = barChart([{ label, score: 0.5 }], { title: 't' });
    expect(svg).not.toContain('<img');
    expect(svg).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(svg).toContain('…');
  });

  it('says so when there is nothing to draw', () => {
    expect(barChart([], { title: 'By region' })).toContain('No data');
  });
});
