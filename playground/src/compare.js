// The same-seed comparison panel: pick one setting of the run, give B's value, and draw the
// engine's `Session.diff` (both ledgers' verdict counts and a row per message).

import { $ } from './dom.js';
import { describe, LESSON_KEYS, paths, SETTINGS, valueOf } from './config.js';

/** Fills the compare panel's setting list (this lesson's settings first). */
export function drawCompareChoices(tape, lessonId) {
  const select = $('#compare-setting');
  const keep = select.value;
  const keys = LESSON_KEYS[lessonId] ?? [];
  const all = paths(tape);
  const ordered = [...all.filter((s) => keys.includes(s.key)), ...all.filter((s) => !keys.includes(s.key))];
  select.replaceChildren(
    ...ordered.map((s) => {
      const o = document.createElement('option');
      o.value = s.path;
      const now = valueOf(tape, s.path);
      o.textContent = `${keys.includes(s.key) ? '★ ' : ''}${describe(s.path)} (now ${now === '' ? 'default' : now})`;
      return o;
    }),
  );
  if (ordered.some((s) => s.path === keep)) select.value = keep;
  suggestValues(tape, select.value);
}

/** The datalist of a setting's values, and a B value different from A's. */
export function suggestValues(tape, path) {
  const list = $('#compare-values');
  const input = $('#compare-value');
  list.replaceChildren();
  if (!path) return;
  const [kind, key] = [path.slice(0, path.indexOf('/')), path.slice(path.lastIndexOf('/') + 1)];
  const def = SETTINGS[kind]?.find((d) => d.key === key);
  const now = valueOf(tape, path);
  for (const v of def?.choices ?? []) {
    const o = document.createElement('option');
    o.value = v;
    list.append(o);
  }
  let b = '';
  if (def?.choices) b = def.choices.find((v) => v !== now) ?? '';
  else if (def?.number) b = String(Math.max(1, Number(now || 1) * 2));
  input.value = b;
}

export const VERDICT_WORDS = {
  exactlyOnce: '✓ exactly once',
  duplicated: '⧉ duplicated',
  lost: '✗ lost',
  abortedRead: '⚠ aborted read',
  aborted: '⊘ aborted (skipped)',
  rejected: '⛔ rejected',
  pending: '… pending',
};

const word = (v) => (v === null || v === undefined ? '— (absent)' : (VERDICT_WORDS[v] ?? v));

function summary(side, title, counts) {
  const sec = document.createElement('section');
  sec.dataset.side = side;
  const h = document.createElement('h3');
  h.textContent = title;
  const ul = document.createElement('ul');
  for (const [verdict, n] of Object.entries(counts ?? {})) {
    if (!n) continue;
    const li = document.createElement('li');
    li.dataset.verdict = verdict;
    li.dataset.count = String(n);
    li.textContent = `${word(verdict)}: ${n}`;
    ul.append(li);
  }
  if (!ul.children.length) {
    const li = document.createElement('li');
    li.textContent = 'no messages yet';
    ul.append(li);
  }
  sec.append(h, ul);
  return sec;
}

/** Draws `Session.diff`: both ledgers' verdict counts and one row per message. */
export function drawDiff(box, diff, info) {
  box.replaceChildren();
  box.dataset.changes = String(diff.changes);
  box.dataset.at = String(diff.atMs ?? info.at);
  const fmt = new Intl.NumberFormat('en');
  const head = document.createElement('p');
  const a = info.a === '' ? 'default' : info.a;
  const b = info.b === '' ? 'default' : info.b;
  head.textContent =
    `At ${fmt.format(diff.atMs ?? info.at)} ms, same seed and actions; ${info.setting}: A = ${a}, B = ${b}. ` +
    (diff.changes ? diff.changes === 1 ? '1 message ends differently.' : `${diff.changes} messages end differently.` : 'Every message ends the same.');
  const sides = document.createElement('div');
  sides.className = 'compare-sides';
  sides.append(summary('a', `A (${a})`, diff.a?.counts), summary('b', `B (${b})`, diff.b?.counts));
  const table = document.createElement('table');
  table.className = 'diff';
  const cap = document.createElement('caption');
  cap.textContent = 'Messages, A against B (≠ marks a difference)';
  const thead = document.createElement('thead');
  thead.innerHTML =
    '<tr><th scope="col">message</th><th scope="col">A verdict</th><th scope="col">B verdict</th>' +
    '<th scope="col">copies A / B</th><th scope="col">processed A / B</th><th scope="col">same?</th></tr>';
  const tbody = document.createElement('tbody');
  for (const r of diff.rows ?? []) {
    const tr = document.createElement('tr');
    tr.dataset.diffRow = r.id;
    tr.dataset.a = r.a ?? '';
    tr.dataset.b = r.b ?? '';
    tr.dataset.same = String(r.same);
    if (!r.same) tr.className = 'differs';
    const cells = [
      r.id,
      word(r.a),
      word(r.b),
      `${r.aCopies ?? '—'} / ${r.bCopies ?? '—'}`,
      `${r.aProcessed ?? '—'} / ${r.bProcessed ?? '—'}`,
      r.same ? '= same' : '≠ differs',
    ];
    cells.forEach((text, i) => {
      const td = document.createElement(i === 0 ? 'th' : 'td');
      if (i === 0) td.scope = 'row';
      td.textContent = String(text);
      tr.append(td);
    });
    tbody.append(tr);
  }
  table.append(cap, thead, tbody);
  const open = document.createElement('button');
  open.type = 'button';
  open.id = 'compare-open-b';
  open.textContent = 'Open B in the page';
  open.addEventListener('click', info.openB);
  box.append(head, sides, table, open);
}
