import 'reflect-metadata';
import { runServiceMain } from '@cpq/platform';
import { catalogConfigSchema } from './config';
import { createCatalogApp } from './catalog-app';
import { SERVICE_NAME } from './catalog-runtime';

runServiceMain(SERVICE_NAME, catalogConfigSchema, (config) => createCatalogApp(config));
