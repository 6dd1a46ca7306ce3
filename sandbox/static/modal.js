// The app's modals (views.open / views.push / views.update): drawn from the view's blocks,
// submitted as view_submission with Slack's state values, closed as view_closed.

import { checkInputs, readInputs, renderBlocks } from "./blocks.js";
import { follow, forget, restore } from "./kept.js";
import { $, el, post } from "./util.js";

let shownKey = null;
let shownView = null; // the id of the modal drawn; its typed fields are kept until it closes

// `view`: the viewer's top modal or null; `base`: the mrkdwn context of the page.
export function renderModal(view, viewer, base) {
  const root = $("modal-root");
  if (!view) {
    root.hidden = true;
    root.replaceChildren();
    if (shownView) forget(`modal.${shownView}`);
    shownKey = shownView = null;
    return;
  }
  const key = `${view.id}:${view.hash}:${viewer}`;
  if (key === shownKey) return;
  const typed = new Map([...root.querySelectorAll("[name]")].map((n) => [n.name, n.value]));
  shownKey = key;
  const inputs = new Map();
  const ctx = {
    ...base, inputs, errors: {},
    act: (blockId, element, chosen) => post("/sandbox/action", {
      as: viewer, view_id: view.id, block_id: blockId, action_id: element.action_id, chosen,
      values: readInputs(inputs),
    }),
  };
  const dialog = el("div", "modal");
  dialog.setAttribute("role", "dialog");
  dialog.setAttribute("aria-modal", "true");
  const head = dialog.appendChild(el("div", "modal-head"));
  head.append(el("h2", "", view.title?.text || ""));
  const x = head.appendChild(el("button", "modal-x", "×"));
  x.type = "button";
  x.setAttribute("aria-label", "Close");
  dialog.appendChild(el("div", "modal-body")).append(renderBlocks(view.blocks, ctx));
  const foot = dialog.appendChild(el("div", "modal-foot"));
  const close = foot.appendChild(el("button", "", view.close?.text || (view.submit ? "Cancel" : "Close")));
  close.type = "button";
  let submit = null;
  if (view.submit) {
    submit = foot.appendChild(el("button", "primary", view.submit.text));
    submit.type = "button";
    submit.addEventListener("click", () => submitModal(view, viewer, inputs, submit));
  }
  const closeModal = () => post("/sandbox/view/close", { as: viewer, view_id: view.id, values: readInputs(inputs) });
  close.addEventListener("click", closeModal);
  x.addEventListener("click", closeModal);
  dialog.addEventListener("keydown", (event) => { if (event.key === "Escape") closeModal(); });
  const backdrop = el("div", "modal-backdrop");
  backdrop.append(dialog);
  root.replaceChildren(backdrop);
  root.querySelectorAll("[name]").forEach((n) => {
    if (typed.has(n.name) && !n.value) n.value = typed.get(n.name);
  });
  if (shownView !== view.id) restore(`modal.${view.id}`, root); // after a reload of the page
  shownView = view.id;
  follow(`modal.${view.id}`, dialog);
  root.hidden = false;
  root.querySelector("input, textarea, select")?.focus();
}

function showErrors(inputs, errors) {
  let first = null;
  inputs.forEach((control, blockId) => {
    control.error.textContent = errors[blockId] || "";
    control.error.parentElement.classList.toggle("has-error", Boolean(errors[blockId]));
    if (errors[blockId] && !first) first = control.error.parentElement;
  });
  first?.scrollIntoView({ block: "nearest" });
}

async function submitModal(view, viewer, inputs, button) {
  const problems = checkInputs(inputs);
  showErrors(inputs, problems);
  if (Object.keys(problems).length) return;
  button.disabled = true;
  const answer = await post("/sandbox/view/submit", { as: viewer, view_id: view.id, values: readInputs(inputs) });
  button.disabled = false;
  if (answer.errors && Object.keys(answer.errors).length) showErrors(inputs, answer.errors);
}
