// Partition logs: a row per partition, a cell per offset coloured by the producer that wrote it
// (and lettered, for reading without colour); transaction markers as narrow hatched cells "C"/"A";
// aborted data struck through; a duplicate says "dup of @n" and lights up with its twin.
// Markers sit at the left edge of the offset they name: above the row the broker's (log start,
// LSO, high watermark, log end), below it the readers' (each group's committed offset, each
// application's position), each labelled and drawn in its own line style.
import {
  attrs,
  bindMenu,
  draw,
  esc,
  letter,
  lowerBound,
  PALETTE,
  PALETTE_EDGE,
  producerIndex,
  remember,
  rootState,
  selectedMessage,
  viewShell,
} from './util.js';

/** At most this many offsets drawn per partition; a longer log is windowed around its markers. */
export const WINDOW = 240;
const CELL_W = 56;
const CONTROL_W = 20;
const NEXT_W = 34;
const GAP_W = 56;
const CHAR_W = 5.6;

export function render(root, frame, ctx = {}) {
  viewShell(root, 'partitions');
  remember(root, frame, ctx);
  bind(root);
  rootState(root).selectedMessage = selectedMessage(ctx);
  draw(root, html(frame));
  applyTwins(root);
}

function html(frame) {
  const snap = frame?.snapshot ?? {};
  const idx = producerIndex(frame);
  const markersById = new Map((frame?.ledger?.markers ?? []).map((m) => [m.id, m]));
  const parts = [];
  parts.push(clients(frame, idx));
  for (const topic of snap.topics ?? []) {
    if (topic.internal) continue;
    for (const p of topic.partitions) {
      const id = `${topic.name}-${p.partition}`;
      parts.push(partition(topic.name, p, frame?.records?.[id] ?? [], markersById.get(id), idx));
    }
  }
  if (parts.length === 1) parts.push('<p class="kv-empty">No topics yet.</p>');
  return parts.join('');
}

/** The clients strip: producers with their letter and colour, applications, the broker; each opens the fault menu. */
function clients(frame, idx) {
  const out = ['<div class="kv-clients" aria-label="clients (click for faults)">'];
  const producers = new Set();
  for (const l of frame?.lanes ?? []) if (l.kind === 'producer') producers.add(l.name);
  for (const p of frame?.snapshot?.producers ?? []) producers.add(p.name);
  for (const name of producers) {
    const i = idx(name);
    // Dead when no incarnation of it is alive (a restarted client keeps its name).
    const lanes = (frame?.lanes ?? []).filter((l) => l.name === name);
    const dead = lanes.length > 0 && lanes.every((l) => l.alive === false);
    out.push(
      `<button type="button" class="kv-chip kv-producer-chip${dead ? ' kv-dead' : ''}"${attrs({
        'data-target-kind': 'producer',
        'data-target-name': name,
        style: `--fill:${PALETTE[i % PALETTE.length]};--edge:${PALETTE_EDGE[i % PALETTE.length]}`,
        title: `producer ${name}: click for faults`,
      })}><b class="kv-letter">${letter(i)}</b> ${esc(name)}${dead ? ' ✝' : ''}</button>`,
    );
  }
  for (const a of frame?.ledger?.apps ?? []) {
    const state = a.state;
    out.push(
      `<button type="button" class="kv-chip kv-app-chip kv-app-${esc(state)}"${attrs({
        'data-target-kind': 'app',
        'data-target-name': a.name,
        title: `application ${a.name} (${state}): click for faults`,
      })}>▸ ${esc(a.name)} <small>${esc(state)}</small></button>`,
    );
  }
  const up = frame?.brokerUp !== false;
  out.push(
    `<button type="button" class="kv-chip kv-broker-chip${up ? '' : ' kv-dead'}" data-target-kind="broker" title="the broker: click to kill or restart">▣ broker ${up ? 'up' : 'DOWN'}</button>`,
  );
  out.push('</div>');
  return out.join('');
}

