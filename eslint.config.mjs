// Lint: typescript-eslint (type-checked) plus rules that enforce the extensions.gnome.org
// review rules per process: no Gtk/Gdk/Adw in the Shell, no Shell libraries in prefs,
// nothing but GLib/Gio/Soup/Secret in the core, no synchronous I/O on the Shell side.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const GTK = ['gi://Gtk', 'gi://Gtk?version=4.0', 'gi://Gdk', 'gi://Gdk?version=4.0', 'gi://Adw', 'gi://Adw?version=1'];
const SHELL_LIBS = ['gi://St', 'gi://Clutter', 'gi://Meta', 'gi://Shell', 'gi://Mtk', 'gi://Cogl'];
const banned = (names, message) => names.map(name => ({name, message}));
const CORE_PATHS = banned([...GTK, ...SHELL_LIBS], 'The core runs under plain gjs: GLib/Gio/Soup/Secret only.');
const CORE_PATTERN = {group: ['resource://*', '**/shell/*', '**/prefs/*', '**/extension.js', '**/prefs.js'],
    message: 'The core must not depend on the Shell, prefs or the composition root.'};
// The Shell, the composition root and the CLI know providers only through the Provider interface
// and the registry: a new provider needs no change there.
const PROVIDER_INTERNALS = {group: ['**/providers/*'], message: 'Go through the Provider interface and the registry.'};

const NO_SYNC_CALLS = {
    selector: 'CallExpression[callee.property.name=/_sync$/]',
    message: 'Synchronous I/O blocks the Shell: use the _async variant with a Gio.Cancellable.',
};

export default tseslint.config(
    {ignores: ['build/', 'node_modules/', 'test/e2e/unsafe-mode/']},
    js.configs.recommended,
    ...tseslint.configs.strictTypeChecked,
    ...tseslint.configs.stylisticTypeChecked,
    {
        languageOptions: {
            parserOptions: {projectService: {allowDefaultProject: ['*.mjs', 'bench/*.mjs', 'scripts/*.mjs', 'test/scripts/*.mjs', 'test/runner.js']}, tsconfigRootDir: import.meta.dirname},
        },
        rules: {
            'no-eval': 'error',
            'no-implied-eval': 'error',
            'no-new-func': 'error',
            'eqeqeq': ['error', 'smart'],
            'prefer-const': 'error',
            'prefer-arrow-callback': 'error',
            'camelcase': ['error', {properties: 'never', allow: ['^vfunc_', '^on_']}],
            'no-restricted-globals': ['error',
                {name: 'log', message: 'Use console.* (review rule: no log/logError).'},
                {name: 'logError', message: 'Use console.error (review rule: no log/logError).'},
                {name: 'imports', message: 'Use ES module imports, not imports.*.'}],
            'no-restricted-imports': ['error', {
                paths: banned(['gi://Lang', 'gi://Mainloop', 'gi://ByteArray'], 'Deprecated GJS module (review rule 5).'),
                patterns: [{group: ['**/lang.js', '**/mainloop.js', '**/byteArray.js'], message: 'Deprecated GJS module.'}],
            }],
            '@typescript-eslint/restrict-template-expressions': ['error', {allowNumber: true}],
            '@typescript-eslint/no-unnecessary-condition': ['error', {allowConstantLoopConditions: true}],
            '@typescript-eslint/no-confusing-void-expression': ['error', {ignoreArrowShorthand: true}],
            // JSON from the network is read with bracket access on purpose: the keys are data.
            '@typescript-eslint/dot-notation': 'off',
            // Gio calls reject with GLib.Error, which the typings do not derive from Error.
            '@typescript-eslint/prefer-promise-reject-errors': ['error', {allowThrowingUnknown: true}],
        },
    },
    {
        files: ['src/extension.ts', 'src/shell/**/*.ts'],
        rules: {
            'no-restricted-imports': ['error', {
                paths: banned(GTK, 'No Gtk/Gdk/Adw in the Shell process (review rule 6).'),
                patterns: [{group: ['resource:///org/gnome/Shell/Extensions/*'], caseSensitive: true, message: 'Prefs-only module.'},
                    {group: ['**/logs/*.js', '!**/logs/localUsage.js', '!**/logs/localUsageMonitor.js'],
                        message: 'The log scanner reads files synchronously: it runs in the worker process, never in the Shell.'},
                    PROVIDER_INTERNALS],
            }],
            'no-restricted-syntax': ['error', NO_SYNC_CALLS],
        },
    },
    {
        files: ['src/prefs.ts', 'src/prefs/**/*.ts'],
        rules: {
            'no-restricted-imports': ['error', {
                paths: banned(SHELL_LIBS, 'No Shell libraries in preferences (review rule 7).'),
                patterns: [{group: ['resource:///org/gnome/shell/*', '**/shell/*'], caseSensitive: true, message: 'Shell-only module.'}],
            }],
        },
    },
    {
        files: ['src/core/**/*.ts'],
        rules: {
            'no-restricted-imports': ['error', {paths: CORE_PATHS, patterns: [CORE_PATTERN]}],
            'no-restricted-syntax': ['error', NO_SYNC_CALLS],
        },
    },
    {
        files: ['src/cli/**/*.ts'],
        rules: {
            'no-restricted-imports': ['error', {paths: CORE_PATHS, patterns: [CORE_PATTERN, PROVIDER_INTERNALS]}],
            'no-restricted-syntax': ['error', NO_SYNC_CALLS],
        },
    },
    {
        files: ['test/**/*.ts'],
        languageOptions: {globals: {...globals.jasmine}},
    },
    {
        files: ['**/*.mjs'],
        ...tseslint.configs.disableTypeChecked,
        languageOptions: {globals: {...globals.node}},
    },
    {
        files: ['test/runner.js'],
        ...tseslint.configs.disableTypeChecked,
        languageOptions: {globals: {ARGV: 'readonly', print: 'readonly', printerr: 'readonly', TextDecoder: 'readonly'}},
    },
    {
        files: ['test/runner.js'],
        rules: {'@typescript-eslint/no-empty-function': 'off'},
    },
);
