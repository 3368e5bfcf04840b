// The web UI in headless Chromium, the way a person uses it (run by
// tests/test_web_e2e with the page's URL and a folder for artifacts):
// start a swarm from the form, watch the table fill and the charts draw,
// change the user count, look at failures and exceptions, stop, download
// the CSV, and save screenshots.
//
//   node ui.test.mjs http://127.0.0.1:PORT/ ARTIFACT_DIR [website|basic]
//
// "website" (the default) is tests/web_e2e_server's scenario, with a failing
// endpoint and a task exception; "basic" is examples/basic.c run by
// locust-run, which has neither.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, artifacts, mode = 'website'] = process.argv.slice(2);
if (!url || !artifacts || !['website', 'basic'].includes(mode)) {
  console.error('usage: node ui.test.mjs URL ARTIFACT_DIR [website|basic]');
  process.exit(2);
}
const website = mode === 'website';
const shot = (name) => join(artifacts, website ? `${name}.png` : `${name}-locust-run.png`);
const expectedRows = website ? ['/', '/delay/[ms]', '/json', '/status/500'] : ['/', '/login', '/profile'];

// Never hang a test run: the whole script has two minutes.
const deadline = setTimeout(() => {
  console.error('not ok - timed out after 120 s');
  process.exit(1);
}, 120_000);

