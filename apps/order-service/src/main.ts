import 'reflect-metadata';
import { runServiceMain } from '@cpq/platform';
import { orderConfigSchema } from './config';
import { createOrderApp } from './order-app';
import { SERVICE_NAME } from './order-runtime';

runServiceMain(SERVICE_NAME, orderConfigSchema, (config) => createOrderApp(config));
