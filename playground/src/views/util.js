// Shared by the seven views: HTML escaping, producer colours and letters, the per-root
// state a view keeps between renders (listeners attached once, the last HTML drawn), and the
// small fault menu a view opens over the thing clicked. Nothing here reads a clock or calls
// the engine: a view is a function of the frames it is given.

/** Escapes text for HTML content and attribute values. */
export function esc(v) {
  return String(v ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** ` name="value"` for every entry whose value is not null/undefined/false. */
export function attrs(map) {
  let out = '';
  for (const [k, v] of Object.entries(map)) {
    if (v === null || v === undefined || v === false) continue;
    out += v === true ? ` ${k}="true"` : ` ${k}="${esc(v)}"`;
  }
  return out;
}

/** Eight producer colours, distinguishable for common colour blindness (Okabe-Ito, lightened). */
export const PALETTE = ['#cfe3f7', '#fde2b8', '#cdebd9', '#f6cfe0', '#e3dcf3', '#fbf3b4', '#d7ecef', '#ead7c6'];
export const PALETTE_EDGE = ['#0072b2', '#b36b00', '#00805a', '#b0306a', '#6a4fa3', '#8a7a00', '#2a7f8a', '#7a4a22'];

/**
 * A stable index per producer name: the order producers appear in the frame's lanes, then
 * the snapshot's producers, then any other name in order of first sight.
 */
export function producerIndex(frame) {
  const names = [];
  const add = (n) => {
    if (n && !names.includes(n)) names.push(n);
  };
  for (const l of frame?.lanes ?? []) if (l.kind === 'producer') add(l.name);
  for (const p of frame?.snapshot?.producers ?? []) add(p.name);
  // Another name (records of a client the frame no longer lists) gets the next index when
  // first asked for: a view asks in a fixed order, so the same frame gives the same letters.
  return (name) => {
    add(name);
    return Math.max(0, names.indexOf(name));
  };
}

/** A short letter for a producer name: its index as A, B, C... (a legend maps them). */
export function letter(i) {
  return i < 26 ? String.fromCharCode(65 + i) : `P${i}`;
}

const STATE = new WeakMap();

/** Per-root memory: `{ html, bound, ... }`, created on first use. */
export function rootState(root) {
  let s = STATE.get(root);
  if (!s) {
    s = {};
    STATE.set(root, s);
  }
  return s;
}

/**
 * Makes `root` a view: sets data-view, creates a body (redrawn) and a menu holder (kept),
 * and returns the body. Idempotent. The page gives each view its heading.
 */
export function viewShell(root, name) {
  const s = rootState(root);
  if (!s.body || s.body.parentNode !== root) {
    root.replaceChildren();
    root.dataset.view = name;
    root.classList.add('kv-view', `kv-${name}`);
    s.body = document.createElement('div');
    s.body.className = 'kv-body';
    s.menu = document.createElement('div');
    s.menu.className = 'kv-menu';
    s.menu.hidden = true;
    s.menu.setAttribute('role', 'menu');
    root.append(s.body, s.menu);
    s.html = null;
  }
  return s.body;
}

/** Replaces the body's HTML only when it changed (cheap idempotent re-render). */
export function draw(root, html) {
  const s = rootState(root);
  if (s.html === html) return false;
  s.body.innerHTML = html;
  s.html = html;
  return true;
}

/** The message the page says is selected (any view's selection naming a message). */
export function selectedMessage(ctx) {
  const s = ctx?.selected;
  return s && typeof s === 'object' && s.message ? s.message : null;
}

/**
 * Runs `fn` once before the next paint (coalesced per root): scroll adjustments that need
 * layout wait for the browser's own layout instead of forcing one in the middle of drawing.
 */
export function afterLayout(root, fn) {
  const s = rootState(root);
  s.afterLayout = fn;
  if (s.afterLayoutPending) return;
  s.afterLayoutPending = true;
  requestAnimationFrame(() => {
    s.afterLayoutPending = false;
    const f = s.afterLayout;
    s.afterLayout = null;
    f?.();
  });
}

/** Kafka's default max.poll.interval.ms. */
export const MAX_POLL_INTERVAL_DEFAULT = 300000;

/** The API names a link fault can target, requests and responses alike. */
export const APIS = [
  'Produce',
  'Fetch',
  'ListOffsets',
  'Metadata',
  'OffsetCommit',
  'OffsetFetch',
  'FindCoordinator',
  'JoinGroup',
  'SyncGroup',
  'Heartbeat',
  'LeaveGroup',
  'InitProducerId',
  'AddPartitionsToTxn',
  'AddOffsetsToTxn',
  'TxnOffsetCommit',
  'EndTxn',
];

/** The APIs a client of this kind sends, most interesting first. */
export function apisFor(kind) {
  if (kind === 'producer') {
    return ['Produce', 'InitProducerId', 'AddPartitionsToTxn', 'EndTxn', 'AddOffsetsToTxn', 'TxnOffsetCommit', 'Metadata'];
  }
  return ['Fetch', 'OffsetCommit', 'JoinGroup', 'SyncGroup', 'Heartbeat', 'LeaveGroup', 'OffsetFetch', 'ListOffsets'];
}

/** The tape's configuration of an app (from ctx.tape or ctx.config when the page gives it). */
function appConfig(ctx, app) {
  const tape = ctx?.tape ?? (ctx?.config ? { config: ctx.config } : null);
  const spec = tape?.config?.apps?.find((a) => a.name === app);
  return spec?.config ?? {};
}

/** The `pause` action that holds an app's processing past its max.poll.interval.ms. */
export function pausePast(ctx, app) {
  const v = Number(appConfig(ctx, app)['max.poll.interval.ms']);
  const ms = (Number.isFinite(v) && v > 0 ? v : MAX_POLL_INTERVAL_DEFAULT) + 1000;
  return { op: 'pause', app, ms };
}

/** A name for a zombie's successor: `name-2`, or `name-3`... if taken. */
export function successorName(frame, producer, tape = null) {
  const taken = new Set();
  for (const p of tape?.config?.producers ?? []) taken.add(p.name);
  for (const a of tape?.config?.apps ?? []) taken.add(a.name);
  for (const a of tape?.actions ?? []) if (a.op === 'zombie') taken.add(a.successor);
  for (const l of frame?.lanes ?? []) taken.add(l.name);
  for (const p of frame?.snapshot?.producers ?? []) taken.add(p.name);
  for (const a of frame?.ledger?.apps ?? []) taken.add(a.name);
  for (let n = 2; ; n++) if (!taken.has(`${producer}-${n}`)) return `${producer}-${n}`;
}

const CRASH_POINTS = [
  ['afterPoll', 'after poll'],
  ['afterProcessing', 'after processing'],
  ['beforeCommit', 'before commit'],
  ['afterCommit', 'after commit'],
];

/**
 * Menu items (`{ label, action }` or `{ heading }`) for a thing drawn:
 * `{ kind: "app", name }`, `{ kind: "producer", name }`, `{ kind: "link", node, api, nodeKind }`
 * or `{ kind: "broker" }`.
 */
export function menuItems(target, frame, ctx) {
  const items = [];
  if (target.kind === 'app') {
    const app = target.name;
    const view = frame?.ledger?.apps?.find((a) => a.name === app);
    const state = view?.state;
    items.push({ heading: `application ${app}${state ? ` (${state})` : ''}` });
    items.push({ label: 'crash now', action: { op: 'crash', app } });
    for (const [point, words] of CRASH_POINTS) {
      items.push({ label: `crash ${words} (next cycle)`, action: { op: 'crash', app, point } });
    }
    const pause = pausePast(ctx, app);
    items.push({ label: `pause ${pause.ms} ms (past max.poll.interval.ms)`, action: pause });
    items.push({ label: 'restart', action: { op: 'restart', app } });
    items.push({ label: 'stop (leave the group)', action: { op: 'stop', app } });
    items.push({ label: 'start', action: { op: 'start', app } });
    items.push(...linkItems(app, 'consumer'));
  } else if (target.kind === 'producer') {
    const producer = target.name;
    items.push({ heading: `producer ${producer}` });
    const appProducer = producer.endsWith('.producer');
    if (!appProducer) {
      items.push({ label: 'crash producer', action: { op: 'crashProducer', producer } });
      const successor = successorName(frame, producer, ctx?.tape);
      items.push({ label: `start successor ${successor} (zombie)`, action: { op: 'zombie', producer, successor } });
    }
    items.push(...linkItems(producer, 'producer'));
  } else if (target.kind === 'link') {
    items.push({ heading: `link ${target.node} ↔ broker, ${target.api}` });
    for (const direction of ['response', 'request']) {
      for (const fault of ['drop', 'delay', 'duplicate']) {
        items.push({
          label: `${fault} next ${target.api} ${direction}`,
          action: { op: 'fault', node: target.node, api: target.api, direction, fault },
        });
      }
    }
  } else if (target.kind === 'broker') {
    items.push({ heading: 'broker' });
    if (frame?.brokerUp === false) items.push({ label: 'restart broker', action: { op: 'brokerUp' } });
    else items.push({ label: 'kill broker', action: { op: 'brokerDown' } });
  }
  return items;
}

function linkItems(node, kind) {
  const out = [{ heading: `link ${node} ↔ broker: next response` }];
  for (const api of apisFor(kind).slice(0, 4)) {
    out.push({ label: `drop next ${api} response`, action: { op: 'fault', node, api, direction: 'response', fault: 'drop' } });
  }
  out.push({
    label: `delay next ${apisFor(kind)[0]} response`,
    action: { op: 'fault', node, api: apisFor(kind)[0], direction: 'response', fault: 'delay' },
  });
  out.push({
    label: `duplicate next ${apisFor(kind)[0]} request`,
    action: { op: 'fault', node, api: apisFor(kind)[0], direction: 'request', fault: 'duplicate' },
  });
  return out;
}

/**
 * The tape's name of a client from its node name: a restarted application's nodes are named
 * `app#2`, `app#2.producer`...; actions name `app` and `app.producer`.
 */
export function tapeName(name) {
  return typeof name === 'string' ? name.replace(/#\d+(?=\.producer$|$)/, '') : name;
}

/**
 * Opens the root's fault menu for `target` next to the element clicked. Items call
 * ctx.onAction(action) with the tape action (no `at`: the page stamps it).
 */
export function openMenu(root, anchor, target, frame, ctx) {
  const s = rootState(root);
  const menu = s.menu;
  const items = menuItems(target, frame, ctx);
  menu.replaceChildren();
  for (const it of items) {
    if (it.heading) {
      const h = document.createElement('div');
      h.className = 'kv-menu-heading';
      h.textContent = it.heading;
      menu.append(h);
      continue;
    }
    const b = document.createElement('button');
    b.type = 'button';
    b.setAttribute('role', 'menuitem');
    b.textContent = it.label;
    b.dataset.action = JSON.stringify(it.action);
    b.addEventListener('click', () => {
      closeMenu(root);
      ctx?.onAction?.(it.action);
    });
    menu.append(b);
  }
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'kv-menu-close';
  close.textContent = 'close';
  close.addEventListener('click', () => closeMenu(root));
  menu.append(close);
  menu.dataset.menuFor = target.kind === 'link' ? `${target.node}:${target.api}` : (target.name ?? target.kind);
  menu.dataset.menuKind = target.kind;
  menu.hidden = false;
  s.menuAnchor = anchor;
  placeMenu(root);
  menu.querySelector('button')?.focus();
}

/**
 * Puts the menu under its anchor, in viewport coordinates (position: fixed, so the page's
 * scrolling view boxes do not clip it), inside the window. While the anchor is still drawn the
 * menu follows it when something scrolls.
 */
function placeMenu(root) {
  const s = rootState(root);
  const anchor = s.menuAnchor;
  if (!anchor?.isConnected) return;
  const a = anchor.getBoundingClientRect();
  const vw = root.ownerDocument.documentElement.clientWidth;
  const vh = root.ownerDocument.documentElement.clientHeight;
  const h = s.menu.offsetHeight;
  const w = s.menu.offsetWidth;
  s.menu.style.left = `${Math.max(4, Math.min(a.left, vw - w - 4))}px`;
  s.menu.style.top = `${a.bottom + 2 + h > vh ? Math.max(4, a.top - h - 2) : a.bottom + 2}px`;
}

export function closeMenu(root) {
  const s = rootState(root);
  if (s.menu) s.menu.hidden = true;
}

/** Attaches the root's listeners once: click on [data-target-kind] opens the menu, Escape closes. */
export function bindMenu(root) {
  const s = rootState(root);
  if (s.menuBound) return;
  s.menuBound = true;
  root.addEventListener('click', (e) => {
    const t = e.target.closest('[data-target-kind]');
    if (!t || !root.contains(t) || s.menu.contains(t)) return;
    const target = {
      kind: t.dataset.targetKind,
      name: tapeName(t.dataset.targetName),
      node: tapeName(t.dataset.targetNode),
      api: t.dataset.targetApi,
    };
    openMenu(root, t, target, s.frame, s.ctx);
    e.stopPropagation();
  });
  // A click anywhere outside the menu closes it; scrolling moves it with its anchor.
  root.ownerDocument.addEventListener('click', (e) => {
    if (!s.menu.hidden && !s.menu.contains(e.target)) closeMenu(root);
  });
  root.ownerDocument.addEventListener(
    'scroll',
    (e) => {
      if (!s.menu.hidden && !s.menu.contains(e.target)) placeMenu(root);
    },
    true,
  );
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !s.menu.hidden) {
      closeMenu(root);
      if (s.menuAnchor?.isConnected) s.menuAnchor.focus?.();
    }
    // Keyboard: Enter or Space on a focusable drawn thing (an SVG arrow, a marker) opens its menu.
    if ((e.key === 'Enter' || e.key === ' ') && e.target.matches?.('[data-target-kind]') && e.target.tagName !== 'BUTTON') {
      e.preventDefault();
      e.target.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    }
  });
}

/** Remembers what the last render drew with (the menu builds its items from it). */
export function remember(root, frame, ctx) {
  const s = rootState(root);
  s.frame = frame;
  s.ctx = ctx;
}

/** The index of the first element of `list` (sorted by offset) whose offset is >= `offset`. */
export function lowerBound(list, offset) {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].offset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** "topic-partition" sort: by topic, then partition number. */
export function byPartitionId(a, b) {
  const [ta, pa] = splitId(a);
  const [tb, pb] = splitId(b);
  return ta < tb ? -1 : ta > tb ? 1 : pa - pb;
}

export function splitId(id) {
  const i = id.lastIndexOf('-');
  return [id.slice(0, i), Number(id.slice(i + 1))];
}

/** Milliseconds as "1.25 s" (virtual time). */
export function secs(ms) {
  return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : ms % 100 === 0 ? 1 : ms % 10 === 0 ? 2 : 3)} s`;
}
