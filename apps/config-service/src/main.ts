import 'reflect-metadata';
import { loadConfig, runService } from '@cpq/platform';
import { configConfigSchema } from './config';
import { createConfigApp } from './config-app';

async function main(): Promise<void> {
  const config = loadConfig(configConfigSchema);
  const { app } = await createConfigApp(config);
  await runService(app, config);
}

main().catch((error: unknown) => {
  console.error('config-service failed to start:', error);
  process.exit(1);
});
