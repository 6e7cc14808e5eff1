// The seven views (src/views/*.js) drawn in headless Chromium from frames the engine made
// (test/fixtures/*.json, written by test/fixtures/make.mjs from lessons 2, 7, 9 and 11), on a
// bench page of their own (test/views.html): every data-* attribute of the contract checked
// against the frame's numbers, duplicates naming their twins, the fault menus emitting the
// tape's action objects, the event log asking to seek, re-rendering idempotent and quick, no
// console errors. Needs no build: it serves playground/ itself.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBrowser } from './browser.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const OUTPUT = fileURLToPath(new URL('./output/', import.meta.url));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };

const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ file: f, ...JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) }));
const fixture = (name) => {
  const f = fixtures.find((x) => x.name === name);
  assert.ok(f, `fixture ${name} is missing (run node test/fixtures/make.mjs)`);
  return f;
};

let server;
let base;
let browser;
let page;

before(async () => {
  server = http.createServer((req, res) => {
    const path = normalize(join(ROOT, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    if (!path.startsWith(ROOT)) {
      res.writeHead(403).end();
      return;
    }
    let body;
    try {
      body = readFileSync(path);
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await openBrowser();
  page = browser.page;
  await page.goto(`${base}test/views.html`);
  await page.waitForSelector('body[data-ready="true"]');
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** Renders a fixture on a fresh bench (no previous frame unless given); returns the milliseconds it took. */
async function show(fx, prev = null) {
  await page.evaluate(() => {
    window.resetPrev();
    window.__actions.length = 0;
    window.__selects.length = 0;
    document.body.click(); // closes nothing by itself; menus close on their own items
  });
  if (prev) await page.evaluate((p) => window.renderFixture(p), prev);
  return page.evaluate((f) => window.renderFixture(f), fx);
}

const attrsOf = (selector, names) =>
  page.$$eval(
    selector,
    (els, names) => els.map((e) => Object.fromEntries(names.map((n) => [n, e.getAttribute(n)]))),
    names,
  );

const userPartitions = (frame) =>
  frame.snapshot.topics.filter((t) => !t.internal).flatMap((t) => t.partitions.map((p) => ({ topic: t.name, ...p })));

test('fixtures exist for lessons 2, 7, 9 and 11', () => {
  const lessons = new Set(fixtures.map((f) => f.lesson));
  for (const l of [2, 7, 9, 11]) assert.ok(lessons.has(l), `no fixture of lesson ${l}`);
});

for (const fx of fixtures) {
  test(`${fx.name}: every view draws the frame's numbers`, async () => {
    const before = browser.problems.length;
    await show(fx);
    const f = fx.frame;

    // Partitions: the markers of the contract on each partition, equal to the snapshot's.
    for (const p of userPartitions(f)) {
      const id = `${p.topic}-${p.partition}`;
      const sel = `[data-view="partitions"] [data-partition-id="${id}"]`;
      const [a] = await attrsOf(sel, ['data-topic', 'data-partition', 'data-log-start-offset', 'data-lso', 'data-high-watermark', 'data-log-end-offset']);
      assert.ok(a, `${fx.name}: partition ${id} is not drawn`);
      assert.deepEqual(a, {
        'data-topic': p.topic,
        'data-partition': String(p.partition),
        'data-log-start-offset': String(p.logStartOffset),
        'data-lso': String(p.lastStableOffset),
        'data-high-watermark': String(p.highWatermark),
        'data-log-end-offset': String(p.logEndOffset),
      });
      const m = f.ledger.markers.find((x) => x.id === id);
      for (const [group, offset] of Object.entries(m?.committed ?? {})) {
        const got = await page.getAttribute(`${sel} [data-marker="committed"][data-group="${group}"]`, 'data-offset');
        assert.equal(got, String(offset), `${id}: committed offset of ${group}`);
      }
      for (const [app, offset] of Object.entries(m?.positions ?? {})) {
        const got = await page.getAttribute(`${sel} [data-marker="position"][data-app="${app}"]`, 'data-offset');
        assert.equal(got, String(offset), `${id}: position of ${app}`);
      }
      for (const [kind, offset] of [
        ['lso', p.lastStableOffset],
        ['high-watermark', p.highWatermark],
        ['log-end', p.logEndOffset],
        ['log-start', p.logStartOffset],
      ]) {
        assert.equal(await page.getAttribute(`${sel} [data-marker="${kind}"]`, 'data-offset'), String(offset), `${id}: ${kind} marker`);
      }
      // Cells: one per stored record, with its message, producer, control type, abort and twin.
      const cells = await attrsOf(`${sel} .kv-cell[data-offset]`, ['data-offset', 'data-message', 'data-producer', 'data-control', 'data-aborted', 'data-duplicate-of']);
      const byOffset = new Map(cells.map((c) => [Number(c['data-offset']), c]));
      const recs = f.records[id] ?? [];
      assert.equal(cells.length, p.records.length, `${id}: a cell per stored record`);
      for (const r of p.records) {
        const c = byOffset.get(r.offset);
        assert.ok(c, `${id}@${r.offset} has no cell`);
        assert.equal(c['data-control'], r.control, `${id}@${r.offset} control`);
        assert.equal(c['data-aborted'], r.aborted ? 'true' : null, `${id}@${r.offset} aborted`);
        const rec = recs.find((x) => x.offset === r.offset);
        if (rec) {
          assert.equal(c['data-producer'], rec.producer, `${id}@${r.offset} producer`);
          if (!r.control) assert.equal(c['data-message'], rec.messageId, `${id}@${r.offset} message`);
          assert.equal(c['data-duplicate-of'], rec.duplicateOf === null ? null : String(rec.duplicateOf), `${id}@${r.offset} twin`);
        }
      }
    }

    // Ledger: the verdict counts and every row.
    const counts = {};
    for (const m of f.ledger.messages) counts[m.verdict] = (counts[m.verdict] ?? 0) + 1;
    const [l] = await attrsOf('[data-view="ledger"]', ['data-lost', 'data-duplicated', 'data-exactly-once', 'data-aborted-read', 'data-pending']);
    assert.deepEqual(l, {
      'data-lost': String(counts.lost ?? 0),
      'data-duplicated': String(counts.duplicated ?? 0),
      'data-exactly-once': String(counts.exactlyOnce ?? 0),
      'data-aborted-read': String(counts.abortedRead ?? 0),
      'data-pending': String(counts.pending ?? 0),
    });
    const rows = await attrsOf('[data-view="ledger"] tr[data-message]', ['data-message', 'data-verdict', 'data-copies', 'data-attempts', 'data-processed']);
    assert.deepEqual(
      rows,
      f.ledger.messages.map((m) => ({
        'data-message': m.id,
        'data-verdict': m.verdict,
        'data-copies': String(m.copies.length),
        'data-attempts': String(m.attempts),
        'data-processed': String(Object.values(m.processed).reduce((a, b) => a + b, 0)),
      })),
    );

    // Producers.
    const producers = await attrsOf('[data-view="producers"] [data-producer]', ['data-producer', 'data-producer-id', 'data-epoch', 'data-txn-state', 'data-idempotent', 'data-in-flight']);
    assert.deepEqual(
      producers,
      f.snapshot.producers.map((p) => ({
        'data-producer': p.name,
        'data-producer-id': String(p.producerId),
        'data-epoch': String(p.epoch),
        'data-txn-state': p.transactionState ?? '',
        'data-idempotent': String(p.idempotent),
        'data-in-flight': String(p.inFlight.length),
      })),
    );

    // Groups: state, generation, protocol; members with their assignment, idle ones marked.
    const groups = await attrsOf('[data-view="groups"] [data-group]', ['data-group', 'data-state', 'data-generation', 'data-protocol']);
    assert.deepEqual(
      groups,
      f.snapshot.groups.map((g) => ({
        'data-group': g.groupId,
        'data-state': g.state,
        'data-generation': String(g.generation),
        'data-protocol': g.protocol ?? '',
      })),
    );
    for (const g of f.snapshot.groups) {
      const members = await attrsOf(`[data-view="groups"] [data-group="${g.groupId}"] [data-member]`, ['data-member', 'data-assignment', 'data-idle']);
      assert.deepEqual(
        members,
        g.members.map((m) => {
          const tps = m.assignment.map((a) => `${a.topic}-${a.partition}`).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
          return { 'data-member': m.clientId, 'data-assignment': tps.join(','), 'data-idle': tps.length ? null : 'true' };
        }),
      );
    }

    // Sequence: the last arrows up to now, each with its api, direction and fate.
    const arrows = await attrsOf('[data-view="sequence"] [data-arrow]', ['data-arrow', 'data-api', 'data-direction', 'data-fate']);
    const expect = f.messages.slice(-arrows.length);
    assert.equal(arrows.length, Math.min(f.messages.length, 60));
    assert.deepEqual(
      arrows,
      expect.map((a) => ({ 'data-arrow': String(a.i), 'data-api': a.api, 'data-direction': a.direction, 'data-fate': a.fate })),
    );
    for (const a of expect.filter((x) => x.fate === 'dropped')) {
      assert.equal(await page.locator(`[data-view="sequence"] [data-arrow="${a.i}"] .kv-cross`).count(), 1, `dropped arrow ${a.i} has a cross`);
    }

    // Lag: per app, the sum over its partitions now.
    for (const a of f.ledger.apps) {
      let lag = 0;
      let stable = 0;
      for (const m of f.ledger.markers) {
        lag += m.lag[a.name] ?? 0;
        stable += m.stableLag[a.name] ?? 0;
      }
      const [got] = await attrsOf(`[data-view="lag"] [data-lag-app="${a.name}"]`, ['data-lag', 'data-stable-lag']);
      assert.deepEqual(got, { 'data-lag': String(lag), 'data-stable-lag': String(stable) }, `lag of ${a.name}`);
    }

    // Events: the entries up to now, the current step's aria-current.
    const evs = await attrsOf('[data-view="events"] li[data-i]', ['data-i', 'data-at', 'data-rule', 'data-anomaly', 'aria-current']);
    const shown = fx.events.slice(-evs.length);
    assert.equal(evs.length, Math.min(fx.events.length, 150));
    assert.deepEqual(
      evs,
      shown.map((e) => ({
        'data-i': String(e.i),
        'data-at': String(e.at),
        'data-rule': e.rule ?? '',
        'data-anomaly': e.anomaly ?? '',
        'aria-current': e.step === f.step ? 'true' : null,
      })),
    );

    assert.deepEqual(browser.problems.slice(before), [], 'no console errors');
  });
}

test('a duplicate says which offset it copies and lights up with its twin', async () => {
  const fx = fixture('lesson2-off-end');
  await show(fx);
  const dups = Object.entries(fx.frame.records).flatMap(([id, rs]) => rs.filter((r) => r.duplicateOf !== null).map((r) => ({ id, ...r })));
  assert.ok(dups.length > 0, 'lesson 2 without idempotence stores a duplicate');
  const d = dups[0];
  const cell = page.locator(`[data-partition-id="${d.id}"] .kv-cell[data-offset="${d.offset}"]`);
  assert.equal(await cell.getAttribute('data-duplicate-of'), String(d.duplicateOf));
  assert.match(await cell.innerText(), new RegExp(`dup of @${d.duplicateOf}`));
  await cell.hover();
  const twins = await page.$$eval(`[data-partition-id="${d.id}"] .kv-twin`, (els) => els.map((e) => Number(e.dataset.offset)).sort((a, b) => a - b));
  assert.deepEqual(twins, [d.duplicateOf, d.offset].sort((a, b) => a - b));
  // Lesson 2 with idempotence keeps one copy: no duplicate drawn.
  await show(fixture('lesson2-on-end'));
  assert.equal(await page.locator('[data-view="partitions"] [data-duplicate-of]').count(), 0);
});

test('a dropped response is drawn as a cross with data-fate="dropped"', async () => {
  const fx = fixture('lesson2-off-end');
  await show(fx);
  const dropped = fx.frame.messages.filter((a) => a.fate === 'dropped');
  assert.ok(dropped.length > 0, 'lesson 2 drops a Produce response');
  const got = await attrsOf('[data-view="sequence"] [data-fate="dropped"]', ['data-api', 'data-direction']);
  assert.ok(got.some((a) => a['data-api'] === 'Produce' && a['data-direction'] === 'response'), JSON.stringify(got));
});

async function menuActions(rootSel, targetSel) {
  await page.click(`${rootSel} ${targetSel}`);
  const menu = page.locator(`${rootSel} .kv-menu`);
  assert.equal(await menu.isVisible(), true, `${targetSel} opens a menu`);
  return menu.locator('button[data-action]').evaluateAll((bs) => bs.map((b) => ({ label: b.textContent, action: JSON.parse(b.dataset.action) })));
}

async function choose(rootSel, label) {
  await page.locator(`${rootSel} .kv-menu button[data-action]`, { hasText: label }).first().click();
  return page.evaluate(() => window.__actions.at(-1));
}

test('fault menus emit the tape actions the engine expects', async () => {
  const fx = fixture('lesson7-eager-rebalanced');
  await show(fx);
  const g = '[data-view="groups"]';
  const app = fx.frame.snapshot.groups[0].members[0].clientId;
  const items = await menuActions(g, `[data-member="${app}"] [data-target-kind="app"]`);
  const actions = items.map((i) => i.action);
  for (const point of ['afterPoll', 'afterProcessing', 'beforeCommit', 'afterCommit']) {
    assert.ok(actions.some((a) => a.op === 'crash' && a.app === app && a.point === point), `crash ${point}`);
  }
  assert.ok(actions.some((a) => a.op === 'crash' && a.app === app && a.point === undefined), 'crash now');
  for (const op of ['restart', 'stop', 'start']) assert.ok(actions.some((a) => a.op === op && a.app === app), op);
  assert.ok(actions.every((a) => a.at === undefined), 'no action carries a time: the page stamps it');
  const configured = Number(fx.tape.config.apps.find((a) => a.name === app).config['max.poll.interval.ms'] ?? 300000);
  assert.deepEqual(await choose(g, 'pause'), { op: 'pause', app, ms: configured + 1000 });
  assert.equal(await page.locator(`${g} .kv-menu`).isVisible(), false, 'the menu closes after a choice');
  await menuActions(g, `[data-member="${app}"] [data-target-kind="app"]`);
  assert.deepEqual(await choose(g, 'crash after processing'), { op: 'crash', app, point: 'afterProcessing' });

  // A producer: crash, and a zombie whose successor is named after it.
  const s = '[data-view="sequence"]';
  const producer = fx.frame.lanes.find((l) => l.kind === 'producer').name;
  await menuActions(s, `[data-lane-kind="producer"][data-target-name="${producer}"]`);
  assert.deepEqual(await choose(s, 'zombie'), { op: 'zombie', producer, successor: `${producer}-2` });
  await menuActions(s, `[data-lane-kind="producer"][data-target-name="${producer}"]`);
  assert.deepEqual(await choose(s, 'crash producer'), { op: 'crashProducer', producer });

  // A link: the arrow's client and API.
  const arrow = fx.frame.messages.filter((a) => a.api === 'Heartbeat' || a.api === 'Fetch').at(-1);
  assert.ok(arrow, 'lesson 7 sends Fetch or Heartbeat');
  const client = fx.frame.lanes.find((l) => l.id === (arrow.direction === 'request' ? arrow.from : arrow.to)).name;
  await page.locator(`${s} [data-arrow="${arrow.i}"]`).scrollIntoViewIfNeeded();
  await page.locator(`${s} [data-arrow="${arrow.i}"] .kv-hit`).click({ force: true });
  assert.deepEqual(await choose(s, `drop next ${arrow.api} response`), { op: 'fault', node: client, api: arrow.api, direction: 'response', fault: 'drop' });
  await page.locator(`${s} [data-arrow="${arrow.i}"] .kv-hit`).click({ force: true });
  assert.deepEqual(await choose(s, `duplicate next ${arrow.api} request`), { op: 'fault', node: client, api: arrow.api, direction: 'request', fault: 'duplicate' });

  // The broker.
  const p = '[data-view="partitions"]';
  await menuActions(p, '[data-target-kind="broker"]');
  assert.deepEqual(await choose(p, 'kill broker'), { op: 'brokerDown' });
});

test('with the broker down its lanes are marked and its menu restarts it', async () => {
  const fx = fixture('lesson2-broker-down');
  assert.equal(fx.frame.brokerUp, false);
  await show(fx);
  assert.equal(await page.getAttribute('[data-view="sequence"] [data-lane="broker"]', 'data-alive'), 'false');
  assert.match(await page.locator('[data-view="partitions"] .kv-broker-chip').innerText(), /DOWN/);
  const p = '[data-view="partitions"]';
  await menuActions(p, '[data-target-kind="broker"]');
  assert.deepEqual(await choose(p, 'restart broker'), { op: 'brokerUp' });
});

test('clicking an event asks the page to seek to its time', async () => {
  const fx = fixture('lesson9-aborted');
  await show(fx);
  const e = fx.events[Math.floor(fx.events.length / 2)];
  await page.locator(`[data-view="events"] li[data-i="${e.i}"]`).click();
  const sel = await page.evaluate(() => window.__selects.at(-1));
  assert.equal(sel.seek, e.at);
});

test('lesson 9: the LSO holds at the open transaction; aborted records struck, markers hatched C/A', async () => {
  const fx = fixture('lesson9-aborted');
  await show(fx);
  const p = userPartitions(fx.frame)[0];
  const aborted = p.records.filter((r) => r.aborted);
  const controls = p.records.filter((r) => r.control);
  assert.ok(aborted.length > 0 && controls.length > 0, 'lesson 9 at this moment has aborted records and markers');
  for (const r of controls) {
    const text = await page.locator(`[data-partition-id="${p.topic}-${p.partition}"] .kv-cell[data-offset="${r.offset}"]`).innerText();
    assert.match(text, r.control === 'COMMIT' ? /C/ : /A/);
  }
  const style = await page.$eval('[data-view="partitions"] .kv-cell[data-aborted="true"] .kv-msg', (e) => getComputedStyle(e).textDecorationLine);
  assert.equal(style, 'line-through');
});

test('lesson 7: a rebalance between two frames shows grants and revocations', async () => {
  const before = fixture('lesson7-eager-before');
  const after = fixture('lesson7-eager-rebalanced');
  await show(after, before);
  const changes = await page.$$eval('[data-view="groups"] [data-change]', (els) => els.map((e) => e.dataset.change));
  assert.ok(changes.includes('granted'), `grants shown: ${changes}`);
  // Without a previous frame nothing is highlighted.
  await show(after);
  assert.equal(await page.locator('[data-view="groups"] [data-change]').count(), 0);
});

test('lesson 7 mid-rebalance: eager revokes everything, cooperative only what moves', async () => {
  const moves = async (name) => {
    await show(fixture(name)); // the fixture's own prev: the frame one step before
    const m = page.locator('[data-view="groups"] .kv-moves');
    return {
      revoked: Number(await m.getAttribute('data-revoked-count')),
      ownsA: await page.$$eval('[data-view="groups"] [data-member="a"] [data-owned]', (els) => els.map((e) => e.dataset.owned)),
      struck: await page.$$eval('[data-view="groups"] [data-member="a"] [data-change="revoked"]', (els) => els.map((e) => e.dataset.revoked)),
    };
  };
  const eager = await moves('lesson7-eager-revoking');
  assert.equal(eager.revoked, 4);
  assert.deepEqual(eager.ownsA, []);
  assert.equal(eager.struck.length, 4);
  const coop = await moves('lesson7-coop-revoking');
  assert.equal(coop.revoked, 2);
  assert.deepEqual(coop.ownsA, ['orders-0', 'orders-1']);
  assert.match(await page.locator('[data-view="groups"] [data-group]').first().getAttribute('data-rebalance'), /cooperative/);
});

test('the producer inspector marks a batch whose acknowledgement was dropped', async () => {
  const fx = fixture('lesson2-off-inflight');
  await show(fx);
  const p = fx.frame.snapshot.producers[0];
  const dropped = fx.frame.messages.find((a) => a.fate === 'dropped' && a.api === 'Produce');
  assert.ok(p.inFlight.some((b) => b.correlationId === dropped.correlationId), 'the fixture has the batch in flight');
  const li = page.locator(`[data-view="producers"] [data-producer="${p.name}"] li[data-correlation-id="${dropped.correlationId}"]`);
  assert.equal(await li.getAttribute('data-ack-lost'), 'true');
  assert.match(await li.innerText(), /ack lost/);
});

test('lesson 11: side effects are counted per message; a restart is named as the tape names it', async () => {
  const fx = fixture('lesson11-beforeCommit-end');
  await show(fx);
  // The crashed copier's producer was fenced by its restarted successor, which is not.
  const fenced = await attrsOf('[data-view="producers"] [data-producer]', ['data-producer', 'data-fenced', 'data-crashed']);
  assert.deepEqual(
    fenced.filter((p) => p['data-producer'].startsWith('billing')),
    [
      { 'data-producer': 'billing.producer', 'data-fenced': 'true', 'data-crashed': 'true' },
      { 'data-producer': 'billing#2.producer', 'data-fenced': null, 'data-crashed': null },
    ],
  );
  // The group member is the second incarnation's consumer (node billing#2); its faults name the app.
  const g = '[data-view="groups"]';
  await menuActions(g, '[data-member="billing#2"] [data-target-kind="app"]');
  assert.deepEqual(await choose(g, 'restart'), { op: 'restart', app: 'billing' });
  for (const m of fx.frame.ledger.messages) {
    for (const [app, n] of Object.entries(m.effects)) {
      assert.equal(await page.getAttribute(`[data-view="ledger"] tr[data-message="${m.id}"] [data-effect-app="${app}"]`, 'data-times'), String(n));
    }
  }
});

test('a long log is drawn as a window around its end, with the markers before it listed', async () => {
  // Lesson 2's frame with its partition grown to 5000 records (the markers moved along).
  const fx = structuredClone(fixture('lesson2-off-end'));
  const part = fx.frame.snapshot.topics.find((t) => !t.internal).partitions[0];
  const id = `${fx.frame.snapshot.topics.find((t) => !t.internal).name}-${part.partition}`;
  const N = 5000;
  const proto = part.records[0];
  part.records = Array.from({ length: N }, (_, o) => ({ ...proto, offset: o, value: `x${o}` }));
  fx.frame.records[id] = part.records.map((r) => ({ offset: r.offset, messageId: r.value, producer: 'producer', duplicateOf: null }));
  Object.assign(part, { logStartOffset: 0, lastStableOffset: N, highWatermark: N, logEndOffset: N });
  const m = fx.frame.ledger.markers.find((x) => x.id === id);
  m.positions = Object.fromEntries(Object.keys(m.positions).map((app) => [app, 10]));
  const ms = await show(fx);
  const sel = `[data-view="partitions"] [data-partition-id="${id}"]`;
  const offsets = await page.$$eval(`${sel} .kv-cell[data-offset]`, (els) => els.map((e) => Number(e.dataset.offset)));
  assert.ok(offsets.length <= 240 && offsets.length >= 200, `${offsets.length} cells drawn`);
  assert.equal(offsets.at(-1), N - 1);
  assert.equal(await page.getAttribute(`${sel}`, 'data-high-watermark'), String(N));
  const app = Object.keys(m.positions)[0];
  assert.equal(await page.getAttribute(`${sel} [data-marker="position"][data-app="${app}"]`, 'data-offset'), '10');
  assert.match(await page.locator(`${sel} .kv-offwindow`).innerText(), /pos .* @10/);
  assert.ok(ms < 500, `rendered in ${ms} ms`);
});

test('re-rendering is idempotent and fast enough for 30 frames a second', async () => {
  const fx = fixture('lesson7-eager-rebalanced');
  await show(fx);
  const html1 = await page.evaluate(() => document.querySelector('.grid').innerHTML);
  await page.evaluate((f) => window.renderFixture(f), fx);
  const html2 = await page.evaluate(() => document.querySelector('.grid').innerHTML);
  assert.equal(html2, html1, 'the same frame draws the same DOM');
  // Alternate two frames (every render changes the DOM) and time it.
  const other = fixture('lesson7-eager-before');
  const times = await page.evaluate(
    ([a, b]) => {
      const t = [];
      for (let i = 0; i < 30; i++) t.push(window.renderFixture(i % 2 ? a : b));
      return t.sort((x, y) => x - y);
    },
    [fx, other],
  );
  const median = times[15];
  assert.ok(median < 33, `median render ${median.toFixed(1)} ms for all seven views`);
});

test('a screenshot of the views at 1280x800', async () => {
  mkdirSync(OUTPUT, { recursive: true });
  await show(fixture('lesson9-aborted'));
  await page.screenshot({ path: join(OUTPUT, 'views-lesson9.png'), fullPage: true });
  assert.deepEqual(browser.problems, []);
});
