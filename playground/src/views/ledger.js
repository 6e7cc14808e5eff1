// The delivery ledger: one row per application message with its sends, Produce attempts, the
// copies the broker stores (partition@offset and their state), how often each application
// processed it, side effects outside Kafka, and the engine's verdict as a word and a symbol.
// Summary counts on top. The verdicts are the engine's; this view only counts and draws them.
import { attrs, draw, esc, remember, rootState, selectedMessage, viewShell } from './util.js';

/** Every verdict the engine gives, with its symbol and words (readable without colour). */
export const VERDICTS = {
  exactlyOnce: { symbol: '✓', word: 'exactly once', title: 'processed exactly once by its readers (or, with none, stored once)' },
  duplicated: { symbol: '×2', word: 'duplicated' },
  lost: { symbol: '✗', word: 'lost' },
  abortedRead: { symbol: '⊘', word: 'aborted read', title: 'a read_uncommitted reader processed a copy from an aborted transaction' },
  aborted: { symbol: '∅', word: 'aborted', title: 'its only copies are in aborted transactions and nobody processed them: correct' },
  rejected: { symbol: '⨯', word: 'rejected', title: 'every send failed with an error the producer was told of' },
  pending: { symbol: '…', word: 'pending', title: 'not decided yet: in flight, in an open transaction, or not reached by its readers' },
};

/** Rows drawn at most; a longer ledger shows its first ones and says how many are left out. */
export const ROWS_MAX = 400;

export function render(root, frame, ctx = {}) {
  viewShell(root, 'ledger');
  remember(root, frame, ctx);
  bind(root);
  const ledger = frame?.ledger ?? { messages: [] };
  const counts = countVerdicts(ledger.messages ?? []);
  root.dataset.lost = counts.lost;
  root.dataset.duplicated = counts.duplicated;
  root.dataset.exactlyOnce = counts.exactlyOnce;
  root.dataset.abortedRead = counts.abortedRead;
  root.dataset.pending = counts.pending;
  root.dataset.aborted = counts.aborted;
  root.dataset.rejected = counts.rejected;
  root.dataset.messages = (ledger.messages ?? []).length;
  draw(root, html(ledger, counts, selectedMessage(ctx) ?? rootState(root).selected));
}

export function countVerdicts(messages) {
  const counts = Object.fromEntries(Object.keys(VERDICTS).map((k) => [k, 0]));
  for (const m of messages) counts[m.verdict] = (counts[m.verdict] ?? 0) + 1;
  return counts;
}

function verdictHtml(v, extra = '') {
  const d = VERDICTS[v] ?? { symbol: '?', word: v };
  return `<span class="kv-verdict kv-v-${esc(v)}${extra}" title="${esc(d.title ?? d.word)}"><b class="kv-vsym" aria-hidden="true">${esc(
    d.symbol,
  )}</b> ${esc(d.word)}</span>`;
}

