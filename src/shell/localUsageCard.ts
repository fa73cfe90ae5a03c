// Estimated cost from one tool's local logs (Claude Code or Codex): today, month to date and
// sessions today as tiles, the current 5-hour block, the month by model with share bars, the
// top projects and the age of the data. Passive: it renders what the scanner reported.

import St from 'gi://St';

import * as PopupMenu from 'resource:///org/gnome/shell/ui/popupMenu.js';

import {formatClock, formatDuration, formatMoney, formatTokens} from '../core/format.js';
import {_, format, ngettext} from '../core/i18n.js';
import {FIVE_HOURS, LOG_SOURCE_NAMES, dayKey, recentCost, totalTokens, type SourceUsage, type Totals} from '../core/logs/localUsage.js';
import {detailLabel, staticItem, valueRow, verticalBox} from './menuRows.js';
import {UsageBar} from './usageBar.js';

const MODELS_SHOWN = 4;
const PROJECTS_SHOWN = 3;

function tile(caption: string, value: string, detail: string): St.BoxLayout {
    const box = verticalBox({x_expand: true, style_class: 'aum-tile'});
    box.add_child(new St.Label({text: caption, style_class: 'aum-tile-caption'}));
    box.add_child(new St.Label({text: value, style_class: 'aum-tile-value'}));
    box.add_child(new St.Label({text: detail, style_class: 'aum-tile-caption'}));
    return box;
}

const money = (amount: number): string => formatMoney(amount, 'USD');
const tokens = (t: Totals): string => format(_('%s tokens'), formatTokens(totalTokens(t)));

export interface LocalCardContext {
    now: number;
    generatedAt: number;
    priceTableDate: string;
}

export class LocalUsageCard extends PopupMenu.PopupMenuSection {
    constructor(usage: SourceUsage, context: LocalCardContext) {
        super();
        const header = staticItem('aum-card-header');
        header.add_child(valueRow(LOG_SOURCE_NAMES[usage.source], _('estimated at API prices'), 'aum-header-row'));
        this.addMenuItem(header);

        const tiles = staticItem('aum-tiles');
        const box = new St.BoxLayout({x_expand: true, style_class: 'aum-tile-row'});
        box.add_child(tile(_('Today'), money(usage.today.cost), tokens(usage.today)));
        box.add_child(tile(_('This month'), money(usage.month.cost), tokens(usage.month)));
        box.add_child(tile(_('Sessions today'), String(usage.sessionsToday),
            usage.lastActivity === null ? '' : format(_('last %s'), formatClock(usage.lastActivity, context.now))));
        const tileBox = verticalBox({x_expand: true});
        tileBox.add_child(box);
        const week = recentCost(usage.days, dayKey(context.now), 7);
        tileBox.add_child(detailLabel(format(_('Last 7 days %s, %s a day on average (kept history)'), money(week), money(week / 7))));
        tiles.add_child(tileBox);
        this.addMenuItem(tiles);

        if (usage.block !== null)
            this._addBlock(usage, context.now);
        this._addModels(usage);

        if (usage.projects.length > 0) {
            const item = staticItem('aum-window');
            const list = verticalBox({x_expand: true});
            list.add_child(detailLabel(_('Top projects this month')));
            for (const project of usage.projects.slice(0, PROJECTS_SHOWN))
                list.add_child(valueRow(project.project || _('(no project)'), money(project.cost), 'aum-window-row'));
            item.add_child(list);
            this.addMenuItem(item);
        }

        const footer = staticItem('aum-footer');
        footer.add_child(new St.Label({
            text: format(_('as of %s, from local logs; prices of %s'), formatClock(context.generatedAt, context.now),
                context.priceTableDate),
            style_class: 'aum-detail',
        }));
        this.addMenuItem(footer);
    }

    private _addBlock(usage: SourceUsage, now: number): void {
        const block = usage.block;
        if (block === null)
            return;
        const item = staticItem('aum-window');
        const box = verticalBox({x_expand: true});
        box.add_child(valueRow(_('5-hour block'), money(block.cost), 'aum-window-row'));
        const bar = new UsageBar();
        bar.setValue(((now - block.start) / FIVE_HOURS) * 100, 'normal');
        box.add_child(bar);
        box.add_child(new St.Label({
            text: format(_('since %s, ends in %s · %s/h · projected %s'), formatClock(block.start, now),
                formatDuration(block.end - now), money(block.costPerHour), money(block.projectedCost)),
            style_class: 'aum-detail',
        }));
        box.add_child(new St.Label({
            text: format(_('%s tokens, %s a minute'), formatTokens(block.tokens), formatTokens(block.tokensPerMinute)),
            style_class: 'aum-detail',
        }));
        item.add_child(box);
        this.addMenuItem(item);
    }

    private _addModels(usage: SourceUsage): void {
        if (usage.models.length === 0)
            return;
        const item = staticItem('aum-window');
        const box = verticalBox({x_expand: true});
        box.add_child(new St.Label({text: _('This month by model'), style_class: 'aum-detail'}));
        const total = usage.month.cost;
        for (const model of usage.models.slice(0, MODELS_SHOWN)) {
            const value = model.priced ? money(model.cost) : format(_('unpriced, %s'), tokens(model));
            box.add_child(valueRow(model.model, value, 'aum-window-row'));
            const bar = new UsageBar();
            bar.setValue(total > 0 && model.priced ? (model.cost / total) * 100 : 0, 'normal');
            box.add_child(bar);
        }
        const more = usage.models.length - MODELS_SHOWN;
        if (more > 0) {
            box.add_child(new St.Label({text: format(ngettext('and %d more model', 'and %d more models', more), more),
                style_class: 'aum-detail'}));
        }
        item.add_child(box);
        this.addMenuItem(item);
    }
}
