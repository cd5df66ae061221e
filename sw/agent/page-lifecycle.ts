// The page's lifecycle as the QoE reports need it: hidden (tab switched, window minimised, and the last moment
// a closing page surely runs on mobile) and unload (pagehide; `persisted`: it enters the back/forward cache
// and may come back).

export interface PageLifecycle {
  /** Calls `hidden` when the page turns hidden, `unload` on pagehide; returns what removes the listeners. */
  listen(hidden: () => void, unload: (persisted: boolean) => void): () => void;
}

export const browserLifecycle: PageLifecycle = {
  listen(hidden, unload) {
    if (typeof document === 'undefined') return () => {};
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') hidden();
    };
    const onPageHide = (event: PageTransitionEvent) => unload(event.persisted);
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('pagehide', onPageHide);
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('pagehide', onPageHide);
    };
  },
};
