import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, isEventType, TOPICS } from './topics';

describe('TOPICS', () => {
  it('names the five contract topics', () => {
    expect(TOPICS).toEqual({
      catalogPublished: 'cpq.catalog.published.v1',
      pricebookPublished: 'cpq.pricebook.published.v1',
      configFinalized: 'cpq.config.finalized.v1',
      orderCaptured: 'oms.order.captured.v1',
      orderStatusChanged: 'oms.order.status-changed.v1',
    });
    expect(EVENT_TYPES).toHaveLength(5);
  });

  it('isEventType recognises contract topics only', () => {
    expect(isEventType('oms.order.captured.v1')).toBe(true);
    expect(isEventType('oms.order.captured.v2')).toBe(false);
  });
});
