// The providers, in the order the menu shows them. Adding one: its module under providers/,
// one line here, and its keys in the schema (at least `<id>-enabled`).

import type {Provider, ProviderDeps} from './provider.js';
import {AntigravityProvider} from './providers/antigravity.js';
import {AnthropicAdminProvider} from './providers/anthropicAdmin.js';
import {ClaudeProvider} from './providers/claude.js';
import {CodexProvider} from './providers/codex.js';
import {CopilotProvider} from './providers/copilot.js';
import {CopilotOrgProvider} from './providers/copilotOrg.js';
import {GeminiProvider} from './providers/gemini.js';
import {OpenAIAdminProvider} from './providers/openaiAdmin.js';

const PROVIDERS: readonly ((deps: ProviderDeps) => Provider)[] = [
    deps => new ClaudeProvider(deps),
    deps => new CodexProvider(deps),
    () => new GeminiProvider(),
    () => new AntigravityProvider(),
    deps => new CopilotProvider(deps),
    deps => new OpenAIAdminProvider(deps),
    deps => new AnthropicAdminProvider(deps),
    deps => new CopilotOrgProvider(deps),
];

export function createProviders(deps: ProviderDeps): Provider[] {
    return PROVIDERS.map(create => create(deps));
}
