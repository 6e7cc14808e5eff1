// Draws a view (see engine.js, `view()`) into the page. Pure DOM, no engine calls: the
// same view always gives the same picture, which is what the Chromium test relies on.
//
// Every fact the learner reads is also in a data-* attribute (offsets, values, markers,
// duplicate links), so tests check the page the way a learner does, not by pixel.

const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
};

// Offsets are drawn left to right from the log start; a marker sits on the left edge of
// the cell whose offset it names (LEO points at the empty "next" slot). Each kind has its own
// row, in the order the offsets always keep (start <= position <= HW <= LEO), so two labels
// never land on one spot, and a label covers the lines of markers further right.
const MARKERS = [
  { key: 'logStartOffset', id: 'log-start-offset', label: 'log start', help: 'first offset still stored' },
  { key: 'highWatermark', id: 'high-watermark', label: 'high watermark', help: 'consumers may read below it' },
  { key: 'logEndOffset', id: 'log-end-offset', label: 'log end', help: 'offset the next record gets' },
];

/** Marks the copies a retry added: a value stored more often than the app sent it. */
export function findDuplicates(records, sentCounts) {
  const seen = new Map(); // value -> offsets stored so far
  const dup = new Map(); // offset -> { twin, copy }
  for (const r of records) {
    const offsets = seen.get(r.value) ?? [];
    offsets.push(r.offset);
    seen.set(r.value, offsets);
    const sent = sentCounts.get(r.value) ?? 1;
    if (offsets.length > sent) dup.set(r.offset, { twin: offsets[0], copy: offsets.length });
  }
  return dup;
}

function recordCell(r, dup, consumed) {
  const d = dup.get(r.offset);
  const cell = el(
    'li',
    {
      class: 'cell' + (d ? ' duplicate' : '') + (consumed ? ' consumed' : ''),
      'data-offset': r.offset,
      'data-value': r.value,
      'data-key': r.key ?? undefined,
      'data-duplicate-of': d ? d.twin : undefined,
      title: d
        ? `offset ${r.offset}: "${r.value}" again — a retry stored copy ${d.copy} (first copy at offset ${d.twin})`
        : `offset ${r.offset}: "${r.value}"`,
    },
    el('span', { class: 'offset', text: `@${r.offset}` }),
    el('span', { class: 'value', text: r.value }),
  );
  if (d) cell.append(el('span', { class: 'dup-badge', 'data-duplicate': '', text: `DUPLICATE of @${d.twin}` }));
  else if (r.key) cell.append(el('span', { class: 'key', text: `key ${r.key}` }));
  return cell;
}

function markerLane(p, consumers, first) {
  const rows = [{ ...MARKERS[0], offset: p.logStartOffset }];
  for (const c of consumers) {
    const pos = c.positions[`${p.topic}/${p.partition}`];
    if (pos !== undefined && pos !== null) {
      rows.push({ id: 'consumer-position', label: `${c.name} position`, help: 'next offset it reads', offset: pos, who: c.name });
    }
  }
  for (const m of MARKERS.slice(1)) rows.push({ ...m, offset: p[m.key] });
  const lane = el('div', { class: 'markers', 'aria-label': 'offset markers', style: `--rows: ${rows.length}` });
  rows.forEach((m, row) =>
    lane.append(
      el(
        'div',
        {
          class: `marker marker-${m.id}`,
          'data-marker': m.id,
          'data-offset': m.offset,
          'data-consumer': m.who,
          style: `--slot: ${m.offset - first}; --row: ${row}`,
          title: `${m.label} = ${m.offset}: ${m.help}`,
        },
        el('span', { class: 'marker-label', text: `${m.label} ${m.offset}` }),
      ),
    ),
  );
  return lane;
}

