// The event log, in step with the time slider: each entry's virtual time, the rule that fired
// (a badge), the engine's sentence, and an anomaly marker. The current step's entries are
// aria-current; clicking an entry asks the page to seek there (ctx.select({ seek: at })).
import { afterLayout, attrs, draw, esc, remember, rootState, viewShell } from './util.js';

/** Entries drawn at most: the most recent ones up to now. */
export const WINDOW = 150;

const ANOMALY = {
  duplicate: '×2',
  lost: '✗',
  reorder: '⇅',
  'aborted-read': '⊘',
  fenced: '⛔',
  evicted: '⏏',
  rebalance: '⟳',
  reset: '↷',
  crash: '✝',
  drop: '✕',
};

export function render(root, frame, ctx = {}) {
  viewShell(root, 'events');
  remember(root, frame, ctx);
  bind(root);
  const s = rootState(root);
  const events = ctx.events ?? [];
  const step = frame?.step ?? 0;
  const at = frame?.at ?? 0;
  const filter = s.filter ?? 'all';
  const last = events.length ? events[events.length - 1].i : -1;
  const key = `${events.length}|${last}|${step}|${at}|${filter}`;
  if (s.key === key) return;
  s.key = key;
  const changed = draw(root, html(events, step, at, filter));
  if (changed) {
    // Keep the current entry in view inside the list, without scrolling the page; after the
    // browser's layout, not in the middle of drawing.
    afterLayout(root, () => {
      const list = root.querySelector('.kv-events');
      const cur = list?.querySelector('li[aria-current="true"]') ?? list?.lastElementChild;
      if (!list || !cur) return;
      const top = cur.offsetTop - list.offsetTop;
      if (top < list.scrollTop || top + cur.offsetHeight > list.scrollTop + list.clientHeight) {
        list.scrollTop = Math.max(0, top - list.clientHeight / 2);
      }
    });
  }
}

/** The log's filters: everything, without the network's requests and responses, anomalies only. */
const FILTERS = [
  ['all', 'all events'],
  ['no-messages', 'without requests/responses'],
  ['anomalies', 'anomalies only'],
];

function html(events, step, at, filter) {
  const out = [];
  const anomalies = events.filter((e) => e.anomaly).length;
  out.push(
    `<div class="kv-evtools"><select class="kv-evfilter" aria-label="which events">${FILTERS.map(
      ([v, w]) => `<option value="${v}"${v === filter ? ' selected' : ''}>${w}${v === 'anomalies' ? ` (${anomalies})` : ''}</option>`,
    ).join('')}</select> <span class="kv-muted">${events.length} events · click one to go there</span></div>`,
  );
  const keep = (e) =>
    e.step === step || filter === 'all' || (filter === 'anomalies' ? !!e.anomaly : e.kind !== 'message' || !!e.anomaly);
  const list = filter === 'all' ? events : events.filter(keep);
  const shown = list.slice(Math.max(0, list.length - WINDOW));
  out.push('<ol class="kv-events">');
  if (list.length > shown.length) out.push(`<li class="kv-more">… ${list.length - shown.length} earlier</li>`);
  for (const e of shown) {
    const current = e.step === step;
    const future = e.at > at;
    out.push(
      `<li${attrs({
        'data-i': e.i,
        'data-at': e.at,
        'data-step': e.step,
        'data-kind': e.kind,
        'data-rule': e.rule ?? '',
        'data-anomaly': e.anomaly ?? '',
        'aria-current': current ? 'true' : null,
        class: `kv-ev kv-ev-${esc(e.kind)}${e.anomaly ? ' kv-anomaly' : ''}${future ? ' kv-future' : ''}`,
        tabindex: 0,
        title: 'go to this moment',
      })}><span class="kv-evat">${e.at} ms</span>${e.node ? `<span class="kv-evnode">${esc(e.node)}</span>` : ''}${
        e.rule ? `<span class="kv-rule">${esc(e.rule)}</span>` : ''
      }<span class="kv-evtext">${esc(e.text)}</span>${e.anomaly ? `<span class="kv-anom" title="anomaly: ${esc(e.anomaly)}">${esc(ANOMALY[e.anomaly] ?? '⚠')} ${esc(e.anomaly)}</span>` : ''}</li>`,
    );
  }
  if (!events.length) out.push('<li class="kv-empty">Nothing happened yet.</li>');
  out.push('</ol>');
  return out.join('');
}

function bind(root) {
  const s = rootState(root);
  if (s.bound) return;
  s.bound = true;
  const go = (li) => {
    if (!li || li.dataset.at === undefined) return;
    s.ctx?.select?.({ seek: Number(li.dataset.at), step: Number(li.dataset.step), event: Number(li.dataset.i) });
  };
  root.addEventListener('click', (e) => {
    if (e.target.closest?.('.kv-evtools')) return;
    go(e.target.closest?.('li[data-i]'));
  });
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.matches?.('li[data-i]')) go(e.target);
  });
  root.addEventListener('change', (e) => {
    if (!e.target.matches?.('.kv-evfilter')) return;
    s.filter = e.target.value;
    s.key = null;
    if (s.frame) render(root, s.frame, s.ctx);
  });
}
