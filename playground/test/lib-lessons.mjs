// The twelve lessons as the page must show them: reads wasm/lessons/NN-*.json (the same files
// `cargo test -p kafkette-wasm` and wasm/test/lessons.test.mjs replay) and checks a moment's
// `expect` against a frame read from the page's data-* attributes (lib-page.mjs readFrame).
//
// What an expectation says and where the page shows it (the contract's section 5):
//   verdicts {id: v}              ledger row [data-message=id] data-verdict
//   messages.id.attempts          ledger row data-attempts
//   messages.id.processed {app:n} ledger row data-processed (the total)
//   messages.id.copies [..]       ledger row data-copies (how many), and each copy's cell in the partitions
//                                 view: [data-offset][data-message=id] in its partition, data-aborted for
//                                 an aborted copy (state "aborted"), not for the others
//   markers.id                    partition [data-partition-id=id]: data-log-start-offset, data-lso,
//                                 data-high-watermark, data-log-end-offset; committed and positions markers
//                                 (an empty object: no such marker); lag / stableLag per app in the lag view
//   groups.id                     [data-group=id] data-generation, data-state, its [data-member]s
//   apps.name.assignment          the app's group member [data-member=name or name#k] data-assignment
//   apps.name.generation          the generation of the group that member is in
//   errors []                     #error shows nothing
// Not shown as data-* and so not checked here (cargo test checks them): messages' sends, failed,
// effects, verdictByReader, visibleCopies, a copy's producerId/producerEpoch; apps' state, incarnation,
// processed, effects, queued, commits, revoked, lost, offsetResets.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// KAFKETTE_LESSONS_DIR: another copy of the files (to check that a broken expectation fails the test).
const LESSONS_DIR = process.env.KAFKETTE_LESSONS_DIR ?? fileURLToPath(new URL('../../wasm/lessons/', import.meta.url));

/// The lesson files, by id: [{ id, slug, title, runs: [{ name, tape, moments }] }].
export function loadLessons() {
  return readdirSync(LESSONS_DIR)
    .filter((f) => /^\d\d-.*\.json$/.test(f))
    .sort()
    .map((f) => JSON.parse(readFileSync(`${LESSONS_DIR}/${f}`, 'utf8')));
}

/// The URL fragment of a lesson run at a moment (contract: URL fragment v2).
export function lessonFragment(id, run, at) {
  let f = `#v=2&lesson=${id}&run=${encodeURIComponent(run)}`;
  if (at !== undefined) f += `&at=${at}`;
  return f;
}

const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/// The app's group member: its first consumer is named after it, a restarted one "name#k".
function findMember(frame, app) {
  let found = null;
  for (const [gid, g] of Object.entries(frame.groups)) {
    for (const [client, m] of Object.entries(g.members)) {
      if (client === app || client.startsWith(`${app}#`)) found = { group: gid, client, ...m };
    }
  }
  return found;
}

