// The demo tenant that `npm start` (and the compose `demo-seed` service) publishes once through the services' own
// APIs: a connectivity catalog whose offers carry `requires` / `excludes` / quantity rules, and a price book in two
// currencies. Pure data: checked against the services' request schemas by test/deploy/demo-tenant.test.ts.

export const DEMO_TENANT = 'demo';
export const DEMO_CURRENCIES = ['EUR', 'USD'] as const;

type Action = 'ADD' | 'CHANGE' | 'REMOVE';
export interface DemoOffer {
  offerId: string;
  displayName: string;
  status: 'ACTIVE' | 'RETIRED';
  eligibleActions: Action[];
  attributes?: Record<string, string | number | boolean>;
  rules?: { requires?: string[]; excludes?: string[]; minQuantity?: number; maxQuantity?: number };
}

const ALL: Action[] = ['ADD', 'CHANGE', 'REMOVE'];
const FIBER = ['fiber-100m', 'fiber-500m', 'fiber-1g', 'fiber-10g'];
const others = (ids: string[], id: string) => ids.filter((other) => other !== id);

const fiber = (offerId: string, displayName: string, speedMbps: number): DemoOffer => ({
  offerId,
  displayName,
  status: 'ACTIVE',
  eligibleActions: ALL,
  attributes: { speedMbps, technology: 'FTTH' },
  // one access line per site: the speeds exclude each other
  rules: { requires: ['router-basic'], excludes: others(FIBER, offerId), maxQuantity: 1 },
});

export const DEMO_OFFERS: DemoOffer[] = [
  fiber('fiber-100m', 'Fiber 100 Mbit/s', 100),
  fiber('fiber-500m', 'Fiber 500 Mbit/s', 500),
  fiber('fiber-1g', 'Fiber 1 Gbit/s', 1000),
  {
    ...fiber('fiber-10g', 'Fiber 10 Gbit/s', 10_000),
    rules: { requires: ['router-pro'], excludes: others(FIBER, 'fiber-10g'), maxQuantity: 1 },
  },
  {
    offerId: 'router-basic',
    displayName: 'Router Basic',
    status: 'ACTIVE',
    eligibleActions: ALL,
    attributes: { wifi: 'wifi-6' },
    rules: { excludes: ['router-pro'], maxQuantity: 1 },
  },
  {
    offerId: 'router-pro',
    displayName: 'Router Pro',
    status: 'ACTIVE',
    eligibleActions: ALL,
    attributes: { wifi: 'wifi-7', ports: 8 },
    rules: { excludes: ['router-basic'], maxQuantity: 1 },
  },
  {
    offerId: 'static-ip',
    displayName: 'Static IPv4 address',
    status: 'ACTIVE',
    eligibleActions: ['ADD', 'REMOVE'],
    rules: { requires: ['router-pro'], minQuantity: 1, maxQuantity: 16 },
  },
  {
    offerId: 'sd-wan-edge',
    displayName: 'SD-WAN edge appliance',
    status: 'ACTIVE',
    eligibleActions: ALL,
    rules: { requires: ['router-pro'], minQuantity: 1, maxQuantity: 50 },
  },
  {
    offerId: 'sd-wan-license',
    displayName: 'SD-WAN license',
    status: 'ACTIVE',
    eligibleActions: ALL,
    attributes: { tier: 'advanced' },
    rules: { requires: ['sd-wan-edge'], minQuantity: 1, maxQuantity: 500 },
  },
  {
    offerId: 'managed-wifi-ap',
    displayName: 'Managed Wi-Fi access point',
    status: 'ACTIVE',
    eligibleActions: ALL,
    rules: { requires: ['router-pro'], maxQuantity: 200 },
  },
  {
    offerId: 'firewall-managed',
    displayName: 'Managed firewall',
    status: 'ACTIVE',
    eligibleActions: ALL,
    attributes: { throughputGbps: 5 },
    rules: { requires: ['router-pro'], maxQuantity: 1 },
  },
  {
    offerId: 'ddos-protection',
    displayName: 'DDoS protection',
    status: 'ACTIVE',
    eligibleActions: ['ADD', 'REMOVE'],
    rules: { requires: ['fiber-10g'], maxQuantity: 1 },
  },
  {
    offerId: 'voip-seat',
    displayName: 'Cloud telephony seat',
    status: 'ACTIVE',
    eligibleActions: ALL,
    rules: { minQuantity: 1, maxQuantity: 5000 },
  },
  {
    offerId: 'voip-number',
    displayName: 'Phone number',
    status: 'ACTIVE',
    eligibleActions: ['ADD', 'REMOVE'],
    rules: { requires: ['voip-seat'], maxQuantity: 1000 },
  },
  {
    offerId: 'voip-trunk',
    displayName: 'SIP trunk',
    status: 'ACTIVE',
    eligibleActions: ALL,
    attributes: { channels: 30 },
    rules: { excludes: ['voip-seat'], maxQuantity: 10 },
  },
  {
    offerId: 'mobile-5g-sim',
    displayName: '5G business SIM',
    status: 'ACTIVE',
    eligibleActions: ALL,
    attributes: { esim: true },
    rules: { minQuantity: 1, maxQuantity: 10_000 },
  },
  {
    offerId: 'mobile-data-pool',
    displayName: 'Shared mobile data pool (100 GB)',
    status: 'ACTIVE',
    eligibleActions: ALL,
    rules: { requires: ['mobile-5g-sim'], maxQuantity: 100 },
  },
  {
    offerId: 'backup-cloud-tb',
    displayName: 'Cloud backup (per TB)',
    status: 'ACTIVE',
    eligibleActions: ALL,
    rules: { minQuantity: 1, maxQuantity: 1000 },
  },
  {
    offerId: 'install-standard',
    displayName: 'Standard installation',
    status: 'ACTIVE',
    eligibleActions: ['ADD'],
    rules: { excludes: ['install-express'], maxQuantity: 1 },
  },
  {
    offerId: 'install-express',
    displayName: 'Express installation (48 h)',
    status: 'ACTIVE',
    eligibleActions: ['ADD'],
    rules: { excludes: ['install-standard'], maxQuantity: 1 },
  },
  {
    offerId: 'support-business',
    displayName: 'Support, business hours',
    status: 'ACTIVE',
    eligibleActions: ALL,
    rules: { excludes: ['support-24x7'], maxQuantity: 1 },
  },
  {
    offerId: 'support-24x7',
    displayName: 'Support, 24x7 with 4 h response',
    status: 'ACTIVE',
    eligibleActions: ALL,
    rules: { excludes: ['support-business'], maxQuantity: 1 },
  },
  {
    offerId: 'adsl-16m',
    displayName: 'ADSL 16 Mbit/s (retired)',
    status: 'RETIRED',
    eligibleActions: ['REMOVE'],
    attributes: { speedMbps: 16 },
  },
  {
    offerId: 'isdn-line',
    displayName: 'ISDN line (retired)',
    status: 'RETIRED',
    eligibleActions: ['REMOVE'],
  },
];

