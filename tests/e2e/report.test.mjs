// The HTML report (locust-run --html, or the web UI's /stats/report) in
// headless Chromium, opened as a file with the network off, as someone opens
// a report after a CI run: the tables are filled, and each chart has drawn
// (a screenshot of it has enough pixels that are not the white background).
//
// The thresholds' pass/fail table holds a row per threshold of the report's
// data, each with its verdict (and, when THRESHOLDS is given, that many).
//
//   node report.test.mjs REPORT.html ARTIFACT.png [THRESHOLDS]
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [file, artifact, nThresholds] = process.argv.slice(2);
if (!file || !artifact) {
  console.error('usage: node report.test.mjs REPORT.html ARTIFACT.png [THRESHOLDS]');
  process.exit(2);
}
const deadline = setTimeout(() => {
  console.error('not ok - timed out after 60 s');
  process.exit(1);
}, 60_000);

const profile = mkdtempSync(join(tmpdir(), 'locust-report-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  offline: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  viewport: { width: 1200, height: 900 },
  deviceScaleFactor: 1,
});
let failed = false;
try {
  const page = context.pages()[0] || await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  // Self-contained: no request may leave the file.
  page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`request: ${r.url()}`); });
  await page.goto('file://' + resolve(file));
  await page.waitForSelector('body[data-charts="drawn"]', { timeout: 10_000 });
  console.log('ok 1 - the page ran its script and drew the charts (Chart.js inlined)');

  const rows = await page.$$eval('#stats tr', (trs) => trs.map((tr) => tr.textContent));
  assert.ok(rows.length >= 3, `stats table rows: ${rows.length}`);
  assert.ok(rows.some((r) => r.includes('Aggregated')), 'no Aggregated row');
  assert.ok(rows.some((r) => r.includes('GET/')), 'no GET / row');
  const pct = await page.$$eval('#percentiles tr', (trs) => trs.length);
  assert.equal(pct, rows.length);
  const fails = await page.$eval('#failures', (t) => t.textContent);
  assert.match(fails, /500 Server Error/);
  const meta = await page.$eval('#meta', (t) => t.textContent);
  assert.match(meta, /Start\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  console.log('ok 2 - settings, stats, percentiles and failures tables are filled');

  const judged = await page.evaluate('REPORT.thresholds');
  if (nThresholds !== undefined) assert.equal(judged.length, Number(nThresholds), 'thresholds in the report');
  const verdicts = await page.$$eval('#thresholds tr', (trs) => trs.slice(1).map((tr) =>
    Array.from(tr.cells, (c) => c.textContent)));
  if (judged.length === 0) assert.deepEqual(verdicts, [['None']]);
  else assert.deepEqual(verdicts.map((r) => [r[0], r[2]]), judged.map((t) => [t.expression, t.passed ? 'pass' : 'FAIL']));
  console.log(`ok - the thresholds table has the ${judged.length} verdicts of the report`);

  await page.screenshot({ path: artifact, fullPage: true });
  for (const id of ['chart-rps', 'chart-rt', 'chart-users']) {
    const png = await page.locator('#' + id).screenshot();
    // The browser decodes its own screenshot: count the pixels that are not white.
    const inked = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = 'data:image/png;base64,' + b64;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width; c.height = img.height;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235) n++;
      return { n, total: d.length / 4 };
    }, png.toString('base64'));
    assert.ok(inked.n > 1500, `${id}: only ${inked.n} of ${inked.total} pixels drawn`);
    console.log(`ok - ${id} has ${inked.n} drawn pixels of ${inked.total}`);
  }
  assert.deepEqual(problems, []);
  console.log('ok 3 - no script error and no network request');
} catch (e) {
  failed = true;
  console.error('not ok -', e.stack || e.message);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  clearTimeout(deadline);
}
process.exit(failed ? 1 : 0);
