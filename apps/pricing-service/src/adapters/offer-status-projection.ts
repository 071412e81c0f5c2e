import type { CatalogPublishedPayload } from '@cpq/contracts';
import { sql, type Transaction } from 'kysely';
import type { PricingTables } from './pricing.tables';

/**
 * Pricing's projection of the catalog: each offer's status as of the newest catalog version seen. Events may
 * arrive out of order; an upsert only wins over a row of an older catalog version. Runs in the inbox consumer's
 * transaction (`trx`), so the projection and the event's inbox row commit together.
 */
export async function projectCatalogPublished(
  trx: Transaction<PricingTables>,
  tenantId: string,
  payload: CatalogPublishedPayload,
): Promise<void> {
  const CHUNK = 500;
  for (let i = 0; i < payload.offers.length; i += CHUNK) {
    const rows = payload.offers.slice(i, i + CHUNK).map((o) => ({
      tenant_id: tenantId,
      offer_id: o.offerId,
      status: o.status,
      catalog_version: payload.catalogVersion,
    }));
    await trx
      .insertInto('pricing.offer_status')
      .values(rows)
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'offer_id'])
          .doUpdateSet({
            status: sql.ref('excluded.status'),
            catalog_version: sql.ref('excluded.catalog_version'),
            updated_at: sql`now()`,
          })
          .where('pricing.offer_status.catalog_version', '<', sql.ref<number>('excluded.catalog_version')),
      )
      .execute();
  }
}
