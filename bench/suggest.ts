// bench:suggest: tag suggestions on a synthetic organisation (bench/suggest/org.ts). 20% of the
// required tags are held out; the model learns from the rest and guesses them back. Prints, per
// tag: top-1 accuracy (all held-out tags, and those predictable from context), coverage (share
// with confidence >= 0.7), precision of the covered ones and expected calibration error (10 bins),
// next to a keyword baseline. Figures only: nothing here is asserted.
import { generateOrg, REQUIRED_TAGS } from './suggest/org.js';
import { COVERAGE_THRESHOLD, evaluateHoldOut, type TagFigures } from './suggest/evaluate.js';
import { cpuDescription } from './machine.js';

const N = Number(process.env.BENCH_N ?? 5000);
const SEEDS = (process.env.BENCH_SEEDS ?? '42').split(',').map(Number);

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const row = (cells: string[]) => console.log(cells.map((c, i) => (i === 0 ? c.padEnd(32) : c.padStart(11))).join(''));

console.log(`bench:suggest · N=${N} resources · seeds ${SEEDS.join(',')} · hold-out 20% of tags · ` +
  `${cpuDescription()} · node ${process.version}`);
for (const seed of SEEDS) {
  const evaluation = evaluateHoldOut(generateOrg(N, seed), 0.2, seed + 1);
  console.log(`\nseed ${seed}: trained on ${evaluation.trainedOn} resources in ${evaluation.trainMs.toFixed(0)} ms (training and leave-one-out calibration)`);
  row(['tag · method', 'held out', 'acc', 'acc pred.', `cov≥${COVERAGE_THRESHOLD}`, 'prec cov.', 'ECE']);
  for (const tag of REQUIRED_TAGS) {
    for (const [method, f] of [['model', evaluation.model[tag]], ['keyword baseline', evaluation.baseline[tag]]] as [string, TagFigures][]) {
      row([`${tag} · ${method}`, `${f.heldOut} (${f.predictable})`, pct(f.accuracy), pct(f.accuracyPredictable), pct(f.coverage),
        pct(f.precisionCovered), f.ece.toFixed(3)]);
    }
  }
}
console.log('\nacc: top-1 accuracy over every held-out tag (no guess counts as wrong); acc pred.: over the tags the ' +
  'generator made predictable from context (the number in brackets); cov: share with confidence >= 0.7; ' +
  'prec cov.: accuracy of those; ECE: expected calibration error, 10 equal-width bins, no guess = confidence 0.');
