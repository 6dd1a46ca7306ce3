// The sandbox page: who you are, the sidebar, a channel's messages with their threads, the
// composer, the app's modals and the "New lead" form. Every gesture is POSTed to the sandbox,
// which sends it to the app as Slack would; the page then redraws from /sandbox/state when
// /sandbox/events says something changed.

import { renderBlocks } from "./blocks.js";
import { follow, forget, restore } from "./kept.js";
import { keepLeadForm, renderLeadChoices, sendLead } from "./lead.js";
import { renderModal } from "./modal.js";
import { mrkdwn } from "./mrkdwn.js";
import { $, el, post } from "./util.js";

const TOPICS = {
  sales: "Campaign briefs for sales, and hot leads nobody owns yet",
  marketing: "What sales hears from customers, for marketing",
};
const page = {
  doc: null,
  viewer: localStorage.getItem("sandbox.viewer"),
  place: localStorage.getItem("sandbox.place"), // a channel id, "dm" or "home"
  seen: new Map(), // channel id -> newest ts seen
  dismissed: new Set(),
  collapsed: new Set(),
  nodes: new Map(), // message key -> {signature, node}
};

// -- state --------------------------------------------------------------------------------

let loading = null;
let again = false;

async function refresh() {
  if (loading) { again = true; return loading; }
  loading = (async () => {
    do {
      again = false;
      const query = page.viewer ? `?as=${encodeURIComponent(page.viewer)}` : "";
      const response = await fetch(`/sandbox/state${query}`).catch(() => null);
      if (response?.status === 404 && page.viewer) { page.viewer = null; again = true; continue; }
      if (!response?.ok) return;
      const doc = await response.json();
      if (page.viewer && doc.viewer !== page.viewer) { again = true; continue; } // switched meanwhile
      page.doc = doc;
      page.viewer = doc.viewer;
      render();
    } while (again);
  })();
  try { await loading; } finally { loading = null; }
}

const me = () => page.doc.people.find((p) => p.id === page.viewer) || page.doc.people[0];
const person = (id) => page.doc.people.find((p) => p.id === id);
const channelById = (id) => page.doc.channels.find((c) => c.id === id);
const dmOf = (userId) => page.doc.channels.find((c) => c.is_im && c.user === userId);

function placeChannel() {
  if (page.place === "dm") return dmOf(page.viewer)?.id || page.viewer;
  if (page.place && page.place !== "home" && channelById(page.place)) return page.place;
  return page.doc.channels.find((c) => c.name === "sales")?.id;
}

function mrkdwnContext() {
  return {
    tz: me().tz,
    userName: (id) => (id === page.doc.bot.id ? page.doc.bot.name : person(id)?.name),
    channelName: (id) => channelById(id)?.name,
    openChannel: (id) => go(channelById(id)?.is_im ? "dm" : id),
    openPermalink: (channel, ts) => {
      const target = channelById(channel);
      if (target?.is_im && target.user !== page.viewer) setViewer(target.user);
      go(target?.is_im ? "dm" : channel);
      requestAnimationFrame(() => document.querySelector(`[data-ts="${ts}"]`)?.scrollIntoView({ block: "center" }));
    },
    people: page.doc.people,
    channels: page.doc.channels,
  };
}

function go(place) {
  page.place = place;
  localStorage.setItem("sandbox.place", place);
  if (place === "home") post("/sandbox/home", { as: page.viewer });
  render(true);
}

function setViewer(id) {
  page.viewer = id;
  localStorage.setItem("sandbox.viewer", id);
  refresh().then(() => page.place === "home" && post("/sandbox/home", { as: id }));
}

// -- drawing ------------------------------------------------------------------------------

function render(moved = false) {
  if (!page.doc) return;
  if (page.place === "home") renderHome();
  else renderChannel(moved);
  renderSidebar(); // after the channel, which marks what has been seen
  renderModal(page.doc.modal, page.viewer, mrkdwnContext());
  renderLeadChoices(page.doc);
  const { reminder, escalation } = page.doc.timings;
  $("timings").textContent = `Demo timings: a reminder after ${reminder}, the manager after ${escalation}.`;
}

function unread(channelId) {
  if (!channelId) return 0;
  const seen = page.seen.get(channelId) || "0";
  return page.doc.messages.filter((m) => m.channel === channelId && m.ts > seen && m.user !== page.viewer).length;
}

function sidebarItem(label, { active, count, onClick, icon, note }) {
  const item = el("li");
  const button = item.appendChild(el("button", active ? "active" : ""));
  button.type = "button";
  if (icon) button.append(el("span", "icon", icon));
  button.append(el("span", "label", label));
  if (note) button.append(el("span", "note", note));
  if (count) button.append(el("span", "badge", String(count)));
  button.addEventListener("click", onClick);
  return item;
}

