// Small DOM helpers shared by the page's modules.

export const $ = (sel) => document.querySelector(sel);

/** An element with attributes (`dataset`, `on` listeners, properties) and children. */
export const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  e.append(...children.flat().filter((c) => c !== null && c !== undefined));
  return e;
};

export const FMT = new Intl.NumberFormat('en');
