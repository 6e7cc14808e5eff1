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
  PALETTE,
  PALETTE_EDGE,
  producerIndex,
  remember,
  rootState,
  viewShell,
} from './util.js';

/** At most this many offsets drawn per partition; a longer log is windowed around its markers. */
export const WINDOW = 240;

export function render(root, frame, ctx = {}) {
  viewShell(root, 'partitions', 'Partition logs');
  remember(root, frame, ctx);
  bind(root);
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
    const lane = frame?.lanes?.find((l) => l.name === name);
    const dead = lane && lane.alive === false;
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
  const byOffset = new Map();
  for (const r of p.records ?? []) byOffset.set(r.offset, { view: r });
  for (const r of recs) {
    const e = byOffset.get(r.offset) ?? {};
    e.rec = r;
    byOffset.set(r.offset, e);
  }
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
    marks.push({ kind: 'committed', label: `committed ${group}`, offset, a: { 'data-group': group }, below: true });
  }
  for (const [app, offset] of Object.entries(m?.positions ?? {})) {
    marks.push({
      kind: 'position',
      label: `pos ${app}`,
      offset,
      a: { 'data-app': app, 'data-target-kind': 'app', 'data-target-name': app, tabindex: 0 },
      below: true,
    });
  }

  // The window: everything if short, else the last WINDOW offsets reaching back to the
  // lowest reader marker when that fits.
  let lo = start;
  if (end - start > WINDOW) {
    const readers = marks.filter((k) => k.below).map((k) => k.offset);
    const lowest = Math.min(end, ...readers);
    lo = Math.max(start, Math.min(end - WINDOW, lowest - 8));
    if (end - lo > WINDOW) lo = end - WINDOW;
  }
  const hidden = lo - start;

  // Markers by the offset they are drawn at (clamped into the window; the label says if moved).
  const at = new Map();
  const offWindow = [];
  for (const k of marks) {
    let o = k.offset;
    let note = '';
    if (o < lo) {
      note = o < start ? ' ◂ (before log start)' : ' ◂ (left of window)';
      if (o < lo) offWindow.push(k);
      o = lo;
    } else if (o > end) {
      note = ' ▸';
      o = end;
    }
    const list = at.get(o) ?? [];
    list.push({ ...k, note });
    at.set(o, list);
  }

  const cells = [];
  if (hidden > 0) {
    cells.push(`<div class="kv-gap" title="${hidden} earlier offsets not drawn">… ${hidden} earlier</div>`);
  }
  for (let o = lo; o <= end; o++) {
    const ms = at.get(o) ?? [];
    const markerHtml = ms.length ? markersHtml(ms) : '';
    if (o === end) {
      cells.push(`<div class="kv-cell kv-next" data-end="true" title="next offset ${o}">${markerHtml}<span class="kv-off">@${o}</span></div>`);
      break;
    }
    const e = byOffset.get(o);
    if (!e) {
      // Offsets with no stored record in the window (compacted or unreadable): an empty slot.
      cells.push(`<div class="kv-cell kv-missing" title="offset ${o}: no record">${markerHtml}<span class="kv-off">@${o}</span></div>`);
      continue;
    }
    cells.push(cell(o, e, idx, markerHtml));
  }

  const headerMarks = offWindow.length
    ? ` <span class="kv-offwindow">${offWindow.map((k) => `${esc(k.label)} @${k.offset}`).join(', ')} before the window</span>`
    : '';
  return `<section class="kv-partition"${attrs({
    'data-partition-id': id,
    'data-topic': topic,
    'data-partition': p.partition,
    'data-log-start-offset': p.logStartOffset,
    'data-lso': p.lastStableOffset,
    'data-high-watermark': p.highWatermark,
    'data-log-end-offset': p.logEndOffset,
  })}><header class="kv-phead"><b>${esc(id)}</b> <span class="kv-nums">log start ${p.logStartOffset} · LSO ${p.lastStableOffset} · HW ${p.highWatermark} · LEO ${p.logEndOffset}</span>${headerMarks}</header><div class="kv-log" role="list">${cells.join('')}</div></section>`;
}

function cell(o, e, idx, markerHtml) {
  const v = e.view ?? {};
  const r = e.rec ?? {};
  const control = v.control ?? null;
  const producer = r.producer ?? null;
  const i = producer ? idx(producer) : 0;
  const style = producer ? `--fill:${PALETTE[i % PALETTE.length]};--edge:${PALETTE_EDGE[i % PALETTE.length]}` : null;
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
    })}>${markerHtml}<span class="kv-ctl">${c}</span><span class="kv-off">@${o}</span></div>`;
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
  })}>${markerHtml}<span class="kv-msg">${esc(message ?? '∅')}</span><span class="kv-meta"><b class="kv-letter">${producer ? letter(i) : '?'}</b> @${o}</span>${
    dup !== null ? `<span class="kv-duplabel">dup of @${dup}</span>` : ''
  }${aborted ? '<span class="kv-abortlabel">aborted</span>' : ''}</div>`;
}

function markersHtml(ms) {
  let above = 0;
  let below = 0;
  return ms
    .map((k) => {
      const level = k.below ? below++ : above++;
      return `<span${attrs({
        class: `kv-marker kv-m-${k.kind}${k.below ? ' kv-below' : ' kv-above'}`,
        'data-marker': k.kind,
        'data-offset': k.offset,
        style: `--level:${level}`,
        title: `${k.label}: offset ${k.offset}`,
        ...k.a,
      })}><span class="kv-mlabel">${esc(k.label)}${esc(k.note)}</span></span>`;
    })
    .join('');
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
  for (const el of root.querySelectorAll('.kv-twin')) el.classList.remove('kv-twin');
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
