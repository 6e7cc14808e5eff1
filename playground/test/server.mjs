// Serves playground/dist the way `make run` does (python3 -m http.server on 127.0.0.1,
// a random free port), so the test sees exactly what a learner's browser gets.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// PLAYGROUND_DIST: another built copy (a development build with a stand-in engine, for one).
export const DIST = process.env.PLAYGROUND_DIST ?? fileURLToPath(new URL('../dist/', import.meta.url));

export async function startServer() {
  if (!existsSync(`${DIST}/index.html`)) throw new Error(`${DIST} is not built: run \`make playground\` first`);
  const proc = spawn('python3', ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '--directory', DIST, '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`http.server did not start: ${out}`)), 10_000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/port (\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}/`);
      }
    });
    proc.on('exit', (code) => reject(new Error(`http.server exited with ${code}: ${out}`)));
  });
  proc.stderr.resume(); // request log; not needed
  return { url, stop: () => proc.kill() };
}
