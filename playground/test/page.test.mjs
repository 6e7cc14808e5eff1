// The page shell in headless Chromium: it loads the engine in its worker and lists the
// lessons; the transport (step both ways, scrub, play at a speed, next anomaly, fork) and its
// keyboard shortcuts; a format-1 link and a bad import are refused with messages naming the
// problem; embed mode shows only the views and transport; the sandbox applies a fault at the
// current time; the lesson-2 comparison is one click; no console errors.
// (Per-lesson checks are in lessons.test.mjs, shared links in share.test.mjs.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openBrowser } from './browser.mjs';
import { startServer } from './server.mjs';

const OUTPUT = fileURLToPath(new URL('./output/', import.meta.url));

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
  await page.goto('about:blank');
  await page.goto(`${server.url}${fragment}`);
  await ready();
}

async function ready() {
  await page.waitForFunction(() => ['true', 'failed'].includes(document.body.dataset.ready), null, { timeout: 30_000 });
  if ((await body('ready')) !== 'true') assert.fail(`the page did not start: ${await page.locator('#error').innerText()}`);
}

const blur = () => page.evaluate(() => document.activeElement?.blur());
const body = (name) => page.getAttribute('body', `data-${name}`);
const num = async (name) => Number(await body(name));

/** Waits until body[data-name] satisfies `ok` (the worker answers asynchronously). */
async function until(name, ok, what) {
  try {
    await page.waitForFunction(
      ([n, src]) => new Function('v', `return (${src})(v)`)(document.body.dataset[n]),
      [name.replace(/-(\w)/g, (_, c) => c.toUpperCase()), ok.toString()],
      { timeout: 15_000 },
    );
  } catch {
    assert.fail(`${what}: body data-${name} is ${await body(name)}`);
  }
}

async function settled() {
  // Ready, and data-at/data-step unchanged for 250 ms (a request in flight when play paused
  // still lands).
  await page.waitForFunction(
    () => {
      const b = document.body.dataset;
      if (b.ready !== 'true') return false;
      const key = `${b.at}/${b.step}/${b.playing}`;
      const w = (window.__settle ??= { key, since: performance.now() });
      if (w.key !== key) Object.assign(w, { key, since: performance.now() });
      return performance.now() - w.since >= 250;
    },
    null,
    { polling: 50, timeout: 15_000 },
  );
}

test('the page loads the engine in its worker, lists the twelve lessons and opens lesson 1', async () => {
  await open();
  assert.equal(await body('mode'), 'lesson');
  assert.equal(await body('lesson'), '1');
  assert.ok((await body('run')).length > 0, 'a run is named');
  assert.equal(await num('at'), 0);
  assert.equal(await num('step'), 0);
  assert.ok((await num('end-ms')) > 0);
  assert.equal(await body('playing'), 'false');
  const links = page.locator('#lesson-list a');
  assert.equal(await links.count(), 12);
  assert.equal(await links.nth(8).getAttribute('href'), '#v=2&lesson=9');
  assert.equal(await page.getAttribute('#error', 'role'), 'alert');
  assert.ok(await page.locator('#error').isHidden());
  // Every control is labelled (text, aria-label or a <label for>).
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('#transport button, #transport select, #transport input, #side button, #side select, #side input')]
      .filter((e) => e.offsetParent !== null)
      .filter((e) => !(e.textContent.trim() || e.getAttribute('aria-label') || (e.id && document.querySelector(`label[for="${e.id}"]`))))
      .map((e) => e.id || e.outerHTML.slice(0, 60)),
  );
  assert.deepEqual(unlabelled, []);
  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: `${OUTPUT}/shell-1280x800.png` });
});

