// Keeps `npm ci` working against registries that mirror only some platforms: npm records every optional
// platform package a dependency lists (biome's darwin/win32/android builds), and `npm ci` then refuses a
// lockfile that lacks the ones the registry does not have. This drops those absent optional entries.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
let pruned = 0;
for (const [key, entry] of Object.entries(lock.packages ?? {})) {
  const optional = entry.optionalDependencies;
  if (!optional) continue;
  for (const name of Object.keys(optional)) {
    if (!lock.packages[`node_modules/${name}`] && !lock.packages[`${key}/node_modules/${name}`]) {
      delete optional[name];
      pruned++;
    }
  }
}
if (pruned > 0) writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
