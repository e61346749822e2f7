// Tiny DOM helpers: the console builds its views with these, never with innerHTML (no markup from data).

/** An element: h('button', { class: 'x', onclick: f }, 'text', child). Attributes with null/false are left out. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's content. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A table: columns are [header, cell(row)] pairs; `onrow` makes rows clickable. */
export function table(columns, rows, { onrow, rowClass, empty } = {}) {
  const head = h(
    'thead',
    {},
    h(
      'tr',
      {},
      columns.map(([title]) => h('th', { scope: 'col' }, title)),
    ),
  );
  const body = h(
    'tbody',
    {},
    rows.map((row) =>
      h(
        'tr',
        { class: rowClass?.(row), tabindex: onrow ? 0 : null, onclick: onrow ? () => onrow(row) : null, onkeydown: onrow ? enter(() => onrow(row)) : null },
        columns.map(([, cell]) => h('td', {}, cell(row))),
      ),
    ),
  );
  if (rows.length === 0 && empty) body.append(h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, empty)));
  return h('table', {}, head, body);
}

const enter = (f) => (event) => {
  if (event.key === 'Enter') f();
};

/** Form fields by name, trimmed. */
export function formValues(form) {
  const values = {};
  for (const [name, value] of new FormData(form).entries()) values[name] = String(value).trim();
  return values;
}

/** A labelled input. */
export function field(label, input) {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}

/** A status message line: kind is info, error or ok. */
export function note(kind, text) {
  return h('p', { class: `note ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}