test('a lesson link opens that lesson; a run tab switches runs', async () => {
  await open('#v=2&lesson=2');
  assert.equal(await body('lesson'), '2');
  const tabs = page.locator('#runs [role="tab"]');
  assert.ok((await tabs.count()) >= 2, 'lesson 2 has two runs');
  const second = await tabs.nth(1).getAttribute('data-run');
  await tabs.nth(1).click();
  await until('run', `(v) => v === ${JSON.stringify(second)}`, 'the second run opens');
  assert.equal(await tabs.nth(1).getAttribute('aria-selected'), 'true');
  await page.click('#lesson-list a[data-lesson-link="9"]');
  await until('lesson', '(v) => v === "9"', 'lesson 9 opens from the list');
  assert.match(page.url(), /#v=2&lesson=9/);
  // A key moment's caption seeks there.
  const moment = page.locator('#moments li').first();
  const at = Number(await moment.getAttribute('data-at'));
  await moment.locator('button').click();
  // The engine stops at the step running at that time (its clock may read a few ms later).
  await until('at', `(v) => Math.abs(Number(v) - ${at}) < 100`, 'the moment is shown');
  await settled();
  assert.match(page.url(), new RegExp(`&at=${await body('at')}`));
});

test('transport: step forward and back, scrub, play at a speed, pause', async () => {
  await open('#v=2&lesson=2');
  await page.click('#step-forward');
  await until('step', '(v) => v === "1"', 'one step forward');
  await page.click('#step-forward');
  await until('step', '(v) => v === "2"', 'two steps forward');
  const at2 = await num('at');
  await page.click('#step-back');
  await until('step', '(v) => v === "1"', 'one step back');
  assert.ok((await num('at')) <= at2);

  // Scrub to the middle of the run: the engine moves to the last step at or before it.
  const end = await num('end-ms');
  const mid = Math.floor(end / 2);
  await page.locator('#scrubber').evaluate((s, v) => {
    s.value = String(v);
    s.dispatchEvent(new Event('input', { bubbles: true }));
  }, mid);
  await until('at', `(v) => Math.abs(Number(v) - ${mid}) < 1000`, 'scrubbed to the middle');
  const stepMid = await num('step');
  assert.ok(stepMid > 1);

  // Play at 1x (3 s of run left): virtual time moves forward by itself, then pause stops it.
  await page.selectOption('#speed', '1');
  await page.click('#play');
  assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'true');
  await until('playing', '(v) => v === "true"', 'playing');
  await until('at', `(v) => Number(v) > ${mid + 300}`, 'time advances while playing');
  await page.click('#play');
  await until('playing', '(v) => v === "false"', 'paused');
  await settled();
  const paused = await num('at');
  await page.waitForTimeout(300);
  assert.equal(await num('at'), paused, 'time stands still when paused');
  assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false');

  // At 16x the rest of the run (under 3 s of virtual time) takes a fraction of a second, and
  // play stops by itself at the end.
  await page.selectOption('#speed', '16');
  const t0 = Date.now();
  await page.click('#play');
  await until('at', `(v) => Number(v) > ${end} - 200`, 'played to the end');
  await until('playing', '(v) => v === "false"', 'play stops at the end');
  assert.ok(Date.now() - t0 < 2500, `16x took ${Date.now() - t0} ms for ${end - paused} ms of run`);
});

