// A shared URL gives the same frame: open lesson 5 at 3500 ms, fork it, arm a fault by clicking
// the worker in the partitions view (its fault menu), step on, press #share, and open #share-url's
// URL in a fresh page: the partitions, ledger and groups views show the same data-* attributes and
// body the same data-at and data-step. And the "act at this moment" form arms a fault the same way.
// No console or page errors on any page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser } from './browser.mjs';
import { startServer } from './server.mjs';
import { lessonFragment, loadLessons } from './lib-lessons.mjs';
import {
  applyFaultByForm,
  applyFaultByMenu,
  clickAndSettle,
  open,
  settled,
  shareUrl,
  tapeOfUrl,
  viewAttributes,
  watch,
} from './lib-page.mjs';

const LESSON = loadLessons().find((l) => l.id === 5);
const RUN = LESSON.runs[0];
const VIEWS = ['partitions', 'ledger', 'groups'];

let server;
let browser;
let page;

before(async () => {
  server = await startServer();
  browser = await openBrowser();
  page = browser.page;
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
});

after(async () => {
  await browser?.close();
  server?.stop();
});

async function frameOf(p) {
  const body = await p.evaluate(() => ({ at: document.body.dataset.at, step: document.body.dataset.step }));
  const views = {};
  for (const v of VIEWS) views[v] = await viewAttributes(p, v);
  return { body, views };
}

/// Presses #share and returns the URL and the tape inside it.
async function share() {
  await page.click('#share');
  const url = await shareUrl(page);
  assert.match(url, /#v=2&/, `#share-url holds a v2 URL: ${url}`);
  assert.match(url, /[#&]tape=/, 'a forked run is shared as its tape, not as the lesson');
  return { url, tape: tapeOfUrl(url) };
}

test('a forked lesson with a fault armed by clicking, shared, opens at the same frame in a fresh page', async () => {
  // At 3500 ms the worker has restarted (it crashed before its commit at about 1000 ms).
  await open(page, server.url, lessonFragment(LESSON.id, RUN.name, 3500));
  await page.click('#fork');
  await settled(page);
  const fault = await applyFaultByMenu(page, { name: 'worker', fault: 'drop', direction: 'response', api: 'Fetch' });
  // Run on past the fault so the frame differs from the lesson's own.
  for (let i = 0; i < 5; i++) await clickAndSettle(page, '#step-forward');
  const { url, tape } = await share();
  const armed = tape.actions.filter((a) => a.op === 'fault');
  assert.equal(armed.length, 1, `the shared tape holds the fault armed by clicking (${JSON.stringify(fault)})`);
  assert.deepEqual(
    [armed[0].node, armed[0].fault, armed[0].direction, armed[0].api],
    ['worker', 'drop', 'response', 'Fetch'],
  );
  const mine = await frameOf(page);
  for (const v of VIEWS) assert.ok(mine.views[v]?.length, `the ${v} view shows data-* attributes`);

  const fresh = watch(await page.context().newPage(), browser.problems);
  try {
    await fresh.goto(url);
    await settled(fresh);
    const theirs = await frameOf(fresh);
    assert.deepEqual(theirs.body, mine.body, 'body data-at and data-step');
    for (const v of VIEWS) assert.deepEqual(theirs.views[v], mine.views[v], `the ${v} view's data-* attributes`);
  } finally {
    await fresh.close();
  }
  assert.deepEqual(browser.problems.splice(0), [], 'console or page errors');
});

test('the act-at-this-moment form arms a fault that the shared tape carries', async () => {
  await open(page, server.url, lessonFragment(LESSON.id, RUN.name, 3500));
  await applyFaultByForm(page, { target: 'app:', fault: 'drop', direction: 'response', api: 'Fetch' });
  const { tape } = await share();
  const armed = tape.actions.filter((a) => a.op === 'fault');
  assert.deepEqual(
    armed.map((a) => [a.node, a.fault, a.direction, a.api]),
    [['worker', 'drop', 'response', 'Fetch']],
    'the form applied its fault',
  );
  assert.deepEqual(browser.problems.splice(0), [], 'console or page errors');
});
