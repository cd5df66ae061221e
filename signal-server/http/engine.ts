// Loads uWebSockets.js and tells whether its native binary loaded. The package silently returns a `ws`
// shim when the binary does not fit this Node.js build; we detect that and use our own fallback instead.
import { createRequire } from 'node:module';
import type { Engine, UwsModule } from './engine-api';
import { createFallbackUws } from './fallback-engine';

// Not named `require`: build.mjs prepends its own top-level `require` to the bundle.
const requireModule = createRequire(import.meta.url);

/** Swap in the official build by changing the package alias only: the import name stays uWebSockets.js. */
const UWS = 'uWebSockets.js';

export function loadEngine(): Engine {
  const uws: unknown = requireModule(UWS);
  if (isNativeAddon(uws)) return { kind: 'native', uws: uws as UwsModule };
  // The shim cannot serve us (no upgrade handler, no user data, query strings break routing), so the
  // fallback is ours, on the same `ws` package the shim would have used.
  const requireFromUws = createRequire(requireModule.resolve(UWS));
  return { kind: 'fallback', uws: createFallbackUws(requireFromUws('ws')) };
}

/** Native iff the module object is the exports of a loaded `.node` file, whatever path led there. */
function isNativeAddon(exports: unknown): boolean {
  return Object.values(requireModule.cache).some(
    (module) => module !== undefined && module.exports === exports && module.filename.endsWith('.node'),
  );
}
