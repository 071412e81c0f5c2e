import 'reflect-metadata';
import { loadConfig, runService } from '@cpq/platform';
import { createCatalogApp } from './catalog-app';
import { catalogConfigSchema } from './config';

async function main(): Promise<void> {
  const config = loadConfig(catalogConfigSchema);
  const { app } = await createCatalogApp(config);
  await runService(app, config);
}

main().catch((error: unknown) => {
  console.error('catalog-service failed to start:', error);
  process.exit(1);
});