const started = Date.now();
let steps = 0;
function ok(what) {
  steps++;
  console.log(`ok ${steps} - ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

rmSync(shot('web-ui-failure'), { force: true });
const profile = mkdtempSync(join(tmpdir(), 'locust-e2e-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1440, height: 900 },
  deviceScaleFactor: 1,
  acceptDownloads: true,
});

const problems = [];
let failed = false;
try {
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));

  // ---- the start form ----
  await page.goto(url);
  assert.match(await page.title(), /^Locust/);
  assert.equal(await page.getAttribute('body', 'class'), 'ready');
  assert.ok(await page.isVisible('#swarm-form'), 'the start form shows when ready');
  assert.ok(!(await page.isVisible('#stats-table')), 'no statistics before a test');
  assert.match(await page.textContent('#host'), /^http:\/\/127\.0\.0\.1:\d+$/);
  ok('page loads in state ready with the start form');

  // A bad value is refused with the server's message naming the field.
  await page.fill('#locust_count', '20');
  await page.fill('#hatch_rate', '0');
  await page.click('#swarm-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#swarm-form .form-error').textContent !== '');
  assert.equal(await page.textContent('#swarm-form .form-error'), 'hatch_rate must be a number >= 0.001 (users per second)');
  // Chromium logs that deliberate 400 on the console; it is the only error allowed.
  problems.splice(0, problems.length, ...problems.filter((p) => !/status of 400/.test(p)));
  ok('an invalid hatch rate is refused with a message');

  await page.fill('#hatch_rate', '10');
  await page.click('#swarm-form button[type=submit]');
  await page.waitForSelector('body.hatching, body.running', { timeout: 5000 });
  ok('the swarm starts from the form');

  // ---- the statistics table fills ----
  // Every expected row, not a count of rows: on a loaded machine the slow /delay request may
  // not have finished when the quick ones are already listed.
  await page.waitForFunction((want) => {
    const names = [...document.querySelectorAll('#stats-table tbody td.name')].map((td) => td.textContent);
    const total = document.querySelector('#stats-table tfoot tr');
    return want.every((n) => names.includes(n)) && total &&
      Number(total.children[2].textContent.replace(/,/g, '')) > 0;
  }, expectedRows, { timeout: 15000 });
  const names = await page.$$eval('#stats-table tbody td.name', (tds) => tds.map((td) => td.textContent));
  for (const n of expectedRows) assert.ok(names.includes(n), `row ${n} in ${names}`);
  assert.equal(await page.textContent('#stats-table tfoot td.name'), 'Total');
  ok(`the statistics table fills (${names.length} rows + Total)`);

  await page.waitForFunction(() => document.querySelector('#user-count').textContent === '20', null,
    { timeout: 10000 });
  await page.waitForSelector('body.running', { timeout: 10000 });
  assert.match(await page.textContent('#total-rps'), /^\d+\.\d\d$/);
  assert.match(await page.textContent('#fail-ratio'), /^\d+%$/);
  ok('the header shows 20 users, running, RPS and failures');

  // Sorting by a column keeps Total pinned below the other rows.
  await page.click('#stats-table th[data-key=num_requests]');
  const counts = await page.$$eval('#stats-table tbody tr',
    (trs) => trs.map((tr) => Number(tr.children[2].textContent.replace(/,/g, ''))));
  assert.deepEqual(counts, [...counts].sort((a, b) => b - a));
  assert.equal(await page.textContent('#stats-table tfoot td.name'), 'Total');
  await page.click('#stats-table th[data-key=name]');
  const sorted = await page.$$eval('#stats-table tbody td.name', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(sorted, [...sorted].sort((a, b) => a.localeCompare(b)));
  ok('columns sort and Total stays last');

  // ---- the charts draw ----
  await page.click('.tab[data-tab=charts]');
  await page.waitForFunction(() => {
    const c = Chart.getChart('chart-rps');
    return c && c.data.labels.length >= 3 && c.data.datasets[0].data.some((v) => v > 0);
  }, null, { timeout: 20000 });
  const painted = await page.evaluate(() => {
    // Counts the pixels of each chart's line colour: a blank or axes-only canvas has none.
    function count(id, rgb) {
      const cv = document.getElementById(id);
      const ctx = cv.getContext('2d');
      const d = ctx.getImageData(0, 0, cv.width, cv.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] > 200 && Math.abs(d[i] - rgb[0]) < 40 && Math.abs(d[i + 1] - rgb[1]) < 40 &&
            Math.abs(d[i + 2] - rgb[2]) < 40) n++;
      }
      return n;
    }
    return {
      rps: count('chart-rps', [16, 185, 129]),
      median: count('chart-response', [59, 130, 246]),
      users: count('chart-users', [139, 92, 246]),
      lastUsers: Chart.getChart('chart-users').data.datasets[0].data.at(-1),
    };
  });
  assert.ok(painted.rps > 150, `RPS chart has a line (${painted.rps} px)`);
  assert.ok(painted.median > 150, `response time chart has a line (${painted.median} px)`);
  assert.ok(painted.users > 150, `user chart has a line (${painted.users} px)`);
  assert.equal(painted.lastUsers, 20);
  await page.screenshot({ path: shot('web-ui-charts'), fullPage: true });
  ok(`the charts draw (${painted.rps}/${painted.median}/${painted.users} line pixels)`);

  // ---- failures and exceptions ----
  await page.click('.tab[data-tab=failures]');
  if (!website) {
    // examples/basic.c fails nothing: the tabs say so.
    assert.equal(await page.textContent('#failures-count'), '0');
    assert.ok(await page.isVisible('#pane-failures .empty'));
    assert.equal(await page.textContent('#exceptions-count'), '0');
    ok('no failures or exceptions are listed');
  } else {
  await page.waitForSelector('#failures-table tbody tr', { timeout: 10000 });
  const failure = await page.$$eval('#failures-table tbody tr:first-child td', (tds) => tds.map((t) => t.textContent));
  assert.equal(failure[1], 'GET');
  assert.equal(failure[2], '/status/500');
  assert.match(failure[3], /500/);
  await page.screenshot({ path: shot('web-ui-failures') });
  await page.click('.tab[data-tab=exceptions]');
  await page.waitForSelector('#exceptions-table tbody tr', { timeout: 12000 });
  assert.match(await page.textContent('#exceptions-table pre'), /cart was empty after checkout/);
  await page.screenshot({ path: shot('web-ui-exceptions') });
  ok('failures and exceptions are listed');
  }

  // ---- statistics screenshot for reports ----
  await page.click('.tab[data-tab=stats]');
  await page.waitForTimeout(300);
  await page.screenshot({ path: shot('web-ui'), fullPage: true });
  ok('screenshot saved');

  // ---- edit the user count while running ----
  await page.click('#edit-link');
  assert.ok(await page.isVisible('#edit-form'));
  assert.equal(await page.inputValue('#edit_locust_count'), '20');
  await page.fill('#edit_locust_count', '5');
  await page.click('#edit-form button[type=submit]');
  await page.waitForSelector('#edit', { state: 'hidden' });
  await page.waitForFunction(() => document.querySelector('#user-count').textContent === '5', null,
    { timeout: 10000 });
  ok('the edit form changes the count to 5');

  // ---- stop ----
  await page.click('#stop-button');
  await page.waitForSelector('body.stopped', { timeout: 5000 });
  await page.waitForFunction(() => document.querySelector('#state').textContent === 'stopped');
  await page.waitForFunction(() => document.querySelector('#user-count').textContent === '0', null,
    { timeout: 10000 });
  assert.ok(await page.isVisible('#new-test-link'));
  assert.ok(!(await page.isVisible('#stop-button')));
  ok('stop stops the test');

  // ---- download the CSV ----
  await page.click('.tab[data-tab=downloads]');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-requests')]);
  assert.match(download.suggestedFilename(), /^requests_\d+\.\d+\.csv$/);
  const csv = readFileSync(await download.path(), 'utf8');
  const lines = csv.split('\n');
  assert.equal(lines[0], '"Method","Name","# requests","# failures","Median response time",' +
    '"Average response time","Min response time","Max response time","Average Content Size","Requests/s"');
  assert.ok(lines.some((l) => l.startsWith('"GET","/",')), 'a row for GET /');
  assert.match(lines.at(-1), /^"None","Total",\d+,\d+,/);
  const total = lines.at(-1).split(',');
  assert.ok(Number(total[2]) > 0, 'Total counts requests');
  ok(`the requests CSV downloads (${lines.length} lines)`);

  // ---- a new test goes back to the form ----
  await page.click('.tab[data-tab=stats]');
  await page.click('#new-test-link');
  assert.ok(await page.isVisible('#swarm-form'));
  assert.ok(!(await page.isVisible('#stats-table')));
  await page.click('#back-link');
  assert.ok(await page.isVisible('#stats-table'));
  await page.click('#new-test-link');
  assert.ok(await page.isVisible('#swarm-form'));
  ok('"New test" shows the start form again, and the results can be brought back');

  assert.deepEqual(problems, [], 'no page errors');
  ok('no errors in the page');
} catch (e) {
  failed = true;
  console.error(`not ok - ${e.stack || e}`);
  if (problems.length) console.error(problems.join('\n'));
  try {
    await context.pages()[0]?.screenshot({ path: shot('web-ui-failure'), fullPage: true });
  } catch { /* the browser may be gone */ }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  clearTimeout(deadline);
}
console.log(failed ? '# failed' : `# all ${steps} steps passed`);
process.exit(failed ? 1 : 0);
