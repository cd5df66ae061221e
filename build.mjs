// Builds every shipped artifact into dist/ with esbuild (targets: build-targets.mjs), and the page API's
// declarations (build-types.mjs). `node build.mjs --watch` rebuilds the bundles on change.
import { build, context } from 'esbuild';
import { common, targets } from './build-targets.mjs';
import { buildTypes } from './build-types.mjs';

if (process.argv.includes('--watch')) {
  for (const target of targets) await (await context({ ...common, ...target })).watch();
} else {
  await Promise.all([...targets.map((target) => build({ ...common, ...target })), buildTypes()]);
}
