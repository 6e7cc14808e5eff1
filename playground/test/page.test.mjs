// The playground in headless Chromium: a lost acknowledgement, the retry, two copies of
// one record in the log, the markers moving, the consumer reading both copies, the same
// frame again from the URL, no console errors, and a screenshot of a seeded, paused frame.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openBrowser } from './browser.mjs';
import { startServer } from './server.mjs';

const OUTPUT = fileURLToPath(new URL('./output/', import.meta.url));
const STEPS_MAX = 60;

let server;
let browser;
let page;

before(async () => {
  server = await startServer();
  browser = await openBrowser();
  page = browser.page;
});

after(async () => {
  await browser?.close();
  server?.stop();
});

async function open(fragment = '') {
  await page.goto(`${server.url}${fragment}`);
  // A fragment-only change does not reload; make sure this is a fresh load of the page.
  await page.reload();
  await ready();
}

async function ready() {
  await page.waitForSelector('body[data-ready]', { timeout: 15_000 });
  if ((await page.getAttribute('body', 'data-ready')) !== 'true') {
    assert.fail(`the page did not start: ${await page.locator('#error').innerText()}`);
  }
}

const partition = () => page.locator('section.partition[data-topic="demo"][data-partition="0"]');
const attr = async (name) => partition().getAttribute(`data-${name}`);
const num = async (name) => Number(await attr(name));

async function stepUntil(done, what) {
  for (let i = 0; i < STEPS_MAX; i++) {
    if (await done()) return i;
    await page.click('#step');
  }
  assert.fail(`${what}: not after ${STEPS_MAX} steps`);
}

test('the page loads the engine and draws an empty log with its markers', async () => {
  await open();
  assert.equal(await num('log-start-offset'), 0);
  assert.equal(await num('high-watermark'), 0);
  assert.equal(await num('log-end-offset'), 0);
  assert.equal(await num('consumer-position'), 0);
  assert.equal(await partition().locator('.cell[data-offset]').count(), 0);
  for (const m of ['log-start-offset', 'high-watermark', 'log-end-offset', 'consumer-position']) {
    assert.equal(await partition().locator(`[data-marker="${m}"]`).getAttribute('data-offset'), '0', m);
  }
  assert.match(await page.locator('#clock').getAttribute('data-now-ms'), /^\d+$/);
});

test('a dropped acknowledgement makes the retry store a duplicate', async () => {
  await open();
  await page.click('#drop');
  assert.equal(await page.getAttribute('#drop', 'aria-pressed'), 'true');
  await page.fill('#value', 'hello');
  await page.click('#produce');
  assert.equal(await page.locator('#producer tr[data-value="hello"]').getAttribute('data-state'), 'in-flight');

  // The first copy lands; its acknowledgement is dropped on the way back.
  await stepUntil(async () => (await num('log-end-offset')) === 1, 'first copy stored');
  await stepUntil(async () => (await page.getAttribute('#drop', 'aria-pressed')) === 'false', 'ack dropped');
  assert.equal(await page.locator('#journal li.fault', { hasText: 'DROPPED' }).count(), 1);
  assert.equal(await page.locator('#producer tr[data-value="hello"]').getAttribute('data-state'), 'in-flight');
  const before = Number(await page.locator('#clock').getAttribute('data-now-ms'));

  // The producer times out (request.timeout.ms=1000) and sends the batch again.
  await stepUntil(async () => (await num('log-end-offset')) === 2, 'retry stored');
  const after = Number(await page.locator('#clock').getAttribute('data-now-ms'));
  assert.ok(after - before >= 900, `the retry waits for the request timeout (${before} -> ${after} ms)`);
  assert.equal(await num('high-watermark'), 2);

  const cells = partition().locator('.cell[data-value="hello"]');
  assert.equal(await cells.count(), 2);
  assert.deepEqual(await cells.evaluateAll((cs) => cs.map((c) => c.dataset.offset)), ['0', '1']);
  assert.equal(await cells.nth(0).getAttribute('data-duplicate-of'), null);
  assert.equal(await cells.nth(1).getAttribute('data-duplicate-of'), '0');
  assert.equal(await cells.nth(1).locator('[data-duplicate]').innerText(), 'DUPLICATE of @0');
  assert.equal(await num('duplicates'), 1);

  // The retry's acknowledgement arrives: the producer believes it sent once, at offset 1.
  await stepUntil(
    async () => (await page.locator('#producer tr[data-value="hello"]').getAttribute('data-state')) === 'acknowledged',
    'retry acknowledged',
  );
  assert.match(await page.locator('#producer tr[data-value="hello"]').innerText(), /offset 1/);

  // The consumer reads both copies (as its fetches bring them) and its position passes them.
  assert.equal(await num('consumer-position'), 0);
  const polled = page.locator('#consumers li[data-value="hello"]');
  for (let i = 0; i < 10 && (await polled.count()) < 2; i++) {
    await page.click('#wait');
    await page.click('#poll');
  }
  assert.equal(await polled.count(), 2);
  assert.equal(await num('consumer-position'), 2);
  assert.equal(await partition().locator('[data-marker="consumer-position"]').getAttribute('data-offset'), '2');

  // The URL holds (seed, tape): loading it again gives the same frame.
  const url = page.url();
  assert.match(url, /#v=1&seed=\d+&tape=drop\.produce:hello\./);
  const frame = async () => ({
    html: await page.locator('#partitions').innerHTML(),
    now: await page.locator('#clock').getAttribute('data-now-ms'),
  });
  const first = await frame();
  await page.goto('about:blank');
  await page.goto(url);
  await ready();
  assert.deepEqual(await frame(), first);

  // Back undoes the poll (a replay of the tape without it).
  await page.click('#back');
  assert.equal(await num('consumer-position'), 0);
  assert.equal(await page.locator('#consumers li[data-value]').count(), 0);
});

test('a seeded, paused frame: screenshot for a person to look at', async () => {
  // Drop the next ack, produce m1, wait past the retry, produce m2, let the consumer fetch, poll.
  const tape = ['drop', 'produce:m1', 'wait:1500', 'produce:m2', 'wait:100', 'poll', 'wait:600', 'poll', 'step', 'step'];
  await open(`#v=1&seed=7&tape=${tape.join('.')}`);
  assert.equal(await page.locator('body').getAttribute('data-tape-length'), String(tape.length));
  assert.equal(await partition().locator('.cell[data-value="m1"]').count(), 2);
  assert.equal(await partition().locator('.cell[data-value="m2"]').count(), 1);
  assert.equal(await num('log-end-offset'), 3);
  assert.equal(await num('consumer-position'), 3);
  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: `${OUTPUT}/duplicate-seed-7.png`, fullPage: true });
});

test('no console errors or page errors', () => {
  assert.deepEqual(browser.problems, []);
});
