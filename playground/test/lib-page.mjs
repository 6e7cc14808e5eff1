// Helpers for the playground's Chromium tests: open a URL fragment and wait for a settled frame,
// read what the page shows through its data-* attributes (the contract's section 5) into plain
// objects, and drive the transport controls. Used by lessons.test.mjs and share.test.mjs.
import assert from 'node:assert/strict';

/// How long the page may take to load the engine and reach a frame.
export const LOAD_MS = 20_000;

/// Loads `fragment` (e.g. "#v=2&lesson=9&at=2000") afresh: a fragment-only change does not
/// reload a page, so go through about:blank first. Waits for a settled frame.
export async function open(page, base, fragment) {
  await page.goto('about:blank');
  await page.goto(`${base}${fragment}`);
  return settled(page);
}

/// Goes to `fragment` in the page already open, as a learner pasting a link into the same tab does
/// (the page opens it on hashchange, without reloading the engine), and waits for a settled frame.
export async function navigate(page, fragment) {
  const prev = await bodyState(page);
  await page.evaluate((f) => {
    location.hash = f;
  }, fragment);
  await page
    .waitForFunction(
      (p) => {
        const b = document.body.dataset;
        return b.ready !== 'true' || b.at !== p.at || b.step !== p.step || b.run !== p.run || b.lesson !== p.lesson;
      },
      prev,
      { timeout: 3_000, polling: 25 },
    )
    .catch(() => {});
  return settled(page);
}

/// Waits until body says data-ready="true" and its data-at and data-step have not changed for
/// 150 ms (the page may draw step 0 first and then seek), then returns body's attributes. Fails
/// with #error's text if the page reports an error instead of becoming ready.
export async function settled(page, { timeout = LOAD_MS } = {}) {
  try {
    await page.waitForFunction(
      () => {
        const b = document.body;
        const err = document.querySelector('#error');
        if (err && !err.hidden && err.textContent.trim() && b.dataset.ready !== 'true') return true;
        if (b.dataset.ready !== 'true' || b.dataset.step === undefined) return false;
        const key = `${b.dataset.at}/${b.dataset.step}/${b.dataset.playing}`;
        const now = performance.now();
        const w = (window.__kafketteSettle ??= { key, since: now });
        if (w.key !== key) {
          w.key = key;
          w.since = now;
          return false;
        }
        return now - w.since >= 150;
      },
      null,
      { timeout, polling: 50 },
    );
  } catch (e) {
    const body = await page.evaluate(() => ({ ...document.body.dataset })).catch(() => ({}));
    const err = await errorText(page);
    throw new Error(`no settled frame within ${timeout} ms (body ${JSON.stringify(body)}; #error: ${err || 'empty'})`, {
      cause: e,
    });
  }
  const body = await bodyState(page);
  if (body.ready !== 'true') assert.fail(`the page did not start: ${await errorText(page)}`);
  return body;
}

export async function bodyState(page) {
  return page.evaluate(() => ({ ...document.body.dataset }));
}

/// #error's text when it is shown, else "".
export async function errorText(page) {
  return page.evaluate(() => {
    const e = document.querySelector('#error');
    if (!e || e.hidden || getComputedStyle(e).display === 'none') return '';
    return e.textContent.trim();
  });
}

