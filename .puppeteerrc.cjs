// Puppeteer's own browser download cannot reach its host here; tests use the system Chromium
// (PUPPETEER_EXECUTABLE_PATH, then /usr/bin/chromium — see tests/support/browser.ts).
module.exports = { skipDownload: true };
