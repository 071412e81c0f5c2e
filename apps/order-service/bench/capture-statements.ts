// Run by bench:order as a child (through @swc-node/register: Nest needs decorator metadata): builds order-service
// in process, captures `CAPTURES` fresh 5-line orders one after another and prints, as one JSON line, the
// PostgreSQL statements each first capture sent (kysely's own count, BEGIN and COMMIT included).
import 'reflect-metadata';
import { countQueries, loadConfig, signDevToken } from '@cpq/platform';
import { orderConfigSchema } from '../src/config';
import { createOrderApp } from '../src/order-app';

const CAPTURES = 20;

async function main(): Promise<void> {
  const config = loadConfig(orderConfigSchema);
  const { app, runtime } = await createOrderApp(config);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.getHttpServer().address() as { port: number };
  const tenant = process.env.STATEMENTS_TENANT!;
  const token = await signDevToken({
    secret: config.AUTH_JWT_SECRET,
    tenantId: tenant,
    sub: 'bench',
    roles: [],
  });
  const body = JSON.parse(process.env.STATEMENTS_BODY!) as unknown;
  const perCapture: string[][] = [];
  try {
    for (let i = 0; i < CAPTURES; i++) {
      const counter = countQueries(runtime.database);
      const response = await fetch(`http://127.0.0.1:${port}/v1/tenants/${tenant}/orders`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': `s-${i}`,
        },
        body: JSON.stringify(body),
      });
      await response.arrayBuffer();
      counter.stop();
      if (response.status !== 201) throw new Error(`capture answered ${response.status}`);
      perCapture.push([...counter.statements]);
    }
  } finally {
    await app.close();
  }
  const statements = perCapture.map((s) => s.length);
  const transactions = perCapture.map((s) => s.filter((q) => /^begin\b/i.test(q.trim())).length);
  const kinds = perCapture[perCapture.length - 1]!.map((q) => q.trim().replace(/\s+/g, ' ').slice(0, 60));
  process.stdout.write(`${JSON.stringify({ statements, transactions, kinds })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
