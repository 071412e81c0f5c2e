// Container health check: exit 0 when the service on $PORT answers 2xx on the given path (default /health/live).
//   node healthcheck.cjs [/health/ready]
'use strict';
const path = process.argv[2] ?? '/health/live';
fetch(`http://127.0.0.1:${process.env.PORT}${path}`, { signal: AbortSignal.timeout(4000) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
