// The group view: each consumer group's state, generation and assignor (eager or cooperative),
// its members (client ids) with what the generation assigned them and what their consumer owns
// right now, idle members greyed, committed offsets. Between the previous frame and this one,
// partitions granted light up ("+") and partitions revoked linger struck through ("−") for a
// moment of virtual time: an eager rebalance revokes everything, a cooperative one only what
// moves. Clicking a member opens its fault menu.
import { attrs, bindMenu, byPartitionId, draw, esc, remember, rootState, tapeName, viewShell } from './util.js';

/** How long (virtual ms) a grant or revocation stays highlighted. */
export const HIGHLIGHT_MS = 1500;

export function render(root, frame, ctx = {}) {
  viewShell(root, 'groups');
  remember(root, frame, ctx);
  bindMenu(root);
  const changes = track(root, frame, ctx.prev ?? null);
  draw(root, html(frame, changes));
}

const tp = (a) => `${a.topic}-${a.partition}`;

/** What each app owns now: its consumer's assignment (the live picture), by client name. */
function owned(frame) {
  const m = new Map();
  for (const c of frame?.snapshot?.consumers ?? []) m.set(c.name, (c.partitions ?? []).map(tp).sort(byPartitionId));
  return m;
}

/**
 * Grants and revocations between frames, kept while `frame.at - change.at < HIGHLIGHT_MS`.
 * They accumulate only while the frames follow each other (ctx.prev is the frame drawn last);
 * any other jump (scrubbing, another run, no previous frame) starts over from prev -> frame,
 * so the picture depends only on the frames given. The same frame drawn again changes nothing.
 */
function track(root, frame, prev) {
  const s = rootState(root);
  const at = frame?.at ?? 0;
  const step = frame?.step ?? 0;
  const prevKey = prev ? `${prev.step}@${prev.at}` : null;
  if (s.changes && s.last && s.last.step === step && s.last.at === at && s.lastPrev === prevKey) return s.changes;
  const follows = prev && s.last && prev.step === s.last.step && prev.at === s.last.at && prev.at <= at;
  if (!follows) s.changes = new Map();
  s.last = { step, at };
  s.lastPrev = prevKey;
  if (prev && prev !== frame && prev.at <= at) {
    const before = owned(prev);
    const now = owned(frame);
    const names = new Set([...before.keys(), ...now.keys()]);
    for (const n of names) {
      const a = new Set(before.get(n) ?? []);
      const b = new Set(now.get(n) ?? []);
      for (const p of b) if (!a.has(p)) s.changes.set(`${n}|${p}`, { type: 'granted', at });
      for (const p of a) if (!b.has(p)) s.changes.set(`${n}|${p}`, { type: 'revoked', at });
    }
  }
  for (const [k, c] of s.changes) if (at - c.at >= HIGHLIGHT_MS || c.at > at) s.changes.delete(k);
  return s.changes;
}

