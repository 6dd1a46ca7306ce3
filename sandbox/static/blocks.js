// Block Kit, rendered into DOM nodes: the layout blocks of messages, modals and the Home tab,
// their interactive elements, and the input blocks of modals (whose state `readInputs` reads).
//
// ctx: the mrkdwn ctx plus
//   people, channels: for users_select, multi_users_select and conversations_select
//   act(blockId, element, chosen): an interactive element was used (chosen: the selection)
//   inputs: a Map filled with each input block's reader (modals only)
//   errors: {block_id: message} to show under input blocks (modals only)

import { emojify, mrkdwn, plain } from "./mrkdwn.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function textObject(object, ctx) {
  if (!object) return el("span");
  if (object.type === "mrkdwn") return mrkdwn(object.text, ctx);
  const span = el("span", "plain");
  span.append(plain(object.text));
  return span;
}

const plainText = (object) => emojify(object?.text ?? "");

export function renderBlocks(blocks, ctx) {
  const root = el("div", "blocks");
  (blocks || []).forEach((block, index) => {
    const blockId = block.block_id || `b${index}`;
    const render = BLOCKS[block.type];
    root.append(render ? render(block, blockId, ctx) : el("div", "bk-unknown", `[${block.type} block]`));
  });
  return root;
}

const BLOCKS = {
  header: (block) => el("div", "bk-header", plainText(block.text)),
  divider: () => el("hr", "bk-divider"),
  section(block, blockId, ctx) {
    const node = el("div", "bk-section");
    const main = node.appendChild(el("div", "bk-section-main"));
    if (block.text) main.append(textObject(block.text, ctx));
    if (block.fields?.length) {
      const fields = main.appendChild(el("div", "bk-fields"));
      block.fields.forEach((field) => fields.append(textObject(field, ctx)));
    }
    if (block.accessory) {
      node.appendChild(el("div", "bk-accessory")).append(element(block.accessory, blockId, ctx));
    }
    return node;
  },
  context(block, blockId, ctx) {
    const node = el("div", "bk-context");
    (block.elements || []).forEach((item) => {
      node.append(item.type === "image" ? image(item, "bk-context-image") : textObject(item, ctx));
    });
    return node;
  },
  actions(block, blockId, ctx) {
    const node = el("div", "bk-actions");
    (block.elements || []).forEach((item) => node.append(element(item, blockId, ctx)));
    return node;
  },
  image(block) {
    const node = el("figure", "bk-image");
    if (block.title) node.append(el("figcaption", "", plainText(block.title)));
    node.append(image(block));
    return node;
  },
  input(block, blockId, ctx) {
    const node = el("div", "bk-input");
    const label = node.appendChild(el("label", "bk-label", plainText(block.label)));
    if (block.optional) label.append(el("span", "bk-optional", " (optional)"));
    const control = input(block.element || {}, blockId, ctx);
    node.append(control.node);
    if (block.hint) node.append(el("div", "bk-hint", plainText(block.hint)));
    const error = node.appendChild(el("div", "bk-error", ctx.errors?.[blockId] || ""));
    ctx.inputs?.set(blockId, { ...control, block, error });
    return node;
  },
  table(block, blockId, ctx) {
    const node = el("table", "bk-table");
    (block.rows || []).forEach((row, index) => {
      const line = node.appendChild(el("tr"));
      row.forEach((item, column) => {
        const align = block.column_settings?.[column]?.align;
        const td = line.appendChild(el(index === 0 ? "th" : "td"));
        if (align) td.style.textAlign = align;
        td.append(cell(item, ctx));
      });
    });
    return node;
  },
  rich_text(block, blockId, ctx) {
    const text = (block.elements || []).flatMap((part) => part.elements || [])
      .map((item) => item.text ?? (item.user_id ? `<@${item.user_id}>` : item.url ? `<${item.url}>` : ""))
      .join("");
    return mrkdwn(text, ctx);
  },
};

// An image by URL, or an uploaded file (`slack_file`: {url} or {id}, served by the fake).
function image(item, className = "") {
  const node = el("img", className);
  const url = item.image_url || item.slack_file?.url || "";
  if (/^https?:/i.test(url) || url.startsWith("/")) node.src = url;
  node.alt = item.alt_text || "";
  return node;
}

// A table block's cell: raw text, or rich text flattened.
function cell(item, ctx) {
  if (item?.type === "raw_text") return el("span", "", item.text ?? "");
  if (item?.type === "rich_text") return BLOCKS.rich_text(item, "", ctx);
  return el("span", "", "");
}