/// Problems (strings) between a moment's `expect` and a frame; empty when the page shows it all.
export function check(frame, expect) {
  const bad = [];
  const eq = (what, got, want) => {
    if (!same(got, want)) bad.push(`${what}: page shows ${JSON.stringify(got)}, lesson expects ${JSON.stringify(want)}`);
  };
  const need = (what, v) => {
    if (v === undefined || v === null) bad.push(`${what}: not on the page`);
    return v ?? null;
  };
  const rows = frame.ledger?.rows ?? {};
  if (!frame.ledger && (expect.verdicts || expect.messages)) bad.push('ledger view [data-view="ledger"]: not on the page');

  for (const [id, verdict] of Object.entries(expect.verdicts ?? {})) {
    const row = need(`ledger row ${id}`, rows[id]);
    if (row) eq(`verdict of ${id}`, row.verdict, verdict);
  }
  if (frame.ledger && expect.verdicts) {
    // The counts say at least what the listed verdicts say.
    const listed = Object.values(expect.verdicts);
    for (const v of ['lost', 'duplicated', 'exactlyOnce', 'abortedRead', 'pending']) {
      const want = listed.filter((x) => x === v).length;
      const got = frame.ledger.counts[v];
      if (got === null) bad.push(`ledger data-${v.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: not on the page`);
      else if (got < want) bad.push(`ledger count of ${v}: page shows ${got}, the lesson lists ${want} such messages`);
    }
  }

  for (const [id, m] of Object.entries(expect.messages ?? {})) {
    const row = need(`ledger row ${id}`, rows[id]);
    if (!row) continue;
    if (m.attempts !== undefined) eq(`attempts of ${id}`, row.attempts, m.attempts);
    if (m.processed !== undefined) eq(`processed of ${id} (total)`, row.processed, sum(m.processed));
    if (m.copies !== undefined) {
      eq(`copies of ${id}`, row.copies, m.copies.length);
      for (const c of m.copies) {
        const parts = Object.entries(frame.partitions).filter(
          ([, p]) => (c.topic === undefined || p.topic === c.topic) && (c.partition === undefined || p.partition === c.partition),
        );
        const cells = parts.flatMap(([pid, p]) => p.cells.filter((x) => x.message === id).map((x) => ({ pid, ...x })));
        const cell = cells.find((x) => c.offset === undefined || x.offset === c.offset);
        const where = `${c.topic ?? '*'}-${c.partition ?? '*'}@${c.offset ?? '*'}`;
        if (!cell) {
          bad.push(`copy of ${id} at ${where}: no cell [data-message="${id}"] there (cells of ${id}: ${JSON.stringify(cells)})`);
          continue;
        }
        if (c.state !== undefined) eq(`copy of ${id} at ${where} struck as aborted`, cell.aborted, c.state === 'aborted');
      }
    }
  }

  for (const [id, mk] of Object.entries(expect.markers ?? {})) {
    const p = need(`partition ${id} [data-partition-id="${id}"]`, frame.partitions[id]);
    if (!p) continue;
    for (const k of ['logStartOffset', 'lastStableOffset', 'highWatermark', 'logEndOffset']) {
      if (mk[k] !== undefined) eq(`${id} ${k}`, p[k], mk[k]);
    }
    for (const k of ['committed', 'positions']) {
      if (mk[k] === undefined) continue;
      if (Object.keys(mk[k]).length === 0) eq(`${id} ${k} markers`, p[k], {});
      for (const [who, off] of Object.entries(mk[k])) eq(`${id} ${k} marker of ${who}`, p[k][who] ?? null, off);
    }
    for (const [k, attr] of [
      ['lag', 'lag'],
      ['stableLag', 'stableLag'],
    ]) {
      for (const [app, n] of Object.entries(mk[k] ?? {})) {
        const l = need(`lag view [data-lag-app="${app}"]`, frame.lag[app]);
        if (l) eq(`${k} of ${app}`, l[attr], n);
      }
    }
  }

  for (const [id, g] of Object.entries(expect.groups ?? {})) {
    const got = need(`group ${id} [data-group="${id}"]`, frame.groups[id]);
    if (!got) continue;
    if (g.generation !== undefined) eq(`group ${id} generation`, got.generation, g.generation);
    if (g.state !== undefined) eq(`group ${id} state`, got.state, g.state);
    if (g.members !== undefined) eq(`group ${id} members`, Object.keys(got.members).sort(), [...g.members].sort());
  }

  for (const [app, a] of Object.entries(expect.apps ?? {})) {
    if (a.assignment === undefined && a.generation === undefined) continue;
    const member = findMember(frame, app);
    if (a.assignment !== undefined) {
      if (a.assignment.length === 0) {
        if (member && member.assignment.length) bad.push(`${app} assigned ${member.assignment}, lesson expects nothing`);
      } else if (!member) {
        bad.push(`${app}: no group member [data-member="${app}"] (groups: ${JSON.stringify(frame.groups)})`);
      } else {
        eq(`assignment of ${app}`, member.assignment, [...a.assignment].sort());
      }
    }
    if (a.generation !== undefined) {
      if (!member) bad.push(`${app}: no group member [data-member="${app}"] to read a generation from`);
      else eq(`generation of ${app}'s group ${member.group}`, frame.groups[member.group].generation, a.generation);
    }
  }

  if (expect.errors !== undefined && expect.errors.length === 0) eq('#error', frame.error, '');
  return bad;
}