/// Everything the tests compare, read in one round trip:
/// { body, partitions: { "t-p": { ...markers, committed, positions, cells } }, ledger: { counts, rows },
///   groups: { id: { state, generation, protocol, members: { clientId: { assignment, idle } } } },
///   lag: { app: { lag, stableLag } }, error }
export async function readFrame(page) {
  return page.evaluate(() => {
    const num = (v) => (v === undefined || v === null || v === '' ? null : Number(v));
    const view = (name) => document.querySelector(`[data-view="${name}"]`);
    const out = { body: { ...document.body.dataset }, partitions: {}, ledger: null, groups: {}, lag: {}, views: {} };
    for (const name of ['partitions', 'ledger', 'producers', 'groups', 'sequence', 'lag', 'events']) {
      out.views[name] = !!view(name);
    }
    const parts = view('partitions');
    if (parts) {
      for (const p of parts.querySelectorAll('[data-partition-id]')) {
        const d = p.dataset;
        const committed = {};
        const positions = {};
        for (const m of p.querySelectorAll('[data-marker="committed"]')) committed[m.dataset.group] ??= num(m.dataset.offset);
        for (const m of p.querySelectorAll('[data-marker="position"]')) positions[m.dataset.app] ??= num(m.dataset.offset);
        const cells = [...p.querySelectorAll('[data-offset]:not([data-marker])')].map((c) => ({
          offset: num(c.dataset.offset),
          message: c.dataset.message ?? null,
          producer: c.dataset.producer ?? null,
          control: c.dataset.control ?? null,
          aborted: c.dataset.aborted === 'true',
          duplicateOf: num(c.dataset.duplicateOf),
        }));
        out.partitions[d.partitionId] = {
          topic: d.topic,
          partition: num(d.partition),
          logStartOffset: num(d.logStartOffset),
          lastStableOffset: num(d.lso),
          highWatermark: num(d.highWatermark),
          logEndOffset: num(d.logEndOffset),
          committed,
          positions,
          cells,
        };
      }
    }
    const ledger = view('ledger');
    if (ledger) {
      const d = ledger.dataset;
      const rows = {};
      for (const r of ledger.querySelectorAll('[data-message][data-verdict]')) {
        rows[r.dataset.message] ??= {
          verdict: r.dataset.verdict,
          copies: num(r.dataset.copies),
          attempts: num(r.dataset.attempts),
          processed: num(r.dataset.processed),
        };
      }
      out.ledger = {
        counts: {
          lost: num(d.lost),
          duplicated: num(d.duplicated),
          exactlyOnce: num(d.exactlyOnce),
          abortedRead: num(d.abortedRead),
          pending: num(d.pending),
        },
        rows,
      };
    }
    const groups = view('groups');
    if (groups) {
      for (const g of groups.querySelectorAll('[data-group]')) {
        if (g.dataset.generation === undefined) continue; // a marker, not a group
        const members = {};
        for (const m of g.querySelectorAll('[data-member]')) {
          const a = m.dataset.assignment ?? '';
          members[m.dataset.member] = {
            assignment: a === '' ? [] : a.split(',').sort(),
            idle: m.dataset.idle === 'true',
          };
        }
        out.groups[g.dataset.group] = {
          state: g.dataset.state,
          generation: num(g.dataset.generation),
          protocol: g.dataset.protocol ?? null,
          members,
        };
      }
    }
    const lag = view('lag');
    if (lag) {
      for (const a of lag.querySelectorAll('[data-lag-app]')) {
        out.lag[a.dataset.lagApp] ??= { lag: num(a.dataset.lag), stableLag: num(a.dataset.stableLag) };
      }
    }
    const e = document.querySelector('#error');
    out.error = e && !e.hidden && getComputedStyle(e).display !== 'none' ? e.textContent.trim() : '';
    return out;
  });
}

/// Every element with data-* attributes inside a view, as sorted "tag[data-a=..][data-b=..]" lines:
/// two pages showing the same frame give equal lists (used to compare a shared URL's frame). Open
/// menus are left out: they are what the user clicked, not the frame.
export async function viewAttributes(page, name) {
  return page.evaluate((name) => {
    const root = document.querySelector(`[data-view="${name}"]`);
    if (!root) return null;
    const lines = [];
    for (const el of [root, ...root.querySelectorAll('*')]) {
      if (el.closest('[role="menu"]')) continue; // a fault menu the user opened is not the frame
      const attrs = Object.entries(el.dataset)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `[${k}=${v}]`);
      if (attrs.length) lines.push(`${el.tagName.toLowerCase()}${attrs.join('')}`);
    }
    return lines.sort();
  }, name);
}

/// Clicks a transport control and waits for the frame to move (data-step changes) and settle.
export async function clickAndSettle(page, selector) {
  const before = (await bodyState(page)).step;
  await page.click(selector);
  await page.waitForFunction((s) => document.body.dataset.step !== s, before, { timeout: LOAD_MS, polling: 25 });
  return settled(page);
}