function options(item) {
  const groups = item.option_groups || [{ options: item.options || [] }];
  return groups.map((group) => ({ label: group.label ? plainText(group.label) : null, options: group.options || [] }));
}

function select(item, placeholder, choices, initial) {
  const node = el("select", "bk-select");
  const first = node.appendChild(el("option", "", placeholder));
  first.value = "";
  first.disabled = true;
  first.selected = initial === undefined;
  choices.forEach(({ label, options: list }) => {
    const parent = label ? node.appendChild(el("optgroup")) : node;
    if (label) parent.label = label;
    list.forEach(({ value, text, selected }) => {
      const option = parent.appendChild(el("option", "", text));
      option.value = value;
      option.selected = selected || value === initial;
    });
  });
  return node;
}

function staticChoices(item) {
  return options(item).map(({ label, options: list }) => ({
    label,
    options: list.map((option) => ({ value: option.value, text: plainText(option.text) })),
  }));
}

function findOption(item, value) {
  return options(item).flatMap((group) => group.options).find((option) => option.value === value);
}

const peopleChoices = (ctx) => [{ label: null, options: ctx.people.map((p) => ({ value: p.id, text: p.name })) }];
const channelChoices = (ctx) => [{
  label: null,
  options: ctx.channels.filter((c) => !c.is_im).map((c) => ({ value: c.id, text: "#" + c.name })),
}];

function confirmed(item) {
  if (!item.confirm) return true;
  const parts = [item.confirm.title, item.confirm.text].map((t) => t?.text).filter(Boolean);
  return window.confirm(parts.join("\n\n"));
}

// An interactive element in a message, the Home tab or a modal's section/actions block.
function element(item, blockId, ctx) {
  const act = (chosen) => ctx.act(blockId, item, chosen);
  switch (item.type) {
    case "button": {
      const node = el("button", `bk-button ${item.style || ""}`.trim(), plainText(item.text));
      node.type = "button";
      node.addEventListener("click", () => {
        if (!confirmed(item)) return;
        if (item.url && /^https?:/i.test(item.url)) window.open(item.url, "_blank", "noopener");
        act(null);
      });
      return node;
    }
    case "static_select":
    case "overflow": {
      const placeholder = item.type === "overflow" ? "⋯" : plainText(item.placeholder) || "Select";
      const node = select(item, placeholder, staticChoices(item), item.initial_option?.value);
      node.addEventListener("change", () => {
        const option = findOption(item, node.value);
        if (confirmed(item)) act({ selected_option: option });
      });
      return node;
    }
    case "users_select":
    case "conversations_select":
    case "channels_select": {
      const users = item.type === "users_select";
      const key = { users_select: "selected_user", conversations_select: "selected_conversation",
        channels_select: "selected_channel" }[item.type];
      const initial = item.initial_user ?? item.initial_conversation ?? item.initial_channel;
      const node = select(item, plainText(item.placeholder) || "Select", users ? peopleChoices(ctx) : channelChoices(ctx), initial);
      node.addEventListener("change", () => act({ [key]: node.value }));
      return node;
    }
    case "datepicker": {
      const node = el("input", "bk-date");
      node.type = "date";
      node.value = item.initial_date || "";
      node.addEventListener("change", () => act({ selected_date: node.value || null }));
      return node;
    }
    case "image":
      return image(item, "bk-accessory-image");
    default: {
      if (ctx.inputs) return input(item, blockId, ctx).node; // checkboxes etc. in a modal
      return el("span", "bk-unknown", `[${item.type}]`);
    }
  }
}

