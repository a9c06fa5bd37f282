// Container HEALTHCHECK for the HTTP gateway (see Dockerfile): GET /health must answer 200, which
// the gateway does only when Temporal, the database and the tagging policy are all usable.
// Plain Node (fetch is built in): the slim image has no curl or wget.
const url = process.env.HEALTHCHECK_URL || `http://127.0.0.1:${process.env.PORT || '3000'}/health`;

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4500) });
  if (!res.ok) {
    console.error(`unhealthy: ${url} answered ${res.status} ${(await res.text()).slice(0, 500)}`);
    process.exit(1);
  }
  process.exit(0);
} catch (err) {
  console.error(`unhealthy: ${url}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
