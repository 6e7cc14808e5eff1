// README's picture of the playground: a seeded, paused frame of lesson 9 at 4000 ms (the aborted
// transaction's records struck through in the log, the LSO past its ABORT marker, the ledger's
// "aborted read" verdicts for the read_uncommitted reader) at 1280x800, written to
// playground/screenshot.png. `make playground-screenshot` builds the page and runs this.
//
// node playground/test/screenshot.mjs [lesson (9)] [at (4000 for lesson 9, else the last key moment)] [out.png]
import { fileURLToPath } from 'node:url';
import { openBrowser } from './browser.mjs';
import { startServer } from './server.mjs';
import { lessonFragment, loadLessons } from './lib-lessons.mjs';
import { errorText, open } from './lib-page.mjs';

const id = Number(process.argv[2] ?? 9);
const lesson = loadLessons().find((l) => l.id === id);
if (!lesson) throw new Error(`no lesson ${process.argv[2]} (lessons are 1 to 12)`);
const run = lesson.runs[0];
const at = Number(process.argv[3] ?? (id === 9 ? 4000 : run.moments.at(-1).at));
const out = process.argv[4] ?? fileURLToPath(new URL('../screenshot.png', import.meta.url));

const server = await startServer();
const browser = await openBrowser();
try {
  const { page } = browser;
  await page.setViewportSize({ width: 1280, height: 800 });
  const body = await open(page, server.url, lessonFragment(id, run.name, at));
  if (body.playing !== 'false') throw new Error('the frame is not paused');
  const err = await errorText(page);
  if (err) throw new Error(`the page shows an error: ${err}`);
  if (browser.problems.length) throw new Error(`console or page errors: ${browser.problems.join('; ')}`);
  await page.screenshot({ path: out });
  console.log(`screenshot: lesson ${id} "${run.name}" at ${body.at} ms (step ${body.step}) -> ${out}`);
} finally {
  await browser.close();
  server.stop();
}