function renderSidebar() {
  const viewer = $("viewer");
  viewer.replaceChildren(...page.doc.people.map((p) => {
    const option = el("option", "", `${p.name}${p.role ? ` (${p.role})` : ""}`);
    option.value = p.id;
    option.selected = p.id === page.viewer;
    return option;
  }));
  const current = page.place === "home" ? null : placeChannel();
  $("channel-list").replaceChildren(...page.doc.channels.filter((c) => !c.is_im).map((c) =>
    sidebarItem(c.name, { icon: "#", active: c.id === current, count: unread(c.id), onClick: () => go(c.id) })));
  $("dm-list").replaceChildren(...page.doc.people.map((p) => {
    const dm = dmOf(p.id)?.id;
    const active = p.id === page.viewer && page.place === "dm";
    return sidebarItem(p.name, {
      icon: p.id === page.viewer ? "●" : "○", note: p.role, active, count: unread(dm),
      onClick: () => { if (p.id !== page.viewer) setViewer(p.id); go("dm"); },
    });
  }));
  $("home-link").classList.toggle("active", page.place === "home");
}

function header(title, topic) {
  $("channel-title").textContent = title;
  $("channel-topic").textContent = topic;
}

function timeOf(ts) {
  return new Intl.DateTimeFormat("en-US", { timeZone: me().tz, hour: "numeric", minute: "2-digit" })
    .format(new Date(Number(ts) * 1000));
}

function avatar(name, bot) {
  const initials = bot ? "H" : name.split(/\s+/).map((w) => w[0]).join("").slice(0, 2);
  return el("div", `avatar${bot ? " bot" : ""}`, initials);
}

