// The dashboard in Debian's headless Chromium, driven by playwright-core, for dev.cde.bridge.web.DashboardBrowserIT.
// The Java test started the bridge, a GitHub job whose runner prints over time (stand-in-printing-runner.sh) and a
// session with an open terminal; this script is the person at the browser. It logs in with the API token, opens the
// job's live log, releases the runner (the gate files) so that lines are printed while the page is open, watches the
// terminal read-only, lets the job end and waits for its cost in the charts, then saves screenshots.
// Input (environment): CDE_URL, CDE_API_TOKEN, CDE_JOB_SESSION, CDE_TERMINAL_SESSION, CDE_REPOSITORY, CDE_GATE,
// CDE_SCREENSHOTS, CDE_OUT, CDE_CHROMIUM. Output: CDE_OUT (JSON: what the page showed and received). Exit 0 when
// every step was seen; otherwise 1 with the step that failed on stderr.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const env = process.env;
const base = env.CDE_URL.replace(/\/$/, '');
const STEP_TIMEOUT = 60000;

const step = (text) => console.log(`dashboard.mjs: ${text}`);

/** The text of a terminal view: xterm's DOM renderer keeps one div per row (spaces as no-break spaces). */
const termText = (page, selector) => page.$eval(selector, (el) => {
  const rows = el.querySelector('.xterm-rows');
  return rows ? Array.from(rows.children, (r) => r.textContent.replace(/\u00a0/g, ' ')).join('\n') : '';
});

