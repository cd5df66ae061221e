// CPU time of a viewer's page: its main thread (player, Peerlane's page agent, the probe), from DevTools'
// Performance domain. Workers have no such domain: their share is in the Chromium tree's total (machine-load.ts).
import type { Page } from 'puppeteer';

/** Opens the meter before the page loads; the reader returns seconds so far, null once the page is gone. */
export async function mainThreadCpu(page: Page): Promise<() => Promise<number | null>> {
  const session = await page.createCDPSession();
  await session.send('Performance.enable');
  return async () => {
    try {
      const { metrics } = await session.send('Performance.getMetrics');
      return metrics.find((metric) => metric.name === 'TaskDuration')?.value ?? null;
    } catch {
      return null;
    }
  };
}