function partition(topic, p, recs, m, idx) {
  const id = `${topic}-${p.partition}`;
  const start = p.logStartOffset;
  const end = p.logEndOffset;

  // Markers: [kind, label, offset, extra attrs, clickable target]
  const marks = [
    ['log-start', 'start', p.logStartOffset],
    ['lso', 'LSO', p.lastStableOffset],
    ['high-watermark', 'HW', p.highWatermark],
    ['log-end', 'LEO', p.logEndOffset],
  ].map(([kind, label, offset]) => ({ kind, label, offset, a: {}, below: false }));
  for (const [group, offset] of Object.entries(m?.committed ?? {})) {
    marks.push({ kind: 'committed', label: `✔ committed ${group}`, offset, a: { 'data-group': group }, below: true });
  }
  for (const [app, offset] of Object.entries(m?.positions ?? {})) {
    marks.push({
      kind: 'position',
      label: `▸ pos ${app}`,
      offset,
      a: { 'data-app': app },
      target: { kind: 'app', name: app },
      below: true,
    });
  }

  // The window: everything if short, else the last WINDOW offsets (the markers further left
  // are listed in the header and drawn at the window's first cell).
  const lo = end - start > WINDOW ? end - WINDOW : start;
  const hidden = lo - start;

  // Only the window's records are looked at (both lists are in offset order): a long log
  // costs no more than a short one.
  const byOffset = new Map();
  const views = p.records ?? [];
  for (let i = lowerBound(views, lo); i < views.length; i++) byOffset.set(views[i].offset, { view: views[i] });
  for (let i = lowerBound(recs, lo); i < recs.length; i++) {
    const r = recs[i];
    const e = byOffset.get(r.offset) ?? {};
    e.rec = r;
    byOffset.set(r.offset, e);
  }
  const underLabels = [...byOffset.values()].some((e) => e.view?.aborted || (e.rec?.duplicateOf ?? null) !== null);

  // Cells left to right with their x (px); markers at the left edge of the offset they name
  // (clamped into the window; the label says when moved), labels stacked so none overlap.
  const cells = [];
  let x = 0;
  const xOf = new Map();
  if (hidden > 0) {
    cells.push(`<div class="kv-gap" style="left:0;width:${GAP_W}px" title="${hidden} earlier offsets not drawn">… ${hidden}<br>earlier</div>`);
    x = GAP_W + 1;
  }
  for (let o = lo; o <= end; o++) {
    xOf.set(o, x);
    if (o === end) {
      cells.push(`<div class="kv-cell kv-next" data-end="true" style="left:${x}px;width:${NEXT_W}px" title="next offset ${o}"><span class="kv-off">@${o}</span></div>`);
      x += NEXT_W + 1;
      break;
    }
    const e = byOffset.get(o);
    if (!e) {
      // An offset with no stored record in the window (compacted or unreadable): an empty slot.
      cells.push(`<div class="kv-cell kv-missing" style="left:${x}px;width:${CELL_W}px" title="offset ${o}: no record"><span class="kv-off">@${o}</span></div>`);
      x += CELL_W + 1;
      continue;
    }
    const w = e.view?.control ? CONTROL_W : CELL_W;
    cells.push(cell(o, e, idx, `left:${x}px;width:${w}px`));
    x += w + 1;
  }
  const width = x;

  const offWindow = [];
  const placed = { above: [], below: [] }; // per level: right edge of the last label
  const markerHtml = [];
  const sorted = marks
    .map((k, n) => ({ ...k, n, drawAt: Math.min(Math.max(k.offset, lo), end) }))
    .sort((a, b) => a.drawAt - b.drawAt || a.n - b.n);
  // Markers at the same offset on the same side share one label ("LSO · HW · LEO"): each keeps
  // its own element and line (the data-marker attributes), the first carries the label.
  const groups = [];
  for (const k of sorted) {
    let note = '';
    if (k.offset < lo) {
      note = k.offset < start ? ' ◂ before log start' : ' ◂';
      offWindow.push(k);
    } else if (k.offset > end) note = ' ▸';
    const last = groups[groups.length - 1];
    const g = last && last.drawAt === k.drawAt && last.below === k.below ? last : { drawAt: k.drawAt, below: k.below, items: [] };
    if (g !== last) groups.push(g);
    g.items.push({ ...k, note });
  }
  for (const g of groups) {
    const mx = xOf.get(g.drawAt) ?? 0;
    const parts = g.items.map((k) => ({ k, text: `${k.label}${k.note}` }));
    const lw = parts.reduce((n, p) => n + p.text.length * CHAR_W + 14, 0);
    const side = g.below ? placed.below : placed.above;
    let level = side.findIndex((right) => right <= mx);
    if (level < 0) level = side.length;
    side[level] = mx + lw + 2;
    const label = parts
      .map(
        ({ k, text }) =>
          `<span${attrs({
            class: `kv-mpart kv-p-${k.kind}`,
            'data-target-kind': k.target?.kind,
            'data-target-name': k.target?.name,
            tabindex: k.target ? 0 : null,
          })}>${esc(text)}</span>`,
      )
      .join('');
    g.items.forEach((k, n) => {
      markerHtml.push(
        `<span${attrs({
          class: `kv-marker kv-m-${k.kind}${k.below ? ' kv-below' : ' kv-above'}`,
          'data-marker': k.kind,
          'data-offset': k.offset,
          style: `left:${mx - 1}px;--level:${level}`,
          title: `${k.label}: offset ${k.offset}`,
          ...k.a,
        })}>${n === 0 ? `<span class="kv-mlabel">${label}</span>` : ''}</span>`,
      );
    });
  }
  const under = underLabels ? 20 : 2;
  const above = Math.max(1, placed.above.length);
  const below = Math.max(1, placed.below.length);

  const headerMarks = offWindow.length
    ? ` <span class="kv-offwindow">${offWindow.map((k) => `${esc(k.label)} @${k.offset}`).join(', ')}: before the window</span>`
    : '';
  return `<section class="kv-partition"${attrs({
    'data-partition-id': id,
    'data-topic': topic,
    'data-partition': p.partition,
    'data-log-start-offset': p.logStartOffset,
    'data-lso': p.lastStableOffset,
    'data-high-watermark': p.highWatermark,
    'data-log-end-offset': p.logEndOffset,
  })}><header class="kv-phead"><b>${esc(id)}</b> <span class="kv-nums">log start ${p.logStartOffset} · LSO ${p.lastStableOffset} · HW ${p.highWatermark} · LEO ${p.logEndOffset}</span>${headerMarks}</header><div class="kv-log"><div class="kv-track" role="list" style="width:${width + 160}px;--above:${above};--below:${below};--under:${under}px">${cells.join('')}${markerHtml.join('')}</div></div></section>`;
}

