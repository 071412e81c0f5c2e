import 'reflect-metadata';
import { loadConfig, runService } from '@cpq/platform';
import { pricingConfigSchema } from './config';
import { createPricingApp } from './pricing-app';

async function main(): Promise<void> {
  const config = loadConfig(pricingConfigSchema);
  const { app } = await createPricingApp(config);
  await runService(app, config);
}

main().catch((error: unknown) => {
  console.error('pricing-service failed to start:', error);
  process.exit(1);
});
