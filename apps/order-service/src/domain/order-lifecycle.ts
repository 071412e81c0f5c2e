import type { OrderStatus } from './order';

/** The statuses a transition may lead to (the body's `to`). */
export const TRANSITION_TARGETS = ['SUBMITTED', 'CANCELLED', 'FULFILLED'] as const;
export type TransitionTarget = (typeof TRANSITION_TARGETS)[number];

/**
 * The contract's allowed transitions, by target: CAPTURED→SUBMITTED, CAPTURED→CANCELLED, SUBMITTED→FULFILLED,
 * SUBMITTED→CANCELLED. CANCELLED and FULFILLED are final.
 */
const ALLOWED_FROM: Readonly<Record<TransitionTarget, readonly OrderStatus[]>> = {
  SUBMITTED: ['CAPTURED'],
  CANCELLED: ['CAPTURED', 'SUBMITTED'],
  FULFILLED: ['SUBMITTED'],
};

/** The statuses an order may be in for a transition to `to` (what the SQL guard checks). */
export function allowedSourcesOf(to: TransitionTarget): readonly OrderStatus[] {
  return ALLOWED_FROM[to];
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return (ALLOWED_FROM as Record<string, readonly OrderStatus[] | undefined>)[to]?.includes(from) ?? false;
}
