// The twelve lessons in headless Chromium, checked against their own files (wasm/lessons/NN-*.json,
// the expectations `cargo test` checks): every run at every key moment opened from its URL
// (#v=2&lesson=N&run=R&at=MS; the first of each lesson from a fresh load, the others as links
// opened in the same tab), one moment per lesson reached with the transport controls (the
// scrubber, then a step forward and back), what the page shows read from its data-* attributes
// (lib-lessons.mjs says which expectation is read where), no console or page errors, and one
// screenshot per lesson of its paused last key moment in test/output/lesson-NN.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openBrowser } from './browser.mjs';
import { startServer } from './server.mjs';
import { check, lessonFragment, loadLessons } from './lib-lessons.mjs';
import { clickAndSettle, navigate, open, readFrame, scrubTo, viewAttributes } from './lib-page.mjs';

const OUTPUT = fileURLToPath(new URL('./output/', import.meta.url));
const LESSONS = loadLessons();

let server;
let browser;
let page;

before(async () => {
  mkdirSync(OUTPUT, { recursive: true });
  server = await startServer();
  browser = await openBrowser();
  page = browser.page;
});

after(async () => {
  await browser?.close();
  server?.stop();
});

/// The page's own view of where it is: a paused lesson frame of this run at (or just before) `at`.
function checkBody(body, lesson, run, at) {
  const bad = [];
  if (body.mode !== 'lesson') bad.push(`body data-mode ${body.mode}, expected lesson`);
  if (body.lesson !== String(lesson.id)) bad.push(`body data-lesson ${body.lesson}, expected ${lesson.id}`);
  if (body.run !== run.name) bad.push(`body data-run ${JSON.stringify(body.run)}, expected ${JSON.stringify(run.name)}`);
  if (body.playing !== 'false') bad.push(`body data-playing ${body.playing}: a lesson opened at a moment is paused`);
  if (Number(body.endMs) !== run.tape.endMs) bad.push(`body data-end-ms ${body.endMs}, the tape's endMs is ${run.tape.endMs}`);
  const shown = Number(body.at);
  if (!(shown <= at)) bad.push(`body data-at ${body.at}: past the moment ${at}`);
  return bad;
}

function noProblems(what) {
  const seen = browser.problems.splice(0);
  assert.deepEqual(seen, [], `${what}: console or page errors`);
}

test('the lesson files are the twelve lessons with moments to check', () => {
  assert.deepEqual(
    LESSONS.map((l) => l.id),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
  );
  for (const l of LESSONS) {
    assert.ok(l.runs.length > 0, `lesson ${l.id} has runs`);
    for (const r of l.runs) assert.ok(r.moments.length > 0, `lesson ${l.id} run ${r.name} has moments`);
  }
});

for (const lesson of LESSONS) {
  const nn = String(lesson.id).padStart(2, '0');
  test(`lesson ${lesson.id} (${lesson.title}): every key moment as its expectations say`, async () => {
    const problems = [];
    const note = (where, bad) => problems.push(...bad.map((b) => `${where}: ${b}`));

    // One moment through the transport controls: open the first run at 0, scrub to its first
    // moment, then a step forward and back must return the same frame.
    const first = lesson.runs[0];
    const moment = first.moments[0];
    const start = await open(page, server.url, lessonFragment(lesson.id, first.name, 0));
    const where0 = `run "${first.name}" scrubbed to ${moment.at}`;
    assert.equal(start.ready, 'true');
    const body = await scrubTo(page, moment.at);
    note(where0, checkBody(body, lesson, first, moment.at));
    note(where0, check(await readFrame(page), moment.expect));
    const views = async () => [await viewAttributes(page, 'partitions'), await viewAttributes(page, 'ledger')];
    const here = { step: Number(body.step), views: await views() };
    if (Number(body.at) < first.tape.endMs) {
      const fwd = await clickAndSettle(page, '#step-forward');
      if (Number(fwd.step) !== here.step + 1) problems.push(`${where0}: #step-forward went from step ${here.step} to ${fwd.step}`);
      const back = await clickAndSettle(page, '#step-back');
      if (Number(back.step) !== here.step) problems.push(`${where0}: #step-back returned to step ${back.step}, not ${here.step}`);
      if (JSON.stringify(await views()) !== JSON.stringify(here.views)) {
        problems.push(`${where0}: a step forward and back shows another frame (partitions or ledger differ)`);
      }
    }
    noProblems(where0);

    // Every run at every moment from its URL; the first run's last moment is the screenshot.
    for (const [ri, run] of lesson.runs.entries()) {
      for (const [mi, m] of run.moments.entries()) {
        const where = `run "${run.name}" at ${m.at}`;
        // The first from a fresh load, the others as links opened in the same tab (hashchange).
        const fragment = lessonFragment(lesson.id, run.name, m.at);
        const b = ri === 0 && mi === 0 ? await open(page, server.url, fragment) : await navigate(page, fragment);
        note(where, checkBody(b, lesson, run, m.at));
        note(where, check(await readFrame(page), m.expect));
        if (ri === 0 && mi === run.moments.length - 1) {
          await page.screenshot({ path: `${OUTPUT}/lesson-${nn}.png` });
        }
        noProblems(where);
      }
    }
    assert.deepEqual(problems, [], `lesson ${lesson.id}: the page differs from the lesson file`);
  });
}