/** Monthly list prices in EUR cents; USD is derived (x1.08, rounded to whole units). */
const EUR_BASE: Record<string, number> = {
  'fiber-100m': 29_00,
  'fiber-500m': 49_00,
  'fiber-1g': 79_00,
  'fiber-10g': 499_00,
  'router-basic': 5_00,
  'router-pro': 15_00,
  'static-ip': 4_00,
  'sd-wan-edge': 89_00,
  'sd-wan-license': 19_00,
  'managed-wifi-ap': 12_00,
  'firewall-managed': 149_00,
  'ddos-protection': 299_00,
  'voip-seat': 9_50,
  'voip-number': 1_00,
  'voip-trunk': 59_00,
  'mobile-5g-sim': 25_00,
  'mobile-data-pool': 35_00,
  'backup-cloud-tb': 20_00,
  'install-standard': 99_00,
  'install-express': 249_00,
  'support-business': 0,
  'support-24x7': 199_00,
};

const SEAT_TIERS = [
  { minQuantity: 10, discountBps: 500 },
  { minQuantity: 50, discountBps: 1000 },
  { minQuantity: 250, discountBps: 1500 },
];
const PER_UNIT = new Set([
  'voip-seat',
  'mobile-5g-sim',
  'sd-wan-license',
  'managed-wifi-ap',
  'backup-cloud-tb',
  'static-ip',
  'voip-number',
]);

export interface DemoPriceEntry {
  offerId: string;
  currency: string;
  basePriceMinor: number;
  termDiscountsBps?: Record<string, number>;
  segmentAdjustmentsBps?: Record<string, number>;
  regionAdjustmentsBps?: Record<string, number>;
  quantityTiers?: { minQuantity: number; discountBps: number }[];
}

const REGION_ADJUSTMENTS_BPS: Record<string, Record<string, number>> = {
  EUR: { 'eu-west': 0, 'eu-north': 300 },
  USD: { 'us-east': 0, 'us-west': 200 },
};

/** One entry per (active offer, currency): term discounts, segment and region adjustments, seat tiers. */
export const DEMO_PRICE_ENTRIES: DemoPriceEntry[] = Object.entries(EUR_BASE).flatMap(([offerId, eur]) =>
  DEMO_CURRENCIES.map((currency) => ({
    offerId,
    currency,
    basePriceMinor: currency === 'EUR' ? eur : Math.round((eur * 1.08) / 100) * 100,
    termDiscountsBps: { '12': 500, '24': 1000, '36': 1500 },
    segmentAdjustmentsBps: { smb: 0, enterprise: -500, 'public-sector': -800 },
    regionAdjustmentsBps: REGION_ADJUSTMENTS_BPS[currency],
    ...(PER_UNIT.has(offerId) ? { quantityTiers: SEAT_TIERS } : {}),
  })),
);

/** The request the printed curl sends: 50 telephony seats for 24 months, enterprise, eu-west (answers 200). */
export const DEMO_CALCULATION = {
  offerId: 'voip-seat',
  currency: 'EUR',
  termMonths: 24,
  quantity: 50,
  segment: 'enterprise',
  region: 'eu-west',
};