function cell(o, e, idx, place) {
  const v = e.view ?? {};
  const r = e.rec ?? {};
  const control = v.control ?? null;
  const producer = r.producer ?? null;
  const i = producer ? idx(producer) : 0;
  const style = `${place};${producer ? `--fill:${PALETTE[i % PALETTE.length]};--edge:${PALETTE_EDGE[i % PALETTE.length]}` : ''}`;
  if (control) {
    const c = control === 'COMMIT' ? 'C' : 'A';
    return `<div${attrs({
      class: `kv-cell kv-control kv-${control.toLowerCase()}`,
      role: 'listitem',
      'data-offset': o,
      'data-producer': producer,
      'data-control': control,
      style,
      title: `offset ${o}: ${control} marker${producer ? ` of ${producer}` : ''} (producer id ${v.producerId}, epoch ${v.producerEpoch})`,
    })}><span class="kv-ctl">${c}</span><span class="kv-off">@${o}</span></div>`;
  }
  const message = r.messageId ?? v.value ?? null;
  const dup = r.duplicateOf ?? null;
  const aborted = v.aborted === true;
  const title = [
    `offset ${o}: ${message ?? '(no value)'}`,
    producer ? `from ${producer}` : null,
    v.key ? `key ${v.key}` : null,
    v.producerId >= 0 ? `producer id ${v.producerId} epoch ${v.producerEpoch} seq ${v.sequence}` : 'not idempotent',
    v.transactional ? (aborted ? 'aborted transaction: skipped by read_committed' : 'transactional') : null,
    dup !== null ? `duplicate of offset ${dup}` : null,
  ]
    .filter(Boolean)
    .join('; ');
  return `<div${attrs({
    class: `kv-cell kv-data${aborted ? ' kv-aborted' : ''}${dup !== null ? ' kv-dup' : ''}${v.transactional ? ' kv-txn' : ''}`,
    role: 'listitem',
    tabindex: dup !== null ? 0 : null,
    'data-offset': o,
    'data-message': message,
    'data-producer': producer,
    'data-aborted': aborted,
    'data-duplicate-of': dup,
    style,
    title,
  })}><span class="kv-msg">${esc(message ?? '∅')}</span><span class="kv-meta"><b class="kv-letter">${producer ? letter(i) : '?'}</b> @${o}</span>${
    dup !== null ? `<span class="kv-duplabel">dup of @${dup}</span>` : ''
  }${aborted ? '<span class="kv-abortlabel">aborted</span>' : ''}</div>`;
}

