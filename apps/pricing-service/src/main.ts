import 'reflect-metadata';
import { runServiceMain } from '@cpq/platform';
import { pricingConfigSchema } from './config';
import { createPricingApp } from './pricing-app';
import { SERVICE_NAME } from './pricing-runtime';

runServiceMain(SERVICE_NAME, pricingConfigSchema, (config) => createPricingApp(config));
