// The sequence diagram: a lane per producer, consumer, broker and coordinator (frame.lanes);
// every request and response as an arrow from lane to lane, newest at the bottom. Requests are
// solid, responses dashed; a dropped message ends in a cross half way, a delayed one is labelled
// with its delay, a duplicated one drawn double and labelled ×2; the engine's labels name
// retries and fencing. The window shows the last arrows up to now, in a scrolling box.
// Clicking a client's lane head opens its faults; clicking an arrow, the faults of that link.
import { afterLayout, attrs, bindMenu, esc, remember, rootState, viewShell } from './util.js';

/** Arrows drawn at most (the most recent up to now). */
export const WINDOW = 60;
const ROW = 24;
const TIME_W = 44;
/** The APIs a client repeats while idle; hidden on request. */
const POLLING = new Set(['Fetch', 'Heartbeat']);

export function render(root, frame, ctx = {}) {
  viewShell(root, 'sequence');
  remember(root, frame, ctx);
  bindMenu(root);
  const s = rootState(root);
  if (!s.scroller) {
    // The scroll box stays across renders (only its content is redrawn), so a learner who
    // scrolled up stays there; at the bottom it follows the newest arrow.
    s.body.innerHTML =
      '<label class="kv-seqtools"><input type="checkbox" class="kv-hidepoll"> hide Fetch and Heartbeat polling (faults stay shown)</label><div class="kv-seqscroll"></div>';
    s.scroller = s.body.querySelector('.kv-seqscroll');
    s.body.querySelector('.kv-hidepoll').addEventListener('change', (e) => {
      s.hidePolling = e.target.checked;
      paint(root, s);
    });
    s.stick = true;
    s.scroller.addEventListener('scroll', () => {
      const sc = s.scroller;
      s.stick = sc.scrollHeight - sc.scrollTop - sc.clientHeight < ROW * 2;
    });
    // The lanes fit the box: its width comes from a ResizeObserver (no layout read while drawing).
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver((entries) => {
        const w = Math.round(entries[0].contentRect.width);
        if (w && w !== s.width) {
          s.width = w;
          if (s.frame) paint(root, s);
        }
      }).observe(root);
    }
  }
  paint(root, s);
}

function paint(root, s) {
  const v = layout(s.frame, s.width, s.hidePolling);
  if (!v.lanes.length) {
    if (s.laneKey !== 'none') s.scroller.innerHTML = '<p class="kv-empty">No clients.</p>';
    s.laneKey = 'none';
    return;
  }
  // The lanes and the box: rebuilt only when they change (a client appears, dies, the box resizes).
  const laneKey = `${v.width}|${v.lanes.map((l) => `${l.id}:${l.kind}:${l.alive}`).join(',')}`;
  if (laneKey !== s.laneKey) {
    s.laneKey = laneKey;
    s.scroller.innerHTML = `${headHtml(v)}<svg class="kv-seq" role="img"><defs><marker id="kv-ah" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="currentColor"/></marker></defs><g class="kv-lifelines">${v.lanes
      .map((l) => `<line class="kv-lifeline${l.alive === false ? ' kv-dead' : ''}" x1="${v.x.get(l.id)}" x2="${v.x.get(l.id)}"/>`)
      .join('')}</g><text class="kv-seqnote" x="4"></text><g class="kv-rows"></g></svg>`;
    s.svg = s.scroller.querySelector('svg');
    s.rowsEl = s.svg.querySelector('.kv-rows');
    s.note = s.svg.querySelector('.kv-seqnote');
    s.rows = new Map();
  }
  // The arrows, each at y = its place in the (filtered) list, kept across renders: stepping
  // adds or removes a few; the viewBox slides over the window.
  const want = v.shown.map((a, k) => row(s, v, a, v.first + k));
  const wanted = new Set(want);
  for (const g of [...s.rowsEl.children]) if (!wanted.has(g)) g.remove();
  let next = s.rowsEl.firstChild;
  for (const g of want) {
    if (g === next) next = next.nextSibling;
    else s.rowsEl.insertBefore(g, next);
  }
  if (s.rows.size > 4 * WINDOW) for (const [k, g] of s.rows) if (!wanted.has(g)) s.rows.delete(k);
  const top = ROW * v.first;
  const height = Math.max(ROW * 2, ROW * (v.shown.length + 1));
  s.svg.setAttribute('width', v.width);
  s.svg.setAttribute('height', height);
  s.svg.setAttribute('viewBox', `0 ${top} ${v.width} ${height}`);
  s.svg.setAttribute('aria-label', `${v.shown.length} messages${v.first ? `, ${v.first} earlier not drawn` : ''}`);
  for (const line of s.svg.querySelectorAll('.kv-lifeline')) {
    line.setAttribute('y1', top);
    line.setAttribute('y2', top + height);
  }
  s.note.setAttribute('y', top + 14);
  s.note.textContent = v.first ? `… ${v.first} earlier` : '';
  if (s.stick) afterLayout(root, () => (s.scroller.scrollTop = s.scroller.scrollHeight));
}