// An input block's element: { node, read() -> Slack's state value, check() -> problem | null }.
function input(item, blockId, ctx) {
  const type = item.type;
  const state = (fields) => ({ type, ...fields });
  if (["plain_text_input", "url_text_input", "email_text_input", "number_input"].includes(type)) {
    const multiline = type === "plain_text_input" && item.multiline;
    const node = el(multiline ? "textarea" : "input", "bk-text");
    if (!multiline) node.type = { url_text_input: "url", email_text_input: "email", number_input: "number" }[type] || "text";
    if (type === "number_input") {
      if (item.min_value !== undefined) node.min = item.min_value;
      if (item.max_value !== undefined) node.max = item.max_value;
      node.step = item.is_decimal_allowed ? "any" : "1";
    }
    if (item.max_length) node.maxLength = item.max_length;
    node.placeholder = plainText(item.placeholder);
    node.value = item.initial_value || "";
    node.name = `${blockId}.${item.action_id}`;
    return {
      node,
      read: () => state({ value: node.value === "" ? null : node.value }),
      check: () => {
        if (item.min_length && node.value.length && node.value.length < item.min_length) return `Use at least ${item.min_length} characters.`;
        if (node.value && !node.checkValidity()) return type === "number_input" ? "Enter a valid number in range." : "Enter a valid value.";
        return null;
      },
      filled: () => node.value.trim() !== "",
    };
  }
  if (type === "datepicker" || type === "timepicker") {
    const node = el("input", "bk-date");
    node.type = type === "datepicker" ? "date" : "time";
    node.value = item.initial_date || item.initial_time || "";
    node.name = `${blockId}.${item.action_id}`;
    const key = type === "datepicker" ? "selected_date" : "selected_time";
    return { node, read: () => state({ [key]: node.value || null }), check: () => null, filled: () => !!node.value };
  }
  if (type === "checkboxes" || type === "radio_buttons") {
    const node = el("div", "bk-choices");
    const initial = new Set([...(item.initial_options || []), item.initial_option].filter(Boolean).map((o) => o.value));
    const name = `${blockId}.${item.action_id}`;
    const boxes = (item.options || []).map((option) => {
      const label = node.appendChild(el("label", "bk-choice"));
      const box = label.appendChild(el("input"));
      box.type = type === "checkboxes" ? "checkbox" : "radio";
      box.name = name;
      box.checked = initial.has(option.value);
      label.append(" ", plainText(option.text));
      return { box, option };
    });
    const chosen = () => boxes.filter(({ box }) => box.checked).map(({ option }) => option);
    const read = () => (type === "checkboxes"
      ? state({ selected_options: chosen() })
      : state({ selected_option: chosen()[0] || null }));
    if (!ctx.inputs) node.addEventListener("change", () => ctx.act(blockId, item, read()));
    return { node, read, check: () => null, filled: () => chosen().length > 0 };
  }
  if (type === "multi_users_select") {
    // A list to pick several people from (Ctrl/Cmd-click), as Slack's multi-select menu.
    const chosen = new Set(item.initial_users || []);
    const node = el("select", "bk-select bk-multi");
    node.multiple = true;
    node.name = `${blockId}.${item.action_id}`;
    node.title = plainText(item.placeholder) || "Pick people";
    ctx.people.forEach((p) => {
      const option = node.appendChild(el("option", "", p.name));
      option.value = p.id;
      option.selected = chosen.has(p.id);
    });
    const picked = () => [...node.selectedOptions].map((option) => option.value);
    return {
      node,
      read: () => state({ selected_users: picked() }),
      check: () => (item.max_selected_items && picked().length > item.max_selected_items
        ? `Pick at most ${item.max_selected_items}.` : null),
      filled: () => picked().length > 0,
    };
  }
  const kinds = {
    static_select: () => staticChoices(item),
    users_select: () => peopleChoices(ctx),
    conversations_select: () => channelChoices(ctx),
    channels_select: () => channelChoices(ctx),
  };
  if (kinds[type]) {
    const initial = item.initial_option?.value ?? item.initial_user ?? item.initial_conversation ?? item.initial_channel;
    const node = select(item, plainText(item.placeholder) || "Select", kinds[type](), initial);
    node.name = `${blockId}.${item.action_id}`;
    const read = () => {
      const value = node.value || null;
      if (type === "static_select") return state({ selected_option: value ? findOption(item, value) : null });
      const key = { users_select: "selected_user", conversations_select: "selected_conversation", channels_select: "selected_channel" }[type];
      return state({ [key]: value });
    };
    return { node, read, check: () => null, filled: () => !!node.value };
  }
  const node = el("div", "bk-unknown", `[${type} input is not shown in the sandbox]`);
  return { node, read: () => state({}), check: () => null, filled: () => true };
}

// view.state.values, as Slack builds it: {block_id: {action_id: {type, value…}}}.
export function readInputs(inputs) {
  const values = {};
  inputs.forEach((control, blockId) => {
    const actionId = control.block.element?.action_id || "action";
    values[blockId] = { [actionId]: control.read() };
  });
  return values;
}

// What Slack's own client refuses before sending: empty required fields and bad formats.
export function checkInputs(inputs) {
  const problems = {};
  inputs.forEach((control, blockId) => {
    if (!control.block.optional && !control.filled()) problems[blockId] = "Please complete this required field.";
    else if (control.filled()) {
      const problem = control.check();
      if (problem) problems[blockId] = problem;
    }
  });
  return problems;
}
