#!/usr/bin/env node
// A command of the package (package.json `bin`): runs this folder's main.ts, bundled (see run-command.mjs).
import { runCommand } from '../../run-command.mjs';

await runCommand(import.meta.url);
