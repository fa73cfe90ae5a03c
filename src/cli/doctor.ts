// `doctor`: what every provider found and what is missing, each with the fix, then the checks
// that are nobody's own (settings, keyring, local logs, network). The providers' findings come
// from their diagnose(); this file only renders. Never prints a token.

import type {Environment} from '../core/environment.js';
import {fail, ok, reachable, warn, type Finding} from '../core/diagnosis.js';
import {listDirectory} from '../core/files.js';
import {_} from '../core/i18n.js';
import {LOG_SOURCE_NAMES} from '../core/logs/localUsage.js';
import {logRoots} from '../core/logs/scanner.js';
import {displayPath, type Provider} from '../core/provider.js';
import type {SecretStore} from '../core/secrets.js';
import {enabledKey, type Settings} from '../core/settings.js';

export interface DoctorContext {
    env: Environment;
    secrets: SecretStore;
    settings: Settings;
    providers: readonly Provider[];
    settingsSource: string;
}

/** Which local log folders exist (the cost estimates read them). */
async function localLogFindings(env: Environment): Promise<Finding[]> {
    const found: Finding[] = [];
    for (const root of logRoots(env)) {
        if (await listDirectory(root.path, 'standard::name', null) !== null)
            found.push(ok('local logs', `${LOG_SOURCE_NAMES[root.source]}: ${displayPath(root.path, env)}`));
    }
    return found.length > 0 ? found : [warn('local logs', _('no Claude Code or Codex logs found'),
        _('Local cost estimates appear once Claude Code or Codex has been used on this computer.'))];
}

export async function runDoctor(ctx: DoctorContext): Promise<Finding[]> {
    const {env} = ctx;
    const findings: Finding[] = [ok('settings', ctx.settingsSource)];
    try {
        await ctx.secrets.lookup('doctor', '__doctor__');
        findings.push(ok('keyring', _('reachable')));
    } catch {
        findings.push(fail('keyring', _('not reachable'), _('Start gnome-keyring (or another Secret Service) in your session.')));
    }
    for (const provider of ctx.providers)
        findings.push(...await provider.diagnose(env));
    findings.push(...await localLogFindings(env));
    const enabled = ctx.providers.filter(p => ctx.settings.get(enabledKey(p.id)));
    for (const url of new Set(enabled.flatMap(p => p.endpoints)))
        findings.push(await reachable(url, env));
    return findings;
}

const MARK: Record<Finding['status'], string> = {ok: 'ok  ', warn: 'warn', fail: 'FAIL'};

export function renderDoctor(findings: readonly Finding[]): string {
    const width = Math.max(...findings.map(c => c.scope.length));
    return findings.map(c => `${MARK[c.status]} ${c.scope.padEnd(width)}  ${c.detail}${c.fix ? `\n     ${' '.repeat(width)}  → ${c.fix}` : ''}`)
        .join('\n');
}
