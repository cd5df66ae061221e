// The report's other outputs: the headline table on stdout and report.png, a screenshot of report.html.
import { pathToFileURL } from 'node:url';
import { launchChromium } from '../../tests/support/browser';
import { compareRuns, HEADLINES } from './report-headlines';
import type { SwarmReport } from './report-html';
import { matchingRows } from './report-matching';

export function printSummary(report: SwarmReport): void {
  const width = Math.max(...HEADLINES.map((row) => row.label.length));
  console.log(`\n${''.padEnd(width)}  ${'CDN only'.padStart(12)}  ${'Peerlane'.padStart(12)}  change`);
  for (const row of HEADLINES) {
    const cells = [row.value(report.cdnOnly).padStart(12), row.value(report.peerlane).padStart(12)];
    console.log(`${row.label.padEnd(width)}  ${cells.join('  ')}  ${compareRuns(row, report)}`);
  }
  if (report.peerlane.sameIspShare === undefined) return;
  console.log(
    `\n${''.padEnd(width)}  ${'matching'.padStart(20)}  ${report.random ? 'random'.padStart(20) : ''}`,
  );
  for (const [label = '', ...values] of matchingRows(report.peerlane, report.random))
    console.log(`${label.padEnd(width)}  ${values.map((value) => value.padStart(20)).join('  ')}`);
}

/** Renders the HTML in headless Chromium at a desktop width and saves the whole page. */
export async function screenshotReport(htmlFile: string, pngFile: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1220, height: 900, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });
    await page.screenshot({ path: pngFile as `${string}.png`, fullPage: true });
  } finally {
    await browser.close();
  }
}
