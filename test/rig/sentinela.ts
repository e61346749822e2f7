// Runs the real CLI from source (no build needed): `node --import tsx test/rig/sentinela.ts start`.
import { runCli } from '../../src/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