test('keyboard: Space, arrows, Shift+ArrowRight, Home, End, f', async () => {
  await open('#v=2&lesson=2');
  await blur();
  await page.keyboard.press('ArrowRight');
  await until('step', '(v) => v === "1"', 'ArrowRight steps');
  await page.keyboard.press('ArrowRight');
  await until('step', '(v) => v === "2"', 'ArrowRight steps again');
  await page.keyboard.press('ArrowLeft');
  await until('step', '(v) => v === "1"', 'ArrowLeft steps back');
  await page.keyboard.press('End');
  await until('step', '(v) => Number(v) > 2', 'End goes to the end');
  const end = await num('end-ms');
  assert.ok((await num('at')) <= end && (await num('at')) > 0);
  await page.keyboard.press('Home');
  await until('step', '(v) => v === "0"', 'Home goes to the start');
  assert.equal(await num('at'), 0);

  // Shift+ArrowRight: the first anomaly tick of the timeline.
  const ticks = await page.locator('#ticks [data-tick="anomaly"]').evaluateAll((ts) => ts.map((t) => Number(t.dataset.at)));
  assert.ok(ticks.length > 0, 'lesson 2 has an anomaly on the scrubber');
  await page.keyboard.press('Shift+ArrowRight');
  await until('at', `(v) => Number(v) === ${Math.min(...ticks)}`, 'Shift+ArrowRight jumps to the first anomaly');

  // Space plays and pauses, also with focus on a transport button.
  await page.keyboard.press('Home');
  await until('step', '(v) => v === "0"', 'back to the start');
  await page.focus('#step-forward');
  await page.keyboard.press('Space');
  await until('playing', '(v) => v === "true"', 'Space plays');
  await page.keyboard.press('Space');
  await until('playing', '(v) => v === "false"', 'Space pauses');
  assert.ok((await num('step')) >= 0);

  // Typing in a text field is not a shortcut.
  await settled();
  const step = await num('step');
  await page.focus('#produce-key');
  await page.keyboard.press('f');
  await page.keyboard.press('ArrowRight');
  await settled();
  assert.equal(await num('step'), step);
  assert.equal(await body('fork'), 'false');

  // f forks here: the lesson becomes the learner's run, marked as a fork, at the same time.
  await blur();
  await page.keyboard.press('ArrowRight');
  await until('step', `(v) => Number(v) === ${step + 1}`, 'a step before forking');
  const at = await num('at');
  await page.keyboard.press('f');
  await until('fork', '(v) => v === "true"', 'f forks');
  assert.equal(await body('mode'), 'sandbox');
  assert.equal(await num('at'), at);
  assert.ok(await page.locator('#fork-mark').isVisible());
  assert.match(page.url(), /#v=2&tape=[A-Za-z0-9_-]+&lesson=2&run=[^&]+&fork=1&at=/);

  // Back to the lesson's own run, at the same moment.
  await page.click('#unfork');
  await until('fork', '(v) => v === "false"', 'unforked');
  assert.equal(await body('mode'), 'lesson');
  assert.ok(Math.abs((await num('at')) - at) < 50);
  assert.match(page.url(), /#v=2&lesson=2&run=/);
});

test('a link from the first playground (format 1) says so and shows lesson 1', async () => {
  await open('#v=1&seed=7&tape=drop.produce:m1.step.step');
  assert.match(await page.locator('#error').innerText(), /this link is from an older playground \(format 1\)/);
  assert.equal(await page.getAttribute('#error', 'data-code'), 'OLD_LINK');
  assert.equal(await body('lesson'), '1');
});

test('a bad link names its problem', async () => {
  await open('#v=2&lesson=99');
  assert.match(await page.locator('#error').innerText(), /there is no lesson 99/);
  await open('#v=2&lesson=2&run=bogus');
  assert.match(await page.locator('#error').innerText(), /lesson 2 has no run "bogus" \(its runs: idempotence off, idempotence on\)/);
  await open(`#v=2&tape=${Buffer.from('{"version": 2, "seed": 1}').toString('base64url')}`);
  assert.match(await page.locator('#error').innerText(), /config/, 'the engine names the missing field');
});

test('importing a bad file shows the engine\'s message; a good one replaces the run', async () => {
  await open('#v=2&lesson=2');
  await page.setInputFiles('#import', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a tape') });
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.locator('#error').innerText(), /notes\.txt is not JSON/);

  const future = { version: 9, seed: 1, config: {}, actions: [], endMs: 1000 };
  await page.setInputFiles('#import', { name: 'future.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(future)) });
  await page.waitForFunction(() => /future\.json/.test(document.querySelector('#error').textContent));
  assert.match(await page.locator('#error').innerText(), /future\.json: .*version 9/);
  assert.equal(await page.getAttribute('#error', 'data-code'), 'INVALID_ARG');
  assert.equal(await body('lesson'), '2', 'the run shown before stays');

  // Export the lesson's tape, import it again: the same run, now as a tape of its own.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const path = await download.path();
  const { readFileSync } = await import('node:fs');
  const exported = JSON.parse(readFileSync(path, 'utf8'));
  assert.equal(exported.version, 2);
  await page.setInputFiles('#import', { name: 'lesson2.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(exported)) });
  await until('mode', '(v) => v === "sandbox"', 'the imported tape opens');
  assert.ok(await page.locator('#error').isHidden());
  assert.equal(await num('end-ms'), exported.endMs);
});

test('embed mode: only the lesson\'s views and transport, fitting an iframe', async () => {
  await page.setViewportSize({ width: 800, height: 600 });
  try {
    await open('#v=2&lesson=2&embed=1');
    assert.equal(await body('mode'), 'embed');
    assert.equal(await body('lesson'), '2');
    for (const hidden of ['#site-header', '#lesson-list', '#config-panel', '#act']) {
      assert.ok(await page.locator(hidden).isHidden(), `${hidden} is hidden`);
    }
    for (const shown of ['#transport', '#play', '#scrubber', '#views']) {
      assert.ok(await page.locator(shown).isVisible(), `${shown} is shown`);
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling (${overflow} px too wide)`);
    await page.keyboard.press('ArrowRight');
    await until('step', '(v) => v === "1"', 'the transport works in an embed');
    assert.match(page.url(), /embed=1/);
    await page.screenshot({ path: `${OUTPUT}/embed-800x600.png` });
  } finally {
    await page.setViewportSize({ width: 1280, height: 800 });
  }
});

test('sandbox: produce, then a fault applied at the current time', async () => {
  await open();
  await page.click('#sandbox');
  await until('mode', '(v) => v === "sandbox"', 'the sandbox opens');
  assert.equal(await body('lesson'), '');
  const actions = await num('actions');
  await page.keyboard.press('End');
  await until('at', '(v) => Number(v) > 3000', 'to the end of the sandbox run');
  await settled();
  const at = await num('at');

  await page.fill('#produce-id', 'hello');
  await page.click('#produce');
  await until('actions', `(v) => Number(v) === ${actions + 1}`, 'the produce is on the tape');
  // Stamped now; the engine runs the action's own step, so its clock may move a few ms.
  const afterProduce = await num('at');
  assert.ok(afterProduce >= at && afterProduce - at < 50, `the action applies at the current time (${at} -> ${afterProduce})`);
  assert.ok((await num('end-ms')) >= at + 1000);

  // A fault by clicking the thing drawn: app-1 in a view opens its menu; "crash after poll".
  const atFault = await num('at');
  await page.locator('[data-view] [data-target-kind="app"][data-target-name="app-1"]').first().click();
  const item = page.locator('[data-view] [role="menuitem"][data-action*="afterPoll"]:visible').first();
  assert.deepEqual(JSON.parse(await item.getAttribute('data-action')), { op: 'crash', app: 'app-1', point: 'afterPoll' });
  await item.click();
  await until('actions', `(v) => Number(v) === ${actions + 2}`, 'the fault is on the tape');
  assert.ok(await page.locator('#error').isHidden(), await page.locator('#error').innerText());
  const tape = await page.evaluate(async () => {
    document.querySelector('#share').click();
    await new Promise((r) => setTimeout(r, 100));
    const url = document.querySelector('#share-url').value;
    const b64 = new URLSearchParams(url.split('#')[1]).get('tape');
    const bin = atob(b64.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
  });
  const last = tape.actions[tape.actions.length - 1];
  assert.deepEqual(last, { at: atFault, op: 'crash', app: 'app-1', point: 'afterPoll' }, 'stamped with the time it was applied');
  assert.ok(tape.actions.some((a) => a.op === 'produce' && a.id === 'hello' && a.at === at));

  // Adding a consumer: a new tape (same seed and actions) with one more app, at the same time.
  const atAdd = await num('at');
  await page.click('#add-consumer');
  await until('actions', `(v) => Number(v) === ${tape.actions.length + 1}`, 'the new consumer starts on the tape');
  assert.ok(Math.abs((await num('at')) - atAdd) < 50, `reloaded at the same time (${atAdd} -> ${await num('at')})`);
  assert.equal(await body('mode'), 'sandbox');
  assert.equal(await page.locator('#error').isHidden(), true);
});

test('an action the engine refuses is named in #error and changes nothing', async () => {
  await open('#v=2&lesson=7&at=2000');
  const before = { actions: await body('actions'), at: await body('at'), fork: await body('fork') };
  await page.selectOption('#fault-target', 'app:a');
  await page.selectOption('#fault-what', 'restart');
  await page.click('#fault-apply');
  await page.waitForSelector('#error:not([hidden])');
  // The engine's own words and code follow (a running app cannot be restarted).
  assert.match(await page.locator('#error').innerText(), /the engine refused restart a: .*app a is running already/);
  assert.equal(await page.getAttribute('#error', 'data-code'), 'STATE');
  assert.deepEqual({ actions: await body('actions'), at: await body('at'), fork: await body('fork') }, before);
  assert.equal(await body('mode'), 'lesson');
});

test('configuration: an edited setting replays the same seed and actions at the same time', async () => {
  await open('#v=2&lesson=2');
  await page.keyboard.press('End');
  await until('step', '(v) => Number(v) > 0', 'to the end');
  await settled();
  const at = await num('at');
  await page.click('#config-panel summary');
  const field = page.locator('#config [data-path$="/enable.idempotence"]').first();
  assert.ok(await field.isVisible(), 'lesson 2 shows enable.idempotence');
  assert.equal(await field.inputValue(), 'false');
  await field.selectOption('true');
  await until('fork', '(v) => v === "true"', 'the edited lesson is a fork');
  assert.ok(Math.abs((await num('at')) - at) < 50, `reloaded at the same time (${at} -> ${await num('at')})`);
  assert.equal(await page.locator('#config [data-path$="/enable.idempotence"]').first().inputValue(), 'true');
  assert.ok(await page.locator('#error').isHidden());
});

test('same seed, idempotence off against on: one click', async () => {
  await open('#v=2&lesson=1');
  await page.click('#compare-example');
  await page.waitForSelector('#compare[data-changes]', { timeout: 30_000 });
  assert.equal(await body('lesson'), '2');
  assert.ok(Number(await page.getAttribute('#compare', 'data-changes')) >= 1);
  const row = page.locator('#compare tr[data-diff-row="m1"]');
  assert.equal(await row.getAttribute('data-a'), 'duplicated');
  assert.equal(await row.getAttribute('data-b'), 'exactlyOnce');
  assert.equal(await row.getAttribute('data-same'), 'false');
  assert.match(await page.locator('#compare').innerText(), /duplicated/);
  assert.ok(await page.locator('#compare-panel').isVisible());
  assert.equal(await page.getAttribute('#side-by-side', 'aria-expanded'), 'true');

  // Any setting from the panel; a value it cannot take is named before anything runs.
  const acks = await page.locator('#compare-setting option', { hasText: ': acks' }).first().getAttribute('value');
  await page.selectOption('#compare-setting', acks);
  await page.fill('#compare-value', 'banana');
  await page.click('#compare-run');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.locator('#error').innerText(), /acks is one of 0, 1, all, not "banana"/);

  // "Open B" loads the changed run into the page: a fork of lesson 2 with idempotence on.
  await page.click('#compare-example');
  await page.waitForSelector('#compare-open-b');
  await page.click('#compare-open-b');
  await until('fork', '(v) => v === "true"', 'B opens as a fork of the lesson');
  assert.equal(await body('lesson'), '2');
  await page.click('#config-panel summary');
  assert.equal(await page.locator('#config [data-path$="/enable.idempotence"]').first().inputValue(), 'true');
});

test('no console errors or page errors', () => {
  assert.deepEqual(browser.problems, []);
});