export function renderPartitions(root, view) {
  root.replaceChildren();
  for (const p of view.partitions) {
    const first = Math.min(p.logStartOffset, p.records[0]?.offset ?? p.logStartOffset);
    const dup = findDuplicates(p.records, view.sentCounts);
    const consumedOffsets = new Set(
      view.consumers.flatMap((c) => c.polled.filter((r) => r.topic === p.topic && r.partition === p.partition).map((r) => r.offset)),
    );
    const pos = view.consumers[0]?.positions[`${p.topic}/${p.partition}`];
    const row = el('section', {
      class: 'partition',
      'data-topic': p.topic,
      'data-partition': p.partition,
      'data-log-start-offset': p.logStartOffset,
      'data-high-watermark': p.highWatermark,
      'data-log-end-offset': p.logEndOffset,
      'data-consumer-position': pos ?? undefined,
      'data-duplicates': dup.size,
      style: `--slots: ${p.logEndOffset - first + 1}`,
    });
    const cells = el('ol', { class: 'cells', 'aria-label': `records in ${p.topic} partition ${p.partition}` });
    for (const r of p.records) cells.append(recordCell(r, dup, consumedOffsets.has(r.offset)));
    cells.append(el('li', { class: 'cell next', 'data-next-offset': p.logEndOffset }, el('span', { class: 'offset', text: `@${p.logEndOffset}` }), el('span', { class: 'value', text: 'next' })));
    row.append(
      el('h3', { text: `${p.topic} · partition ${p.partition}` }),
      el('div', { class: 'track' }, cells, markerLane(p, view.consumers, first)),
    );
    if (dup.size) {
      const list = [...dup.entries()].map(([o, d]) => `@${o} is a copy of @${d.twin}`).join(', ');
      row.append(el('p', { class: 'note duplicate-note', text: `${dup.size} duplicate${dup.size > 1 ? 's' : ''}: ${list}. The acknowledgement was lost, so the producer sent the batch again and the broker, with idempotence off, stored it again.` }));
    }
    root.append(row);
  }
}

export function renderProducer(root, view) {
  root.replaceChildren();
  for (const pr of view.producers) {
    const rows = pr.sends.map((s) =>
      el(
        'tr',
        { 'data-send': s.id, 'data-value': s.value, 'data-state': s.state },
        el('td', { text: s.value }),
        el('td', { text: s.stateText }),
      ),
    );
    root.append(
      el('h3', { text: `producer ${pr.name}` }),
      el('p', { class: 'config', text: pr.configText }),
      rows.length
        ? el('table', { class: 'sends' }, el('thead', {}, el('tr', {}, el('th', { text: 'message' }), el('th', { text: 'delivery' }))), el('tbody', {}, ...rows))
        : el('p', { class: 'empty', text: 'Nothing sent yet.' }),
    );
  }
}

export function renderConsumers(root, view) {
  root.replaceChildren();
  for (const c of view.consumers) {
    const counts = new Map();
    for (const r of c.polled) counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
    const items = c.polled.map((r) => {
      const again = counts.get(r.value) > (view.sentCounts.get(r.value) ?? 1);
      return el('li', { 'data-offset': r.offset, 'data-value': r.value, class: again ? 'again' : '' }, `@${r.offset} ${r.value}`, again ? el('span', { class: 'dup-badge', text: 'seen twice' }) : null);
    });
    root.append(
      el('h3', { text: `consumer ${c.name}` }),
      el('p', { class: 'config', text: Object.entries(c.positions).map(([tp, o]) => `${tp}: position ${o}`).join(' · ') || 'no partitions assigned' }),
      items.length ? el('ol', { class: 'polled', 'data-consumer': c.name }, ...items) : el('p', { class: 'empty', text: 'Nothing polled yet.' }),
    );
  }
}

export function renderJournal(root, view) {
  root.replaceChildren();
  const shown = view.journal.slice(-400);
  for (const e of shown) {
    const fetch = e.api === 'Fetch' && !e.fault ? ' fetch' : '';
    root.append(el('li', { class: `event kind-${e.kind}${e.fault ? ' fault' : ''}${fetch}`, 'data-kind': e.kind }, el('time', { text: `${e.at} ms` }), el('span', { class: 'who', text: e.who ?? '' }), el('span', { class: 'what', text: e.text })));
  }
  root.scrollTop = root.scrollHeight;
}

export function renderClock(root, view) {
  root.dataset.nowMs = view.nowMs;
  root.dataset.nextEventMs = view.nextEventMs ?? '';
  root.querySelector('.now').textContent = `${view.nowMs} ms`;
  root.querySelector('.next').textContent =
    view.nextEventMs === null ? 'nothing scheduled' : `next event at ${view.nextEventMs} ms`;
}
