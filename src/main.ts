#!/usr/bin/env node
// The `beta-suite` command's entry, and the only module that reads process.env. It makes the
// process-wide V8 settings (WebAssembly's tier, heap growth; see core/v8-settings.ts) and only then
// loads the command (cli.ts): a module imported statically here would be linked before the settings,
// and linking alone can compile WebAssembly (Node 22 compiles its HTTP client's parser while it links
// `node:http`).
import './core/v8-settings.js';

const { runCommand } = await import('./cli.js');
await runCommand(process.argv.slice(2), process.env);
