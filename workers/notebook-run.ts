#!/usr/bin/env node
/**
 * The notebook_run worker as a standalone entry point (`node dist/workers/notebook-run.js [flags]`), the
 * same as `nbconductor worker [flags]`: configuration from env/flags, SIGTERM/SIGINT drain and exit 0.
 */
import { runFromProcess } from '../src/cli/main';

runFromProcess(['worker', ...process.argv.slice(2)]);
