// One owner for everything enable() creates. Each resource registers how to undo it;
// destroy() undoes all of them in reverse order, so disable() is complete by construction.

type Undo = () => void;

/** GObjects and the Shell's JS signal emitters (PopupMenu) share this shape. */
interface SignalSource {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- handler signatures differ per signal and per emitter
    connect(signal: string, handler: (...args: any[]) => any): number;
    disconnect(id: number): void;
}

export class Lifetime {
    private _undo: Undo[] = [];

    constructor(private readonly _report: (error: unknown) => void =
    error => console.error('ai-usage-meter: cleanup step failed', error)) {}

    /** Takes ownership of an object with a destroy() method and returns it. */
    add<T extends {destroy(): void}>(owned: T): T {
        this._undo.push(() => owned.destroy());
        return owned;
    }

    /** Registers an arbitrary undo step (remove a source, drop a reference…). */
    defer(undo: Undo): void {
        this._undo.push(undo);
    }

    /** Connects a signal handler that is disconnected when the lifetime ends. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- handler signatures differ per signal and per emitter
    connect(object: SignalSource, signal: string, handler: (...args: any[]) => any): void {
        const id = object.connect(signal, handler);
        this._undo.push(() => object.disconnect(id));
    }

    /** Undoes everything, newest first. A failing step is reported and does not stop the rest. */
    destroy(): void {
        const steps = this._undo.reverse();
        this._undo = [];
        for (const undo of steps) {
            try {
                undo();
            } catch (error) {
                this._report(error);
            }
        }
    }
}
