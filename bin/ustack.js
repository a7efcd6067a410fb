#!/usr/bin/env node
// The `ustack` command: runs the TypeScript CLI through tsx (ustack ships its sources, no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
