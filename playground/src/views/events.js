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
  const filter = s.anomaliesOnly ? 'a' : '';
  const last = events.length ? events[events.length - 1].i : -1;
  const key = `${events.length}|${last}|${step}|${at}|${filter}`;
  if (s.key === key) return;
  s.key = key;
  const changed = draw(root, html(events, step, at, s.anomaliesOnly));
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

function html(events, step, at, anomaliesOnly) {
  const out = [];
  const anomalies = events.filter((e) => e.anomaly).length;
  out.push(
    `<div class="kv-evtools"><label><input type="checkbox" class="kv-anomonly"${anomaliesOnly ? ' checked' : ''}> anomalies only (${anomalies})</label> <span class="kv-muted">${events.length} events · click one to go there</span></div>`,
  );
  const list = anomaliesOnly ? events.filter((e) => e.anomaly || e.step === step) : events;
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
    if (e.target.closest?.('.kv-anomonly')) return;
    go(e.target.closest?.('li[data-i]'));
  });
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.matches?.('li[data-i]')) go(e.target);
  });
  root.addEventListener('change', (e) => {
    if (!e.target.matches?.('.kv-anomonly')) return;
    s.anomaliesOnly = e.target.checked;
    s.key = null;
    if (s.frame) render(root, s.frame, s.ctx);
  });
}
