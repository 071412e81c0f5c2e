export {
  ServiceFoundation,
  type ServiceFoundationOptions,
  type ServiceLifecycle,
} from './service-foundation';
export { createService, type CreateServiceInput, type ServiceRuntime } from './create-service';
export { CodedError } from '../errors/coded-error';
export { DomainError, type DomainViolation } from './domain-error';
export { serviceModule, type ServiceModuleOptions } from './service-module';
