// The producer inspector: each producer's configuration (idempotence, acks, retries, max in
// flight), its producer id and epoch, the next sequence per partition, the batches in flight
// (those whose acknowledgement the network dropped marked "ack lost", faults armed on its link
// listed), and its transaction state. Crashed and fenced producers are marked in words.
import { attrs, bindMenu, draw, esc, letter, PALETTE, PALETTE_EDGE, producerIndex, remember, viewShell } from './util.js';

export function render(root, frame, ctx = {}) {
  viewShell(root, 'producers');
  remember(root, frame, ctx);
  bindMenu(root);
  draw(root, html(frame));
}

function html(frame) {
  const producers = frame?.snapshot?.producers ?? [];
  if (!producers.length) return '<p class="kv-empty">No producer.</p>';
  const idx = producerIndex(frame);
  // The snapshot's clock (deadlines) counts from the simulation's epoch; the page's from the run's start.
  const base = (frame?.snapshot?.now ?? 0) - (frame?.at ?? 0);
  const lanes = frame?.lanes ?? [];
  const laneOf = (name) => lanes.find((l) => l.name === name);
  const txns = frame?.snapshot?.transactions ?? [];
  const out = ['<div class="kv-cards">'];
  for (const p of producers) {
    // Lanes list the snapshot's nodes first, in order: this producer's lane is at its node's
    // place (a restarted client has a lane per incarnation, all with its name).
    const nodes = frame?.snapshot?.nodes ?? [];
    const at = nodes.findIndex((n) => n.id === p.node);
    const lane = at >= 0 && lanes[at]?.name === p.name ? lanes[at] : laneOf(p.name);
    const node = nodes[at];
    const crashed = node ? node.alive === false : lane ? lane.alive === false : false;
    const txn = p.transactionalId ? txns.find((t) => t.transactionalId === p.transactionalId) : null;
    // Fenced: the coordinator has moved its transactional id to a later epoch (a successor's
    // InitProducerId); the engine's "producer-fenced" event names the successor, not the victim.
    const fenced = (txn && p.producerId === txn.producerId && p.epoch >= 0 && txn.epoch > p.epoch) || /fenced/i.test(p.transactionState ?? '');
    // Produce responses the network dropped on this producer's link, by correlation id.
    const lostAcks = new Set();
    if (lane) {
      for (const a of frame?.messages ?? []) {
        if (a.to === lane.id && a.direction === 'response' && a.api === 'Produce' && a.fate === 'dropped') lostAcks.add(a.correlationId);
      }
    }
    const armed = (frame?.armed ?? []).filter((f) => f.node === p.name || f.node === null);
    const i = idx(p.name);
    const status = [crashed ? 'crashed' : null, fenced ? 'fenced' : null].filter(Boolean);
    out.push(
      `<section${attrs({
        class: `kv-card kv-producer${crashed ? ' kv-dead' : ''}${fenced ? ' kv-fenced' : ''}`,
        'data-producer': p.name,
        'data-producer-id': p.producerId,
        'data-epoch': p.epoch,
        'data-txn-state': p.transactionState ?? '',
        'data-idempotent': p.idempotent ? 'true' : 'false',
        'data-in-flight': p.inFlight?.length ?? 0,
        'data-crashed': crashed,
        'data-fenced': fenced,
        style: `--fill:${PALETTE[i % PALETTE.length]};--edge:${PALETTE_EDGE[i % PALETTE.length]}`,
      })}>`,
    );
    out.push(
      `<header><button type="button" class="kv-chip kv-producer-chip" data-target-kind="producer" data-target-name="${esc(p.name)}" title="click for faults"><b class="kv-letter">${letter(
        i,
      )}</b> ${esc(p.name)}</button>${status.map((w) => ` <span class="kv-badge kv-b-${w}">${w === 'crashed' ? '✝ crashed' : '⊗ fenced'}</span>`).join('')}</header>`,
    );
    const retries = p.retries >= 2147483647 ? '∞' : esc(p.retries);
    out.push(
      `<p class="kv-config" title="configuration"><span>enable.idempotence <b>${p.idempotent ? 'true' : 'false'}</b></span> <span>acks <b>${esc(p.acks)}</b></span> <span title="${esc(
        p.retries,
      )}">retries <b>${retries}</b></span> <span title="max.in.flight.requests.per.connection">max.in.flight <b>${esc(p.maxInFlight)}</b></span>${
        p.transactionalId ? ` <span>transactional.id <b>${esc(p.transactionalId)}</b></span>` : ''
      }</p>`,
    );
    out.push('<dl class="kv-kv">');
    const kv = (k, v) => out.push(`<dt>${esc(k)}</dt><dd>${v}</dd>`);
    kv('producer id', p.producerId < 0 ? '<span class="kv-none">none</span>' : `<b>${esc(p.producerId)}</b>`);
    kv('epoch', p.epoch < 0 ? '<span class="kv-none">none</span>' : `<b>${esc(p.epoch)}</b>`);
    if (p.transactionalId) {
      kv('transaction', `<b>${esc(p.transactionState ?? '—')}</b>${txn ? ` <small>(coordinator: ${esc(txn.state)}, epoch ${txn.epoch})</small>` : ''}`);
    }
    kv('pending', `${esc(p.pending ?? 0)} record${p.pending === 1 ? '' : 's'}`);
    out.push('</dl>');
    if (p.partitions?.length) {
      out.push('<table class="kv-mini"><thead><tr><th>partition</th><th title="base sequence of the next new batch">next seq</th><th title="the sequence the broker accepts next">acked seq</th><th>queued</th><th>in flight</th></tr></thead><tbody>');
      for (const q of p.partitions) {
        out.push(
          `<tr data-partition-id="${esc(`${q.topic}-${q.partition}`)}" data-next-sequence="${q.nextSequence ?? ''}"><td>${esc(q.topic)}-${q.partition}</td><td class="kv-num">${
            q.nextSequence ?? '—'
          }</td><td class="kv-num">${q.ackedSequence ?? '—'}</td><td class="kv-num">${q.queuedBatches}</td><td class="kv-num">${q.inFlightBatches}</td></tr>`,
        );
      }
      out.push('</tbody></table>');
    }
    if (p.inFlight?.length) {
      out.push('<ul class="kv-inflight" aria-label="batches in flight">');
      for (const b of p.inFlight) {
        const lost = lostAcks.has(b.correlationId);
        const seq = b.baseSequence === null || b.baseSequence === undefined ? '' : ` seq ${b.baseSequence}..${b.baseSequence + b.records - 1}`;
        out.push(
          `<li${attrs({ class: lost ? 'kv-lost-ack' : null, 'data-correlation-id': b.correlationId, 'data-ack-lost': lost })}>${esc(b.topic)}-${b.partition}${seq}, ${b.records} record${
            b.records === 1 ? '' : 's'
          }, attempt ${b.attempts}, corr ${b.correlationId}, times out at ${b.deadline - base} ms${lost ? ' <b class="kv-badge">✕ ack lost: will retry</b>' : ''}</li>`,
        );
      }
      out.push('</ul>');
    } else {
      out.push('<p class="kv-none kv-small">no batch in flight</p>');
    }
    if (armed.length) {
      out.push(
        `<p class="kv-armed">armed: ${armed.map((f) => `<span class="kv-badge" data-armed="${esc(f.fault)}">⚡ ${esc(f.fault)} next ${esc(f.api ?? 'request or response of any API')} ${esc(f.direction)}${
              f.count > 1 ? ` ×${f.count}` : ''
            }${f.node === null ? ' (any client)' : ''}</span>`).join(' ')}</p>`,
      );
    }
    out.push('</section>');
  }
  out.push('</div>');
  return out.join('');
}
