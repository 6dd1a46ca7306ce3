// Small helpers shared by the page's modules.

export const $ = (id) => document.getElementById(id);

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function toast(text, kind = "info") {
  const node = $("toasts").appendChild(el("div", `toast ${kind}`, text));
  setTimeout(() => node.remove(), kind === "problem" ? 9000 : 4000);
}

export async function post(path, body) {
  let data = {};
  try {
    const response = await fetch(path, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
    });
    data = await response.json().catch(() => ({}));
    if (!response.ok && !data.problem && !data.errors) data.problem = `HTTP ${response.status}`;
  } catch (error) {
    data = { problem: "The sandbox is not answering. Is python app.py still running?" };
  }
  if (data.problem) toast(data.problem, "problem");
  return data;
}
