// The configuration panel: settings of a tape named by a path, edited into a new tape (same
// seed, same actions, same end). The comparison panel (compare.js) uses the same paths.
//
// A path names one setting: `producer/<name>/<property>`, `app/<name>/<property>`,
// `app/<name>/@commit` (the app's commit policy), `group/<group.id>/partition.assignment.strategy`
// (every app of the group), `topic/<name>/@partitions`, `topic/<name>/<property>`.

const BOOL = ['true', 'false'];

export const SETTINGS = {
  producer: [
    { key: 'enable.idempotence', choices: BOOL },
    { key: 'acks', choices: ['0', '1', 'all'] },
    { key: 'retries', number: true },
    { key: 'max.in.flight.requests.per.connection', number: true },
    { key: 'transactional.id', text: true },
  ],
  app: [
    { key: 'isolation.level', choices: ['read_uncommitted', 'read_committed'] },
    { key: 'enable.auto.commit', choices: BOOL },
    { key: 'auto.commit.interval.ms', number: true },
    { key: 'auto.offset.reset', choices: ['earliest', 'latest', 'none'] },
    { key: 'max.poll.interval.ms', number: true },
    {
      key: '@commit',
      label: 'commit (before or after processing)',
      choices: ['beforeProcessing', 'afterProcessing', 'never'],
      required: true,
    },
  ],
  group: [{ key: 'partition.assignment.strategy', choices: ['range', 'roundrobin', 'cooperative-sticky'] }],
  topic: [
    { key: '@partitions', label: 'partitions', number: true, required: true },
    { key: 'retention.ms', number: true },
  ],
};

const GROUP_TITLES = { producer: 'Producer', app: 'Consumer', group: 'Group', topic: 'Topic' };

/** The settings each lesson is about (shown first, marked). */
export const LESSON_KEYS = {
  1: ['@partitions'],
  2: ['enable.idempotence'],
  3: ['enable.idempotence', 'max.in.flight.requests.per.connection', 'retries'],
  4: ['@commit'],
  5: ['@commit'],
  6: ['enable.auto.commit', 'auto.commit.interval.ms'],
  7: ['partition.assignment.strategy'],
  8: ['max.poll.interval.ms'],
  9: ['isolation.level'],
  10: ['transactional.id'],
  11: ['isolation.level', '@commit'],
  12: ['retention.ms', 'auto.offset.reset'],
};

function configError(message) {
  return Object.assign(new Error(message), { code: 'INVALID_ARG' });
}

/** Every setting of a tape: [{ path, kind, owner, key, def }]. */
export function paths(tape) {
  const out = [];
  const c = tape.config;
  for (const p of c.producers) for (const def of SETTINGS.producer) out.push({ kind: 'producer', owner: p.name, def });
  for (const a of c.apps) {
    for (const def of SETTINGS.app) {
      if (def.key === '@commit' && a.kind !== 'consumer') continue;
      out.push({ kind: 'app', owner: a.name, def });
    }
  }
  const groups = [...new Set(c.apps.filter((a) => !a.assign && a.config['group.id']).map((a) => a.config['group.id']))];
  for (const g of groups) for (const def of SETTINGS.group) out.push({ kind: 'group', owner: g, def });
  for (const t of c.topics) for (const def of SETTINGS.topic) out.push({ kind: 'topic', owner: t.name, def });
  return out.map((s) => ({ ...s, key: s.def.key, path: `${s.kind}/${s.owner}/${s.def.key}` }));
}

function split(path) {
  const first = path.indexOf('/');
  const last = path.lastIndexOf('/');
  if (first < 0 || last === first) throw configError(`bad setting path ${path}`);
  return [path.slice(0, first), path.slice(first + 1, last), path.slice(last + 1)];
}

function defOf(kind, key) {
  const def = SETTINGS[kind]?.find((d) => d.key === key);
  if (!def) throw configError(`${key} is not a ${kind} setting the page edits`);
  return def;
}

export function describe(path) {
  const [kind, owner, key] = split(path);
  const def = SETTINGS[kind]?.find((d) => d.key === key);
  return `${GROUP_TITLES[kind]?.toLowerCase() ?? kind} ${owner}: ${def?.label ?? key}`;
}

/** The setting's value in a tape ('' = not set: the client's default). */
export function valueOf(tape, path) {
  const [kind, owner, key] = split(path);
  const c = tape.config;
  if (kind === 'producer') return c.producers.find((p) => p.name === owner)?.config?.[key] ?? '';
  if (kind === 'app') {
    const a = c.apps.find((x) => x.name === owner);
    if (key === '@commit') return a?.commit ?? 'afterProcessing';
    return a?.config?.[key] ?? '';
  }
  if (kind === 'group') return c.apps.find((a) => a.config['group.id'] === owner)?.config?.[key] ?? '';
  if (kind === 'topic') {
    const t = c.topics.find((x) => x.name === owner);
    if (key === '@partitions') return String(t?.partitions ?? '');
    return t?.configs?.[key] ?? '';
  }
  return '';
}