async function waitForText(page, selector, text, what) {
  try {
    await page.waitForFunction(([sel, t]) => {
      const rows = document.querySelector(`${sel} .xterm-rows`);
      return rows && rows.textContent.replace(/\u00a0/g, ' ').includes(t);
    }, [selector, text], { timeout: STEP_TIMEOUT, polling: 100 });
  } catch (e) {
    throw new Error(`${what}: "${text}" did not appear in ${selector}; it shows:\n${await termText(page, selector)}`);
  }
}

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cde-dashboard-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: env.CDE_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
});
const received = [];   // what the bridge sent the page: response bodies and WebSocket messages
const failures = [];   // page errors and failed requests
let exitCode = 0;
try {
  const page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
  // The first request of a page not logged in is answered 401 by design; Chromium logs that as a console error.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded with a status of 401')) {
      failures.push(`console: ${m.text()}`);
    }
  });
  page.on('requestfailed', (r) => step(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', async (r) => {
    // The follow streams of the logs end with their sessions; their text is read from the page instead.
    if (r.url().startsWith(base) && !r.url().includes('/logs') && !r.url().includes('/webjars/')) {
      try {
        received.push(`${r.status()} ${r.url()}\n${await r.text()}`);
      } catch (e) { /* a redirect or an aborted request has no body */ }
    }
  });
  page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(
    typeof f.payload === 'string' ? f.payload : Buffer.from(f.payload).toString('utf8'))));

  step('open the dashboard and log in with the API token');
  await page.goto(`${base}/dashboard`);
  await page.waitForSelector('#login:not([hidden])', { timeout: STEP_TIMEOUT });
  await page.fill('#login-token', env.CDE_API_TOKEN);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#main:not([hidden])', { timeout: STEP_TIMEOUT });
  const scriptCookies = await page.evaluate(() => document.cookie);

  step(`the job's session ${env.CDE_JOB_SESSION} appears; open its live log`);
  const jobRow = `#sessions tr[data-session="${env.CDE_JOB_SESSION}"]`;
  await page.waitForSelector(jobRow, { timeout: STEP_TIMEOUT });
  const jobCell = await page.$eval(jobRow, (tr) => tr.cells[1].textContent);
  await page.click(jobRow);
  await waitForText(page, '#log-view', 'dashboard-test: before the page opened', 'the log so far');
  const colouredBefore = await page.$$eval('#log-view .xterm-rows span.xterm-fg-2',
    (spans) => spans.map((s) => s.textContent.replace(/\u00a0/g, ' ')).join(''));
  const logBeforeRelease = await termText(page, '#log-view');

  step('release the runner: the next lines are printed only now, with the page open');
  fs.writeFileSync(path.join(env.CDE_GATE, 'release'), '');
  await waitForText(page, '#log-view', 'after the page opened, line 3', 'the lines printed after the page opened');
  const stateWhileLive = await page.$eval('#detail-state', (e) => e.textContent);

  step(`watch the terminal of session ${env.CDE_TERMINAL_SESSION}, read-only`);
  const termRow = `#sessions tr[data-session="${env.CDE_TERMINAL_SESSION}"]`;
  await page.waitForSelector(termRow, { timeout: STEP_TIMEOUT });
  await page.click(termRow);
  await page.waitForSelector('#terminal-choice:not([hidden])', { timeout: STEP_TIMEOUT });
  await page.click('#terminal-watch');
  await page.locator('#terminal-view').scrollIntoViewIfNeeded();
  await waitForText(page, '#terminal-view', 'term-view-42', 'the watched terminal');
  // Keys typed into the view must go nowhere (the Java test checks the terminal never saw them).
  await page.click('#terminal-view');
  await page.keyboard.type('echo typed-by-viewer\n');
  await page.screenshot({ path: path.join(env.CDE_SCREENSHOTS, 'dashboard-terminal.png'), fullPage: true });

  step('let the job end; its cost appears in the charts');
  fs.writeFileSync(path.join(env.CDE_GATE, 'finish'), '');
  await page.click(jobRow);
  await waitForText(page, '#log-view', 'end of log', 'the end of the log once the session ended');
  const costs = await (async () => {
    const deadline = Date.now() + STEP_TIMEOUT;
    for (;;) {
      await page.click('#cost-filter button[type=submit]');
      await page.waitForTimeout(500);
      const c = await page.evaluate(() => {
        const data = (id) => {
          const chart = Chart.getChart(id);
          return chart ? { labels: chart.data.labels, values: chart.data.datasets[0].data } : null;
        };
        return { byDay: data('cost-by-day'), byRepository: data('cost-by-repository') };
      });
      if (c.byRepository && c.byRepository.labels.includes(env.CDE_REPOSITORY)) {
        return c;
      }
      if (Date.now() > deadline) {
        throw new Error(`the cost chart by repository never showed ${env.CDE_REPOSITORY}: ${JSON.stringify(c)}`);
      }
    }
  })();
  // Charts draw on canvas: a drawn chart has non-blank pixels where an empty one has none.
  const drawn = await page.$eval('#cost-by-repository', (canvas) => {
    const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < d.length; i += 4) {
      if (d[i] !== 0) painted++;
    }
    return painted;
  });
  const costJobs = await page.$$eval('#cost-jobs tbody tr', (rows) => rows.map((r) => Array.from(r.cells, (c) => c.textContent)));
  await page.screenshot({ path: path.join(env.CDE_SCREENSHOTS, 'dashboard.png'), fullPage: true });

  fs.writeFileSync(env.CDE_OUT, JSON.stringify({
    scriptCookies, jobCell, colouredBefore, logBeforeRelease, stateWhileLive,
    logAtEnd: await termText(page, '#log-view'),
    costs, drawn, costJobs,
    pageText: await page.evaluate(() => document.body.innerText),
    pageHtml: await page.content(),
    received, failures,
  }, null, 1));
  step('done');
} catch (e) {
  console.error(`dashboard.mjs: ${e.message}`);
  console.error(failures.join('\n'));
  try {
    const page = context.pages()[0];
    await page.screenshot({ path: path.join(env.CDE_SCREENSHOTS, 'dashboard-failed.png'), fullPage: true });
  } catch (ignored) { /* no page to show */ }
  exitCode = 1;
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(exitCode);
