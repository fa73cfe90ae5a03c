// GLib ≥ 2.80 moved the Unix streams to GioUnix; no @girs package is needed for the one use.
declare module 'gi://GioUnix' {
    const GioUnix: unknown;
    export default GioUnix;
}
