/** The wall clock, for composition roots; the core only ever sees the {@link Clock} interface. */
import type { Clock } from '../ipam/clock.js';

export const systemClock: Clock = { now: () => Date.now() };