/** A copy of `tape` with one setting changed ('' removes a property: the default again). */
export function withSetting(tape, path, raw) {
  const [kind, owner, key] = split(path);
  const def = defOf(kind, key);
  const value = String(raw ?? '').trim();
  if (value === '' && def.required) throw configError(`${def.label ?? key} needs a value`);
  if (value !== '' && def.number && !/^\d+$/.test(value)) throw configError(`${def.label ?? key} must be a whole number, not "${value}"`);
  if (value !== '' && def.choices && !def.choices.includes(value)) {
    throw configError(`${def.label ?? key} is one of ${def.choices.join(', ')}, not "${value}"`);
  }
  const t = structuredClone(tape);
  const c = t.config;
  const setProp = (obj, field) => {
    obj[field] ??= {};
    if (value === '') delete obj[field][key];
    else obj[field][key] = value;
  };
  if (kind === 'producer') {
    const p = c.producers.find((x) => x.name === owner);
    if (!p) throw configError(`there is no producer ${owner}`);
    setProp(p, 'config');
  } else if (kind === 'app') {
    const a = c.apps.find((x) => x.name === owner);
    if (!a) throw configError(`there is no app ${owner}`);
    if (key === '@commit') a.commit = value;
    else setProp(a, 'config');
  } else if (kind === 'group') {
    const apps = c.apps.filter((a) => a.config['group.id'] === owner);
    if (!apps.length) throw configError(`there is no group ${owner}`);
    for (const a of apps) setProp(a, 'config');
  } else if (kind === 'topic') {
    const tp = c.topics.find((x) => x.name === owner);
    if (!tp) throw configError(`there is no topic ${owner}`);
    if (key === '@partitions') tp.partitions = Number(value);
    else setProp(tp, 'configs');
  }
  return t;
}

function fieldId(path) {
  return 'cfg-' + path.replace(/[^A-Za-z0-9_-]+/g, '-');
}

function field(s, tape, onChange, mark) {
  const id = fieldId(s.path);
  const value = valueOf(tape, s.path);
  const wrap = document.createElement('div');
  wrap.className = 'field' + (mark ? ' key-setting' : '');
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = `${mark ? '★ ' : ''}${s.def.label ?? s.key}`;
  let input;
  if (s.def.choices) {
    input = document.createElement('select');
    const opts = s.def.required ? s.def.choices : ['', ...s.def.choices];
    for (const v of opts) {
      const o = document.createElement('option');
      o.value = v;
      o.textContent = v === '' ? '(default)' : v;
      input.append(o);
    }
    if (!opts.includes(value)) {
      const o = document.createElement('option');
      o.value = value;
      o.textContent = value;
      input.append(o);
    }
  } else {
    input = document.createElement('input');
    input.type = 'text';
    input.inputMode = s.def.number ? 'numeric' : 'text';
    input.size = 10;
    input.placeholder = '(default)';
    input.autocomplete = 'off';
  }
  input.id = id;
  input.value = value;
  input.dataset.path = s.path;
  input.addEventListener('change', () => onChange(s.path, input.value));
  wrap.append(label, input);
  return wrap;
}

/** Draws the configuration form: this lesson's settings first, then by producer/consumer/group/topic. */
export function drawConfig(form, tape, lessonId, onChange) {
  form.replaceChildren();
  if (!tape) return;
  const keys = LESSON_KEYS[lessonId] ?? [];
  const all = paths(tape);
  const mine = all.filter((s) => keys.includes(s.key));
  const sections = [];
  if (mine.length) sections.push([`This lesson (${lessonId})`, mine, true, 'lesson']);
  for (const kind of Object.keys(SETTINGS)) {
    const rest = all.filter((s) => s.kind === kind && !keys.includes(s.key));
    if (rest.length) sections.push([GROUP_TITLES[kind], rest, false, kind]);
  }
  for (const [title, list, mark, name] of sections) {
    const fs = document.createElement('fieldset');
    fs.dataset.group = name;
    const legend = document.createElement('legend');
    legend.textContent = title;
    fs.append(legend);
    let owner = null;
    for (const s of list) {
      if (`${s.kind}/${s.owner}` !== owner) {
        owner = `${s.kind}/${s.owner}`;
        const h = document.createElement('h4');
        h.textContent = `${GROUP_TITLES[s.kind].toLowerCase()} ${s.owner}`;
        fs.append(h);
      }
      fs.append(field(s, tape, onChange, mark));
    }
    form.append(fs);
  }
}