function bind(root) {
  const s = rootState(root);
  if (s.bound) return;
  s.bound = true;
  bindMenu(root);
  const twinOf = (cellEl) => {
    if (!cellEl) return null;
    const part = cellEl.closest('[data-partition-id]');
    if (!part) return null;
    const o = cellEl.dataset.offset;
    const d = cellEl.dataset.duplicateOf;
    if (d === undefined && !part.querySelector(`.kv-cell[data-duplicate-of="${o}"]`)) return null;
    return { pid: part.dataset.partitionId, offset: Number(o) };
  };
  root.addEventListener('mouseover', (e) => {
    s.hover = twinOf(e.target.closest?.('.kv-cell[data-offset]'));
    applyTwins(root);
  });
  root.addEventListener('mouseleave', () => {
    s.hover = null;
    applyTwins(root);
  });
  root.addEventListener('focusin', (e) => {
    s.hover = twinOf(e.target.closest?.('.kv-cell[data-offset]'));
    applyTwins(root);
  });
  root.addEventListener('click', (e) => {
    const c = e.target.closest?.('.kv-cell[data-offset]');
    if (!c || e.target.closest('[data-target-kind]')) return;
    const t = twinOf(c);
    const same = s.pinned && t && s.pinned.pid === t.pid && s.pinned.offset === t.offset;
    s.pinned = same ? null : t;
    applyTwins(root);
    const part = c.closest('[data-partition-id]');
    s.ctx?.select?.({
      view: 'partitions',
      partition: part?.dataset.partitionId,
      offset: Number(c.dataset.offset),
      message: c.dataset.message ?? null,
    });
  });
}

/** Lights up a duplicate and its twin (hovered or pinned by a click): class kv-twin on both. */
function applyTwins(root) {
  const s = rootState(root);
  for (const el of root.querySelectorAll('.kv-twin, .kv-selected')) el.classList.remove('kv-twin', 'kv-selected');
  if (s.selectedMessage) {
    for (const el of root.querySelectorAll(`.kv-cell[data-message="${CSS.escape(s.selectedMessage)}"]`)) el.classList.add('kv-selected');
  }
  for (const t of [s.pinned, s.hover]) {
    if (!t) continue;
    const part = root.querySelector(`[data-partition-id="${CSS.escape(t.pid)}"]`);
    if (!part) continue;
    const me = part.querySelector(`.kv-cell[data-offset="${t.offset}"]`);
    if (!me) continue;
    me.classList.add('kv-twin');
    const d = me.dataset.duplicateOf;
    if (d !== undefined) part.querySelector(`.kv-cell[data-offset="${d}"]`)?.classList.add('kv-twin');
    for (const el of part.querySelectorAll(`.kv-cell[data-duplicate-of="${t.offset}"]`)) el.classList.add('kv-twin');
  }
}
