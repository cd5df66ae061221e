// Bounds a wait on storage: IndexedDB can block indefinitely (an old tab holding a connection open during an
// upgrade), and the worker must never make the player wait on it.

/** `promise`'s value, or `fallback` once `ms` have passed (the promise keeps running; its result is dropped). */
export function withTimeout<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expiry = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}
