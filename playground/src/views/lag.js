// Lag over virtual time: per application, the sum over its partitions of how far its position is
// behind the high watermark (solid line) and behind the last stable offset (dashed line: all a
// read_committed reader can catch up to), from 0 to now on an axis 0..endMs, with a "now" line.
// Each line ends in the application's name, so the lines read without colour.
import { attrs, draw, esc, PALETTE_EDGE, remember, secs, viewShell } from './util.js';

const W = 620;
const H = 190;
const PAD = { l: 40, r: 110, t: 12, b: 26 };

export function render(root, frame, ctx = {}) {
  viewShell(root, 'lag');
  remember(root, frame, ctx);
  draw(root, html(frame));
}

/** Sum of each app's lag now, from the engine's markers (`{ app: { lag, stableLag } }`). */
export function lagNow(frame) {
  const out = {};
  for (const a of frame?.ledger?.apps ?? []) out[a.name] = { lag: 0, stableLag: 0 };
  for (const m of frame?.ledger?.markers ?? []) {
    for (const [app, n] of Object.entries(m.lag ?? {})) {
      out[app] ??= { lag: 0, stableLag: 0 };
      out[app].lag += n;
    }
    for (const [app, n] of Object.entries(m.stableLag ?? {})) {
      out[app] ??= { lag: 0, stableLag: 0 };
      out[app].stableLag += n;
    }
  }
  return out;
}

/** Per app, a step series [{ at, lag, stableLag }] of the sums over its partitions. */
export function series(points) {
  const cur = new Map(); // app -> Map(tp -> {lag, stableLag})
  const out = new Map();
  const sorted = [...(points ?? [])].sort((a, b) => a.at - b.at);
  for (const p of sorted) {
    let parts = cur.get(p.app);
    if (!parts) {
      parts = new Map();
      cur.set(p.app, parts);
      out.set(p.app, []);
    }
    parts.set(`${p.topic}-${p.partition}`, { lag: p.lag, stableLag: p.stableLag });
    let lag = 0;
    let stableLag = 0;
    for (const v of parts.values()) {
      lag += v.lag;
      stableLag += v.stableLag;
    }
    const s = out.get(p.app);
    if (s.length && s[s.length - 1].at === p.at) s[s.length - 1] = { at: p.at, lag, stableLag };
    else s.push({ at: p.at, lag, stableLag });
  }
  return out;
}

function html(frame) {
  const now = lagNow(frame);
  const ser = series(frame?.lag);
  const apps = [...new Set([...Object.keys(now), ...ser.keys()])];
  const endMs = Math.max(1, frame?.endMs ?? 1);
  const at = frame?.at ?? 0;
  let max = 1;
  for (const s of ser.values()) for (const p of s) max = Math.max(max, p.lag, p.stableLag);
  for (const v of Object.values(now)) max = Math.max(max, v.lag, v.stableLag);
  max = niceMax(max);
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const X = (t) => PAD.l + (Math.min(Math.max(t, 0), endMs) / endMs) * iw;
  const Y = (v) => PAD.t + ih - (v / max) * ih;
  const out = [];
  out.push('<ul class="kv-lagnow">');
  apps.forEach((app, i) => {
    const v = now[app] ?? { lag: 0, stableLag: 0 };
    out.push(
      `<li${attrs({ 'data-lag-app': app, 'data-lag': v.lag, 'data-stable-lag': v.stableLag, style: `--edge:${PALETTE_EDGE[i % PALETTE_EDGE.length]}` })}><b>${esc(app)}</b>: lag <b>${v.lag}</b> behind HW, <b>${v.stableLag}</b> behind LSO</li>`,
    );
  });
  out.push('</ul>');
  if (!apps.length) {
    out.push('<p class="kv-empty">No reader.</p>');
    return out.join('');
  }
  out.push(`<svg class="kv-lagchart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="lag per application over virtual time, 0 to ${endMs} ms">`);
  // Axes and grid.
  for (const v of ticks(max)) {
    out.push(`<line class="kv-grid" x1="${PAD.l}" x2="${PAD.l + iw}" y1="${Y(v)}" y2="${Y(v)}"/><text class="kv-ax" x="${PAD.l - 4}" y="${Y(v) + 4}" text-anchor="end">${v}</text>`);
  }
  for (const t of timeTicks(endMs)) {
    out.push(`<line class="kv-grid" x1="${X(t)}" x2="${X(t)}" y1="${PAD.t}" y2="${PAD.t + ih}"/><text class="kv-ax" x="${X(t)}" y="${H - 8}" text-anchor="middle">${esc(secs(t))}</text>`);
  }
  out.push(`<line class="kv-axis" x1="${PAD.l}" x2="${PAD.l + iw}" y1="${PAD.t + ih}" y2="${PAD.t + ih}"/>`);
  out.push(`<line class="kv-axis" x1="${PAD.l}" x2="${PAD.l}" y1="${PAD.t}" y2="${PAD.t + ih}"/>`);
  apps.forEach((app, i) => {
    const s = (ser.get(app) ?? []).filter((p) => p.at <= at);
    const color = PALETTE_EDGE[i % PALETTE_EDGE.length];
    const v = now[app] ?? { lag: 0, stableLag: 0 };
    for (const [key, cls] of [
      ['lag', 'kv-l-hw'],
      ['stableLag', 'kv-l-lso'],
    ]) {
      let d = `M${X(0)},${Y(0)}`;
      let last = 0;
      for (const p of s) {
        d += ` H${X(p.at)} V${Y(p[key])}`;
        last = p[key];
      }
      d += ` H${X(at)}`;
      out.push(`<path class="kv-line ${cls}" data-app="${esc(app)}" data-series="${key}" d="${d}" stroke="${color}"/>`);
      void last;
    }
    out.push(`<text class="kv-endlabel" x="${X(at) + 4}" y="${Y(v.lag) - 2 + i * 10}" fill="${color}">${esc(app)} ${v.lag}/${v.stableLag}</text>`);
  });
  out.push(`<line class="kv-now" x1="${X(at)}" x2="${X(at)}" y1="${PAD.t}" y2="${PAD.t + ih}"/><text class="kv-ax kv-nowlabel" x="${X(at)}" y="${PAD.t + 8}" text-anchor="middle">now</text>`);
  out.push('</svg>');
  out.push('<p class="kv-legend"><svg width="28" height="8"><line class="kv-line kv-l-hw" x1="0" x2="28" y1="4" y2="4" stroke="currentColor"/></svg> behind the high watermark · <svg width="28" height="8"><line class="kv-line kv-l-lso" x1="0" x2="28" y1="4" y2="4" stroke="currentColor"/></svg> behind the LSO · label: app lag/LSO lag</p>');
  return out.join('');
}

function niceMax(v) {
  for (const m of [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 100000, 1000000]) if (v <= m) return m;
  return Math.ceil(v / 1e6) * 1e6;
}

function ticks(max) {
  const step = max <= 5 ? 1 : max / 5;
  const out = [];
  for (let v = 0; v <= max + 1e-9; v += step) out.push(Math.round(v));
  return out;
}

function timeTicks(endMs) {
  const steps = [100, 200, 500, 1000, 2000, 5000, 10000, 20000, 30000, 60000, 120000, 300000, 600000, 1800000, 3600000];
  const step = steps.find((s) => endMs / s <= 8) ?? 3600000;
  const out = [];
  for (let t = 0; t <= endMs; t += step) out.push(t);
  return out;
}