function laneTarget(l) {
  if (l.kind === 'producer') return { 'data-target-kind': 'producer', 'data-target-name': l.name };
  if (l.kind === 'consumer') return { 'data-target-kind': 'app', 'data-target-name': l.name };
  if (l.kind === 'broker' || l.kind === 'coordinator') return { 'data-target-kind': 'broker' };
  return {};
}

/** One lane per id: a restarted client keeps its name (so its lane), alive if any incarnation is. */
function uniqueLanes(frame) {
  const byId = new Map();
  for (const l of frame?.lanes ?? []) {
    const had = byId.get(l.id);
    byId.set(l.id, had ? { ...had, alive: had.alive || l.alive } : l);
  }
  return [...byId.values()];
}

/** What the diagram shows: the arrows of the window, the lanes, their x. */
function layout(frame, avail, hidePolling) {
  const all = (frame?.messages ?? []).filter((a) => !hidePolling || a.fate !== 'sent' || !POLLING.has(a.api));
  const first = Math.max(0, all.length - WINDOW);
  const shown = all.slice(first);
  // Admin lanes (topic creation at the start) only while one of their arrows is in the window.
  const used = new Set(shown.flatMap((a) => [a.from, a.to]));
  const lanes = uniqueLanes(frame).filter((l) => l.kind !== 'admin' || used.has(l.id));
  const laneW = Math.max(70, Math.min(190, Math.floor(((avail || 900) - TIME_W - 4) / Math.max(1, lanes.length))));
  const x = new Map(lanes.map((l, i) => [l.id, TIME_W + laneW * i + laneW / 2]));
  const byId = new Map(lanes.map((l) => [l.id, l]));
  return { shown, first, lanes, laneW, x, byId, width: TIME_W + laneW * lanes.length };
}

