import 'reflect-metadata';
import { runServiceMain } from '@cpq/platform';
import { configConfigSchema } from './config';
import { createConfigApp } from './config-app';
import { SERVICE_NAME } from './config-runtime';

runServiceMain(SERVICE_NAME, configConfigSchema, (config) => createConfigApp(config));
