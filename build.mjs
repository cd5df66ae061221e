// Builds every shipped artifact into dist/ with esbuild (targets: build-targets.mjs).
// `node build.mjs --watch` rebuilds on change.
import { build, context } from 'esbuild';
import { common, targets } from './build-targets.mjs';

if (process.argv.includes('--watch')) {
  for (const target of targets) await (await context({ ...common, ...target })).watch();
} else {
  await Promise.all(targets.map((target) => build({ ...common, ...target })));
}
