// Which limits deserve a notification: a window whose usage rises into the warning or critical
// level, once per level and per window period, and never from stale data.

import type {ProviderId, UsageSnapshot} from './contract.js';
import {levelFor} from './format.js';
import type {Level, Thresholds} from './format.js';

export interface Alert {
    provider: ProviderId;
    accountLabel: string;
    windowLabel: string;
    /** The limit is counted in money (a budget, a spend cap). */
    money: boolean;
    level: Exclude<Level, 'normal'>;
    usedPercent: number;
    resetsAt: number | null;
}

const RANK: Record<Level, number> = {normal: 0, warning: 1, critical: 2};

interface Seen {
    level: Level;
    resetsAt: number | null;
}

export class AlertTracker {
    private readonly _seen = new Map<string, Seen>();

    /** The alerts `snapshots` raise compared with what was seen before; remembers them. */
    update(snapshots: readonly UsageSnapshot[], thresholds: Thresholds): Alert[] {
        const alerts: Alert[] = [];
        for (const snapshot of snapshots) {
            if (snapshot.stale || snapshot.updatedAt === null)
                continue;
            for (const window of snapshot.windows) {
                const key = `${snapshot.provider}\n${snapshot.accountId}\n${window.id}`;
                const level = levelFor(window.usedPercent, thresholds);
                const seen = this._seen.get(key);
                // A new period (the reset moved) starts from scratch.
                const previous = seen?.resetsAt === window.resetsAt ? seen.level : 'normal';
                this._seen.set(key, {level, resetsAt: window.resetsAt});
                if (level !== 'normal' && RANK[level] > RANK[previous]) {
                    alerts.push({provider: snapshot.provider, accountLabel: snapshot.accountLabel, windowLabel: window.label,
                        money: window.money !== undefined, level, usedPercent: window.usedPercent, resetsAt: window.resetsAt});
                }
            }
        }
        return alerts;
    }
}
