// The event log, in step with the time slider: each entry's virtual time, the rule that fired
// (a badge), the engine's sentence, and an anomaly marker. The current step's entries are
// aria-current; clicking an entry asks the page to seek there (ctx.select({ seek: at })).
// Entries are kept by their index across renders: stepping forward appends a few, stepping back
// removes a few, and only the current mark moves (cheap at 30 frames a second).
import { afterLayout, esc, remember, rootState, viewShell } from './util.js';

/** Entries drawn at most: the most recent ones up to now. */
export const WINDOW = 150;

const ANOMALY = {
  duplicate: '×2',
  lost: '✗',
  reorder: '⇅',
  'aborted-read': '⊘',
  fenced: '⊗',
  evicted: '⊖',
  rebalance: '⟳',
  reset: '↷',
  crash: '✝',
  drop: '✕',
};

/** The log's filters: everything, without the network's requests and responses, anomalies only. */
const FILTERS = [
  ['all', 'all events'],
  ['no-messages', 'without requests/responses'],
  ['anomalies', 'anomalies only'],
];

export function render(root, frame, ctx = {}) {
  const body = viewShell(root, 'events');
  remember(root, frame, ctx);
  const s = rootState(root);
  if (!s.list || s.list.parentNode !== body) build(root, body, s);
  const events = ctx.events ?? [];
  const step = frame?.step ?? 0;
  const at = frame?.at ?? 0;
  const filter = s.filter ?? 'all';
  const last = events.length ? events[events.length - 1] : null;
  const key = `${events.length}|${last?.i}|${last?.at}|${step}|${at}|${filter}`;
  if (s.key === key && s.events === events) return;
  s.key = key;
  s.events = events;
  update(root, s, events, step, at, filter);
}

function build(root, body, s) {
  body.innerHTML = `<div class="kv-evtools"><select class="kv-evfilter" aria-label="which events">${FILTERS.map(
    ([v, w]) => `<option value="${v}">${w}</option>`,
  ).join('')}</select> <span class="kv-muted kv-evcount"></span></div><ol class="kv-events"><li class="kv-more" hidden></li></ol>`;
  s.list = body.querySelector('.kv-events');
  s.more = s.list.firstChild;
  s.count = body.querySelector('.kv-evcount');
  s.select = body.querySelector('.kv-evfilter');
  s.items = new Map();
  s.current = [];
  s.empty = null;
  const go = (li) => {
    if (!li || li.dataset.at === undefined) return;
    s.ctx?.select?.({ seek: Number(li.dataset.at), step: Number(li.dataset.step), event: Number(li.dataset.i) });
  };
  s.list.addEventListener('click', (e) => go(e.target.closest?.('li[data-i]')));
  s.list.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.matches?.('li[data-i]')) go(e.target);
  });
  s.select.addEventListener('change', () => {
    s.filter = s.select.value;
    s.key = null;
    if (s.frame) render(root, s.frame, s.ctx);
  });
}

function entryHtml(e) {
  return `<span class="kv-evat">${e.at} ms</span>${e.node ? `<span class="kv-evnode">${esc(e.node)}</span>` : ''}${
    e.rule ? `<span class="kv-rule">${esc(e.rule)}</span>` : ''
  }<span class="kv-evtext">${esc(e.text)}</span>${
    e.anomaly ? `<span class="kv-anom" title="anomaly: ${esc(e.anomaly)}">${esc(ANOMALY[e.anomaly] ?? '⚠')} ${esc(e.anomaly)}</span>` : ''
  }`;
}

/** The entry of event `e`, reused when it is the same event (a fork replaces later ones). */
function item(s, e) {
  const sig = `${e.at}|${e.step}|${e.kind}|${e.rule}|${e.anomaly}|${e.node}|${e.text}`;
  let li = s.items.get(e.i);
  if (li && li.kvSig === sig) return li;
  li = document.createElement('li');
  li.kvSig = sig;
  li.innerHTML = entryHtml(e);
  const a = {
    'data-i': e.i,
    'data-at': e.at,
    'data-step': e.step,
    'data-kind': e.kind,
    'data-rule': e.rule ?? '',
    'data-anomaly': e.anomaly ?? '',
    tabindex: 0,
    title: 'go to this moment',
  };
  for (const [k, v] of Object.entries(a)) li.setAttribute(k, String(v));
  li.className = `kv-ev kv-ev-${e.kind}${e.anomaly ? ' kv-anomaly' : ''}`;
  s.items.set(e.i, li);
  return li;
}

function update(root, s, events, step, at, filter) {
  const anomalies = events.reduce((n, e) => n + (e.anomaly ? 1 : 0), 0);
  s.select.value = filter;
  s.select.options[2].textContent = `anomalies only (${anomalies})`;
  s.count.textContent = `${events.length} events · click one to go there`;
  const keep = (e) => e.step === step || (filter === 'anomalies' ? !!e.anomaly : e.kind !== 'message' || !!e.anomaly);
  const list = filter === 'all' ? events : events.filter(keep);
  const shown = list.slice(Math.max(0, list.length - WINDOW));
  const want = shown.map((e) => item(s, e));

  // Reconcile the list's children with `want` (in order), moving as few nodes as possible.
  const wanted = new Set(want);
  for (const li of [...s.list.children]) if (li !== s.more && !wanted.has(li)) li.remove();
  let next = s.more.nextSibling;
  for (const li of want) {
    if (li === next) next = next.nextSibling;
    else s.list.insertBefore(li, next);
  }
  if (s.items.size > 4 * WINDOW) for (const [i, li] of s.items) if (!wanted.has(li)) s.items.delete(i);

  const earlier = list.length - shown.length;
  s.more.hidden = earlier === 0;
  s.more.textContent = earlier ? `… ${earlier} earlier` : '';
  if (!events.length) {
    s.empty ??= Object.assign(document.createElement('li'), { className: 'kv-empty', textContent: 'Nothing happened yet.' });
    s.list.append(s.empty);
  } else s.empty?.remove();

  // The current step's entries, and entries after now (a list given ahead of the frame) muted.
  for (const li of s.current) {
    li.removeAttribute('aria-current');
  }
  s.current = [];
  for (const [n, e] of shown.entries()) {
    const li = want[n];
    if (e.step === step) {
      li.setAttribute('aria-current', 'true');
      s.current.push(li);
    }
    li.classList.toggle('kv-future', e.at > at);
  }

  // Keep the current entry in view inside the list (not the page), after the browser's layout.
  afterLayout(root, () => {
    const list = s.list;
    const cur = s.current[0] ?? list.lastElementChild;
    if (!cur || !cur.isConnected) return;
    const top = cur.offsetTop; // the list is the entries' offset parent (position: relative)
    if (top < list.scrollTop || top + cur.offsetHeight > list.scrollTop + list.clientHeight) {
      list.scrollTop = Math.max(0, top - list.clientHeight / 2);
    }
  });
}
