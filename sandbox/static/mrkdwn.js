// Slack's mrkdwn, rendered into DOM nodes. Text only ever goes into text nodes
// (textContent); links get an href only for http(s), mailto: and tel:.
//
// ctx: { userName(id), channelName(id), tz, openChannel(id), openPermalink(channel, ts) }

const EMOJI = {
  alarm_clock: "⏰", arrow_right_hook: "↪️", bell: "🔔", bulb: "💡", calendar: "📅",
  chart_with_upwards_trend: "📈", clipboard: "📋", eyes: "👀", fire: "🔥", hourglass: "⌛",
  inbox_tray: "📥", information_source: "ℹ️", mega: "📣", memo: "📝", no_entry_sign: "🚫",
  ok_hand: "👌", pushpin: "📌", raising_hand: "🙋", rotating_light: "🚨", speech_balloon: "💬",
  star: "⭐", tada: "🎉", thumbsup: "👍", "+1": "👍", thumbsdown: "👎", "-1": "👎",
  warning: "⚠️", wave: "👋", white_check_mark: "✅", x: "❌", zzz: "💤", heavy_check_mark: "✔️",
  sunny: "☀️", sparkles: "✨", email: "📧", telephone_receiver: "📞", link: "🔗",
  triangular_flag_on_post: "🚩", red_circle: "🔴", large_blue_circle: "🔵",
  large_green_circle: "🟢", white_circle: "⚪", black_circle: "⚫", large_orange_circle: "🟠",
  heavy_plus_sign: "➕", hourglass_flowing_sand: "⏳", handshake: "🤝", trophy: "🏆",
  chart_with_downwards_trend: "📉", bar_chart: "📊", busts_in_silhouette: "👥",
  bust_in_silhouette: "👤", gear: "⚙️", wrench: "🔧", heart: "❤️", rocket: "🚀",
  moneybag: "💰", dart: "🎯", mag: "🔍", lock: "🔒", calling: "📲", phone: "☎️",
  hourglass_done: "⌛", stopwatch: "⏱️", new: "🆕", sos: "🆘", question: "❓",
  exclamation: "❗", heavy_exclamation_mark: "❗", point_right: "👉", clap: "👏", muscle: "💪",
  thinking_face: "🤔", slightly_smiling_face: "🙂", smile: "😄", pray: "🙏",
  red_flag: "🚩", large_yellow_circle: "🟡", new_moon: "🌑", palm_tree: "🌴",
};
const SAFE_URL = /^(https?:|mailto:|tel:)/i;
const PERMALINK = /^https:\/\/fake\.slack\.test\/archives\/([A-Z0-9]+)\/p(\d{10})(\d{6})/;