function headHtml(v) {
  const out = [`<div class="kv-seqhead" style="width:${v.width}px;padding-left:${TIME_W}px">`];
  for (const l of v.lanes) {
    const dead = l.alive === false;
    const t = laneTarget(l);
    const icon = { producer: '✉', consumer: '▸', broker: '▣', coordinator: '◆', admin: '⚙' }[l.kind] ?? '';
    const tag = t['data-target-kind'] ? 'button' : 'div';
    out.push(
      `<${tag}${attrs({
        type: tag === 'button' ? 'button' : null,
        class: `kv-lane kv-lane-${l.kind}${dead ? ' kv-dead' : ''}`,
        'data-lane': l.id,
        'data-lane-kind': l.kind,
        'data-alive': l.alive ? 'true' : 'false',
        style: `width:${v.laneW}px`,
        title: `${l.kind} ${l.name}${dead ? ' (down)' : ''}${t['data-target-kind'] ? ': click for faults' : ''}`,
        ...t,
      })}><span class="kv-lname">${icon} ${esc(l.name)}${dead ? ' ✝' : ''}</span><small>${esc(l.kind)}</small></${tag}>`,
    );
  }
  out.push('</div>');
  return out.join('');
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The <g> of arrow `a` drawn at row `o`, reused while it is the same arrow at the same row. */
function row(s, v, a, o) {
  const sig = `${o}|${a.at}|${a.arriveAt}|${a.from}|${a.to}|${a.api}|${a.direction}|${a.fate}|${a.correlationId}|${a.label}`;
  const had = s.rows.get(a.i);
  if (had && had.kvSig === sig) return had;
  const holder = document.createElementNS(SVG_NS, 'svg');
  holder.innerHTML = arrowHtml(v, a, ROW * (o + 1));
  const g = holder.firstElementChild ?? document.createElementNS(SVG_NS, 'g');
  g.kvSig = sig;
  s.rows.set(a.i, g);
  return g;
}

function arrowHtml(v, a, y) {
  const x1 = v.x.get(a.from);
  const x2 = v.x.get(a.to);
  if (x1 === undefined || x2 === undefined) return `<g data-arrow="${a.i}" data-api="${esc(a.api)}" data-direction="${a.direction}" data-fate="${a.fate}"></g>`;
  const client = v.byId.get(a.direction === 'request' ? a.from : a.to);
  const dir = Math.sign(x2 - x1) || 1;
  const dropped = a.fate === 'dropped';
  const xEnd = dropped ? x1 + (x2 - x1) * 0.6 : x2 - dir * 2;
  const delayBy = a.fate === 'delayed' && a.arriveAt !== null && a.arriveAt !== undefined ? a.arriveAt - a.at : null;
  const fateWord = { dropped: '✕ dropped', delayed: `delayed${delayBy !== null ? ` +${delayBy} ms` : ''}`, duplicated: '×2 duplicated' }[a.fate] ?? '';
  const label = `${a.label || a.api}${fateWord ? ` — ${fateWord}` : ''}`;
  const target =
    client && (client.kind === 'producer' || client.kind === 'consumer')
      ? { 'data-target-kind': 'link', 'data-target-node': client.name, 'data-target-api': a.api }
      : {};
  const out = [];
  out.push(
    `<g${attrs({
      class: `kv-arrow kv-${a.direction} kv-f-${a.fate}`,
      'data-arrow': a.i,
      'data-api': a.api,
      'data-direction': a.direction,
      'data-fate': a.fate,
      'data-correlation-id': a.correlationId,
      tabindex: 0,
      ...target,
    })}><title>${esc(`${a.at} ms: ${a.direction} ${label}${a.arriveAt !== null && a.arriveAt !== undefined ? `, arrives ${a.arriveAt} ms` : ''} (correlation ${a.correlationId})`)}</title>`,
  );
  out.push(`<text class="kv-t" x="4" y="${y + 4}">${a.at}</text>`);
  out.push(`<line class="kv-hit" x1="${x1}" y1="${y}" x2="${x2}" y2="${y}"/>`);
  if (a.fate === 'duplicated') {
    out.push(`<line class="kv-shaft" x1="${x1}" y1="${y - 2}" x2="${xEnd}" y2="${y - 2}"/>`);
    out.push(`<line class="kv-shaft" x1="${x1}" y1="${y + 2}" x2="${xEnd}" y2="${y + 2}" marker-end="url(#kv-ah)"/>`);
  } else {
    out.push(`<line class="kv-shaft" x1="${x1}" y1="${y}" x2="${xEnd}" y2="${y}"${dropped ? '' : ' marker-end="url(#kv-ah)"'}/>`);
  }
  if (dropped) out.push(`<path class="kv-cross" d="M${xEnd - 5},${y - 5} L${xEnd + 5},${y + 5} M${xEnd - 5},${y + 5} L${xEnd + 5},${y - 5}"/>`);
  out.push(`<text class="kv-label" x="${(x1 + xEnd) / 2}" y="${y - 5}" text-anchor="middle">${esc(label)}</text>`);
  out.push('</g>');
  return out.join('');
}
