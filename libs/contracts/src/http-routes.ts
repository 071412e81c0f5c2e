/**
 * The contract's route tables (`CONTRACT.md`, one table per service) as data: method, path and the role column as
 * the contract words it. Tests compare every service's OpenAPI document with it, and compare it with the contract
 * file itself wherever that file is beside the repository.
 */
export interface ContractRoute {
  readonly service: 'catalog-service' | 'pricing-service' | 'config-service' | 'order-service';
  readonly method: 'GET' | 'POST' | 'PUT';
  /** As the contract writes it, with `{t}` for the tenant and the query string where it shows one. */
  readonly path: string;
  /** A role name (`catalog:admin`), or `any`, `owner`, `any in tenant`. */
  readonly role: string;
}

export const CONTRACT_ROUTES: readonly ContractRoute[] = [
  { service: 'catalog-service', method: 'POST', path: '/v1/tenants/{t}/catalog/versions', role: 'catalog:admin' },
  { service: 'catalog-service', method: 'GET', path: '/v1/tenants/{t}/catalog', role: 'any' },
  {
    service: 'catalog-service',
    method: 'GET',
    path: '/v1/tenants/{t}/catalog/versions/{v}/offers/{offerId}',
    role: 'any',
  },
  { service: 'catalog-service', method: 'GET', path: '/v1/tenants/{t}/catalog/offers/{offerId}', role: 'any' },
  {
    service: 'catalog-service',
    method: 'GET',
    path: '/v1/tenants/{t}/catalog/versions/{v}/offers?limit=&cursor=',
    role: 'any',
  },
  { service: 'pricing-service', method: 'POST', path: '/v1/tenants/{t}/pricebooks/versions', role: 'pricing:admin' },
  { service: 'pricing-service', method: 'POST', path: '/v1/tenants/{t}/prices/calculate', role: 'any' },
  { service: 'config-service', method: 'POST', path: '/v1/tenants/{t}/config-sessions', role: 'any' },
  { service: 'config-service', method: 'GET', path: '/v1/tenants/{t}/config-sessions/{id}', role: 'owner' },
  {
    service: 'config-service',
    method: 'PUT',
    path: '/v1/tenants/{t}/config-sessions/{id}/selections',
    role: 'owner',
  },
  {
    service: 'config-service',
    method: 'POST',
    path: '/v1/tenants/{t}/config-sessions/{id}/finalize',
    role: 'owner',
  },
  {
    service: 'config-service',
    method: 'GET',
    path: '/v1/tenants/{t}/configurations/{configurationId}',
    role: 'any in tenant',
  },
  { service: 'order-service', method: 'POST', path: '/v1/tenants/{t}/orders', role: 'any' },
  { service: 'order-service', method: 'GET', path: '/v1/tenants/{t}/orders/{orderId}', role: 'any in tenant' },
  {
    service: 'order-service',
    method: 'GET',
    path: '/v1/tenants/{t}/orders?status=&limit=&cursor=',
    role: 'any in tenant',
  },
  {
    service: 'order-service',
    method: 'POST',
    path: '/v1/tenants/{t}/orders/{orderId}/transitions',
    role: 'order:agent',
  },
];
