import 'reflect-metadata';
import { loadConfig, runService } from '@cpq/platform';
import { orderConfigSchema } from './config';
import { createOrderApp } from './order-app';

async function main(): Promise<void> {
  const config = loadConfig(orderConfigSchema);
  const { app } = await createOrderApp(config);
  await runService(app, config);
}

main().catch((error: unknown) => {
  console.error('order-service failed to start:', error);
  process.exit(1);
});
