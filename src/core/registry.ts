// The providers, in the order the menu shows them. Adding one: its module under providers/,
// one line here, and its keys in the schema (at least `<id>-enabled`).

import type {Provider, ProviderCommand, ProviderDeps} from './provider.js';
import {AntigravityProvider} from './providers/antigravity.js';
import {AnthropicAdminProvider} from './providers/anthropicAdmin.js';
import {ClaudeProvider} from './providers/claude.js';
import {statuslineCommand} from './providers/claudeStatusline.js';
import {CodexProvider} from './providers/codex.js';
import {CopilotProvider} from './providers/copilot.js';
import {CopilotOrgProvider} from './providers/copilotOrg.js';
import {GeminiProvider} from './providers/gemini.js';
import {OpenAIAdminProvider} from './providers/openaiAdmin.js';

/** How to build each provider, and the commands it adds to the command line. */
const PROVIDERS: readonly {create: (deps: ProviderDeps) => Provider; commands?: readonly ProviderCommand[]}[] = [
    {create: deps => new ClaudeProvider(deps), commands: [statuslineCommand]},
    {create: deps => new CodexProvider(deps)},
    {create: () => new GeminiProvider()},
    {create: () => new AntigravityProvider()},
    {create: deps => new CopilotProvider(deps)},
    {create: deps => new OpenAIAdminProvider(deps)},
    {create: deps => new AnthropicAdminProvider(deps)},
    {create: deps => new CopilotOrgProvider(deps)},
];

export function createProviders(deps: ProviderDeps): Provider[] {
    return PROVIDERS.map(entry => entry.create(deps));
}

/** The commands providers add to `ai-usage-meter`. */
export const providerCommands = (): ProviderCommand[] => PROVIDERS.flatMap(entry => entry.commands ?? []);
