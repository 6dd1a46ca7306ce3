// What a person typed survives a reload of the page, as it does in Slack's own client: the
// message box, the "New lead" form and an open modal's fields are kept in sessionStorage
// (this tab only) until they are sent, and put back when the page draws them again.

const PREFIX = "sandbox.kept.";

// Text-like fields only: a checkbox's or radio's `value` is its option, not what was chosen.
const TEXTUAL = "textarea, select, input:not([type=checkbox]):not([type=radio]):not([type=submit])";

function read(key) {
  try {
    return JSON.parse(sessionStorage.getItem(PREFIX + key) || "{}");
  } catch {
    return {};
  }
}

export function keep(key, root) {
  const values = {};
  root.querySelectorAll(TEXTUAL).forEach((node) => {
    const name = node.name || node.id;
    if (name && node.value !== "") values[name] = node.value;
  });
  if (Object.keys(values).length) sessionStorage.setItem(PREFIX + key, JSON.stringify(values));
  else sessionStorage.removeItem(PREFIX + key);
}

// Put kept values back into `root`'s fields; returns whether anything was restored.
export function restore(key, root) {
  const values = read(key);
  let restored = false;
  root.querySelectorAll(TEXTUAL).forEach((node) => {
    const name = node.name || node.id;
    if (name in values && node.value !== values[name]) {
      node.value = values[name];
      restored = node.value === values[name] || restored;
    }
  });
  return restored;
}

export function forget(key) {
  sessionStorage.removeItem(PREFIX + key);
}

// Keep `root`'s fields under `key` as they are typed.
export function follow(key, root) {
  const save = () => keep(key, root);
  root.addEventListener("input", save);
  root.addEventListener("change", save);
}
