// Whether a URL lies under one of the site's `mediaUrls` (WorkerSettings): the only media the worker may handle.
// Everything else is left to the browser without respondWith, as if Peerlane were not installed.

interface Scope {
  origin: string;
  /** Path prefix, matched at a `/` boundary: '/media' covers '/media' and '/media/…', not '/media2/…'. */
  path: string;
}

/** Parsed once per settings list (a new `hello` brings a new array). */
const parsed = new WeakMap<readonly string[], { base: string; scopes: Scope[] }>();

function scopesOf(mediaUrls: readonly string[], base: string): Scope[] {
  const cached = parsed.get(mediaUrls);
  if (cached?.base === base) return cached.scopes;
  const scopes: Scope[] = [];
  for (const entry of mediaUrls) {
    // Paths are on the worker's origin (the page's: a worker only controls pages of its own origin).
    const url = parseUrl(entry, `${base}/`);
    if (url) scopes.push({ origin: url.origin, path: url.pathname });
  }
  parsed.set(mediaUrls, { base, scopes });
  return scopes;
}

/** True when `url` is under one of `mediaUrls` (absolute URLs, or paths on `origin`, the worker's). */
export function inMediaScope(url: string, mediaUrls: readonly string[], origin: string): boolean {
  const target = parseUrl(url);
  if (!target) return false;
  return scopesOf(mediaUrls, origin).some(
    ({ origin: scopeOrigin, path }) =>
      scopeOrigin === target.origin &&
      (target.pathname === path || target.pathname.startsWith(path.endsWith('/') ? path : `${path}/`)),
  );
}

/** `URL.parse` without needing it (Chrome 126+, Safari 18+): null when not a URL. */
function parseUrl(text: string, base?: string): URL | null {
  try {
    return new URL(text, base);
  } catch {
    return null;
  }
}
