// HTML built by a tagged template that escapes every interpolated value unless it is already
// markup made here (Html): escaping is the default, so a tag value such as `<script>` can only
// ever render as text.
import { escapeHtml } from '../../core/report/index.js';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  if (part === null || part === undefined || part === false) return '';
  return escapeHtml(String(part as string | number | boolean));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new Html(out);
}

/** Markup produced by our own renderers (the SVG charts escape their labels themselves). */
export function trusted(markup: string): Html {
  return new Html(markup);
}