export function decode(text) {
  return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

export function emojify(text) {
  return String(text).replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// A whole mrkdwn text: code fences, quoted lines, and inline formatting.
export function mrkdwn(text, ctx) {
  const root = el("div", "mrkdwn");
  String(text || "").split("```").forEach((part, index) => {
    if (index % 2 === 1) {
      root.append(el("pre", "code-block", decode(part.replace(/^\n/, ""))));
    } else {
      lines(part, root, ctx);
    }
  });
  return root;
}

// Plain text (plain_text objects): emoji only, no formatting.
export function plain(text) {
  return document.createTextNode(emojify(text || ""));
}

function lines(text, root, ctx) {
  let run = [];
  let quote = null;
  const flush = () => {
    if (run.length) inline(run.join("\n"), root.appendChild(el("span")), ctx);
    run = [];
  };
  for (const line of text.split("\n")) {
    // Slack quotes a line that starts with ">" (sent raw by a template or escaped as &gt;).
    const quoted = /^(?:&gt;|>)\s?(.*)$/.exec(line);
    if (quoted) {
      flush();
      if (!quote) quote = root.appendChild(el("blockquote"));
      else quote.append("\n");
      inline(quoted[1], quote, ctx);
    } else {
      quote = null;
      run.push(line);
    }
  }
  flush();
}

// `code` and <…> tokens are kept whole (as placeholder characters) while *bold*, _italic_
// and ~strike~ are found around them, so `*<@U1>*` is a bold mention.
function inline(text, parent, ctx) {
  const atoms = [];
  const masked = text.replace(/`[^`\n]+`|<[^<>\n]+>/g, (atom) => {
    atoms.push(atom);
    return String.fromCharCode(0xe000 + atoms.length - 1);
  });
  emphasis(masked, parent, atoms, ctx);
}

const EMPHASIS = /(?<![\p{L}\p{N}])([*_~])(?!\s)([^\n]+?)(?<!\s)\1(?![\p{L}\p{N}])/gu;
const TAGS = { "*": "strong", _: "em", "~": "s" };

function emphasis(text, parent, atoms, ctx) {
  let last = 0;
  for (const match of text.matchAll(EMPHASIS)) {
    unmask(text.slice(last, match.index), parent, atoms, ctx);
    const node = parent.appendChild(el(TAGS[match[1]]));
    emphasis(match[2], node, atoms, ctx);
    last = match.index + match[0].length;
  }
  unmask(text.slice(last), parent, atoms, ctx);
}

function unmask(text, parent, atoms, ctx) {
  let buffer = "";
  for (const char of text) {
    const code = char.charCodeAt(0) - 0xe000;
    if (code >= 0 && code < atoms.length) {
      if (buffer) parent.append(emojify(decode(buffer)));
      buffer = "";
      parent.append(atom(atoms[code], ctx));
    } else {
      buffer += char;
    }
  }
  if (buffer) parent.append(emojify(decode(buffer)));
}

function atom(token, ctx) {
  if (token.startsWith("`")) return el("code", "", decode(token.slice(1, -1)));
  const inner = token.slice(1, -1);
  const bar = inner.indexOf("|");
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? null : decode(inner.slice(bar + 1));
  if (target.startsWith("@")) {
    return el("span", "mention", "@" + (ctx.userName(target.slice(1)) || label || target.slice(1)));
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    const link = el("a", "channel-link", "#" + (ctx.channelName(id) || label || id));
    link.href = "#";
    link.addEventListener("click", (event) => { event.preventDefault(); ctx.openChannel(id); });
    return link;
  }
  if (target.startsWith("!date^")) return el("span", "date", slackDate(target, label, ctx.tz));
  if (target.startsWith("!subteam^")) return el("span", "mention", label || "@group");
  if (target.startsWith("!")) return el("span", "mention", "@" + target.slice(1).split("^")[0]);
  return link(decode(target), label, ctx);
}

function link(url, label, ctx) {
  const text = label ?? url.replace(/^(mailto|tel):/, "");
  if (!SAFE_URL.test(url)) return document.createTextNode(text);
  const node = el("a", "", text);
  node.href = url;
  const permalink = PERMALINK.exec(url);
  if (permalink) {
    node.addEventListener("click", (event) => {
      event.preventDefault();
      ctx.openPermalink(permalink[1], `${permalink[2]}.${permalink[3]}`);
    });
  } else {
    node.target = "_blank";
    node.rel = "noopener noreferrer";
  }
  return node;
}

// <!date^1392734382^{date_short_pretty} at {time}|fallback>, in the reader's time zone.
export function slackDate(token, fallback, tz) {
  const [, stamp, format] = token.split("^");
  const when = new Date(Number(stamp) * 1000);
  if (!format || Number.isNaN(when.getTime())) return fallback || "";
  const part = (options) => new Intl.DateTimeFormat("en-US", { timeZone: tz, ...options }).format(when);
  const day = (d) => new Intl.DateTimeFormat("en-CA", { timeZone: tz }).format(d);
  const pretty = (otherwise) => {
    const now = Date.now();
    const names = { [day(new Date(now))]: "today", [day(new Date(now - 864e5))]: "yesterday",
      [day(new Date(now + 864e5))]: "tomorrow" };
    return names[day(when)] || otherwise;
  };
  const long = part({ weekday: "long", month: "long", day: "numeric", year: "numeric" });
  const date = part({ month: "long", day: "numeric", year: "numeric" });
  const short = part({ month: "short", day: "numeric", year: "numeric" });
  const values = {
    date_num: day(when), date, date_short: short, date_long: long,
    date_pretty: pretty(date), date_short_pretty: pretty(short), date_long_pretty: pretty(long),
    time: part({ hour: "numeric", minute: "2-digit" }),
    time_secs: part({ hour: "numeric", minute: "2-digit", second: "2-digit" }),
    ago: ago(when),
  };
  let unknown = false;
  const text = format.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in values)) unknown = true;
    return values[name] ?? whole;
  });
  return unknown ? fallback || text : text;
}

function ago(when) {
  const seconds = Math.round((Date.now() - when.getTime()) / 1000);
  const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
  for (const [unit, size] of units) {
    const count = Math.floor(Math.abs(seconds) / size);
    if (count >= 1) return new Intl.RelativeTimeFormat("en", { numeric: "auto" }).format(seconds > 0 ? -count : count, unit);
  }
  return "just now";
}
