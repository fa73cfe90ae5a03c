// Pace: where a window is heading if usage continues at its average rate so far.

import type {QuotaWindow} from './contract.js';

/** Too early in a window the average rate says nothing (a burst would look like a trend). */
const MIN_ELAPSED_FRACTION = 0.05;

export interface Pace {
    /** Usage expected at reset, in percent. */
    projectedPercent: number;
    /** Milliseconds until the limit is reached at this rate; null when it lasts until the reset. */
    runsOutIn: number | null;
}

export function paceFor(window: QuotaWindow, now: number): Pace | null {
    if (window.resetsAt === null || window.windowSeconds === null)
        return null;
    const windowMs = window.windowSeconds * 1000;
    const remainingMs = window.resetsAt - now;
    const elapsedMs = windowMs - remainingMs;
    if (remainingMs <= 0 || elapsedMs < windowMs * MIN_ELAPSED_FRACTION)
        return null;
    if (window.usedPercent >= 100)
        return {projectedPercent: window.usedPercent, runsOutIn: 0};
    const ratePerMs = window.usedPercent / elapsedMs;
    const projectedPercent = window.usedPercent + ratePerMs * remainingMs;
    const runsOutIn = projectedPercent > 100 ? (100 - window.usedPercent) / ratePerMs : null;
    return {projectedPercent, runsOutIn};
}
