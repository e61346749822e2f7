#!/usr/bin/env node
// Entry point of the `sentinela` CLI: runs the compiled TypeScript (built by `npm ci` through the prepare script).
import { runCli } from '../dist/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
