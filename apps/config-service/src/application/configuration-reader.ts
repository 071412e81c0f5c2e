import { ConfigurationNotFoundError } from '../domain/config.errors';
import type { Configuration } from '../domain/session';
import type { ConfigRepository } from './config-repository';

/** Finalized configurations: immutable, read from PostgreSQL only (any user of the tenant). */
export class ConfigurationReader {
  constructor(private readonly repository: ConfigRepository) {}

  async get(tenantId: string, configurationId: string): Promise<Configuration> {
    const configuration = await this.repository.findConfiguration(tenantId, configurationId);
    if (configuration === undefined) throw new ConfigurationNotFoundError();
    return configuration;
  }
}
