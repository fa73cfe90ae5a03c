// The few libsecret calls we use (npm has no @girs/secret-1 matching our other @girs pins).
/* eslint-disable @typescript-eslint/no-extraneous-class, @typescript-eslint/no-misused-new -- mirrors the GI binding: Secret.Schema.new() is a static constructor. */
declare module 'gi://Secret' {
    import type Gio from 'gi://Gio';

    namespace Secret {
        enum SchemaFlags { NONE = 0 }
        enum SchemaAttributeType { STRING = 0 }
        class Schema {
            static new(name: string, flags: SchemaFlags, attributes: Record<string, SchemaAttributeType>): Schema;
        }
        const COLLECTION_DEFAULT: string;
        function password_store(schema: Schema, attributes: Record<string, string>, collection: string | null,
            label: string, password: string, cancellable: Gio.Cancellable | null,
            callback: (source: unknown, result: Gio.AsyncResult) => void): void;
        function password_store_finish(result: Gio.AsyncResult): boolean;
        function password_lookup(schema: Schema, attributes: Record<string, string>, cancellable: Gio.Cancellable | null,
            callback: (source: unknown, result: Gio.AsyncResult) => void): void;
        function password_lookup_finish(result: Gio.AsyncResult): string | null;
        function password_clear(schema: Schema, attributes: Record<string, string>, cancellable: Gio.Cancellable | null,
            callback: (source: unknown, result: Gio.AsyncResult) => void): void;
        function password_clear_finish(result: Gio.AsyncResult): boolean;
    }
    export default Secret;
}