function html(ledger, counts, selected) {
  const messages = ledger.messages ?? [];
  const out = [];
  out.push('<div class="kv-summary" role="status">');
  for (const k of ['exactlyOnce', 'duplicated', 'lost', 'abortedRead', 'aborted', 'rejected', 'pending']) {
    if (counts[k] === 0 && !['exactlyOnce', 'duplicated', 'lost', 'pending'].includes(k)) continue;
    out.push(`<span class="kv-count${counts[k] ? '' : ' kv-zero'}" data-count="${k}">${verdictHtml(k)} <b>${counts[k]}</b></span>`);
  }
  out.push(`<span class="kv-count kv-total">${messages.length} message${messages.length === 1 ? "" : "s"}</span></div>`);
  if (!messages.length) {
    out.push('<p class="kv-empty">No message sent yet.</p>');
    return out.join('');
  }
  const anyEffects = messages.some((m) => Object.keys(m.effects ?? {}).length);
  out.push('<div class="kv-tablewrap"><table class="kv-table"><thead><tr>');
  out.push('<th scope="col">message</th><th scope="col">verdict</th>');
  out.push('<th scope="col" class="kv-num" title="application sends / Produce requests on the wire (retries included)">sent</th>');
  out.push('<th scope="col">copies stored</th>');
  out.push('<th scope="col" title="times each application processed it">processed</th>');
  if (anyEffects) out.push('<th scope="col" title="side effects outside Kafka (emails)">effects</th>');
  out.push('</tr></thead><tbody>');
  for (const m of messages.slice(0, ROWS_MAX)) {
    const processed = Object.values(m.processed ?? {}).reduce((a, b) => a + b, 0);
    out.push(
      `<tr${attrs({
        'data-message': m.id,
        'data-verdict': m.verdict,
        'data-copies': m.copies?.length ?? 0,
        'data-attempts': m.attempts,
        'data-processed': processed,
        'data-sends': m.sends,
        class: `kv-row kv-r-${m.verdict}${selected === m.id ? ' kv-selected' : ''}`,
        tabindex: 0,
      })}>`,
    );
    const byReader = Object.entries(m.verdictByReader ?? {});
    const readers =
      byReader.length > 1
        ? `<div class="kv-byreader">${byReader
            .map(([r, v]) => `<small data-reader="${esc(r)}" data-reader-verdict="${esc(v)}" title="${esc(`${r}: ${VERDICTS[v]?.word ?? v}`)}">${esc(VERDICTS[v]?.symbol ?? v)} ${esc(r)}</small>`)
            .join('<br>')}</div>`
        : '';
    out.push(`<th scope="row">${esc(m.id)}</th><td>${verdictHtml(m.verdict)}${readers}</td>`);
    out.push(
      `<td class="kv-num" title="${m.sends} send${m.sends === 1 ? '' : 's'}, ${m.attempts} attempt${m.attempts === 1 ? '' : 's'}${
        m.failed ? `, ${m.failed} failed` : ''
      }">${m.sends}·${m.attempts > 1 ? `<b>${m.attempts}</b>` : m.attempts}${m.failed ? ` <small>${m.failed}✗</small>` : ''}</td>`,
    );
    const copies = (m.copies ?? [])
      .map(
        (c) =>
          `<span class="kv-copy kv-c-${esc(c.state)}" data-copy="${esc(`${c.topic}-${c.partition}@${c.offset}`)}" title="${esc(
            `${c.topic}-${c.partition} offset ${c.offset}, ${c.state}, producer id ${c.producerId} epoch ${c.producerEpoch}`,
          )}">${esc(c.topic)}-${c.partition}@${c.offset}${c.state === 'plain' ? '' : ` <small>${esc(c.state)}</small>`}</span>`,
      )
      .join(' ');
    out.push(`<td class="kv-copies">${copies || '<span class="kv-none">none</span>'}</td>`);
    const per = Object.entries(m.processed ?? {})
      .filter(([, n]) => n > 0)
      .map(([a, n]) => `<span class="kv-proc${n > 1 ? ' kv-many' : ''}" data-app="${esc(a)}" data-times="${n}">${esc(a)} ${n > 1 ? `<b>${n}×</b>` : '1×'}</span>`)
      .join(' ');
    out.push(`<td>${per || '<span class="kv-none">0</span>'}</td>`);
    if (anyEffects) {
      const eff = Object.entries(m.effects ?? {})
        .map(([a, n]) => `<span class="kv-proc${n > 1 ? ' kv-many' : ''}" data-effect-app="${esc(a)}" data-times="${n}">✉ ${n > 1 ? `<b>${n}×</b>` : `${n}×`} <small>${esc(a)}</small></span>`)
        .join(' ');
      out.push(`<td class="kv-effects">${eff || '<span class="kv-none">—</span>'}</td>`);
    }
    out.push('</tr>');
  }
  out.push('</tbody></table></div>');
  if (messages.length > ROWS_MAX) out.push(`<p class="kv-more">${messages.length - ROWS_MAX} more messages not drawn.</p>`);
  if (ledger.errors?.length) {
    out.push(`<details class="kv-errors"><summary>${ledger.errors.length} refused actions / failed operations</summary><ul>`);
    for (const e of ledger.errors) out.push(`<li>${esc(e)}</li>`);
    out.push('</ul></details>');
  }
  return out.join('');
}

function bind(root) {
  const s = rootState(root);
  if (s.bound) return;
  s.bound = true;
  const pick = (row) => {
    if (!row) return;
    s.selected = s.selected === row.dataset.message ? null : row.dataset.message;
    for (const r of root.querySelectorAll('tr.kv-selected')) r.classList.remove('kv-selected');
    if (s.selected) row.classList.add('kv-selected');
    s.html = null; // the next render draws the selection from state
    s.ctx?.select?.({ view: 'ledger', message: s.selected });
  };
  root.addEventListener('click', (e) => pick(e.target.closest?.('tr[data-message]')));
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.matches?.('tr[data-message]')) pick(e.target);
  });
}