function html(frame, changes) {
  const groups = frame?.snapshot?.groups ?? [];
  const apps = new Map((frame?.ledger?.apps ?? []).map((a) => [a.name, a]));
  const consumers = frame?.snapshot?.consumers ?? [];
  const own = owned(frame);
  if (!groups.length && !consumers.length) return '<p class="kv-empty">No consumer.</p>';
  const out = [];
  const covered = new Set();
  for (const g of groups) {
    const cooperative = /cooperative/i.test(g.protocol ?? '');
    const protocolWords = g.protocol
      ? `${esc(g.protocol)} — ${cooperative ? 'cooperative: moves only the partitions that must move' : 'eager: every member gives up everything at each rebalance'}`
      : 'no assignor (offsets only)';
    out.push(
      `<section${attrs({
        class: `kv-group kv-gs-${g.state}`,
        'data-group': g.groupId,
        'data-state': g.state,
        'data-generation': g.generation,
        'data-protocol': g.protocol ?? '',
        'data-rebalance': cooperative ? 'cooperative' : 'eager',
      })}>`,
    );
    out.push(
      `<header><b>group ${esc(g.groupId)}</b> <span class="kv-badge kv-state">${stateWord(g.state)}</span> <span class="kv-gen">generation <b>${g.generation}</b></span> <span class="kv-proto">${protocolWords}</span>${
        g.pendingTransactionalOffsets ? ' <span class="kv-badge">offsets pending in a transaction</span>' : ''
      }</header>`,
    );
    const memberNames = new Set(g.members.map((m) => m.clientId));
    out.push(movesLine(g, consumers, changes));
    out.push('<ul class="kv-members">');
    for (const m of g.members) {
      const assignment = (m.assignment ?? []).map(tp).sort(byPartitionId);
      const app = apps.get(tapeName(m.clientId));
      out.push(
        `<li${attrs({
          class: `kv-member${assignment.length === 0 ? ' kv-idle' : ''}${app && app.state !== 'running' ? ' kv-dead' : ''}`,
          'data-member': m.clientId,
          'data-member-id': m.memberId,
          'data-assignment': assignment.join(','),
          'data-idle': assignment.length === 0 ? 'true' : null,
          'data-leader': g.leader === m.memberId,
        })}>`,
      );
      out.push(memberHead(m.clientId, app, g.leader === m.memberId, assignment.length === 0));
      out.push(ownedChips(m.clientId, own.get(m.clientId) ?? null, assignment, changes));
      out.push(`<span class="kv-assigned">gen ${g.generation} assigns: ${assignment.length ? esc(assignment.join(', ')) : '<i>nothing (idle)</i>'}</span>`);
      out.push('</li>');
    }
    // Applications of the group that are not members now (crashed, stopped, evicted, joining).
    for (const c of consumers) {
      if (c.groupId !== g.groupId || memberNames.has(c.name)) continue;
      covered.add(c.name);
      // An earlier incarnation's consumer (app, then app#2 after a restart) is dead: say so
      // rather than show the application's current state.
      const alive = (frame?.snapshot?.nodes ?? []).find((n) => n.id === c.node)?.alive !== false;
      const app = alive ? apps.get(tapeName(c.name)) : { state: 'crashed', incarnation: 0 };
      if (!g.protocolType) {
        // A group that only keeps offsets: its consumers assign() partitions themselves.
        out.push(`<li class="kv-member" data-consumer="${esc(c.name)}">${memberHead(c.name, app, false, false)}`);
        out.push(`${ownedChips(c.name, own.get(c.name) ?? [], null, changes)}<span class="kv-assigned">assign(): commits to ${esc(g.groupId)}</span></li>`);
        continue;
      }
      out.push(`<li class="kv-member kv-outsider" data-outsider="${esc(c.name)}">`);
      out.push(memberHead(c.name, app, false, true));
      out.push(ownedChips(c.name, own.get(c.name) ?? [], [], changes));
      out.push('<span class="kv-assigned"><i>not a member of this generation</i></span></li>');
    }
    for (const [name, app] of apps) {
      if (memberNames.has(name) || consumers.some((c) => c.name === name)) continue;
      if (!(frame?.ledger?.groups ?? []).some((lg) => lg.id === g.groupId)) continue;
      if (app.state === 'running') continue;
      // A crashed/stopped app with no consumer left: only the ledger knows it.
      if (!wasMember(frame, g.groupId, name)) continue;
      out.push(`<li class="kv-member kv-outsider" data-outsider="${esc(name)}">${memberHead(name, app, false, true)}<span class="kv-assigned"><i>not a member</i></span></li>`);
    }
    out.push('</ul>');
    if (g.committed?.length) {
      out.push(
        `<p class="kv-committed">committed: ${g.committed
          .map((c) => `<span data-committed="${esc(tp(c))}" data-offset="${c.offset}">${esc(tp(c))} → ${c.offset}</span>`)
          .join(' · ')}</p>`,
      );
    }
    out.push('</section>');
  }
  const plain = consumers.filter((c) => !covered.has(c.name) && !groups.some((g) => g.members.some((m) => m.clientId === c.name)));
  if (plain.length) {
    out.push('<section class="kv-group kv-nogroup"><header><b>without a group</b> <span class="kv-proto">assign(): no rebalances</span></header><ul class="kv-members">');
    for (const c of plain) {
      const note = c.groupId ? `<span class="kv-assigned">group.id ${esc(c.groupId)}: nothing committed yet</span>` : '';
      out.push(`<li class="kv-member" data-consumer="${esc(c.name)}">${memberHead(c.name, apps.get(c.name), false, false)}${ownedChips(c.name, own.get(c.name) ?? [], null, changes)}${note}</li>`);
    }
    out.push('</ul></section>');
  }
  return out.join('');
}

