// The page shell every dashboard page shares: head, navigation, the viewer and logout form, the
// stylesheet (served from /dashboard/assets, so the CSP allows no inline style or script at all),
// and the security headers.
import type { FastifyReply } from 'fastify';
import { html, type Html } from './html.js';
import type { Viewer } from './session.js';

/** No script anywhere; styles only from our own stylesheet; forms post only to us; no framing. */
export const DASHBOARD_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'";

export function sendPage(reply: FastifyReply, status: number, page: Html): FastifyReply {
  return reply.code(status)
    .header('content-security-policy', DASHBOARD_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin') // no-referrer would make the browser send Origin: null on our own form posts
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(page.value);
}

export type Section = 'overview' | 'violations' | 'scans';

export interface PageOptions {
  title: string;
  section?: Section;
  viewer?: Viewer;
  /** Seconds between automatic reloads (live scan progress); none when unset. */
  refreshSeconds?: number;
}

export function page(opts: PageOptions, body: Html): Html {
  const nav = (section: Section, href: string, label: string) =>
    html`<a href="${href}"${opts.section === section ? html` aria-current="page"` : ''}>${label}</a>`;
  const viewer = opts.viewer;
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${opts.refreshSeconds ? html`<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : ''}
<title>${opts.title} · Tag compliance</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/assets/dashboard.css">
</head>
<body>
<header>
<strong class="brand">Tag compliance</strong>
${viewer ? html`<nav>${nav('overview', '/dashboard', 'Overview')}${nav('violations', '/dashboard/violations', 'Violations')}${nav('scans', '/dashboard/scans', 'Scans')}</nav>
<span class="viewer">${viewer.actor}</span>
${viewer.csrf ? html`<form method="post" action="/dashboard/logout" class="logout"><input type="hidden" name="csrf" value="${viewer.csrf}"><button type="submit">Log out</button></form>` : ''}` : ''}
</header>
<main>
<h1>${opts.title}</h1>
${body}
</main>
</body>
</html>
`;
}

export const DASHBOARD_CSS = `
body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f7f9}
header{display:flex;gap:1.5em;align-items:center;padding:.6em 1.5em;background:#16324f;color:#fff}
header a{color:#cfe3ff;text-decoration:none;margin-right:1em}header a[aria-current=page]{color:#fff;font-weight:bold;text-decoration:underline}
.brand{font-size:1.1em}.viewer{margin-left:auto;font-size:.9em;opacity:.85}
.logout button{background:none;border:1px solid #cfe3ff;color:#fff;border-radius:3px;cursor:pointer}
main{padding:1em 1.5em;max-width:1400px}
h1{font-size:1.4em;margin:.2em 0 .6em}h2{font-size:1.1em;margin:1.4em 0 .5em}
.cards{display:flex;gap:1em;flex-wrap:wrap}
.card{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.7em 1em;min-width:9em}
.card .figure{font-size:1.6em;font-weight:bold}.card .label{font-size:.8em;color:#555}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(600px,1fr));gap:1em}
.panel{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.8em;overflow-x:auto}
svg{max-width:100%;height:auto}
table{border-collapse:collapse;background:#fff;font-size:.88em;width:100%}
th,td{border:1px solid #dde1e6;padding:3px 7px;text-align:left;vertical-align:top}th{background:#eef1f5}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.warning{background:#fff3cd;border:1px solid #f0d98c;padding:.5em .8em;border-radius:4px}
.error{background:#fde2e1;border:1px solid #f3a6a2;padding:.5em .8em;border-radius:4px}
.muted{color:#666;font-size:.85em}
form.filters{display:flex;flex-wrap:wrap;gap:.6em;align-items:end;margin-bottom:.8em}
form.filters label{display:flex;flex-direction:column;font-size:.8em}
.pager{display:flex;gap:1em;margin:.8em 0}
progress{width:14em}
.login{max-width:26em;background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:1.2em}
.login input[type=password]{width:100%;padding:.4em;margin:.4em 0 .8em;box-sizing:border-box}
.sev-error{color:#b42318;font-weight:bold}.sev-warning{color:#9a6700}
code{font-size:.85em;overflow-wrap:anywhere}
.scroll{overflow-x:auto}
table.findings td{white-space:nowrap}table.findings td.resource{white-space:normal;min-width:16em;max-width:30em}
table.findings td.fix{white-space:normal;min-width:14em}
`;
