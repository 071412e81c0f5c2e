import { describe, expect, it } from 'vitest';
import { messageKey } from './event-envelope';
import { EVENT_SCHEMAS, newEnvelope, parseEvent } from './event-schemas';
import { TOPICS } from './topics';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const catalogPayload = {
  catalogVersion: 3,
  publishedAt: '2025-01-31T12:00:00.000Z',
  offers: [{ offerId: 'fiber-1g', status: 'ACTIVE' as const }],
};

describe('newEnvelope', () => {
  it('fills a UUIDv7 event id, schemaVersion 1 and occurredAt now', () => {
    const before = Date.now();
    const event = newEnvelope({
      eventType: TOPICS.catalogPublished,
      tenantId: 'acme',
      aggregateId: '3',
      payload: catalogPayload,
    });
    expect(event.eventId).toMatch(UUID_V7);
    expect(event).toMatchObject({
      eventType: 'cpq.catalog.published.v1',
      schemaVersion: 1,
      tenantId: 'acme',
      aggregateId: '3',
      payload: catalogPayload,
    });
    expect(Date.parse(event.occurredAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(event.occurredAt)).toBeLessThanOrEqual(Date.now());
  });

  it('gives every event a new id, in time order', () => {
    const input = {
      eventType: TOPICS.catalogPublished,
      tenantId: 'acme',
      aggregateId: '3',
      payload: catalogPayload,
    };
    const ids = Array.from({ length: 50 }, () => newEnvelope(input).eventId);
    expect(new Set(ids).size).toBe(50);
    expect([...ids].sort()).toEqual(ids);
  });

  it('takes the event type as `topic` too', () => {
    const event = newEnvelope({
      topic: TOPICS.catalogPublished,
      tenantId: 'acme',
      aggregateId: 'v3',
      payload: catalogPayload,
    });
    expect(event.eventType).toBe('cpq.catalog.published.v1');
    expect(messageKey(event)).toBe('acme:v3');
  });

  it('throws when the payload breaks the contract', () => {
    expect(() =>
      newEnvelope({
        eventType: TOPICS.catalogPublished,
        tenantId: 'acme',
        aggregateId: '3',
        payload: { ...catalogPayload, catalogVersion: 0 },
      }),
    ).toThrow(/catalogVersion/);
  });

  it('throws for an invalid tenant id', () => {
    expect(() =>
      newEnvelope({
        eventType: TOPICS.catalogPublished,
        tenantId: 'ACME',
        aggregateId: '3',
        payload: catalogPayload,
      }),
    ).toThrow();
  });
});

describe('messageKey', () => {
  it('is <tenantId>:<aggregateId>', () => {
    expect(messageKey({ tenantId: 'acme', aggregateId: 'order-7' })).toBe('acme:order-7');
  });
});

describe('EVENT_SCHEMAS', () => {
  const valid = {
    [TOPICS.catalogPublished]: catalogPayload,
    [TOPICS.pricebookPublished]: {
      priceBookVersion: 2,
      publishedAt: '2025-01-31T12:00:00Z',
      entryCount: 1,
      offerIds: ['fiber-1g'],
    },
    [TOPICS.configFinalized]: {
      configurationId: 'cfg-1',
      sessionId: 'sess-1',
      ownerSub: 'user-1',
      catalogVersion: 3,
      selectedOptions: [{ offerId: 'fiber-1g', quantity: 2, attributes: { speed: 1000, tv: true } }],
    },
    [TOPICS.orderCaptured]: {
      orderId: 'ord-1',
      orderNumber: 'SO-2025-000001',
      currency: 'EUR',
      totalAmountMinor: 2000,
      lines: [{ offerId: 'fiber-1g', quantity: 1, unitAmountMinor: 2000, termMonths: 24 }],
    },
    [TOPICS.orderStatusChanged]: { orderId: 'ord-1', from: 'CAPTURED', to: 'SUBMITTED', version: 2 },
  };

  const invalid = {
    [TOPICS.catalogPublished]: { ...catalogPayload, offers: [{ offerId: 'fiber-1g', status: 'DRAFT' }] },
    [TOPICS.pricebookPublished]: { ...valid[TOPICS.pricebookPublished], entryCount: -1 },
    [TOPICS.configFinalized]: {
      ...valid[TOPICS.configFinalized],
      selectedOptions: [{ offerId: 'x', quantity: 0 }],
    },
    [TOPICS.orderCaptured]: { ...valid[TOPICS.orderCaptured], orderNumber: 'SO-25-1' },
    [TOPICS.orderStatusChanged]: { ...valid[TOPICS.orderStatusChanged], to: 'SHIPPED' },
  };

  for (const eventType of Object.values(TOPICS)) {
    it(`${eventType}: accepts a valid event and rejects an invalid payload`, () => {
      const event = newEnvelope({
        eventType,
        tenantId: 'acme',
        aggregateId: 'a-1',
        payload: valid[eventType] as never,
      });
      const wire: unknown = JSON.parse(JSON.stringify(event));
      expect(EVENT_SCHEMAS[eventType].safeParse(wire).success).toBe(true);
      const broken = { ...(wire as object), payload: invalid[eventType] };
      expect(parseEvent(eventType, broken).success).toBe(false);
    });
  }

  it('rejects an envelope of another event type, a non-v7 id and another schema version', () => {
    const event = newEnvelope({
      eventType: TOPICS.catalogPublished,
      tenantId: 'acme',
      aggregateId: '3',
      payload: catalogPayload,
    });
    const schema = EVENT_SCHEMAS[TOPICS.catalogPublished];
    expect(schema.safeParse(event).success).toBe(true);
    expect(schema.safeParse({ ...event, eventType: TOPICS.pricebookPublished }).success).toBe(false);
    expect(schema.safeParse({ ...event, eventId: '6ba7b810-9dad-41d1-80b4-00c04fd430c8' }).success).toBe(
      false,
    );
    expect(schema.safeParse({ ...event, schemaVersion: 2 }).success).toBe(false);
    expect(schema.safeParse({ ...event, occurredAt: 'yesterday' }).success).toBe(false);
  });

  it('strips unknown payload fields (tolerant reader)', () => {
    const event = newEnvelope({
      eventType: TOPICS.orderStatusChanged,
      tenantId: 'acme',
      aggregateId: 'ord-1',
      payload: { orderId: 'ord-1', from: 'CAPTURED', to: 'CANCELLED', version: 2 },
    });
    const parsed = parseEvent(TOPICS.orderStatusChanged, {
      ...event,
      payload: { ...event.payload, reason: 'x' },
    });
    expect(parsed.success && parsed.data.payload).toEqual(event.payload);
  });
});
