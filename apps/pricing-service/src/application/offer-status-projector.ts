import type { CatalogPublishedPayload } from '@cpq/contracts';
import type { Transaction } from 'kysely';
import { sql } from 'kysely';

/**
 * Pricing's projection of the catalog: each offer's status as of the newest catalog version seen. Events may
 * arrive out of order; an upsert only wins over a row of an older catalog version.
 */
export async function projectCatalogPublished(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  trx: Transaction<any>,
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
          .where('pricing.offer_status.catalog_version', '<', sql.ref('excluded.catalog_version')),
      )
      .execute();
  }
}
