#!/usr/bin/env node
// Committed entry point, so the bin links on install before dist/ is built; importing runs the CLI.
import '../dist/cli.mjs';