/// Moves the scrubber (#scrubber, a range input over 0..endMs) to `ms` as a user dragging it would
/// (input, then change), and waits for a settled frame.
export async function scrubTo(page, ms) {
  const before = (await bodyState(page)).step;
  await page.$eval(
    '#scrubber',
    (el, ms) => {
      el.value = String(ms);
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    },
    ms,
  );
  // The frame moves unless the scrubber lands on the step shown already; give it a moment to.
  await page
    .waitForFunction((s) => document.body.dataset.step !== s, before, { timeout: 2_000, polling: 25 })
    .catch(() => {});
  return settled(page);
}

/// Collects console errors and page errors of `page` into `problems` (as browser.mjs does for
/// its first page), for pages a test opens itself.
export function watch(page, problems) {
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return page;
}

/// The URL #share wrote into #share-url (an input's value, a link's href, or its text).
export async function shareUrl(page) {
  await page.waitForFunction(
    () => {
      const el = document.querySelector('#share-url');
      return el && (el.value || el.getAttribute('href') || el.textContent || '').includes('#v=2');
    },
    null,
    { timeout: LOAD_MS, polling: 50 },
  );
  return page.$eval('#share-url', (el) => el.value || el.href || el.textContent.trim());
}

/// Arms a fault with the page's "act at this moment" form, as a user would (pick the target, what to
/// do and the API, click Apply): `fault` (drop, delay, duplicate) of the next `direction` of `api`
/// on the first option of #fault-target whose value starts with `target` ("app:", "producer:").
/// Returns the choice; waits for the page to settle on the new tape.
export async function applyFaultByForm(page, { target = 'app:', fault = 'drop', direction = 'response', api = 'Fetch' } = {}) {
  const value = await page.$$eval(
    '#fault-target option',
    (opts, prefix) => opts.map((o) => o.value).find((v) => v.startsWith(prefix)) ?? null,
    target,
  );
  if (!value) throw new Error(`#fault-target has no option starting with ${target}`);
  await page.selectOption('#fault-target', value);
  await page.selectOption('#fault-what', `fault:${fault}:${direction}`);
  await page.selectOption('#fault-api', api);
  const before = await page.evaluate(() => location.hash);
  await page.click('#fault-apply');
  await page
    .waitForFunction((h) => location.hash !== h || document.body.dataset.step === undefined, before, { timeout: 5_000 })
    .catch(() => {});
  await settled(page);
  return { target: value, fault, direction, api };
}

/// Arms a fault by clicking the thing drawn in a view, as a learner would: the chip of `name`
/// ([data-target-kind][data-target-name]) in the `view`, then the item of its fault menu whose
/// action has `fault`, `direction` and `api`. Returns that action; waits for a settled frame.
export async function applyFaultByMenu(page, { view = 'partitions', name, fault = 'drop', direction = 'response', api }) {
  const chip = page.locator(`[data-view="${view}"] [data-target-kind][data-target-name="${name}"]`).first();
  await chip.click();
  const items = page.locator(`[data-view="${view}"] [role="menu"]:not([hidden]) [data-action]`);
  await items.first().waitFor({ timeout: LOAD_MS });
  const actions = await items.evaluateAll((els) => els.map((e) => e.dataset.action));
  const i = actions.findIndex((a) => {
    const x = JSON.parse(a);
    return x.op === 'fault' && x.fault === fault && x.direction === direction && (api === undefined || x.api === api);
  });
  if (i < 0) throw new Error(`${name}'s fault menu has no ${fault} of the next ${api ?? ''} ${direction}: ${actions.join(' ')}`);
  const before = (await bodyState(page)).step;
  await items.nth(i).click();
  await page
    .waitForFunction((s) => document.body.dataset.step !== s, before, { timeout: 2_000, polling: 25 })
    .catch(() => {});
  await settled(page);
  return JSON.parse(actions[i]);
}

/// The tape inside a v2 URL's `tape=` (base64url of its UTF-8 JSON), or null.
export function tapeOfUrl(url) {
  const hash = new URL(url).hash.slice(1);
  const b64 = new URLSearchParams(hash).get('tape');
  if (!b64) return null;
  return JSON.parse(Buffer.from(b64.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
}
