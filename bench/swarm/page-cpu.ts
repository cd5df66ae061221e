// CPU time of a viewer's page: its main thread (player, Peerlane's page agent, the probe), from DevTools'
// Performance domain. Workers have no such domain: their share is in the Chromium tree's total (machine-load.ts).
import type { Page } from 'puppeteer';

/** Opens the meter; the reader returns seconds since it opened, null once the page is gone. */
export async function mainThreadCpu(page: Page): Promise<() => Promise<number | null>> {
  const session = await page.createCDPSession();
  await session.send('Performance.enable');
  const read = async () => {
    try {
      const { metrics } = await session.send('Performance.getMetrics');
      return metrics.find((metric) => metric.name === 'TaskDuration')?.value ?? null;
    } catch {
      return null;
    }
  };
  // The renderer's count goes on across navigations: a returning viewer's first visit (--returning) is not its own.
  const opened = (await read()) ?? 0;
  return async () => {
    const total = await read();
    return total === null ? null : total - opened;
  };
}
