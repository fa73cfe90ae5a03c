// The Shell's side of the local-log worker, with fake workers (small shell scripts) in place of the
// scanner: one that never answers, one that answers once and then hangs, one that answers only
// once a file exists. The watchdog's times are shortened so that each spec takes well under a
// second; every wait is on the monitor's own notifications or the worker's own output.

import GLib from 'gi://GLib';

import {RestartBackoff} from '../../src/core/backoff.js';
import {LocalUsageMonitor, type LocalUsageState} from '../../src/core/logs/localUsageMonitor.js';
import {makeTempDir, readFile, until, writeFile} from '../support/helpers.js';

/** A one-line answer the monitor accepts. */
const ANSWER = JSON.stringify({generatedAt: 1, sources: []});

/** A worker that records its pid in $0 and then runs `body` for each request line. */
const worker = (pidFile: string, body: string): string[] =>
    ['/bin/sh', '-c', `echo $$ >> "$0"; while read line; do ${body}; done`, pidFile];

/** The pids of the workers started so far. */
const pids = (pidFile: string): number[] => GLib.file_test(pidFile, GLib.FileTest.EXISTS)
    ? readFile(pidFile).split('\n').filter(line => line !== '').map(Number) : [];

/** Whether a process runs (a zombie not yet reaped counts as gone). */
function running(pid: number): boolean {
    try {
        return !/^\d+ \(.*\) Z/.test(readFile(`/proc/${pid}/stat`));
    } catch {
        return false;
    }
}

/** Resolves with the monitor's state once a notification finds `holds` true of it. */
function stateWhen(monitor: LocalUsageMonitor, holds: (state: LocalUsageState) => boolean): Promise<LocalUsageState> {
    return new Promise(resolve => {
        if (holds(monitor.state)) {
            resolve(monitor.state);
            return;
        }
        const stop = monitor.subscribe(() => {
            if (holds(monitor.state)) {
                stop();
                resolve(monitor.state);
            }
        });
    });
}

describe('LocalUsageMonitor', () => {
    let dir: string;
    let pidFile: string;
    let monitor: LocalUsageMonitor | null;
    let errors: unknown[];

    beforeEach(() => {
        dir = makeTempDir();
        pidFile = `${dir}/pids`;
        monitor = null;
        errors = [];
    });
    afterEach(() => monitor?.destroy());

    it('kills a worker that does not answer its first scan, says so with the restart delay, and restarts it after a back-off', async () => {
        const restart = new RestartBackoff(100, 400);
        const delays = spyOn(restart, 'failed').and.callThrough();
        monitor = new LocalUsageMonitor(worker(pidFile, ':'), error => errors.push(error),
            {firstScanMs: 200, refreshMs: 60_000, restart});
        monitor.start(3600);
        const failed = await stateWhen(monitor, s => s.error !== null);
        expect(failed.error).toBe('the log scanner stopped answering (nothing within 1 s); restarting in 1 s');
        expect(failed.scanning).toBeFalse();
        const [first] = pids(pidFile);
        await until(() => first !== undefined && !running(first));

        // Restarted after the delay, timed out again, restarted later each time.
        await until(() => delays.calls.count() >= 3, 4000);
        expect(delays.calls.all().map(call => call.returnValue)).toEqual([100, 200, 400]);
        expect(new Set(pids(pidFile)).size).toBeGreaterThanOrEqual(3);
        expect(pids(pidFile).slice(0, -1).filter(running)).withContext('only the newest worker may run').toEqual([]);
        expect(errors.length).toBe(delays.calls.count());
    });

    it('gives a worker that answered its first scan the shorter refresh time, and keeps the last result meanwhile', async () => {
        monitor = new LocalUsageMonitor(worker(pidFile, `echo '${ANSWER}'; while read more; do :; done`), error => errors.push(error),
            {firstScanMs: 60_000, refreshMs: 200, restart: new RestartBackoff(60_000, 60_000)});
        monitor.start(3600);
        await stateWhen(monitor, s => s.usage !== null);
        void monitor.refresh();
        const failed = await stateWhen(monitor, s => s.error !== null);
        expect(failed.error).toBe('the log scanner stopped answering (nothing within 1 s); restarting in 60 s');
        expect(failed.usage?.generatedAt).withContext('the last result').toBe(1);
        // While the restart waits, a refresh asks nothing of anyone.
        await monitor.refresh();
        expect(pids(pidFile).length).toBe(1);
    });

    it('clears the error once a restarted worker answers, and starts the back-off over', async () => {
        const flag = `${dir}/ready`;
        const restart = new RestartBackoff(50, 1000);
        const delays = spyOn(restart, 'failed').and.callThrough();
        monitor = new LocalUsageMonitor(worker(pidFile, `if [ -e '${flag}' ]; then echo '${ANSWER}'; fi`), error => errors.push(error),
            {firstScanMs: 200, refreshMs: 200, restart});
        monitor.start(3600);
        await stateWhen(monitor, s => s.error !== null);
        writeFile(flag, '');
        const answered = await stateWhen(monitor, s => s.usage !== null);
        expect(answered.error).toBeNull();
        expect(pids(pidFile).length).toBe(delays.calls.count() + 1);
        writeFile(`${dir}/ignored`, '');
        GLib.unlink(flag);
        void monitor.refresh();
        await stateWhen(monitor, s => s.error !== null);
        expect(delays.calls.mostRecent().returnValue).withContext('the first delay again').toBe(50);
    });

    it('ends the worker and the pending restart on destroy, and starts none after it', async () => {
        monitor = new LocalUsageMonitor(worker(pidFile, ':'), error => errors.push(error),
            {firstScanMs: 100, refreshMs: 100, restart: new RestartBackoff(100, 100)});
        monitor.start(3600);
        await stateWhen(monitor, s => s.error !== null);
        const [first] = pids(pidFile);
        monitor.destroy();
        await until(() => first !== undefined && !running(first));
        await monitor.refresh();
        expect(pids(pidFile)).toEqual([first ?? 0]);
    });
});