function messageNode(message, replies, ephemeral) {
  const bot = message.user === page.doc.bot.id || ephemeral;
  const name = bot ? page.doc.bot.name : person(message.user)?.name || message.user;
  const node = el("div", `msg${ephemeral ? " ephemeral" : ""}`);
  node.dataset.ts = message.ts;
  node.append(avatar(name, bot));
  const body = node.appendChild(el("div", "msg-body"));
  const meta = body.appendChild(el("div", "msg-meta"));
  meta.append(el("span", "who", name));
  if (bot) meta.append(el("span", "app-badge", "APP"));
  meta.append(el("span", "time", timeOf(message.ts)));
  if (message.edits) meta.append(el("span", "edited", "(edited)"));
  if (ephemeral) {
    meta.append(el("span", "only-you", "Only visible to you"));
    const dismiss = meta.appendChild(el("button", "link", "Dismiss"));
    dismiss.type = "button";
    dismiss.addEventListener("click", () => { page.dismissed.add(message.ts); render(); });
  }
  const ctx = {
    ...mrkdwnContext(),
    act: (blockId, element, chosen) => post("/sandbox/action", {
      as: page.viewer, channel: message.channel, ts: message.ts, block_id: blockId,
      action_id: element.action_id, chosen,
    }),
  };
  body.append(message.blocks?.length ? renderBlocks(message.blocks, ctx) : mrkdwn(message.text, ctx));
  for (const attachment of message.attachments || []) {
    const box = body.appendChild(el("div", "attachment"));
    if (/^#?[0-9a-f]{6}$/i.test(attachment.color || "")) box.style.borderColor = `#${attachment.color.replace("#", "")}`;
    box.append(attachment.blocks?.length ? renderBlocks(attachment.blocks, ctx) : mrkdwn(attachment.text || attachment.fallback || "", ctx));
  }
  for (const file of message.files || []) {
    const box = body.appendChild(el("div", "file"));
    box.append(el("div", "file-title", file.title || file.name));
    if ((file.mimetype || "").startsWith("image/")) {
      const image = box.appendChild(el("img", "file-image"));
      image.src = `/sandbox/slack/files/${encodeURIComponent(file.id)}`;
      image.alt = file.title || file.name;
      image.loading = "lazy";
    }
  }
  if (replies.length) {
    const open = !page.collapsed.has(message.ts);
    const toggle = body.appendChild(el("button", "thread-toggle", `${open ? "▾" : "▸"} ${replies.length} ${replies.length === 1 ? "reply" : "replies"}`));
    toggle.type = "button";
    toggle.addEventListener("click", () => {
      if (open) page.collapsed.add(message.ts); else page.collapsed.delete(message.ts);
      render();
    });
    if (open) {
      const thread = body.appendChild(el("div", "thread"));
      replies.forEach((reply) => thread.append(messageNode(reply.message, [], reply.ephemeral)));
    }
  }
  return node;
}

function renderChannel(moved) {
  const cid = placeChannel();
  const channel = channelById(cid);
  if (page.place === "dm") header(`Handoff`, `Your direct messages with the Handoff app, as ${me().name}`);
  else header(`# ${channel?.name || "channel"}`, TOPICS[channel?.name] || "");
  $("composer").hidden = false;
  $("composer-input").placeholder = page.place === "dm"
    ? "Message Handoff, or type /campaign, /feedback or /leads"
    : `Message #${channel?.name}, or type /campaign, /feedback or /leads`;
  const items = [
    ...page.doc.messages.filter((m) => m.channel === cid).map((message) => ({ message, ephemeral: false })),
    ...page.doc.ephemerals.filter((e) => e.channel === cid && !page.dismissed.has(e.ts)).map((message) => ({ message, ephemeral: true })),
  ].sort((a, b) => (a.message.ts < b.message.ts ? -1 : 1));
  const fresh = page.shown !== cid;
  page.shown = cid;
  const parents = new Set(items.filter((i) => !i.ephemeral).map((i) => i.message.ts));
  const isReply = (m) => m.thread_ts && m.thread_ts !== m.ts && parents.has(m.thread_ts);
  const nodes = items.filter((i) => !isReply(i.message)).map((item) => {
    const replies = items.filter((i) => isReply(i.message) && i.message.thread_ts === item.message.ts);
    const key = `${item.ephemeral ? "e" : "m"}${item.message.ts}`;
    const signature = JSON.stringify([item, replies, page.viewer, page.collapsed.has(item.message.ts)]);
    const known = page.nodes.get(key);
    if (known?.signature === signature) return known.node;
    const node = messageNode(item.message, replies, item.ephemeral);
    if (known || !fresh) node.classList.add("flash");
    page.nodes.set(key, { signature, node });
    return node;
  });
  const list = $("messages");
  delete list.dataset.home;
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const same = nodes.length === list.children.length && nodes.every((n, i) => list.children[i] === n);
  if (!nodes.length) list.replaceChildren(el("div", "empty", "No messages here yet."));
  else if (!same) list.replaceChildren(...nodes);
  if (moved || fresh || atBottom) list.scrollTop = list.scrollHeight;
  const newest = items.map((i) => i.message.ts).sort().pop();
  if (newest) page.seen.set(cid, newest);
}

function renderHome() {
  header("Handoff · Home", `The app's Home tab, as ${me().name} sees it`);
  $("composer").hidden = true;
  page.shown = "home";
  const home = page.doc.home;
  const list = $("messages");
  if (!home) { list.replaceChildren(el("div", "empty", "Opening the Home tab…")); return; }
  const ctx = {
    ...mrkdwnContext(),
    act: (blockId, element, chosen) => post("/sandbox/action", {
      as: page.viewer, view_id: home.id, block_id: blockId, action_id: element.action_id, chosen, values: {},
    }),
  };
  const signature = JSON.stringify(home);
  if (list.dataset.home !== signature) {
    list.replaceChildren(el("div", "home", undefined));
    list.firstChild.append(renderBlocks(home.blocks, ctx));
    list.dataset.home = signature;
  }
}

// -- wiring -------------------------------------------------------------------------------

async function send(event) {
  event.preventDefault();
  const input = $("composer-input");
  const text = input.value.trim();
  if (!text) return;
  const channel = placeChannel();
  const path = text.startsWith("/") ? "/sandbox/command" : "/sandbox/message";
  $("composer-send").disabled = true;
  const answer = await post(path, { as: page.viewer, channel, text });
  $("composer-send").disabled = false;
  if (answer.ok) {
    input.value = ""; // on a problem, keep what was typed
    forget("composer");
  }
  input.focus();
}

function wire() {
  restore("composer", $("composer"));
  follow("composer", $("composer"));
  keepLeadForm();
  $("viewer").addEventListener("change", (event) => setViewer(event.target.value));
  $("home-link").addEventListener("click", () => go("home"));
  $("composer").addEventListener("submit", send);
  $("composer-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) send(event);
  });
  document.querySelectorAll("[data-fill]").forEach((chip) => chip.addEventListener("click", () => {
    $("composer-input").value = chip.dataset.fill;
    $("composer-input").dispatchEvent(new Event("input", { bubbles: true }));
    $("composer-input").focus();
  }));
  $("new-lead").addEventListener("click", () => {
    $("lead-errors").textContent = "";
    $("lead-dialog").showModal();
  });
  $("weekly-report").addEventListener("click", () => post("/sandbox/report", {}));
  $("lead-cancel").addEventListener("click", () => $("lead-dialog").close());
  $("lead-form").addEventListener("submit", (event) => sendLead(event, page.doc));
  const events = new EventSource("/sandbox/events");
  events.onmessage = (event) => { if (Number(event.data) !== page.doc?.version) refresh(); };
  events.onerror = () => { $("connection").hidden = false; };
  events.onopen = () => { $("connection").hidden = true; refresh(); };
}

wire();
refresh();