function wasMember(frame, group, name) {
  return (frame?.ledger?.groups ?? []).some((g) => g.id === group && g.members.includes(name));
}

function stateWord(state) {
  const words = {
    Empty: 'Empty',
    PreparingRebalance: '⟳ PreparingRebalance',
    CompletingRebalance: '⟳ CompletingRebalance',
    Stable: '● Stable',
    Dead: '✝ Dead',
  };
  return esc(words[state] ?? state);
}

function memberHead(name, app, leader, idle) {
  const state = app?.state;
  const badges = [];
  if (leader) badges.push('<span class="kv-badge" title="the group leader computes the assignment">leader</span>');
  if (state && state !== 'running') badges.push(`<span class="kv-badge kv-b-${esc(state)}">${state === 'crashed' ? '✝ ' : ''}${esc(state)}</span>`);
  if (idle) badges.push('<span class="kv-badge kv-b-idle">idle</span>');
  if (app?.revoked > 0) badges.push(`<span class="kv-badge" title="partitions revoked from it in orderly rebalances, in all">revoked ${app.revoked} in all</span>`);
  if (app?.lost > 0) badges.push(`<span class="kv-badge kv-b-crashed" title="partitions lost (evicted or fenced), in all">lost ${app.lost}</span>`);
  if (app?.incarnation > 1) badges.push(`<span class="kv-badge" title="restarts">#${app.incarnation}</span>`);
  return `<button type="button" class="kv-chip kv-app-chip" data-target-kind="app" data-target-name="${esc(name)}" title="click for faults">▸ ${esc(name)}</button> ${badges.join(' ')}`;
}

/** The partitions a client's consumer owns now, with grants (+) and revocations (−, struck) highlighted. */
function ownedChips(name, ownedNow, assignment, changes) {
  const list = ownedNow ?? assignment ?? [];
  const chips = [];
  const shown = new Set(list);
  for (const p of list) {
    const c = changes.get(`${name}|${p}`);
    const granted = c?.type === 'granted';
    chips.push(`<span class="kv-tp${granted ? ' kv-granted' : ''}" data-owned="${esc(p)}"${granted ? ' data-change="granted"' : ''}>${granted ? '+' : ''}${esc(p)}</span>`);
  }
  for (const [k, c] of changes) {
    if (c.type !== 'revoked') continue;
    const [n, p] = [k.slice(0, k.indexOf('|')), k.slice(k.indexOf('|') + 1)];
    if (n !== name || shown.has(p)) continue;
    chips.push(`<span class="kv-tp kv-revoked" data-revoked="${esc(p)}" data-change="revoked">−${esc(p)}</span>`);
  }
  return `<span class="kv-owns"><small>owns:</small> ${chips.length ? chips.join(' ') : '<i class="kv-none">nothing</i>'}</span>`;
}

/** "moving now: −4 revoked, +2 granted": the rebalance's size in words (eager revokes all). */
function movesLine(g, consumers, changes) {
  const names = new Set(g.members.map((m) => m.clientId));
  for (const c of consumers) if (c.groupId === g.groupId) names.add(c.name);
  const rev = [];
  const gra = [];
  for (const [k, c] of changes) {
    const n = k.slice(0, k.indexOf('|'));
    if (!names.has(n)) continue;
    (c.type === 'revoked' ? rev : gra).push(`${n}: ${k.slice(k.indexOf('|') + 1)}`);
  }
  if (!rev.length && !gra.length) return '';
  return `<p class="kv-moves" data-revoked-count="${rev.length}" data-granted-count="${gra.length}">⟳ just now: <b>−${rev.length}</b> revoked${
    rev.length ? ` <small>(${esc(rev.join(', '))})</small>` : ''
  }, <b>+${gra.length}</b> granted${gra.length ? ` <small>(${esc(gra.join(', '))})</small>` : ''}</p>`;
}
