// app/src/main.ts
import { connect } from "/sdk/conclave.js";

// app/src/text.ts
var ROOM_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,128}$/;
var NAME_MAX = 64;
function deviceErrorText(device, kind) {
  const Dev = device === "camera" ? "Camera" : "Microphone";
  switch (kind) {
    case "not_found":
      return `No ${device} found`;
    case "permission_denied":
      return `${Dev} permission was denied — allow it in the browser's site settings`;
    case "in_use":
      return `${Dev} is in use by another application`;
    case "insecure_context":
      return "Media devices need a secure (https) page";
    default:
      return `${Dev} could not be started`;
  }
}
var LEAVE_REASONS = {
  client_left: "You left the meeting.",
  left: "You left the meeting.",
  removed: "A host or moderator removed you from the meeting. The link or token you joined with no longer lets you in.",
  meeting_ended: "The host ended the meeting for everyone.",
  max_duration: "The meeting reached its maximum duration and ended.",
  meeting_locked: "This meeting is locked: nobody new can join until a host unlocks it.",
  banned: "You are banned from this meeting.",
  token_revoked: "You were removed from this meeting: the link or token you joined with no longer lets you in.",
  invite_required: "This meeting admits its hosts and the guests of its invites only: open the invite link you were sent.",
  lobby_denied: "A host or moderator did not let you in.",
  lobby_timeout: "Nobody let you in while you waited, and the lobby’s waiting time ran out.",
  lobby_full: "Too many people are waiting to join this meeting right now. Try again in a while.",
  password_required: "This meeting has a password: enter it to join.",
  password_wrong: "That is not the meeting’s password.",
  too_many_attempts: "Too many wrong passwords. Wait a little, then try again.",
  policy_violation: "The organisation’s policy does not allow this meeting to be joined this way.",
  room_deleted: "The meeting room was closed.",
  room_not_found: "This room does not exist or has been closed.",
  server_shutdown: "The server is restarting.",
  connection_lost: "The connection to the server was lost.",
  network: "The network connection was lost.",
  join_timeout: "The server took too long to answer.",
  identity_in_use: "You are already in this meeting from another tab or device.",
  room_full: "The room is full.",
  permission_denied: "Your join token does not allow joining this room.",
  role_denied: "Your role in this meeting does not allow this.",
  rate_limited: "Too many messages were sent; the server ended the session.",
  e2ee_required: "This room requires end-to-end encryption, which this browser cannot do. Try a current Chrome, Edge, Firefox or Safari.",
  e2ee_downgrade: "The server answered that this meeting is no longer end-to-end encrypted, so you were disconnected rather than continue without it.",
  error: "The session ended because of an error."
};
function leaveReasonText(reason) {
  return LEAVE_REASONS[reason] ?? `Disconnected (${reason || "unknown reason"}).`;
}
var RETRY_CODES = /* @__PURE__ */ new Set([
  "network",
  "connection_lost",
  "timeout",
  "join_timeout",
  "server_shutdown",
  "internal",
  "identity_in_use",
  "rate_limited",
  "unavailable"
]);
function retryable(reason) {
  return RETRY_CODES.has(reason);
}
var JoinError = class extends Error {
  constructor(message, retryable2, retryAfter = 0) {
    super(message);
    this.retryable = retryable2;
    this.retryAfter = retryAfter;
    this.name = "JoinError";
  }
  retryable;
  retryAfter;
};
function retryAfterOf(err) {
  const v = err?.retryAfter;
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : 0;
}
function connectError(err) {
  const code = err?.code;
  const wait = retryAfterOf(err);
  const later = typeof code === "string" && (RETRY_CODES.has(code) || code === "too_many_attempts" && wait > 0);
  return new JoinError(connectErrorText(err), later, wait);
}
function waitText(seconds) {
  if (seconds === 1) return "1 second";
  return seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
}
function joinLaterText(code, wait) {
  const then = wait > 0 ? ` Try again in ${waitText(wait)}.` : " Wait a little, then try again.";
  if (code === "rate_limited") return `Too many joins from this address or with this identity in a short time.${then}`;
  if (code === "too_many_attempts") return `Too many wrong passwords for this meeting.${then}`;
  return null;
}
function connectErrorText(err) {
  const e = err;
  const code = typeof e?.code === "string" ? e.code : "";
  const later = joinLaterText(code, retryAfterOf(err));
  if (later) return later;
  if (code && LEAVE_REASONS[code]) return LEAVE_REASONS[code];
  if (code.startsWith("token")) return "The join token is invalid or has expired.";
  const msg = typeof e?.message === "string" ? e.message : String(err);
  for (const key of Object.keys(LEAVE_REASONS)) {
    if (msg.includes(key) && key.length > 5) return LEAVE_REASONS[key];
  }
  if (/token/i.test(msg)) return "The join token is invalid or has expired.";
  return `Could not join: ${msg}`;
}
var ACCOUNT_ERRORS = {
  invalid_credentials: "The email or password is wrong, or the code is not right.",
  too_many_attempts: "Too many attempts. Wait a little, then try again.",
  account_disabled: "This account is disabled. Ask an administrator of this server.",
  second_factor_required: "This account must first be protected with a second factor: add a passkey or an authenticator app on your account page.",
  ticket_invalid: "This sign-in took too long or had too many tries. Sign in again from the start.",
  unauthenticated: "You are signed out (or the session expired). Sign in again.",
  permission_denied: "Your account is not allowed to do this.",
  cross_origin: "The server refused the request because it did not come from this site. Reload the page and try again.",
  password_too_short: "The new password is too short: use at least 12 characters.",
  password_too_long: "The new password is too long: use at most 256 characters.",
  password_invalid_utf8: "The new password contains characters that cannot be stored. Type it again.",
  password_common: "This password is one of the most common ones, which attackers try first. Choose another.",
  password_contains_email: "The password must not contain your email name. Choose another.",
  invite_invalid: "This invite link is not valid any more: it was used, it expired, or it is for another email. Ask for a new one.",
  email_taken: "An account with this email already exists. Sign in instead, or ask an administrator.",
  signup_closed: "This server creates accounts by invitation only. Ask an administrator for an invite link.",
  passkey_failed: "The passkey could not be verified. Try again, or use another way to sign in.",
  passkeys_unavailable: "This server does not offer passkeys yet: its administrator has to set its public address (public_url). Use your password and an authenticator app meanwhile.",
  reset_invalid: "This password reset link is not valid any more: it was used, it expired, or a newer one replaced it. Ask your administrator for a new one.",
  last_admin: "This would leave the server without an active administrator. Make someone else an administrator first.",
  too_many_invites: "There are as many open invites as the server allows. Revoke some, or wait until they are used or expire.",
  too_many_tokens: "You have as many API tokens as an account may. Revoke one you no longer use first.",
  too_many_rooms: "The server has as many meetings open as it allows. Try again later, or close a meeting you no longer need.",
  room_exists: "A meeting with that name exists already. Choose another name.",
  token_owner: "This host token was not made by this server for one of your meetings. Start the meeting again from your account.",
  token_revoked: "This token was revoked, or the account it acts for is disabled.",
  not_found: "It is not there any more (it may have been removed meanwhile). Reload the page.",
  room_not_found: "This meeting is not running: it has not started, or it has ended.",
  invite_link_invalid: "This is not a valid invite link for this server. Check that you copied all of it, or ask for a new one.",
  invite_expired: "This invite link has expired. Ask the host for a new one.",
  invite_used_up: "This invite link has been used as many times as it may be. Ask the host for a new one.",
  invite_revoked: "This invite link was withdrawn by the meeting’s host. Ask them for a new one.",
  invite_email_domain: "This invite is only for people with an email address at a particular domain: enter yours.",
  password_required: "This meeting has a password: enter it to join.",
  password_wrong: "That is not the meeting’s password.",
  too_many_meeting_invites: "This meeting has as many open invite links as it may. Revoke some first.",
  role_denied: "Your role in this meeting does not allow this.",
  role_rank: "This needs a higher role than yours.",
  policy_violation: "The organisation’s policy does not allow this.",
  policy_invalid: "This is not a valid policy.",
  policy_conflict: "Someone changed the policy since you opened it. Load the newest version, then make your change again.",
  invalid_argument: "The server could not accept what was sent.",
  body_too_large: "What was sent is too large.",
  unavailable: "The server is busy. Try again in a moment.",
  internal: "The server had a problem. Try again; if it persists, tell an administrator.",
  network: "The server could not be reached. Check the connection and try again.",
  address_blocked: "This network address is blocked after repeated failures. Try again later.",
  rate_limited: "Too many requests. Wait a moment, then try again.",
  too_many_connections: "Too many connections from this network address. Close other tabs, then try again."
};
function accountErrorText(code, serverMessage = "", retryAfter = 0) {
  const wait = waitText(retryAfter);
  if (code === "too_many_attempts" && retryAfter > 0) return `Too many attempts. Try again in ${wait}.`;
  if (code === "address_blocked" && retryAfter > 0) return `This network address is blocked after repeated failures. Try again in ${wait}.`;
  if (code === "invalid_argument" && serverMessage) {
    const m = serverMessage.trim();
    return m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? "" : ".");
  }
  return ACCOUNT_ERRORS[code] ?? `Something went wrong (${code || "unknown error"}). Try again.`;
}
function passkeyErrorText(err) {
  const name = err?.name;
  switch (name) {
    case "NotAllowedError":
      return "The passkey request was cancelled or timed out. Try again when you are ready.";
    case "InvalidStateError":
      return "This device already holds a passkey for this account.";
    case "SecurityError":
      return "This page’s address cannot use passkeys for this server. Open Conclave at its own address.";
    case "NotSupportedError":
      return "This browser or device cannot make a passkey of the kind Conclave needs.";
    case "AbortError":
      return "The passkey request was stopped.";
    default:
      return "The passkey did not work in this browser. Try again, or use another way.";
  }
}
var MODERATION_ERRORS = {
  role_denied: "Your role in this meeting does not allow that.",
  role_rank: "The server refused: you can act only on people whose role is below yours (hosts are peers).",
  permission_denied: "Your join token does not allow that.",
  unknown_participant: "That person is no longer in the meeting.",
  unknown_track: "That microphone or camera is no longer on.",
  unavailable: "The server could not record that just now, so nothing changed. Try again.",
  policy_violation: "The organisation’s policy does not allow that.",
  guest_not_found: "That guest is no longer waiting.",
  room_full: "The meeting is full: nobody more can be let in now."
};
function moderationErrorText(code) {
  return MODERATION_ERRORS[code] ?? "";
}
var ROLE_TEXT = {
  host: "Host",
  moderator: "Moderator",
  participant: "Participant",
  viewer: "Viewer"
};

// app/src/account-api.ts
var ApiError = class extends Error {
  constructor(status, code, message, retryAfter = 0, serverMessage = "") {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
    this.serverMessage = serverMessage;
    this.name = "ApiError";
  }
  status;
  code;
  retryAfter;
  serverMessage;
};
var SESSION_ENDED = "conclave-session-ended";
async function api(method, path, body, bearer = "") {
  const headers = { Accept: "application/json" };
  const init = { method, headers, cache: "no-store", credentials: bearer ? "omit" : "same-origin", redirect: "error" };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body ?? {});
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", accountErrorText("network"));
  }
  if (res.status === 204) return void 0;
  let data = void 0;
  try {
    data = await res.json();
  } catch {
  }
  if (res.ok) return data;
  const err = data?.error;
  const code = typeof err?.code === "string" ? err.code : res.status === 404 ? "not_found" : "http_" + res.status;
  const serverMessage = typeof err?.message === "string" ? err.message : "";
  if (code === "unauthenticated" && path !== "/v1/auth/me" && !bearer) window.dispatchEvent(new Event(SESSION_ENDED));
  const retry = Number.parseInt(res.headers.get("Retry-After") ?? "", 10);
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : 0;
  throw new ApiError(res.status, code, accountErrorText(code, serverMessage, retryAfter), retryAfter, serverMessage);
}
async function loadMe() {
  try {
    return await api("GET", "/v1/auth/me");
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.code === "account_disabled")) return null;
    throw err;
  }
}
function needsSecondFactor(me) {
  return me.second_factor_required && !me.second_factors.totp && me.second_factors.passkeys === 0;
}

// app/src/dom.ts
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === void 0) continue;
    if (k === "class") el.className = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, ...children);
  return el;
}
function append(parent, ...children) {
  for (const c of children) {
    if (c === null || c === void 0 || c === false) continue;
    parent.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
}
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}
function setPressed(btn, pressed) {
  btn.setAttribute("aria-pressed", String(pressed));
}
function notify(text, kind = "info", ms = 6e3, action) {
  const box = document.getElementById("notices");
  if (!box) return;
  for (const old of box.querySelectorAll(".notice")) if (old.firstElementChild?.textContent === text) old.remove();
  const close = h("button", { type: "button", class: "notice-close", "aria-label": "Dismiss" }, "×");
  const act = action ? h("button", { type: "button", class: "notice-action" }, action.label) : null;
  const item = h("div", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : null }, h("span", {}, text), act, close);
  const remove = () => item.remove();
  close.addEventListener("click", remove);
  act?.addEventListener("click", () => {
    remove();
    action?.run();
  });
  box.appendChild(item);
  if (ms > 0) window.setTimeout(remove, ms);
}
function initials(name) {
  const words = name.trim().split(/\s+/).filter((w) => w !== "" && !/^\(\d+\)$/.test(w));
  if (words.length === 0) return "?";
  const first = Array.from(words[0])[0] ?? "";
  const last = words.length > 1 ? Array.from(words[words.length - 1])[0] ?? "" : "";
  return (first + last).toUpperCase();
}
function hueOf(key) {
  let x = 0;
  for (let i = 0; i < key.length; i++) x = x * 31 + key.charCodeAt(i) >>> 0;
  return x % 360;
}
function isTyping(e) {
  const t = e.target;
  if (!t) return false;
  return t.isContentEditable || t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT";
}

// app/src/account-ui.ts
var uid = 0;
function newId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}
function field(label, input2, hint) {
  if (!input2.id) input2.id = newId("f");
  const hintId = `${input2.id}-hint`;
  const errId = `${input2.id}-error`;
  const err = h("p", { id: errId, class: "field-error", hidden: true });
  input2.setAttribute("aria-describedby", hint ? `${hintId} ${errId}` : errId);
  const wrap = h("div", { class: "field" }, h("label", { for: input2.id }, label), input2, hint ? h("p", { id: hintId, class: "hint" }, hint) : null, err);
  return {
    wrap,
    input: input2,
    setError: (msg) => {
      err.textContent = msg;
      err.hidden = msg === "";
      input2.setAttribute("aria-invalid", String(msg !== ""));
    }
  };
}
function input(attrs) {
  return h("input", { type: "text", spellcheck: "false", ...attrs });
}
function formError() {
  const p = h("p", { class: "form-error", role: "alert", hidden: true });
  p.show = (msg) => {
    p.textContent = msg;
    p.hidden = msg === "";
  };
  return p;
}
function errorText(err) {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error && err.message) return err.message;
  return "Something went wrong. Try again.";
}
async function withBusy(button2, busyLabel, errLine, work) {
  if (button2.disabled) return void 0;
  const label = button2.textContent ?? "";
  button2.disabled = true;
  button2.setAttribute("aria-busy", "true");
  button2.textContent = busyLabel;
  errLine.show("");
  try {
    return await work();
  } catch (err) {
    errLine.show(errorText(err));
    return void 0;
  } finally {
    button2.disabled = false;
    button2.removeAttribute("aria-busy");
    button2.textContent = label;
  }
}
function button(label, attrs = {}, kind = "ghost") {
  return h("button", { type: "button", class: `btn btn-${kind}`, ...attrs }, label);
}
function section(id, title, ...children) {
  return h("section", { class: "acct-section", id, "aria-labelledby": `${id}-title` }, h("h2", { id: `${id}-title` }, title), ...children);
}
function page(root2, cls, title, ...children) {
  const h1 = h("h1", { tabindex: -1, id: "page-title" }, title);
  root2.replaceChildren(h("div", { class: `page page-acct ${cls}` }, h("div", { class: "acct-column" }, h1, ...children)));
  h1.focus();
  return h1;
}
function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return d.toLocaleString(void 0, { dateStyle: "medium", timeStyle: "short" });
}
async function copyText(text, fallback) {
  try {
    await navigator.clipboard.writeText(text);
    notify("Copied.");
  } catch {
    if (fallback) {
      fallback.focus();
      fallback.select();
      notify("Press Ctrl+C (or ⌘C) to copy the selected text.", "warn");
    } else {
      notify("The browser did not allow copying.", "warn");
    }
  }
}
function copyBox(label, value, cls = "") {
  const box = input({ readonly: true, value, class: `copy-value ${cls}`.trim(), autocomplete: "off" });
  box.value = value;
  const f = field(label, box);
  const copy = button("Copy", { "aria-label": `Copy ${label.toLowerCase()}` });
  copy.addEventListener("click", () => void copyText(value, box));
  box.addEventListener("focus", () => box.select());
  f.wrap.classList.add("copy-field");
  f.wrap.appendChild(h("div", { class: "actions actions-left" }, copy));
  return f.wrap;
}
function download(filename, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
  const a = h("a", { href: url, download: filename, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 6e4);
}
function recoveryCodesBox(codes, onDone) {
  const text = codes.join("\n") + "\n";
  const list = h("ol", { class: "recovery-codes", id: "recovery-codes" }, ...codes.map((c) => h("li", {}, h("code", {}, c))));
  const copy = button("Copy codes");
  const dl = button("Download codes");
  const done = button("I have saved them", {}, "primary");
  copy.addEventListener("click", () => void copyText(text));
  dl.addEventListener("click", () => download("conclave-recovery-codes.txt", `Conclave recovery codes (each works once)

${text}`));
  done.addEventListener("click", onDone);
  const box = h(
    "div",
    { class: "one-time", role: "group", "aria-labelledby": "recovery-title" },
    h("h3", { id: "recovery-title", tabindex: -1 }, "Your recovery codes"),
    h("p", {}, "Keep these somewhere safe, apart from your devices. Each code signs you in once if you lose your passkey or authenticator app. They are shown only now."),
    list,
    h("div", { class: "actions actions-left" }, copy, dl, done)
  );
  return box;
}
function passwordPrompt(purpose, confirmLabel, run, onCancel) {
  const pw = field("Your password", input({ type: "password", autocomplete: "current-password", required: true, maxlength: 1024 }), purpose);
  const err = formError();
  const ok = h("button", { type: "submit", class: "btn btn-primary" }, confirmLabel);
  const cancel = button("Cancel");
  const form = h("form", { class: "inline-form", novalidate: true }, pw.wrap, err, h("div", { class: "actions actions-left" }, ok, cancel));
  cancel.addEventListener("click", onCancel);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (pw.input.value === "") {
      pw.setError("Enter your password.");
      pw.input.focus();
      return;
    }
    pw.setError("");
    void withBusy(ok, "Checking…", err, () => run(pw.input.value)).then(() => {
      if (!err.hidden) pw.input.select();
    });
  });
  queueMicrotask(() => pw.input.focus());
  return form;
}
function confirmInline(slot, question, confirmLabel, run, back = null) {
  const err = formError();
  const yes = button(confirmLabel, {}, "danger");
  const no = button("Cancel");
  const box = h("div", { class: "confirm", role: "group", "aria-label": question }, h("p", {}, question), err, h("div", { class: "actions actions-left" }, yes, no));
  slot.replaceChildren(box);
  const close = () => {
    slot.replaceChildren();
    back?.focus();
  };
  no.addEventListener("click", close);
  yes.addEventListener("click", () => void withBusy(yes, "Working…", err, run));
  no.focus();
}
function newPasswordProblem(pw, repeat) {
  const n = Array.from(pw).length;
  if (n < 12) return { field: "new", msg: "Use at least 12 characters (a few unrelated words make a good one)." };
  if (n > 256) return { field: "new", msg: "Use at most 256 characters." };
  if (pw !== repeat) return { field: "repeat", msg: "The two passwords are not the same." };
  return null;
}

// app/src/account-2fa.ts
function qrImage(svg) {
  return h("img", {
    class: "qr",
    id: "totp-qr",
    width: 200,
    height: 200,
    alt: "QR code for your authenticator app. If you cannot scan it, type the key shown below instead.",
    src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`
  });
}
function grouped(secret) {
  return secret.replace(/(.{4})(?=.)/g, "$1 ");
}
function totpSection(acc, changed) {
  const body = h("div", { class: "section-body" });
  const sec = section("acct-totp", "Authenticator app", body);
  const draw2 = () => {
    const me = acc.me;
    if (!me) return;
    const enabled = me.user.second_factors.totp;
    const status = h("p", { id: "totp-status", tabindex: -1 }, enabled ? "On: signing in with your password also asks for a code from your authenticator app." : "Off. An authenticator app (such as Google Authenticator, Microsoft Authenticator, 1Password or Aegis) makes a new 6-digit code every 30 seconds.");
    const slot = h("div", { class: "section-slot" });
    const act = enabled ? button("Remove authenticator app", { id: "totp-remove" }) : button(me.user.totp_pending ? "Finish setting up the app" : "Set up an authenticator app", { id: "totp-setup" }, "primary");
    act.addEventListener("click", () => {
      act.hidden = true;
      const cancel = () => {
        slot.replaceChildren();
        act.hidden = false;
        act.focus();
      };
      slot.replaceChildren(enabled ? passwordPrompt("Removing the app needs your password.", "Remove", async (password) => {
        await api("DELETE", "/v1/auth/totp", { password });
        notify("The authenticator app is removed.");
        await acc.refresh();
        changed();
        draw2();
      }, cancel) : passwordPrompt("Setting up the app needs your password.", "Continue", async (password) => {
        const e = await api("POST", "/v1/auth/totp/enroll", { password });
        slot.replaceChildren(enrolment(e, acc, slot, cancel, changed));
        slot.querySelector("#totp-step-title")?.focus();
      }, cancel));
    });
    body.replaceChildren(status, h("div", { class: "actions actions-left" }, act), slot);
  };
  draw2();
  return { el: sec, redraw: draw2 };
}
function enrolment(e, acc, slot, cancel, changed) {
  const code = field("Code from the app", input({ id: "totp-code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 10, required: true }), "The 6 digits the app now shows for Conclave.");
  const err = formError();
  err.id = "totp-error";
  const submit = h("button", { type: "submit", class: "btn btn-primary", id: "totp-confirm" }, "Turn on");
  const stop = button("Cancel");
  stop.addEventListener("click", cancel);
  const form = h("form", { class: "inline-form", novalidate: true, "aria-label": "Confirm the authenticator app" }, code.wrap, err, h("div", { class: "actions actions-left" }, submit, stop));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = code.input.value.trim();
    code.setError(v === "" ? "Enter the 6-digit code." : "");
    if (v === "") return code.input.focus();
    void withBusy(submit, "Checking…", err, async () => {
      const r = await api("POST", "/v1/auth/totp/confirm", { code: v });
      await acc.refresh();
      notify("The authenticator app is on.");
      slot.replaceChildren(recoveryCodesBox(r.recovery_codes, () => {
        changed();
        document.getElementById("totp-status")?.focus();
      }));
      slot.querySelector("#recovery-title")?.focus();
    }).then(() => {
      if (!err.hidden) code.input.select();
    });
  });
  return h(
    "div",
    { class: "one-time", role: "group", "aria-labelledby": "totp-step-title" },
    h("h3", { id: "totp-step-title", tabindex: -1 }, "Scan this code with your authenticator app"),
    h(
      "div",
      { class: "totp-grid" },
      qrImage(e.qr_svg),
      h(
        "div",
        {},
        h("p", {}, "Or add an account by hand, type “time-based”, and enter this key:"),
        h("p", {}, h("code", { class: "totp-secret", id: "totp-secret", "data-secret": e.secret }, grouped(e.secret))),
        h("p", { class: "hint" }, "Keep it secret: whoever has it can make your codes.")
      )
    ),
    form
  );
}
function recoverySection(acc) {
  const body = h("div", { class: "section-body" });
  const sec = section("acct-recovery", "Recovery codes", body);
  const draw2 = () => {
    const me = acc.me;
    if (!me) return;
    const f = me.user.second_factors;
    const has = f.totp || f.passkeys > 0;
    const left = me.recovery_codes;
    const status = h("p", { id: "recovery-status" }, !has ? "Recovery codes come with your first passkey or authenticator app." : left === 0 ? "You have no recovery codes left. Make new ones now." : `${left} of 10 unused. Each signs you in once when your passkey or app is not at hand.`);
    const slot = h("div", { class: "section-slot" });
    const make = button("Make new codes", { id: "recovery-new" }, left <= 3 ? "primary" : "ghost");
    make.hidden = !has;
    make.addEventListener("click", () => {
      make.hidden = true;
      const cancel = () => {
        slot.replaceChildren();
        make.hidden = false;
        make.focus();
      };
      slot.replaceChildren(passwordPrompt("New codes replace the old ones, which stop working. This needs your password.", "Make new codes", async (password) => {
        const r = await api("POST", "/v1/auth/recovery-codes", { password });
        await acc.refresh();
        slot.replaceChildren(recoveryCodesBox(r.recovery_codes, () => draw2()));
        slot.querySelector("#recovery-title")?.focus();
      }, cancel));
    });
    body.replaceChildren(status, h("div", { class: "actions actions-left" }, make), slot);
  };
  draw2();
  return { el: sec, redraw: draw2 };
}

// app/src/account-passkey.ts
var PasskeyError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "PasskeyError";
  }
};
function browserSupportsPasskeys() {
  const PKC = window.PublicKeyCredential;
  return window.isSecureContext && typeof PKC === "function" && typeof PKC.parseCreationOptionsFromJSON === "function" && typeof PKC.parseRequestOptionsFromJSON === "function" && !!navigator.credentials;
}
var NO_BROWSER_PASSKEYS = "This browser cannot use passkeys. A current Chrome, Edge, Firefox or Safari can.";
function asJSON(cred) {
  if (!cred || !(cred instanceof PublicKeyCredential)) throw new PasskeyError(passkeyErrorText(null));
  return cred.toJSON();
}
async function create(options) {
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
  try {
    return asJSON(await navigator.credentials.create({ publicKey }));
  } catch (err) {
    if (err instanceof PasskeyError) throw err;
    throw new PasskeyError(passkeyErrorText(err));
  }
}
async function get(options) {
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options);
  try {
    return asJSON(await navigator.credentials.get({ publicKey }));
  } catch (err) {
    if (err instanceof PasskeyError) throw err;
    throw new PasskeyError(passkeyErrorText(err));
  }
}
async function registerPasskey(password, name) {
  const c = await api("POST", "/v1/auth/passkeys/options", { password });
  const credential = await create(c.options);
  return api("POST", "/v1/auth/passkeys/finish", { ceremony: c.ceremony, name, credential });
}
async function signinWithPasskey() {
  const c = await api("POST", "/v1/auth/passkey/options", {});
  const credential = await get(c.options);
  return api("POST", "/v1/auth/passkey/finish", { ceremony: c.ceremony, credential });
}
async function secondStepWithPasskey(ticket) {
  const c = await api("POST", "/v1/auth/signin/passkey/options", { ticket });
  const credential = await get(c.options);
  return api("POST", "/v1/auth/signin/passkey/finish", { ticket, ceremony: c.ceremony, credential });
}

// app/src/account-passkeys.ts
var MAX_PASSKEYS = 10;
var PASSKEY_NAME_MAX = 64;
function suggestedName() {
  const ua = navigator.userAgent;
  if (/iPhone|iPad/.test(ua)) return "iPhone or iPad";
  if (/Android/.test(ua)) return "Android phone";
  if (/Mac OS X|Macintosh/.test(ua)) return "Mac";
  if (/Windows/.test(ua)) return "Windows Hello";
  if (/CrOS/.test(ua)) return "Chromebook";
  if (/Linux/.test(ua)) return "Linux computer";
  return "My passkey";
}
function passkeysSection(acc, changed) {
  const body = h("div", { class: "section-body" });
  const sec = section("acct-passkeys", "Passkeys", body);
  let list = [];
  let loadError = "";
  const load = async () => {
    try {
      list = (await api("GET", "/v1/auth/passkeys")).passkeys ?? [];
      loadError = "";
    } catch (e) {
      loadError = errorText(e);
    }
    draw2();
  };
  const draw2 = () => {
    const intro = h("p", {}, "A passkey signs you in with your fingerprint, face, device PIN or a security key. Nobody can phish it, and it replaces both your password and a code.");
    if (!acc.passkeysAvailable) {
      body.replaceChildren(intro, h(
        "p",
        { class: "acct-message", id: "passkeys-unavailable" },
        "This server cannot offer passkeys yet: its administrator has to set its public address (public_url), because passkeys are bound to the site’s name. Use an authenticator app meanwhile."
      ));
      return;
    }
    const items = list.map((pk) => row(pk));
    const ul = h("ul", { class: "acct-list", id: "passkey-list", "aria-label": "Your passkeys" }, ...items);
    const slot = h("div", { class: "section-slot" });
    const add = button("Add a passkey", { id: "passkey-add" }, list.length === 0 ? "primary" : "ghost");
    const full = list.length >= MAX_PASSKEYS;
    add.disabled = full || !browserSupportsPasskeys();
    add.addEventListener("click", () => {
      add.hidden = true;
      slot.replaceChildren(addForm(slot, () => {
        slot.replaceChildren();
        add.hidden = false;
        add.focus();
      }));
      slot.querySelector("input")?.focus();
    });
    body.replaceChildren();
    append(
      body,
      intro,
      loadError ? h("p", { class: "form-error", role: "alert" }, loadError) : null,
      list.length === 0 && !loadError ? h("p", { id: "passkey-none" }, "You have no passkey yet.") : ul,
      !browserSupportsPasskeys() ? h("p", { class: "acct-message" }, NO_BROWSER_PASSKEYS) : null,
      full ? h("p", { class: "hint" }, `You have the most passkeys an account may have (${MAX_PASSKEYS}). Remove one to add another.`) : null,
      h("div", { class: "actions actions-left" }, add),
      slot
    );
  };
  const row = (pk) => {
    const slot = h("div", { class: "section-slot" });
    const rename = button("Rename", { class: "btn btn-ghost btn-small", "aria-label": `Rename passkey ${pk.name}` });
    const remove = button("Remove", { class: "btn btn-ghost btn-small", "aria-label": `Remove passkey ${pk.name}` });
    const li = h(
      "li",
      { class: "acct-item", "data-passkey": pk.id },
      h(
        "div",
        { class: "item-main" },
        h("span", { class: "item-name" }, pk.name),
        h("span", { class: "item-meta" }, `Added ${when(pk.created_at)} · ${pk.last_used_at ? `last used ${when(pk.last_used_at)}` : "not used yet"}`)
      ),
      h("div", { class: "item-actions" }, rename, remove),
      slot
    );
    rename.addEventListener("click", () => {
      const name = field("New name", input({ maxlength: PASSKEY_NAME_MAX, required: true, autocomplete: "off", spellcheck: "true" }));
      name.input.value = pk.name;
      const err = formError();
      const save = h("button", { type: "submit", class: "btn btn-primary" }, "Save");
      const cancel = button("Cancel");
      const form = h("form", { class: "inline-form", novalidate: true, "aria-label": `Rename ${pk.name}` }, name.wrap, err, h("div", { class: "actions actions-left" }, save, cancel));
      cancel.addEventListener("click", () => {
        slot.replaceChildren();
        rename.focus();
      });
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        const v = name.input.value.trim();
        name.setError(v === "" ? "Enter a name." : "");
        if (v === "") return name.input.focus();
        void withBusy(save, "Saving…", err, async () => {
          await api("PATCH", `/v1/auth/passkeys/${encodeURIComponent(pk.id)}`, { name: v });
          notify("Passkey renamed.");
          await load();
          sec.querySelector(`[data-passkey="${CSS.escape(pk.id)}"] button`)?.focus();
        });
      });
      slot.replaceChildren(form);
      name.input.select();
    });
    remove.addEventListener("click", () => {
      slot.replaceChildren(passwordPrompt(`Remove “${pk.name}”? You will no longer be able to sign in with it. This needs your password.`, "Remove passkey", async (password) => {
        await api("DELETE", `/v1/auth/passkeys/${encodeURIComponent(pk.id)}`, { password });
        notify("Passkey removed.");
        await acc.refresh();
        changed();
        await load();
        sec.querySelector("#passkey-add")?.focus();
      }, () => {
        slot.replaceChildren();
        remove.focus();
      }));
    });
    return li;
  };
  const addForm = (slot, cancel) => {
    const name = field("Name of the passkey", input({ id: "passkey-name", maxlength: PASSKEY_NAME_MAX, required: true, autocomplete: "off", spellcheck: "true" }), "So you can tell your passkeys apart, like “Work laptop” or “Phone”.");
    name.input.value = suggestedName();
    const pw = field("Your password", input({ id: "passkey-password", type: "password", autocomplete: "current-password", required: true, maxlength: 1024 }));
    const err = formError();
    err.id = "passkey-error";
    const go = h("button", { type: "submit", class: "btn btn-primary", id: "passkey-create" }, "Create passkey");
    const stop = button("Cancel");
    stop.addEventListener("click", cancel);
    const form = h(
      "form",
      { class: "inline-form", novalidate: true, "aria-label": "New passkey" },
      name.wrap,
      pw.wrap,
      h("p", { class: "hint" }, "Your browser will then ask for your fingerprint, face, PIN or security key."),
      err,
      h("div", { class: "actions actions-left" }, go, stop)
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const v = name.input.value.trim();
      name.setError(v === "" ? "Enter a name." : "");
      pw.setError(pw.input.value === "" ? "Enter your password." : "");
      if (v === "") return name.input.focus();
      if (pw.input.value === "") return pw.input.focus();
      void withBusy(go, "Waiting for the passkey…", err, async () => {
        const r = await registerPasskey(pw.input.value, v);
        notify(`Passkey “${r.passkey.name}” added.`);
        await acc.refresh();
        changed();
        await load();
        if (r.recovery_codes?.length) {
          const target = body.querySelector(":scope > .section-slot") ?? slot;
          target.replaceChildren(recoveryCodesBox(r.recovery_codes, () => {
            target.replaceChildren();
            sec.querySelector("#passkey-add")?.focus();
          }));
          target.querySelector("#recovery-title")?.focus();
        } else {
          sec.querySelector("#passkey-add")?.focus();
        }
      });
    });
    return form;
  };
  draw2();
  void load();
  return { el: sec, redraw: draw2 };
}

// app/src/account-sessions.ts
function sessionsSection(acc) {
  const body = h("div", { class: "section-body" });
  const sec = section("acct-sessions", "Where you are signed in", body);
  const load = async () => {
    let list;
    try {
      list = (await api("GET", "/v1/auth/sessions")).sessions ?? [];
    } catch (e) {
      body.replaceChildren(h("p", { class: "form-error", role: "alert" }, errorText(e)));
      return;
    }
    const ul = h("ul", { class: "acct-list", id: "session-list", "aria-label": "Sessions" }, ...list.map((s) => {
      const slot = h("div", { class: "section-slot" });
      const out = button(s.current ? "Sign out here" : "Sign out", { class: "btn btn-ghost btn-small", "aria-label": `Sign out ${s.device}${s.current ? " (this device)" : ""}, last seen ${when(s.last_seen_at)}` });
      out.addEventListener("click", () => {
        confirmInline(slot, s.current ? "Sign out of this browser?" : `Sign out ${s.device} at ${s.ip || "an unknown address"}?`, "Sign out", async () => {
          await api("DELETE", `/v1/auth/sessions/${encodeURIComponent(s.id)}`, {});
          if (s.current) {
            acc.forget();
            acc.go("signin");
            return;
          }
          notify("That session is signed out.");
          await load();
          sec.querySelector("#sessions-all")?.focus();
        }, out);
      });
      return h(
        "li",
        { class: "acct-item", "data-session": s.id, "data-current": String(s.current) },
        h(
          "div",
          { class: "item-main" },
          h("span", { class: "item-name" }, s.device, s.current ? " " : null, s.current ? h("span", { class: "acct-badge" }, "This device") : null),
          h("span", { class: "item-meta" }, `${s.ip || "Unknown address"} · last seen ${when(s.last_seen_at)} · signed in ${when(s.created_at)}`)
        ),
        h("div", { class: "item-actions" }, out),
        slot
      );
    }));
    const allSlot = h("div", { class: "section-slot" });
    const all = button("Sign out everywhere", { id: "sessions-all" });
    all.addEventListener("click", () => {
      confirmInline(allSlot, "Sign out of every browser and device, this one too?", "Sign out everywhere", async () => {
        await api("DELETE", "/v1/auth/sessions", {});
        acc.forget();
        notify("You are signed out everywhere.");
        acc.go("signin");
      }, all);
    });
    body.replaceChildren(h("p", {}, "If you see a device you do not know, sign it out and change your password."), ul, h("div", { class: "actions actions-left" }, all), allSlot);
  };
  void load();
  return { el: sec, redraw: () => void load() };
}
var GRANTS = [
  { id: "roomCreate", label: "Create meetings" },
  { id: "roomList", label: "List your meetings" },
  { id: "roomAdmin", label: "Manage your meetings (mute, remove people, close)" }
];
var EXPIRIES = [
  { value: "168h", label: "7 days" },
  { value: "720h", label: "30 days" },
  { value: "2160h", label: "90 days" },
  { value: "8760h", label: "1 year" }
];
var TOKEN_NAME_MAX = 64;
function tokensSection(acc) {
  const body = h("div", { class: "section-body" });
  const sec = section("acct-tokens", "Personal API tokens", body);
  const created = h("div", { class: "section-slot", id: "token-created" });
  const load = async () => {
    const u = acc.user;
    if (u && needsSecondFactor(u)) {
      body.replaceChildren(h("p", {}, "Available once your account has a passkey or an authenticator app."));
      return;
    }
    let list;
    try {
      list = (await api("GET", "/v1/auth/tokens")).tokens ?? [];
    } catch (e) {
      body.replaceChildren(h("p", { class: "form-error", role: "alert" }, errorText(e)));
      return;
    }
    const ul = h("ul", { class: "acct-list", id: "token-list", "aria-label": "Personal API tokens" }, ...list.map((t) => {
      const slot = h("div", { class: "section-slot" });
      const revoke = button("Revoke", { class: "btn btn-ghost btn-small", "aria-label": `Revoke token ${t.name}` });
      revoke.addEventListener("click", () => confirmInline(slot, `Revoke “${t.name}”? Scripts using it stop working at once.`, "Revoke", async () => {
        await api("DELETE", `/v1/auth/tokens/${encodeURIComponent(t.id)}`, {});
        notify("Token revoked.");
        await load();
        sec.querySelector("#token-create")?.focus();
      }, revoke));
      const grants2 = t.grants.map((g) => GRANTS.find((x) => x.id === g)?.label ?? g).join(", ");
      return h(
        "li",
        { class: "acct-item" },
        h(
          "div",
          { class: "item-main" },
          h("span", { class: "item-name" }, t.name),
          h("span", { class: "item-meta" }, `${grants2} · expires ${when(t.expires_at)} · ${t.last_used_at ? `last used ${when(t.last_used_at)}` : "not used yet"}`)
        ),
        h("div", { class: "item-actions" }, revoke),
        slot
      );
    }));
    const name = field("Name", input({ id: "token-name", maxlength: TOKEN_NAME_MAX, required: true, autocomplete: "off" }), "What the script is, like “Calendar sync”.");
    const boxes = GRANTS.map((g) => {
      const cb = h("input", { type: "checkbox", id: `grant-${g.id}`, value: g.id, checked: g.id !== "roomAdmin" });
      return { cb, el: h("div", { class: "check" }, cb, h("label", { for: cb.id }, g.label)) };
    });
    const grantsErr = h("p", { class: "field-error", hidden: true, id: "token-grants-error" });
    const grants = h("fieldset", { class: "fieldset", "aria-describedby": "token-grants-error" }, h("legend", {}, "It may"), ...boxes.map((b) => b.el), grantsErr);
    const expiry = field("Expires after", h("select", { id: "token-expiry" }, ...EXPIRIES.map((x) => h("option", { value: x.value, selected: x.value === "720h" }, x.label))));
    const err = formError();
    const create2 = h("button", { type: "submit", class: "btn btn-primary", id: "token-create" }, "Create token");
    const form = h("form", { class: "inline-form", novalidate: true, "aria-label": "New personal API token" }, name.wrap, grants, expiry.wrap, err, h("div", { class: "actions actions-left" }, create2));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const n = name.input.value.trim();
      const chosen = boxes.filter((b) => b.cb.checked).map((b) => b.cb.value);
      name.setError(n === "" ? "Enter a name." : "");
      grantsErr.textContent = chosen.length === 0 ? "Choose at least one thing the token may do." : "";
      grantsErr.hidden = chosen.length > 0;
      if (n === "") return name.input.focus();
      if (chosen.length === 0) return boxes[0].cb.focus();
      void withBusy(create2, "Creating…", err, async () => {
        const r = await api("POST", "/v1/auth/tokens", { name: n, grants: chosen, expires_in: expiry.input.value });
        await load();
        created.replaceChildren(h(
          "div",
          { class: "one-time", role: "group", "aria-labelledby": "token-secret-title" },
          h("h3", { id: "token-secret-title", tabindex: -1 }, `Token “${r.token.name}”`),
          h("p", {}, "Copy it now: it is shown only once. Use it as “Authorization: Bearer …”. Whoever has it acts as you on your meetings, so keep it out of code repositories and chats."),
          copyBox("Token", r.secret, "secret")
        ));
        created.querySelector("#token-secret-title")?.focus();
      });
    });
    body.replaceChildren(
      h("p", {}, "For scripts that create or manage your meetings through the API. A token acts on your own meetings only."),
      list.length ? ul : h("p", {}, "You have no tokens."),
      created,
      h("h3", {}, "New token"),
      form
    );
  };
  void load();
  return { el: sec, redraw: () => void load() };
}

// app/src/account.ts
var NAME_MAX2 = 100;
function renderAccount(root2, acc) {
  const me = acc.me;
  if (!me) {
    acc.signInFirst("account");
    return () => {
    };
  }
  const banner = h("div", { class: "acct-banner", id: "acct-banner", role: "status" });
  const parts = [];
  const changed = () => {
    drawBanner(banner, acc.me);
    for (const p of parts) p.redraw();
  };
  const pk = passkeysSection(acc, changed);
  const totp = totpSection(acc, changed);
  const rec = recoverySection(acc);
  const tokens = tokensSection(acc);
  parts.push(pk, totp, rec, tokens);
  drawBanner(banner, me);
  page(
    root2,
    "page-account",
    "Your account",
    banner,
    profileSection(acc),
    h("h2", { class: "group-title" }, "How you sign in"),
    pk.el,
    totp.el,
    rec.el,
    passwordSection(),
    sessionsSection(acc).el,
    tokens.el
  );
  return () => {
  };
}
function drawBanner(banner, me) {
  if (!me || !needsSecondFactor(me.user)) {
    banner.replaceChildren();
    banner.hidden = true;
    return;
  }
  banner.hidden = false;
  banner.replaceChildren(
    h("p", { class: "banner-title" }, "Protect your account first"),
    h(
      "p",
      {},
      "Your account needs a second way to prove it is you before you can use it. ",
      me.passkeys_available === false ? "Set up an authenticator app below." : "A passkey is the easiest: add one below. An authenticator app works too."
    )
  );
}
function profileSection(acc) {
  const u = acc.me?.user;
  const name = field("Display name", input({ id: "profile-name", autocomplete: "name", maxlength: NAME_MAX2, required: true, spellcheck: "true" }), "Shown to others in meetings you host.");
  name.input.value = u?.name ?? "";
  const err = formError();
  const save = h("button", { type: "submit", class: "btn btn-primary", id: "profile-save" }, "Save");
  const form = h("form", { class: "inline-form", novalidate: true, "aria-label": "Profile" }, name.wrap, err, h("div", { class: "actions actions-left" }, save));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = name.input.value.trim();
    name.setError(v === "" ? "Enter a name." : "");
    if (v === "") return name.input.focus();
    void withBusy(save, "Saving…", err, async () => {
      await api("PATCH", "/v1/auth/me", { name: v });
      await acc.refresh();
      notify("Saved.");
    });
  });
  return section(
    "acct-profile",
    "Profile",
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Email"),
      h("dd", { id: "profile-email" }, u?.email ?? ""),
      h("dt", {}, "Role"),
      h("dd", {}, u?.role === "admin" ? "Administrator" : "Member")
    ),
    form
  );
}
function passwordSection() {
  const cur = field("Current password", input({ id: "pw-current", type: "password", autocomplete: "current-password", required: true, maxlength: 1024 }));
  const nw = field("New password", input({ id: "pw-new", type: "password", autocomplete: "new-password", required: true, maxlength: 1024 }), "At least 12 characters. Changing it signs out every other browser and device.");
  const rep = field("Repeat the new password", input({ id: "pw-repeat", type: "password", autocomplete: "new-password", required: true, maxlength: 1024 }));
  const err = formError();
  const save = h("button", { type: "submit", class: "btn btn-primary", id: "pw-save" }, "Change password");
  const form = h("form", { class: "inline-form", novalidate: true, "aria-label": "Change password" }, cur.wrap, nw.wrap, rep.wrap, err, h("div", { class: "actions actions-left" }, save));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    cur.setError(cur.input.value === "" ? "Enter your current password." : "");
    if (cur.input.value === "") return cur.input.focus();
    const p = newPasswordProblem(nw.input.value, rep.input.value);
    nw.setError(p?.field === "new" ? p.msg : "");
    rep.setError(p?.field === "repeat" ? p.msg : "");
    if (p) return (p.field === "new" ? nw.input : rep.input).focus();
    void withBusy(save, "Changing…", err, async () => {
      await api("POST", "/v1/auth/password", { current: cur.input.value, new: nw.input.value });
      cur.input.value = nw.input.value = rep.input.value = "";
      notify("Your password is changed. Every other browser and device is signed out.");
    });
  });
  return section("acct-password", "Password", form);
}

// app/src/account-meetings.ts
async function hostToken(room) {
  return (await api("POST", `/v1/meetings/${encodeURIComponent(room)}/join`, {})).join;
}
function meetingsCard(acc, onJoin) {
  const u = acc.user;
  if (!u) return null;
  if (needsSecondFactor(u)) {
    return h(
      "section",
      { class: "card join-card meetings-card", "aria-labelledby": "meetings-title" },
      h("h2", { id: "meetings-title" }, "Protect your account to host"),
      h("p", {}, "Your account needs a passkey or an authenticator app before you can host meetings. ", h("a", { href: "#account", id: "meetings-protect" }, "Protect your account"))
    );
  }
  const err = formError();
  err.id = "new-meeting-error";
  const create2 = button("New meeting", { id: "new-meeting" }, "primary");
  const pw = field(
    "Meeting password (optional)",
    input({ id: "new-meeting-password", type: "password", autocomplete: "new-password", maxlength: 128 }),
    "Guests must give it to join; 8 characters or more. You can set or change it in the meeting too."
  );
  const list = h("ul", { class: "acct-list", id: "meeting-list", "aria-label": "Your meetings", hidden: true });
  create2.addEventListener("click", () => {
    const password = pw.input.value;
    const bad = password !== "" && Array.from(password).length < 8;
    pw.setError(bad ? "Use at least 8 characters, or leave it empty." : "");
    if (bad) return pw.input.focus();
    void withBusy(create2, "Creating…", err, async () => {
      const r = await api("POST", "/v1/meetings", password ? { password } : {});
      onJoin({ room: r.room.name, join: r.join });
    });
  });
  void api("GET", "/v1/meetings").then(
    (r) => {
      const ms = r.meetings ?? [];
      list.replaceChildren(...ms.map((m) => {
        const b = button("Join as host", { class: "btn btn-ghost btn-small", "aria-label": `Join ${m.name} as host` });
        const e = formError();
        b.addEventListener("click", () => void withBusy(b, "Joining…", e, async () => onJoin({ room: m.name, join: await hostToken(m.name) })));
        return h("li", { class: "acct-item" }, h("div", { class: "item-main" }, h("span", { class: "item-name room-name" }, m.name)), h("div", { class: "item-actions" }, b), e);
      }));
      list.hidden = ms.length === 0;
    },
    (e) => {
      list.replaceChildren(h("li", { class: "hint" }, `Your meetings could not be listed: ${errorText(e)}`));
      list.hidden = false;
    }
  );
  return h(
    "section",
    { class: "card join-card meetings-card", "aria-labelledby": "meetings-title" },
    h("h2", { id: "meetings-title" }, `Host a meeting, ${u.name || u.email}`),
    h("p", { class: "hint" }, "Start a new meeting with you as its host."),
    pw.wrap,
    err,
    h("div", { class: "actions actions-left" }, create2),
    list
  );
}

// app/src/account-nav.ts
var Accounts = class {
  constructor(header, show2) {
    this.show = show2;
    this.nav = h("nav", { class: "acct-nav", "aria-label": "Account" });
    header.appendChild(this.nav);
    window.addEventListener(SESSION_ENDED, () => {
      if (!this.me) return;
      this.forget();
      const hash = location.hash;
      if (hash === "#account" || hash === "#admin") {
        notify("Your session has ended. Sign in again.", "warn");
        this.go("signin");
      }
    });
  }
  show;
  /** The signed-in account, or null. */
  me = null;
  /** The page to return to after signing in (a signed-out visit to #account or #admin). */
  next = "";
  nav;
  /** Loads who is signed in and redraws the header; a failure leaves the header as it was. */
  async refresh() {
    try {
      this.me = await loadMe();
    } catch {
    }
    this.drawNav();
    return this.me;
  }
  get user() {
    return this.me?.user ?? null;
  }
  /** Whether passkey buttons are offered: false only when the server says it cannot. */
  get passkeysAvailable() {
    return this.me?.passkeys_available !== false;
  }
  /** Goes to a page: '' is the join page; others are fragments ('account', 'signin', ...). */
  go(fragment) {
    if (fragment === "") {
      history.pushState(null, "", `${location.pathname}${location.search}`);
      this.show({ page: "home" });
    } else if (location.hash === `#${fragment}`) {
      this.show(routeOf(location.hash));
    } else {
      location.hash = fragment;
    }
  }
  /** After a completed sign-in: the lock notice once, then the page the account needs. */
  async signedIn(answer) {
    if (answer.status !== "signed_in") return;
    await this.refresh();
    if (answer.notice) this.showLockNotice(answer.notice);
    const u = this.user ?? answer.user;
    const next = this.next;
    this.next = "";
    this.go(needsSecondFactor(u) ? "account" : next);
  }
  /** Sends a signed-out visitor of a signed-in page to the sign-in page, and back after it. */
  signInFirst(page2) {
    this.next = page2;
    this.go("signin");
  }
  /** Signs out this browser and goes to the sign-in page. */
  async signOut() {
    try {
      await api("POST", "/v1/auth/signout", {});
    } catch {
    }
    this.forget();
    notify("You are signed out.");
    this.go("signin");
  }
  /** The session ended (signed out elsewhere, all sessions ended): forget the account here. */
  forget() {
    this.me = null;
    this.drawNav();
  }
  showLockNotice(n) {
    notify(
      `Your account was locked on ${when(n.locked_at)} after ${n.failures} failed sign-in attempt${n.failures === 1 ? "" : "s"}. If that was not you, change your password.`,
      "error",
      0,
      { label: "Change password", run: () => this.go("account") }
    );
  }
  drawNav() {
    const u = this.user;
    if (!u) {
      this.nav.replaceChildren(h("a", { href: "#signin", class: "nav-link", id: "nav-signin" }, "Sign in"));
      return;
    }
    const out = h("button", { type: "button", class: "btn btn-ghost btn-small", id: "nav-signout" }, "Sign out");
    this.nav.replaceChildren();
    out.addEventListener("click", () => void this.signOut());
    const home = h("a", { href: "/", class: "nav-link", id: "nav-home" }, "Meetings");
    home.addEventListener("click", (e) => {
      e.preventDefault();
      this.go("");
    });
    append(
      this.nav,
      home,
      h("a", { href: "#account", class: "nav-link", id: "nav-account", title: u.email }, u.name || u.email),
      u.role === "admin" ? h("a", { href: "#admin", class: "nav-link", id: "nav-admin" }, "Admin") : null,
      out
    );
  }
};
function routeOf(hash) {
  const frag = hash.startsWith("#") ? hash.slice(1) : hash;
  const take = (prefix, what, page2) => {
    const token = frag.slice(prefix.length).trim();
    history.replaceState(null, "", `${location.pathname}${location.search}#${page2}`);
    return token ? { page: page2, token } : { page: "gone", what };
  };
  if (frag.startsWith("join=")) {
    const invite = frag.slice("join=".length).trim();
    history.replaceState(null, "", `${location.pathname}#join`);
    return { page: "guest", invite };
  }
  if (frag.startsWith("invite=")) return take("invite=", "invite", "signup");
  if (frag.startsWith("reset=")) return take("reset=", "reset", "reset");
  switch (frag) {
    case "signin":
      return { page: "signin" };
    case "account":
      return { page: "account" };
    case "admin":
      return { page: "admin" };
    case "join":
      return { page: "guest", invite: "" };
    case "signup":
      return { page: "gone", what: "invite" };
    case "reset":
      return { page: "gone", what: "reset" };
  }
  return { page: "home" };
}

// app/src/account-signin.ts
var EMAIL_MAX = 254;
function renderSignin(root2, acc, opts = {}) {
  const email = field("Email", input({ type: "email", name: "email", autocomplete: "username", required: true, maxlength: EMAIL_MAX, id: "signin-email" }));
  email.input.value = opts.email ?? "";
  const password = field("Password", input({ type: "password", name: "password", autocomplete: "current-password", required: true, maxlength: 1024, id: "signin-password" }));
  const err = formError();
  err.id = "signin-error";
  const submit = h("button", { type: "submit", class: "btn btn-primary", id: "signin-submit" }, "Sign in");
  const form = h(
    "form",
    { class: "card acct-card", novalidate: true, "aria-label": "Sign in with email and password" },
    opts.message ? h("p", { class: "acct-message", role: "status" }, opts.message) : null,
    email.wrap,
    password.wrap,
    err,
    h("div", { class: "actions" }, submit)
  );
  const passkeyBtn = button("Sign in with a passkey", { id: "signin-passkey" });
  const passkeyErr = formError();
  const passkeyBox = h(
    "div",
    { class: "card acct-card passkey-card" },
    h("p", { class: "hint" }, "A passkey signs you in with your fingerprint, face, device PIN or security key, without a password."),
    passkeyErr,
    h("div", { class: "actions actions-left" }, passkeyBtn)
  );
  if (!browserSupportsPasskeys()) {
    passkeyBtn.hidden = true;
    passkeyErr.show(NO_BROWSER_PASSKEYS);
  }
  passkeyBtn.addEventListener("click", () => {
    void withBusy(passkeyBtn, "Waiting for the passkey…", passkeyErr, async () => {
      try {
        await acc.signedIn(await signinWithPasskey());
      } catch (e) {
        if (e instanceof ApiError && (e.code === "passkeys_unavailable" || e.code === "not_found")) {
          passkeyBtn.hidden = true;
          throw new Error(accountErrorText("passkeys_unavailable"));
        }
        throw e;
      }
    });
  });
  const step = h("div", { class: "signin-step" }, form, h("p", { class: "divider" }, "or"), passkeyBox);
  page(
    root2,
    "page-signin",
    "Sign in",
    step,
    h("p", { class: "acct-foot" }, h("a", { href: "/", id: "signin-guest" }, "Join a meeting without an account"))
  );
  (email.input.value ? password.input : email.input).focus();
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const em = email.input.value.trim();
    email.setError(em === "" ? "Enter your email." : "");
    password.setError(password.input.value === "" ? "Enter your password." : "");
    if (em === "") return email.input.focus();
    if (password.input.value === "") return password.input.focus();
    void withBusy(submit, "Signing in…", err, async () => {
      const answer = await api("POST", "/v1/auth/signin", { email: em, password: password.input.value });
      if (answer.status === "second_factor") {
        password.input.value = "";
        secondStep(step, acc, answer.ticket, answer.methods, em);
        return;
      }
      await acc.signedIn(answer);
    }).then(() => {
      if (!err.hidden) password.input.select();
    });
  });
  return () => {
  };
}
function secondStep(slot, acc, ticket, methods, email) {
  const hasTOTP = methods.includes("totp");
  const hasPasskey = methods.includes("passkey") && acc.passkeysAvailable;
  const startOver = (message) => renderSignin(document.getElementById("app"), acc, { email, message });
  const onError = (e, err) => {
    if (e instanceof ApiError && e.code === "ticket_invalid") {
      startOver(e.message);
      return;
    }
    err.show(errorText(e));
  };
  const codeForm = (kind) => {
    const totp = kind === "totp";
    const code = field(
      totp ? "Code from your authenticator app" : "Recovery code",
      input(totp ? { id: "signin-code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 10, required: true, pattern: "[0-9 ]*" } : { id: "signin-recovery", autocomplete: "off", maxlength: 64, required: true }),
      totp ? "The 6 digits the app shows for Conclave now." : "One of the ten codes you saved, like 7k3qd-x0m9a-4vtrb. Each works once."
    );
    const err = formError();
    err.id = totp ? "signin-code-form-error" : "signin-recovery-form-error";
    const submit = h("button", { type: "submit", class: "btn btn-primary", id: totp ? "signin-code-submit" : "signin-recovery-submit" }, "Verify");
    const f = h("form", { class: "inline-form", novalidate: true, "aria-label": totp ? "Authenticator code" : "Recovery code" }, code.wrap, err, h("div", { class: "actions actions-left" }, submit));
    f.addEventListener("submit", (e) => {
      e.preventDefault();
      const v = code.input.value.trim();
      code.setError(v === "" ? totp ? "Enter the 6-digit code." : "Enter a recovery code." : "");
      if (v === "") return code.input.focus();
      void withBusy(submit, "Checking…", err, async () => {
        try {
          await acc.signedIn(await api("POST", totp ? "/v1/auth/signin/totp" : "/v1/auth/signin/recovery", { ticket, code: v }));
        } catch (e2) {
          onError(e2, err);
          code.input.select();
        }
      });
    });
    return f;
  };
  const other = h("div", { class: "other-ways" });
  const primary = hasTOTP ? codeForm("totp") : null;
  const recovery = codeForm("recovery");
  recovery.hidden = hasTOTP || hasPasskey;
  const recoveryBtn = button("Use a recovery code", { id: "signin-use-recovery", "aria-expanded": String(!recovery.hidden) });
  recoveryBtn.addEventListener("click", () => {
    recovery.hidden = false;
    recoveryBtn.setAttribute("aria-expanded", "true");
    recovery.querySelector("input")?.focus();
  });
  const pkErr = formError();
  const pkBtn = hasPasskey ? button("Use a passkey", { id: "signin-step-passkey" }, hasTOTP ? "ghost" : "primary") : null;
  pkBtn?.addEventListener("click", () => {
    void withBusy(pkBtn, "Waiting for the passkey…", pkErr, async () => {
      try {
        await acc.signedIn(await secondStepWithPasskey(ticket));
      } catch (e) {
        onError(e, pkErr);
      }
    });
  });
  if (pkBtn && !browserSupportsPasskeys()) {
    pkBtn.hidden = true;
    pkErr.show(NO_BROWSER_PASSKEYS);
  }
  const again = h("a", { href: "#signin", id: "signin-start-over" }, "Start over");
  again.addEventListener("click", (e) => {
    e.preventDefault();
    startOver("");
  });
  append(other, pkBtn, pkErr, recovery.hidden ? recoveryBtn : null);
  const h2 = h("h2", { tabindex: -1, id: "signin-step-title" }, "Second step");
  slot.replaceChildren(
    h(
      "div",
      { class: "card acct-card", role: "group", "aria-labelledby": "signin-step-title" },
      h2,
      h("p", {}, hasTOTP ? "Your password is right. Now confirm it is you with your authenticator app." : hasPasskey ? "Your password is right. Now confirm it is you with your passkey." : "Your password is right. Now enter one of your recovery codes."),
      primary,
      other,
      recovery,
      h("p", { class: "acct-foot" }, again)
    )
  );
  const first = primary?.querySelector("input") ?? (pkBtn && !pkBtn.hidden ? pkBtn : recovery.querySelector("input"));
  (first ?? h2).focus();
}

// app/src/account-signup.ts
var EMAIL_MAX2 = 254;
var NAME_MAX3 = 100;
function newPasswordFields() {
  const pw = field(
    "New password",
    input({ type: "password", autocomplete: "new-password", required: true, minlength: 12, maxlength: 1024, id: "new-password" }),
    "At least 12 characters. A few unrelated words make a strong one that is easy to type."
  );
  const repeat = field("Repeat the password", input({ type: "password", autocomplete: "new-password", required: true, maxlength: 1024, id: "new-password-repeat" }));
  return { pw, repeat };
}
function checkNew(pw, repeat) {
  const p = newPasswordProblem(pw.input.value, repeat.input.value);
  pw.setError(p?.field === "new" ? p.msg : "");
  repeat.setError(p?.field === "repeat" ? p.msg : "");
  if (p) (p.field === "new" ? pw.input : repeat.input).focus();
  return !p;
}
function renderGone(root2, what) {
  page(
    root2,
    "page-gone",
    what === "invite" ? "Create your account" : "Set a new password",
    h(
      "div",
      { class: "card acct-card" },
      h("p", {}, what === "invite" ? "For your safety the invite link was removed from the address bar when it was opened, so reloading the page cannot use it again. Open the invite link you received once more." : "For your safety the reset link was removed from the address bar when it was opened, so reloading the page cannot use it again. Open the reset link you received once more."),
      h("p", {}, h("a", { href: "#signin" }, "Sign in"), " · ", h("a", { href: "/" }, "Join a meeting"))
    )
  );
  return () => {
  };
}
function renderSignup(root2, acc, invite) {
  const status = h("p", { class: "loading", role: "status" }, "Checking the invite…");
  page(root2, "page-signup", "Create your account", status);
  let alive = true;
  api("POST", "/v1/auth/signup/check", { invite }).then(
    (info) => {
      if (alive) signupForm(status, acc, invite, info);
    },
    (err) => {
      if (!alive) return;
      status.replaceWith(h(
        "div",
        { class: "card acct-card" },
        h("p", { class: "form-error", role: "alert", id: "signup-error" }, errorText(err)),
        h("p", {}, h("a", { href: "#signin" }, "Sign in"), " · ", h("a", { href: "/" }, "Join a meeting"))
      ));
    }
  );
  return () => {
    alive = false;
  };
}
function signupForm(slot, acc, invite, info) {
  const bound = info.email !== "";
  const email = field(
    "Email",
    input({ type: "email", autocomplete: "username", required: true, maxlength: EMAIL_MAX2, id: "signup-email", readonly: bound }),
    bound ? "This invite is for this email." : "You sign in with it."
  );
  email.input.value = info.email;
  const name = field("Your name", input({ autocomplete: "name", required: true, maxlength: NAME_MAX3, id: "signup-name", spellcheck: "true" }), "Shown to others in meetings.");
  const { pw, repeat } = newPasswordFields();
  const err = formError();
  err.id = "signup-error";
  const submit = h("button", { type: "submit", class: "btn btn-primary", id: "signup-submit" }, "Create account");
  const form = h(
    "form",
    { class: "card acct-card", novalidate: true, "aria-label": "New account" },
    h("p", {}, `You are invited to Conclave as ${info.role === "admin" ? "an administrator" : "a member"}. The invite is good until ${when(info.expires_at)}.`),
    email.wrap,
    name.wrap,
    pw.wrap,
    repeat.wrap,
    err,
    h("div", { class: "actions" }, submit)
  );
  slot.replaceWith(form);
  (bound ? name.input : email.input).focus();
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const em = email.input.value.trim();
    const nm = name.input.value.trim();
    email.setError(em === "" ? "Enter your email." : "");
    name.setError(nm === "" ? "Enter your name." : "");
    if (em === "") return email.input.focus();
    if (nm === "") return name.input.focus();
    if (!checkNew(pw, repeat)) return;
    void withBusy(submit, "Creating the account…", err, async () => {
      const answer = await api("POST", "/v1/auth/signup", { invite, email: em, name: nm, password: pw.input.value });
      await acc.signedIn(answer);
    });
  });
}
function renderReset(root2, acc, token) {
  const status = h("p", { class: "loading", role: "status" }, "Checking the link…");
  page(root2, "page-reset", "Set a new password", status);
  let alive = true;
  api("POST", "/v1/auth/password/reset/check", { token }).then(
    (info) => {
      if (!alive) return;
      const { pw, repeat } = newPasswordFields();
      const err = formError();
      err.id = "reset-error";
      const submit = h("button", { type: "submit", class: "btn btn-primary", id: "reset-submit" }, "Set password");
      const form = h(
        "form",
        { class: "card acct-card", novalidate: true, "aria-label": "New password" },
        h("p", {}, `A new password for ${info.email}. This link works once, until ${when(info.expires_at)}.`),
        pw.wrap,
        repeat.wrap,
        err,
        h("div", { class: "actions" }, submit)
      );
      status.replaceWith(form);
      pw.input.focus();
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        if (!checkNew(pw, repeat)) return;
        void withBusy(submit, "Saving…", err, async () => {
          await api("POST", "/v1/auth/password/reset", { token, new: pw.input.value });
          acc.forget();
          history.replaceState(null, "", `${location.pathname}${location.search}#signin`);
          renderSignin(document.getElementById("app"), acc, { email: info.email, message: "Your new password is set. Sign in with it." });
        });
      });
    },
    (err) => {
      if (!alive) return;
      status.replaceWith(h(
        "div",
        { class: "card acct-card" },
        h("p", { class: "form-error", role: "alert", id: "reset-error" }, errorText(err)),
        h("p", {}, "Ask your administrator for a new link.")
      ));
    }
  );
  return () => {
    alive = false;
  };
}

// app/src/admin-refresh.ts
var WATCH_REFRESH_MS = 5e3;
var EVENTS_REFRESH_MS = 1e4;
function autoRefresh(el, busy, ms, run) {
  let running = false;
  const timer = window.setInterval(() => {
    if (!el.isConnected) {
      window.clearInterval(timer);
      return;
    }
    if (running || document.hidden || busy.querySelector(".confirm") || busy.contains(document.activeElement)) return;
    running = true;
    void run().finally(() => {
      running = false;
    });
  }, ms);
}
function timeLeft(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const m = Math.floor(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ""}`;
}

// app/src/admin-blocks.ts
function blockSubject(b) {
  return b.kind === "account" ? `Account ${b.account ?? ""}` : `Address ${b.address ?? ""}`;
}
function failureText(reason) {
  const fixed = {
    signin_failed: "a failed sign-in",
    signin_throttled: "a sign-in tried while it had to wait",
    room_password_failed: "a wrong meeting password",
    meeting_invite_redeemed: "a refused meeting invite"
  };
  if (!reason) return "not recorded";
  if (fixed[reason]) return fixed[reason];
  const tok = /^token_refused (\S+)$/.exec(reason);
  if (tok) return `a refused token (${tok[1]})`;
  const req = /^unauthorized (\S*) (\S+) (\S+)$/.exec(reason);
  if (req) return `an unauthorized ${req[2]} ${req[3]}${req[1] ? ` (${req[1]})` : ""}`;
  return reason;
}
function blockFacts(b) {
  const why = b.kind === "account" ? `${b.addresses ?? "many"} addresses failed to sign in to it; the last was ${failureText(b.reason)}` : `block ${b.level} after repeated failures; the last was ${failureText(b.reason)}`;
  return `${why} · since ${when(b.since)} · until ${when(b.until)}`;
}
function blocksSection() {
  const body = h("div", { class: "section-body" }, h("p", { class: "loading", role: "status" }, "Loading the blocks…"));
  const reload = h("button", { type: "button", class: "btn btn-ghost btn-small", id: "blocks-reload" }, "Reload");
  const hint = h("p", { class: "hint" }, "The list reads again every few seconds while this page is open.");
  const el = section("admin-blocks", "Blocked addresses and accounts", hint, h("div", { class: "actions actions-left" }, reload), body);
  const seen = /* @__PURE__ */ new Set();
  let first = true;
  const load = async () => {
    const fresh = await loadBlocks(body, load);
    if (fresh && !first) {
      for (const b of fresh) if (!seen.has(b.id)) notify(`${blockSubject(b)} is blocked.`, "warn");
    }
    if (fresh) {
      seen.clear();
      for (const b of fresh) seen.add(b.id);
      first = false;
    }
  };
  reload.addEventListener("click", () => void load());
  void load();
  autoRefresh(el, body, WATCH_REFRESH_MS, load);
  const tick = window.setInterval(() => {
    if (!el.isConnected) {
      window.clearInterval(tick);
      return;
    }
    let ended = false;
    for (const span of body.querySelectorAll(".block-left")) {
      const left = (Number(span.dataset.end) - performance.now()) / 1e3;
      if (left <= 0) ended = true;
      span.textContent = `${timeLeft(left)} left`;
    }
    if (ended && !body.querySelector(".confirm")) void load();
  }, 1e3);
  return el;
}
async function loadBlocks(body, reload) {
  let list;
  try {
    list = (await api("GET", "/v1/blocks")).blocks ?? [];
  } catch (e) {
    body.replaceChildren(h("p", { class: "form-error", role: "alert", id: "blocks-error" }, errorText(e)));
    return null;
  }
  if (list.length === 0) {
    body.replaceChildren(h("p", { id: "blocks-none" }, "Nothing is blocked."));
    return list;
  }
  const now = performance.now();
  body.replaceChildren(h("ul", { class: "acct-list", id: "block-list", "aria-label": "Blocks in force" }, ...list.map((b) => {
    const slot = h("div", { class: "section-slot" });
    const subject = blockSubject(b);
    const lift = button("Unblock", { class: "btn btn-ghost btn-small", "aria-label": `Unblock ${subject}`, "data-block": b.id });
    lift.addEventListener("click", () => confirmInline(slot, `Unblock ${subject}? Its next block, if it keeps failing, is longer.`, "Unblock", async () => {
      await api("DELETE", `/v1/blocks/${encodeURIComponent(b.id)}`, {});
      notify(`${subject} unblocked.`);
      slot.replaceChildren();
      await reload();
    }, lift));
    const left = b.seconds_left ?? Math.max(0, (new Date(b.until).getTime() - Date.now()) / 1e3);
    return h(
      "li",
      { class: "acct-item", "data-block": b.id },
      h(
        "div",
        { class: "item-main" },
        h("span", { class: "item-name" }, subject, " ", h("span", { class: "acct-badge acct-badge-warn block-left", "data-end": String(now + left * 1e3) }, `${timeLeft(left)} left`)),
        h("span", { class: "item-meta" }, blockFacts(b))
      ),
      h("div", { class: "item-actions" }, lift),
      slot
    );
  })));
  return list;
}

// app/src/admin-policy.ts
var POLICY_MAX_BYTES = 64 << 10;
function errorLine(message) {
  const m = /\bline (\d+)\b/.exec(message);
  return m ? Number(m[1]) : 0;
}
function policyErrorText(message) {
  const m = message.replace(/^policy:\s*/, "").trim();
  return m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?)]$/.test(m) && !/\)$/.test(m) ? "" : ".");
}
function policySection(selfID) {
  const body = h("div", { class: "section-body" }, h("p", { class: "loading", role: "status" }, "Loading the policy…"));
  const el = section("admin-policy", "Security policy", body);
  const load = async () => {
    try {
      draw(body, await api("GET", "/v1/policy"), selfID, load);
    } catch (e) {
      body.replaceChildren(h("p", { class: "form-error", role: "alert", id: "policy-load-error" }, errorText(e)));
    }
  };
  void load();
  return el;
}
function draw(body, p, selfID, reload) {
  const who = p.author === selfID ? "you" : p.author || "someone";
  const facts = p.source === "stored" ? `Version ${p.version}, applied ${when(p.applied_at)} by ${who}.` : "No version is stored yet: the defaults are in force, with what the server’s configuration sets.";
  const text = h("textarea", {
    id: "policy-yaml",
    class: "code-input",
    rows: 16,
    spellcheck: "false",
    autocomplete: "off",
    wrap: "off",
    "aria-describedby": "policy-hint policy-error",
    "aria-labelledby": "policy-yaml-label"
  });
  text.value = p.yaml || p.effective;
  const gutter = h("div", { class: "code-lines", "aria-hidden": "true" });
  const error = h("p", { id: "policy-error", class: "form-error", role: "alert", hidden: true });
  const slot = h("div", { class: "section-slot" });
  const apply = button("Apply", { id: "policy-apply" }, "primary");
  const revert = button("Undo my changes", { id: "policy-revert" });
  let bad = 0;
  const paintLines = () => {
    const n = text.value.split("\n").length;
    if (gutter.childElementCount !== n) gutter.replaceChildren(...Array.from({ length: n }, (_, i) => h("span", {}, String(i + 1))));
    gutter.querySelector(".is-error")?.classList.remove("is-error");
    if (bad > 0) gutter.children[bad - 1]?.classList.add("is-error");
    gutter.scrollTop = text.scrollTop;
  };
  const showError = (msg, line = 0) => {
    error.textContent = msg;
    error.hidden = msg === "";
    bad = line;
    if (line > 0) error.dataset.line = String(line);
    else delete error.dataset.line;
    text.setAttribute("aria-invalid", String(msg !== ""));
    paintLines();
  };
  const selectLine = (line) => {
    const lines = text.value.split("\n");
    const start2 = lines.slice(0, line - 1).reduce((a, l) => a + l.length + 1, 0);
    text.focus();
    text.setSelectionRange(start2, start2 + (lines[line - 1]?.length ?? 0));
  };
  text.addEventListener("input", () => {
    if (bad > 0) showError("");
    paintLines();
  });
  text.addEventListener("scroll", () => {
    gutter.scrollTop = text.scrollTop;
  });
  revert.addEventListener("click", () => {
    text.value = p.yaml || p.effective;
    showError("");
    slot.replaceChildren();
    text.focus();
  });
  apply.addEventListener("click", () => {
    const doc = text.value;
    if (new TextEncoder().encode(doc).length > POLICY_MAX_BYTES) {
      showError(`The document is larger than ${POLICY_MAX_BYTES / 1024} KiB.`);
      return;
    }
    confirmInline(slot, `Apply this policy as version ${p.version + 1}? It is in force at once, for every meeting and account.`, "Apply the policy", async () => {
      try {
        const next = await api("PUT", "/v1/policy", { yaml: doc, version: p.version });
        slot.replaceChildren();
        draw(body, next, selfID, reload);
        const done = body.querySelector("#policy-status");
        if (done) done.textContent = `Version ${next.version} is in force.`;
      } catch (e) {
        slot.replaceChildren();
        if (e instanceof ApiError && e.code === "policy_invalid") {
          const msg = (e.serverMessage || e.message).trim();
          const line = errorLine(msg);
          showError(`${policyErrorText(msg)} Nothing was changed: the policy in force stays.`, line);
          if (line > 0) selectLine(line);
          return;
        }
        if (e instanceof ApiError && e.code === "policy_conflict") {
          const load = button("Load the newest version", { id: "policy-reload" });
          load.addEventListener("click", () => void reload());
          showError(`${e.message} Loading it replaces your text: copy what you need first.`);
          slot.replaceChildren(h("div", { class: "actions actions-left" }, load));
          return;
        }
        showError(errorText(e));
      }
    }, apply);
  });
  body.replaceChildren(
    h("p", { id: "policy-facts", "data-version": String(p.version), "data-source": p.source }, facts),
    h("p", { id: "policy-status", role: "status", class: "hint" }),
    h(
      "div",
      { class: "field" },
      h("label", { id: "policy-yaml-label", for: "policy-yaml" }, "Policy (YAML)"),
      h("div", { class: "code-editor" }, gutter, text),
      h("p", { id: "policy-hint", class: "hint" }, "One mapping of the rules in docs/policy.md; a rule left out takes its default. An invalid policy is refused with the line and the reason, and the one in force stays."),
      error
    ),
    h("div", { class: "actions actions-left" }, apply, revert),
    slot,
    h(
      "details",
      { class: "policy-effective" },
      h("summary", {}, "The policy in force, every rule written out"),
      h("pre", { id: "policy-effective" }, p.effective)
    )
  );
  paintLines();
}

// app/src/admin-watch.ts
var LOSS_HIGH = 0.05;
function liveRoomsSection() {
  const body = h("div", { class: "section-body" });
  const refresh = button("Refresh", { id: "rooms-refresh", class: "btn btn-ghost btn-small" });
  const load = async () => {
    try {
      const r = await api("GET", "/v1/admin/rooms");
      drawRooms(body, r.rooms ?? [], load);
    } catch (e) {
      body.replaceChildren(h("p", { class: "form-error", role: "alert" }, errorText(e)));
    }
  };
  refresh.addEventListener("click", () => void load());
  void load();
  const el = section("admin-rooms", "Live rooms", h("div", { class: "actions actions-left" }, refresh), body);
  autoRefresh(el, body, WATCH_REFRESH_MS, load);
  return el;
}
function drawRooms(body, rooms, reload) {
  if (rooms.length === 0) {
    body.replaceChildren(h("p", {}, "No rooms are open."));
    return;
  }
  body.replaceChildren(h("ul", { class: "acct-list", id: "room-list", "aria-label": "Live rooms" }, ...rooms.map((r) => {
    const slot = h("div", { class: "section-slot" });
    const end = button("End meeting", { class: "btn btn-ghost btn-small", "aria-label": `End the meeting in ${r.name}` });
    end.addEventListener("click", () => confirmInline(slot, `End the meeting in ${r.name}? Everyone in it is disconnected.`, "End meeting", async () => {
      await api("POST", `/v1/admin/rooms/${encodeURIComponent(r.name)}/end`, {});
      notify("Meeting ended.");
      await reload();
    }, end));
    const people = h("ul", { class: "acct-sublist", "aria-label": `Participants of ${r.name}` }, ...r.participants.map((p) => {
      const pslot = h("div", { class: "section-slot" });
      const who = p.name ? `${p.name} (${p.identity})` : p.identity;
      const remove = button("Remove", { class: "btn btn-ghost btn-small", "aria-label": `Remove ${who} from ${r.name}` });
      remove.addEventListener("click", () => confirmInline(pslot, `Remove ${who} from ${r.name}? Their tokens for the room stop working.`, "Remove", async () => {
        await api("DELETE", `/v1/admin/rooms/${encodeURIComponent(r.name)}/participants/${encodeURIComponent(p.identity)}`, {});
        notify("Participant removed.");
        await reload();
      }, remove));
      const lossy = p.loss !== void 0 && p.loss > LOSS_HIGH;
      return h(
        "li",
        { class: `acct-item${lossy ? " loss-high" : ""}` },
        h(
          "div",
          { class: "item-main" },
          h("span", { class: "item-name" }, who, ...lossy ? [" ", h("span", { class: "acct-badge acct-badge-warn loss-mark" }, `High loss: ${percent(p.loss ?? 0)}`)] : []),
          h("span", { class: "item-meta" }, `${p.role}${p.member ? " · member" : ""} · from ${p.addr || "unknown address"} · ${p.tracks} track${p.tracks === 1 ? "" : "s"}${p.tracks > 0 || p.bitrate > 0 ? ` · sending ${kbps(p.bitrate)}` : ""}${reception(p)} · joined ${when(p.joined_at)}`)
        ),
        h("div", { class: "item-actions" }, remove),
        pslot
      );
    }));
    return h(
      "li",
      { class: "acct-item" },
      h(
        "div",
        { class: "item-main" },
        h("span", { class: "item-name" }, r.name),
        h("span", { class: "item-meta" }, `${r.participants.length} in the room${r.locked ? " · locked" : ""}${r.e2ee === "required" ? " · end-to-end encrypted" : ""} · since ${when(r.created_at)}`)
      ),
      h("div", { class: "item-actions" }, end),
      slot,
      people
    );
  })));
}
function kbps(bits) {
  return bits >= 1e6 ? `${(bits / 1e6).toFixed(1)} Mbit/s` : `${Math.round(bits / 1e3)} kbit/s`;
}
function percent(f) {
  const p = f * 100;
  return `${p > 0 && p < 10 ? p.toFixed(1) : Math.round(p)} %`;
}
function reception(p) {
  let s = "";
  if (p.loss !== void 0) s += ` · loss ${percent(p.loss)}`;
  if (p.rtt !== void 0) s += ` · RTT ${Math.round(p.rtt * 1e3)} ms`;
  return s;
}
function duration(d) {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(d);
  if (!m || d === "") return d;
  return timeLeft(Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0));
}
function guardEventText(ev) {
  const reason = ev.details?.reason ?? "";
  const account = ev.details?.email ? `Account ${ev.details.email}` : "An account";
  switch (ev.kind) {
    case "address_blocked": {
      const m = /^(.*?) ?(\S+)$/.exec(reason);
      const [why, dur] = m ? [m[1], m[2]] : ["", ""];
      return `${ev.ip ? `Address ${ev.ip}` : "An address"} blocked${dur ? ` for ${duration(dur)}` : ""} after repeated failures; the last was ${failureText(why)}`;
    }
    case "account_throttled": {
      const m = /^(.*?) ?(\S+) from (\d+) addresses$/.exec(reason);
      if (!m) return `${account} throttled after failed sign-ins from many addresses`;
      return `${account} throttled for ${duration(m[2])}: ${m[3]} addresses failed to sign in to it; the last was ${failureText(m[1])}`;
    }
    case "forwarded_for_refused":
      return `Requests through proxy ${ev.ip || "unknown"} refused: their X-Forwarded-For names no client address (a misconfigured proxy, or a client trying to pass as another)`;
    case "address_unblocked": {
      const what = reason.startsWith("account") ? account : `Address ${reason.replace(/^address /, "")}`;
      return `${what} unblocked by ${ev.actor || "someone unknown"}${ev.ip ? ` (from ${ev.ip})` : ""}`;
    }
  }
  return null;
}
function eventText(ev) {
  const guard = guardEventText(ev);
  if (guard !== null) return guard;
  const parts = [ev.kind.replace(/_/g, " ")];
  if (ev.subject) parts.push(`subject ${ev.subject}`);
  if (ev.actor) parts.push(`by ${ev.actor}`);
  if (ev.ip) parts.push(`from ${ev.ip}`);
  if (ev.room) parts.push(`in ${ev.room}`);
  const reason = ev.details?.reason;
  if (reason) parts.push(`(${reason})`);
  return parts.join(" ");
}
function securityEventsSection() {
  const hooks = h("div", { class: "section-slot", id: "webhook-status" });
  const ul = h("ul", { class: "acct-list", id: "event-list", "aria-label": "Security events" });
  const err = formError();
  const more = button("Show older events", { id: "events-more" });
  const refresh = button("Refresh", { id: "events-refresh", class: "btn btn-ghost btn-small" });
  let before = 0;
  let paged = false;
  const page2 = async (fresh = false) => {
    const r = await api("GET", before ? `/v1/security/events?before=${before}` : "/v1/security/events");
    if (fresh) ul.replaceChildren();
    for (const ev of r.events ?? []) {
      ul.appendChild(h(
        "li",
        { class: `acct-item event-${ev.severity}` },
        h(
          "div",
          { class: "item-main" },
          h("span", { class: "item-name" }, `${ev.severity.toUpperCase()} · ${eventText(ev)}`),
          h("span", { class: "item-meta" }, when(ev.time))
        )
      ));
    }
    before = r.next_before ?? 0;
    more.hidden = before === 0;
    if (ul.children.length === 0) ul.appendChild(h("li", { class: "acct-item" }, "No security events in the last day."));
  };
  const load = async () => {
    before = 0;
    paged = false;
    try {
      await page2(true);
      const w = await api("GET", "/v1/webhooks/deliveries");
      hooks.replaceChildren(...(w.webhooks ?? []).map((s) => h(
        "p",
        { class: s.failed || s.dropped ? "form-error" : "item-meta" },
        `Webhook ${s.name}: ${s.delivered} delivered, ${s.failed} failed, ${s.dropped} dropped${s.last_failed_at ? ` (last failure ${when(s.last_failed_at)})` : ""}.`
      )));
    } catch (e) {
      err.show(errorText(e));
    }
  };
  more.addEventListener("click", () => {
    paged = true;
    void withBusy(more, "Loading…", err, () => page2());
  });
  refresh.addEventListener("click", () => void load());
  void load();
  const el = section("admin-events", "Security events", h("div", { class: "actions actions-left" }, refresh), hooks, ul, err, h("div", { class: "actions actions-left" }, more));
  autoRefresh(el, ul, EVENTS_REFRESH_MS, async () => {
    if (!paged) await load();
  });
  return el;
}

// app/src/admin.ts
var EMAIL_MAX3 = 254;
var INVITE_EXPIRIES = [
  { value: "24h", label: "1 day" },
  { value: "72h", label: "3 days" },
  { value: "168h", label: "7 days" },
  { value: "720h", label: "30 days" }
];
function inviteLink(token) {
  return `${location.origin}/#invite=${token}`;
}
function resetLink(token) {
  return `${location.origin}/#reset=${token}`;
}
function renderAdmin(root2, acc) {
  const me = acc.me?.user;
  if (!me) {
    acc.signInFirst("admin");
    return () => {
    };
  }
  if (me.role !== "admin") {
    page(root2, "page-admin", "Administration", h("p", { class: "form-error", role: "alert" }, "Only administrators can open this page."));
    return () => {
    };
  }
  const invites = h("div", { class: "section-body" });
  const users = h("div", { class: "section-body" });
  const reloadInvites = () => loadInvites(invites);
  page(
    root2,
    "page-admin",
    "Administration",
    inviteSection(reloadInvites),
    section("admin-invites", "Open invites", invites),
    section("admin-users", "Accounts", users),
    policySection(me.id),
    // An attack reads top to bottom: what is blocked, what happened,
    // the rooms.
    blocksSection(),
    securityEventsSection(),
    liveRoomsSection()
  );
  void reloadInvites();
  void loadUsers(users, me.id);
  return () => {
  };
}
function inviteSection(reload) {
  const email = field("Email (optional)", input({ id: "invite-email", type: "email", autocomplete: "off", maxlength: EMAIL_MAX3 }), "When given, only this email can use the invite.");
  const role = field("Role", h("select", { id: "invite-role" }, h("option", { value: "member", selected: true }, "Member: hosts meetings"), h("option", { value: "admin" }, "Administrator: also manages accounts")));
  const expiry = field("Link works for", h("select", { id: "invite-expiry" }, ...INVITE_EXPIRIES.map((x) => h("option", { value: x.value, selected: x.value === "72h" }, x.label))));
  const err = formError();
  err.id = "invite-error";
  const make = h("button", { type: "submit", class: "btn btn-primary", id: "invite-create" }, "Create invite link");
  const result = h("div", { class: "section-slot", id: "invite-result" });
  const form = h("form", { class: "inline-form", novalidate: true, "aria-label": "New invite" }, email.wrap, role.wrap, expiry.wrap, err, h("div", { class: "actions actions-left" }, make));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const em = email.input.value.trim();
    void withBusy(make, "Creating…", err, async () => {
      const body = { role: role.input.value, expires_in: expiry.input.value };
      if (em) body.email = em;
      const r = await api("POST", "/v1/users/invites", body);
      result.replaceChildren(h(
        "div",
        { class: "one-time", role: "group", "aria-labelledby": "invite-link-title" },
        h("h3", { id: "invite-link-title", tabindex: -1 }, "Invite link"),
        h("p", {}, `Send this link to ${r.invite.email || "the person you invite"} over a channel you trust. It works once, until ${when(r.invite.expires_at)}, and is shown only now.`),
        copyBox("Invite link", inviteLink(r.token), "invite-link")
      ));
      result.querySelector("#invite-link-title")?.focus();
      email.input.value = "";
      await reload();
    });
  });
  return section("admin-invite", "Invite someone", form, result);
}
async function loadInvites(body) {
  let list;
  try {
    list = (await api("GET", "/v1/users/invites")).invites ?? [];
  } catch (e) {
    body.replaceChildren(h("p", { class: "form-error", role: "alert" }, errorText(e)));
    return;
  }
  const now = Date.now();
  const open = list.filter((i) => !i.used_at && new Date(i.expires_at).getTime() > now);
  if (open.length === 0) {
    body.replaceChildren(h("p", {}, "No open invites."));
    return;
  }
  body.replaceChildren(h("ul", { class: "acct-list", id: "invite-list", "aria-label": "Open invites" }, ...open.map((i) => {
    const slot = h("div", { class: "section-slot" });
    const who = i.email || "anyone with the link";
    const revoke = button("Revoke", { class: "btn btn-ghost btn-small", "aria-label": `Revoke the invite for ${who}` });
    revoke.addEventListener("click", () => confirmInline(slot, `Revoke the invite for ${who}? Its link stops working.`, "Revoke", async () => {
      await api("DELETE", `/v1/users/invites/${encodeURIComponent(i.id)}`, {});
      notify("Invite revoked.");
      await loadInvites(body);
    }, revoke));
    return h(
      "li",
      { class: "acct-item" },
      h(
        "div",
        { class: "item-main" },
        h("span", { class: "item-name" }, who),
        h("span", { class: "item-meta" }, `${i.role === "admin" ? "Administrator" : "Member"} · made ${when(i.created_at)} · expires ${when(i.expires_at)}`)
      ),
      h("div", { class: "item-actions" }, revoke),
      slot
    );
  })));
}
async function loadUsers(body, selfID) {
  const reload = () => loadUsers(body, selfID);
  const ul = h("ul", { class: "acct-list", id: "user-list", "aria-label": "Accounts" });
  const err = formError();
  const more = button("Show more accounts", { id: "users-more" });
  more.hidden = true;
  let next = "";
  const page2 = async () => {
    const r = await api("GET", next ? `/v1/users?after=${encodeURIComponent(next)}` : "/v1/users");
    for (const u of r.users ?? []) ul.appendChild(userRow(u, u.id === selfID, reload));
    next = r.next ?? "";
    more.hidden = next === "";
  };
  try {
    await page2();
  } catch (e) {
    body.replaceChildren(h("p", { class: "form-error", role: "alert" }, errorText(e)));
    return;
  }
  more.addEventListener("click", () => {
    const before = ul.children.length;
    void withBusy(more, "Loading…", err, page2).then(() => ul.children[before]?.querySelector("select, button")?.focus());
  });
  body.replaceChildren(ul, err, h("div", { class: "actions actions-left" }, more));
}
function userRow(u, self, reload) {
  const who = u.name ? `${u.name} (${u.email})` : u.email;
  const slot = h("div", { class: "section-slot" });
  const factors = [u.totp ? "authenticator app" : "", u.passkeys > 0 ? `${u.passkeys} passkey${u.passkeys === 1 ? "" : "s"}` : ""].filter(Boolean).join(", ") || "no second factor";
  const disabled = u.status !== "active";
  const role = h("select", { "aria-label": `Role of ${who}`, class: "select-small", disabled: self }, h("option", { value: "member", selected: u.role === "member" }, "Member"), h("option", { value: "admin", selected: u.role === "admin" }, "Administrator"));
  role.addEventListener("change", () => {
    const to = role.value;
    confirmInline(slot, `Make ${who} ${to === "admin" ? "an administrator" : "a member"}? Their sessions end and they sign in again.`, "Change role", async () => {
      await api("PATCH", `/v1/users/${encodeURIComponent(u.id)}`, { role: to });
      notify(`${who} is now ${to === "admin" ? "an administrator" : "a member"}.`);
      await reload();
    }, role);
    slot.querySelector("button.btn-ghost")?.addEventListener("click", () => {
      role.value = u.role;
    });
  });
  const toggle = button(disabled ? "Enable" : "Disable", { class: "btn btn-ghost btn-small", "aria-label": `${disabled ? "Enable" : "Disable"} ${who}`, disabled: self });
  toggle.addEventListener("click", () => {
    const q = disabled ? `Enable ${who}? They can sign in again.` : `Disable ${who}? Their sessions end and their API tokens stop working at once.`;
    confirmInline(slot, q, disabled ? "Enable" : "Disable", async () => {
      await api("PATCH", `/v1/users/${encodeURIComponent(u.id)}`, { status: disabled ? "active" : "disabled" });
      notify(disabled ? `${who} is enabled.` : `${who} is disabled.`);
      await reload();
    }, toggle);
  });
  const reset = button("Reset password", { class: "btn btn-ghost btn-small", "aria-label": `Reset the password of ${who}`, disabled: self });
  reset.addEventListener("click", () => confirmInline(slot, `Reset the password of ${who}? Their sessions end; you get a one-time link to send them to set a new one.`, "Reset password", async () => {
    const r = await api("POST", `/v1/users/${encodeURIComponent(u.id)}/reset-password`, {});
    slot.replaceChildren(h(
      "div",
      { class: "one-time", role: "group", "aria-labelledby": `reset-title-${u.id}` },
      h("h3", { id: `reset-title-${u.id}`, tabindex: -1 }, "Password reset link"),
      h("p", {}, `Send it to ${u.email} over a channel you trust (not to the email alone if the mailbox may be the problem). It works once, until ${when(r.expires_at)}, and is shown only now.`),
      copyBox("Reset link", resetLink(r.token), "reset-link")
    ));
    slot.querySelector(`#reset-title-${CSS.escape(u.id)}`)?.focus();
  }, reset));
  const reset2fa = button("Reset second factors", { class: "btn btn-ghost btn-small", "aria-label": `Reset the second factors of ${who}`, disabled: self || !u.totp && u.passkeys === 0 });
  reset2fa.addEventListener("click", () => confirmInline(slot, `Remove the authenticator app, passkeys and recovery codes of ${who}? Do this only after checking who is asking, in person or by a call you made. Their sessions end.`, "Reset second factors", async () => {
    await api("POST", `/v1/users/${encodeURIComponent(u.id)}/reset-2fa`, {});
    notify(`The second factors of ${who} are removed.`);
    await reload();
  }, reset2fa));
  return h(
    "li",
    { class: "acct-item user-item", "data-user": u.id, "data-status": u.status },
    h(
      "div",
      { class: "item-main" },
      h("span", { class: "item-name" }, who, self ? " " : null, self ? h("span", { class: "acct-badge" }, "You") : null, disabled ? " " : null, disabled ? h("span", { class: "acct-badge acct-badge-warn" }, "Disabled") : null),
      h("span", { class: "item-meta" }, `${factors} · joined ${when(u.created_at)} · last sign-in ${u.last_signin_at ? when(u.last_signin_at) : "never"}`)
    ),
    h("div", { class: "item-actions" }, role, toggle, reset, reset2fa),
    slot
  );
}

// app/src/guest.ts
var PASS_KEY = "conclave.guest.v1";
var AUTO_RETRIES = 3;
var AUTO_RETRY_MAX_S = 60;
var DEFAULT_WAIT_S = 2;
var PASS_MARGIN_MS = 6e4;
function peekInvite(token) {
  const m = /^cmi1\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+$/.exec(token.trim());
  if (!m || token.length > 512) return null;
  try {
    const b64 = m[1].replace(/-/g, "+").replace(/_/g, "/");
    const v = JSON.parse(atob(b64 + "=".repeat((4 - b64.length % 4) % 4)));
    if (typeof v.id !== "string" || typeof v.room !== "string" || typeof v.exp !== "number") return null;
    return { id: v.id, room: v.room, exp: v.exp };
  } catch {
    return null;
  }
}
function loadGuestPass() {
  try {
    const v = JSON.parse(sessionStorage.getItem(PASS_KEY) ?? "null");
    if (!v || typeof v.token !== "string" || typeof v.invite !== "string" || typeof v.room !== "string" || typeof v.name !== "string" || typeof v.expiresAt !== "number") return null;
    if (v.expiresAt - PASS_MARGIN_MS < Date.now()) {
      sessionStorage.removeItem(PASS_KEY);
      return null;
    }
    return v;
  } catch {
    return null;
  }
}
function saveGuestPass(p) {
  try {
    sessionStorage.setItem(PASS_KEY, JSON.stringify(p));
  } catch {
  }
}
function passwordField() {
  const f = field(
    "Meeting password",
    input({ id: "guest-password", type: "password", autocomplete: "off", maxlength: 128 }),
    "The host gave it to you apart from the link."
  );
  f.wrap.hidden = true;
  return f;
}
function asksPassword(code) {
  return code === "password_required" || code === "password_wrong";
}
function renderGuest(root2, opts) {
  const peek = opts.invite ? peekInvite(opts.invite) : null;
  const kept = loadGuestPass();
  const pass = kept && (!opts.invite || peek && peek.id === kept.invite) ? kept : null;
  const room = peek?.room ?? pass?.room ?? "";
  const heading = h("h1", { id: "guest-title", tabindex: -1 }, "Join a meeting");
  const card = h(
    "section",
    { class: "card join-card guest-card", "aria-labelledby": "guest-title" },
    heading,
    room ? h("p", {}, "You are invited to the meeting ", h("strong", { class: "room-name", id: "guest-room" }, room), ".") : null
  );
  root2.replaceChildren(h("div", { class: "page page-guest" }, card));
  if (pass) {
    const pw2 = passwordField();
    const err2 = formError();
    err2.id = "guest-error";
    const again = h("button", { type: "submit", class: "btn btn-primary", id: "guest-join" }, "Join again");
    const form2 = h(
      "form",
      { class: "guest-form", novalidate: true, "aria-labelledby": "guest-title" },
      h("p", { id: "guest-kept" }, `You opened this invite in this tab as ${pass.name}.`),
      pw2.wrap,
      err2,
      h("div", { class: "actions" }, again)
    );
    card.append(form2);
    pw2.wrap.hidden = !pass.password && !opts.passwordError;
    if (opts.passwordError) err2.show(opts.passwordError);
    form2.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!pw2.wrap.hidden && pw2.input.value === "") {
        pw2.setError("Enter the meeting’s password.");
        return pw2.input.focus();
      }
      opts.onReady(pass, pw2.wrap.hidden ? "" : pw2.input.value);
    });
    (pw2.wrap.hidden ? again : pw2.input).focus();
    return () => {
    };
  }
  if (!opts.invite || !peek) {
    card.append(h("p", { class: opts.invite ? "form-error" : "", role: opts.invite ? "alert" : null, id: "guest-gone" }, opts.invite ? "This is not a valid invite link. Check that you copied all of it, or ask for a new one." : "For your safety the invite link was removed from the address bar when it was opened, so reloading the page cannot use it again. Open the invite link you received once more."));
    heading.focus();
    return () => {
    };
  }
  const name = field("Your name", input({ id: "guest-name", autocomplete: "name", required: true, maxlength: NAME_MAX, spellcheck: "false" }), "Shown to the others in the meeting.");
  name.input.value = opts.name;
  let asMember = !!opts.member;
  const memberLine = h("p", { id: "guest-member" }, `Joining as ${opts.member?.name || "yourself"} (member)`);
  memberLine.hidden = !asMember;
  name.wrap.hidden = asMember;
  const email = field(
    "Your email address",
    input({ id: "guest-email", type: "email", autocomplete: "email", maxlength: 254 }),
    "This invite is for people with an email address at a particular domain."
  );
  email.wrap.hidden = true;
  const pw = passwordField();
  const err = formError();
  err.id = "guest-error";
  const waitLine = h("p", { id: "guest-wait", class: "hint", role: "status", "aria-live": "polite", "aria-atomic": "true" });
  const go = h("button", { type: "submit", class: "btn btn-primary", id: "guest-continue" }, "Continue");
  const form = h(
    "form",
    { class: "guest-form", novalidate: true, "aria-labelledby": "guest-title" },
    h("p", { class: "hint" }, `The link works until ${when(new Date(peek.exp * 1e3).toISOString())}.`),
    memberLine,
    name.wrap,
    email.wrap,
    pw.wrap,
    err,
    waitLine,
    h("div", { class: "actions" }, go)
  );
  card.append(form);
  let alive = true;
  let busy = false;
  let timer = 0;
  let autoTries = 0;
  let auto = false;
  const stopWait = () => {
    if (timer) clearInterval(timer);
    timer = 0;
  };
  const seconds = (n) => n === 1 ? "1 second" : `${n} seconds`;
  const countDown = (secs, sentence, done) => {
    stopWait();
    let left = secs;
    go.disabled = true;
    go.textContent = "Please wait…";
    waitLine.textContent = sentence(left);
    timer = window.setInterval(() => {
      if (!alive) return stopWait();
      left -= 1;
      if (left > 0) {
        waitLine.textContent = sentence(left);
        return;
      }
      stopWait();
      done();
    }, 1e3);
  };
  const buttonBack = () => {
    go.disabled = false;
    go.textContent = "Continue";
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (busy || timer && !auto) return;
    if (!auto) autoTries = 0;
    auto = false;
    stopWait();
    buttonBack();
    const n = asMember ? "" : name.input.value.trim();
    if (!asMember) {
      name.setError(n === "" ? "Enter your name." : "");
      if (n === "") return name.input.focus();
    }
    const em = email.input.value.trim();
    if (!email.wrap.hidden) {
      email.setError(em.includes("@") ? "" : "Enter your email address.");
      if (!em.includes("@")) return email.input.focus();
    }
    const password = pw.wrap.hidden ? "" : pw.input.value;
    if (!pw.wrap.hidden) {
      pw.setError(password === "" ? "Enter the meeting’s password." : "");
      if (password === "") return pw.input.focus();
    }
    busy = true;
    go.disabled = true;
    go.setAttribute("aria-busy", "true");
    go.textContent = "Checking the invite…";
    err.show("");
    const body = asMember ? { invite: opts.invite } : { invite: opts.invite, name: n };
    if (em) body.email = em;
    if (password) body.password = password;
    api("POST", "/v1/invites/redeem", body).then(
      (r) => {
        if (!alive) return;
        const p = { invite: r.invite_id, room: r.room, name: r.join.name || n, token: r.join.token, expiresAt: Date.parse(r.join.expires_at) || Date.now() + 36e5 };
        if (password) p.password = true;
        saveGuestPass(p);
        opts.onReady(p, password);
      },
      (e2) => {
        if (!alive) return;
        busy = false;
        go.disabled = false;
        go.removeAttribute("aria-busy");
        go.textContent = "Continue";
        const code = e2 instanceof ApiError ? e2.code : "";
        err.dataset.code = code;
        waitLine.textContent = "";
        const secs = e2 instanceof ApiError && e2.status === 429 ? e2.retryAfter || DEFAULT_WAIT_S : 0;
        if (code === "rate_limited" && secs > 0) {
          err.show("");
          if (autoTries < AUTO_RETRIES && secs <= AUTO_RETRY_MAX_S) {
            autoTries++;
            countDown(secs, (n2) => `Many people are joining this meeting right now. Trying again in ${seconds(n2)}…`, () => {
              waitLine.textContent = "Trying again now…";
              auto = true;
              form.requestSubmit();
            });
          } else {
            countDown(secs, (n2) => `Many people are joining this meeting right now. You can try again in ${seconds(n2)}.`, () => {
              waitLine.textContent = "Many people are joining this meeting right now. Press Continue to try again.";
              buttonBack();
              go.focus();
            });
          }
          return;
        }
        err.show(errorText(e2));
        if (code === "too_many_attempts" && secs > 0) {
          countDown(secs, (n2) => `You can try again in ${seconds(n2)}.`, () => {
            waitLine.textContent = "You can try again now.";
            buttonBack();
          });
        }
        if (asMember && code === "invalid_argument") {
          asMember = false;
          memberLine.hidden = true;
          name.wrap.hidden = false;
          err.show("Your session has ended: join as a guest with your name, or sign in again.");
          name.input.focus();
        } else if (code === "invite_email_domain") {
          email.wrap.hidden = false;
          email.input.focus();
        } else if (asksPassword(code)) {
          pw.wrap.hidden = false;
          pw.input.value = "";
          pw.input.focus();
        }
      }
    );
  });
  (asMember || name.input.value ? go : name.input).focus();
  return () => {
    alive = false;
    stopWait();
  };
}

// app/src/token.ts
async function detectTokenSource() {
  try {
    const res = await fetch("/dev/config", { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!res.ok) return { kind: "paste" };
    const body = await res.json();
    return body.dev === true ? { kind: "dev" } : { kind: "paste" };
  } catch {
    return { kind: "paste" };
  }
}
async function fetchDevToken(room, name) {
  let res;
  try {
    res = await fetch("/dev/token", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ room, name }),
      cache: "no-store"
    });
  } catch {
    throw new JoinError("The server could not be reached.", true);
  }
  if (!res.ok) {
    const later = res.status === 429 || res.status >= 500;
    const detail = await errorMessage(res);
    if (detail) throw new JoinError(`Could not get a join token: ${detail}`, later);
    if (res.status === 429) throw new JoinError("Too many join attempts; wait a second and try again.", true);
    throw new JoinError(`Could not get a join token (the server answered ${res.status}).`, later);
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new Error("The server sent an unreadable answer.");
  }
  if (typeof body?.token !== "string" || body.token === "") throw new Error("The server sent no token.");
  return { token: body.token, url: connectUrl(typeof body.url === "string" ? body.url : "") };
}
async function errorMessage(res) {
  try {
    const body = await res.json();
    const { message, code } = body?.error ?? {};
    if (typeof message === "string" && message.trim()) return message.trim();
    if (typeof code === "string" && code.trim()) return code.trim();
  } catch {
  }
  return "";
}
function connectUrl(url) {
  try {
    return url && new URL(url).origin === location.origin ? url : "";
  } catch {
    return "";
  }
}
function peekClaims(token) {
  const parts = token.trim().split(".");
  if (parts.length !== 3) return {};
  try {
    const b64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(b64 + "=".repeat((4 - b64.length % 4) % 4)), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return {
      room: typeof claims.room === "string" ? claims.room : void 0,
      name: typeof claims.name === "string" ? claims.name : typeof claims.sub === "string" ? claims.sub : void 0,
      exp: typeof claims.exp === "number" ? claims.exp : void 0
    };
  } catch {
    return {};
  }
}

// app/src/join.ts
function renderJoin(root2, opts) {
  const dev = opts.source.kind === "dev";
  const roomInput = h("input", {
    id: "room-input",
    name: "room",
    type: "text",
    autocomplete: "off",
    spellcheck: "false",
    required: dev,
    maxlength: 128,
    pattern: "[A-Za-z0-9_.\\-]{1,128}",
    "aria-describedby": "room-hint room-error"
  });
  roomInput.value = opts.room;
  const nameInput = h("input", {
    id: "name-input",
    name: "name",
    type: "text",
    autocomplete: "name",
    required: dev,
    maxlength: NAME_MAX,
    "aria-describedby": "name-error"
  });
  nameInput.value = opts.name;
  const tokenInput = dev ? null : h("textarea", {
    id: "token-input",
    name: "token",
    rows: 3,
    required: true,
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "token-hint token-error"
  });
  const roomError = h("p", { id: "room-error", class: "field-error", hidden: true });
  const nameError = h("p", { id: "name-error", class: "field-error", hidden: true });
  const tokenError = h("p", { id: "token-error", class: "field-error", hidden: true });
  const formError2 = h("p", { id: "join-error", class: "form-error", role: "alert", hidden: !opts.error }, opts.error ?? "");
  const joinButton = h("button", { id: "join-button", type: "submit", class: "btn btn-primary" }, "Continue");
  const form = h(
    "form",
    { class: "card join-card", novalidate: true, "aria-labelledby": "join-title" },
    h("h1", { id: "join-title" }, "Join a meeting"),
    h(
      "div",
      { class: "field" },
      h("label", { for: "room-input" }, "Room name", dev ? null : h("span", { class: "optional" }, " (optional with a token)")),
      roomInput,
      h("p", { id: "room-hint", class: "hint" }, "Letters, digits, “_”, “.” and “-”, up to 128 characters."),
      roomError
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "name-input" }, "Your name", dev ? null : h("span", { class: "optional" }, " (optional with a token)")),
      nameInput,
      nameError
    ),
    tokenInput && h(
      "div",
      { class: "field" },
      h("label", { for: "token-input" }, "Join token"),
      tokenInput,
      h("p", { id: "token-hint", class: "hint" }, "Paste the token your organisation gave you. It is kept in this tab only."),
      tokenError
    ),
    formError2,
    h("div", { class: "actions" }, joinButton)
  );
  root2.replaceChildren(h("div", { class: "page page-join" }, form));
  const showError = (el, input2, msg) => {
    el.textContent = msg;
    el.hidden = msg === "";
    input2.setAttribute("aria-invalid", String(msg !== ""));
  };
  tokenInput?.addEventListener("input", () => {
    const claims = peekClaims(tokenInput.value);
    if (claims.room && !roomInput.value) roomInput.value = claims.room;
    if (claims.name && !nameInput.value) nameInput.value = claims.name.slice(0, NAME_MAX);
  });
  const validate = () => {
    const room = roomInput.value.trim();
    const name = nameInput.value.trim();
    let ok = true;
    let first = null;
    const roomMsg = room === "" ? dev ? "Enter a room name." : "" : ROOM_PATTERN.test(room) ? "" : "Use only letters, digits, “_”, “.” and “-” (at most 128; not “.” or “..”).";
    showError(roomError, roomInput, roomMsg);
    if (roomMsg) {
      ok = false;
      first ??= roomInput;
    }
    const nameMsg = name === "" && dev ? "Enter your name." : name.length > NAME_MAX ? `At most ${NAME_MAX} characters.` : "";
    showError(nameError, nameInput, nameMsg);
    if (nameMsg) {
      ok = false;
      first ??= nameInput;
    }
    if (tokenInput) {
      const t = tokenInput.value.trim();
      const tokenMsg = t === "" ? "Paste a join token." : t.split(".").length !== 3 ? "This does not look like a join token." : "";
      showError(tokenError, tokenInput, tokenMsg);
      if (tokenMsg) {
        ok = false;
        first ??= tokenInput;
      } else {
        const exp = peekClaims(t).exp;
        if (exp !== void 0 && exp * 1e3 < Date.now()) {
          showError(tokenError, tokenInput, "This token has expired; ask for a new one.");
          ok = false;
          first ??= tokenInput;
        }
      }
    }
    first?.focus();
    return ok;
  };
  let busy = false;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (busy || !validate()) return;
    formError2.hidden = true;
    const room = roomInput.value.trim();
    const name = nameInput.value.trim();
    if (tokenInput) {
      const token = tokenInput.value.trim();
      const claims = peekClaims(token);
      opts.onJoined({ room: room || claims.room || "", name: name || claims.name || "", creds: { url: "", token } });
      return;
    }
    busy = true;
    joinButton.disabled = true;
    joinButton.setAttribute("aria-busy", "true");
    joinButton.textContent = "Getting a token…";
    try {
      const creds = await fetchDevToken(room, name);
      opts.onJoined({ room, name, creds });
    } catch (err) {
      formError2.textContent = err instanceof Error ? err.message : String(err);
      formError2.hidden = false;
    } finally {
      busy = false;
      joinButton.disabled = false;
      joinButton.removeAttribute("aria-busy");
      joinButton.textContent = "Continue";
    }
  });
  (roomInput.value ? nameInput.value && tokenInput ? tokenInput : nameInput.value ? joinButton : nameInput : roomInput).focus();
  return () => {
  };
}

// app/src/left.ts
function retryDelay(n) {
  return [2e3, 4e3, 8e3, 15e3][n] ?? 3e4;
}
var RETRY_FOR_MS = 10 * 6e4;
function renderLeft(root2, opts) {
  const selfLeft = opts.reason === "client_left";
  const heading = h("h1", { id: "left-title", tabindex: -1 }, selfLeft ? "You left the meeting" : "You were disconnected");
  const status = h("p", { id: "rejoin-status", role: "status", hidden: true });
  const error = h("p", { id: "rejoin-error", class: "form-error", role: "alert", hidden: true });
  const home = h("button", { type: "button", id: "home-button", class: "btn btn-ghost" }, "Join another room");
  const stop = h("button", { type: "button", id: "stop-rejoin-button", class: "btn btn-ghost", hidden: true }, "Stop trying");
  const rejoin = h("button", { type: "button", id: "rejoin-button", class: "btn btn-primary" }, "Rejoin");
  root2.replaceChildren(
    h(
      "div",
      { class: "page page-left" },
      h(
        "section",
        { class: "card left-card", "aria-labelledby": "left-title" },
        heading,
        // The heading already says it when we left ourselves.
        selfLeft ? null : h("p", { id: "left-reason", "data-reason": opts.reason }, leaveReasonText(opts.reason)),
        opts.room ? h("p", { class: "hint" }, "Room: ", h("strong", {}, opts.room)) : null,
        status,
        error,
        h("div", { class: "actions" }, home, stop, rejoin)
      )
    )
  );
  let disposed = false;
  let busy = false;
  let attempt = 0;
  let timer = 0;
  let ticker = 0;
  const since = Date.now();
  const clearTimers = () => {
    window.clearTimeout(timer);
    window.clearInterval(ticker);
  };
  const stopRetrying = () => {
    clearTimers();
    status.hidden = true;
    delete status.dataset.seconds;
    stop.hidden = true;
    rejoin.textContent = "Rejoin";
  };
  const scheduleRetry = (minMs = 0) => {
    if (Date.now() - since > RETRY_FOR_MS) {
      stopRetrying();
      return;
    }
    const delay = Math.max(retryDelay(attempt++), minMs);
    const at = Date.now() + delay;
    const paint = () => {
      const s = Math.max(0, Math.ceil((at - Date.now()) / 1e3));
      status.dataset.seconds = String(s);
      const text = `Rejoining in ${s} s…`;
      if (status.textContent !== text) status.textContent = text;
    };
    status.hidden = false;
    paint();
    ticker = window.setInterval(paint, 250);
    timer = window.setTimeout(() => void tryRejoin(), delay);
    stop.hidden = false;
    rejoin.textContent = "Rejoin now";
  };
  const tryRejoin = async () => {
    if (busy) return;
    busy = true;
    clearTimers();
    rejoin.disabled = true;
    stop.hidden = true;
    status.hidden = false;
    delete status.dataset.seconds;
    status.textContent = "Rejoining…";
    try {
      await opts.rejoin();
    } catch (err) {
      if (disposed) return;
      busy = false;
      rejoin.disabled = false;
      const e = err instanceof JoinError ? err : new JoinError(err instanceof Error ? err.message : String(err), false);
      error.textContent = e.message;
      error.hidden = false;
      if (e.retryable) scheduleRetry(e.retryAfter * 1e3);
      else stopRetrying();
    }
  };
  rejoin.addEventListener("click", () => void tryRejoin());
  stop.addEventListener("click", () => {
    stopRetrying();
    rejoin.focus();
  });
  home.addEventListener("click", () => opts.onHome());
  heading.focus();
  if (!selfLeft && retryable(opts.reason)) scheduleRetry();
  return () => {
    disposed = true;
    clearTimers();
  };
}

// app/src/lobby.ts
function statusText(s) {
  const line = s.position > 1 ? ` You are number ${s.position} in line.` : "";
  return s.status === "waiting_for_host" ? { title: "Waiting for the host", detail: `Nobody who can let you in has joined yet. You will be let in when a host or moderator arrives and admits you.${line}` } : { title: "Waiting to be let in", detail: `The host knows you are here and will let you in soon.${line}` };
}
function renderLobby(root2, opts, first) {
  const heading = h("h1", { id: "lobby-title", tabindex: -1 });
  const detail = h("p", { id: "lobby-detail" });
  const status = h("div", { id: "lobby-status", role: "status", "aria-live": "polite" }, h("span", { class: "spinner", "aria-hidden": "true" }), detail);
  const video = h("video", { id: "lobby-video", autoplay: true, playsinline: true, class: "mirror" });
  video.muted = true;
  if (opts.video && opts.video.readyState === "live") video.srcObject = new MediaStream([opts.video]);
  const leave = h("button", { type: "button", class: "btn btn-ghost", id: "lobby-leave" }, "Leave");
  const actions = h("div", { class: "actions" }, leave);
  const card = h(
    "section",
    { class: "card lobby-card", "aria-labelledby": "lobby-title", "data-status": first.status },
    heading,
    h("p", { class: "hint" }, "Meeting ", h("strong", { class: "room-name" }, opts.room), opts.name ? ` · you join as ${opts.name}` : ""),
    opts.video ? h("div", { class: "lobby-stage" }, video) : null,
    status,
    actions
  );
  root2.replaceChildren(h("div", { class: "page page-lobby" }, card));
  leave.addEventListener("click", () => {
    leave.disabled = true;
    opts.onLeave();
  });
  const update = (s) => {
    const t = statusText(s);
    card.dataset.status = s.status;
    card.dataset.position = String(s.position);
    if (heading.textContent !== t.title) heading.textContent = t.title;
    if (detail.textContent !== t.detail) detail.textContent = t.detail;
  };
  update(first);
  heading.focus();
  return {
    update,
    refused(code) {
      card.dataset.status = "refused";
      card.dataset.reason = code;
      video.srcObject = null;
      card.querySelector(".lobby-stage")?.remove();
      heading.textContent = code === "client_left" ? "You left the lobby" : "You were not let in";
      status.replaceChildren(h("p", { id: "lobby-reason", "data-reason": code }, code === "client_left" ? "You stopped waiting to join the meeting." : leaveReasonText(code)));
      const retry = h("button", { type: "button", class: "btn btn-primary", id: "lobby-retry" }, "Ask again");
      const home = h("button", { type: "button", class: "btn btn-ghost", id: "lobby-home" }, "Join another room");
      retry.addEventListener("click", () => opts.onRetry());
      home.addEventListener("click", () => opts.onHome());
      actions.replaceChildren(home, retry);
      heading.focus();
    },
    dispose() {
      video.srcObject = null;
    }
  };
}

// app/src/audio.ts
var RemoteAudio = class {
  /** The hidden box holding the <audio> elements. */
  box;
  /** "Your browser blocked the meeting audio" with its button. */
  banner;
  els = /* @__PURE__ */ new Map();
  constructor() {
    this.box = h("div", { id: "remote-audio", class: "visually-hidden", "aria-hidden": "true" });
    const unlock = h("button", { type: "button", class: "btn btn-primary", id: "audio-unlock" }, "Turn on sound");
    this.banner = h("div", { class: "banner", hidden: true }, "Your browser blocked the meeting audio. ", unlock);
    unlock.addEventListener("click", () => {
      this.banner.hidden = true;
      for (const el of this.els.values()) el.play().catch(() => {
        this.banner.hidden = false;
      });
    });
  }
  /** Plays exactly these tracks (keyed by track id). */
  sync(wanted) {
    for (const [id, el] of this.els) {
      if (wanted.get(id) !== el.srcObject?.getAudioTracks()[0]) {
        el.srcObject = null;
        el.remove();
        this.els.delete(id);
      }
    }
    for (const [id, track] of wanted) {
      if (this.els.has(id)) continue;
      const el = h("audio", { autoplay: true, "data-track-id": id });
      el.srcObject = new MediaStream([track]);
      this.els.set(id, el);
      this.box.append(el);
      el.play().catch((err) => {
        if (err instanceof DOMException && err.name === "NotAllowedError") this.banner.hidden = false;
      });
    }
  }
  dispose() {
    for (const el of this.els.values()) el.srcObject = null;
    this.els.clear();
  }
};

// app/src/icons.ts
var NS = "http://www.w3.org/2000/svg";
var MIC = [
  ["rect", { x: 9, y: 3, width: 6, height: 11, rx: 3 }],
  ["path", { d: "M5 11a7 7 0 0 0 14 0" }],
  ["line", { x1: 12, y1: 18, x2: 12, y2: 21 }]
];
var SLASH = ["line", { x1: 4, y1: 3, x2: 20, y2: 21 }];
var CAM = [
  ["rect", { x: 3, y: 6, width: 12, height: 12, rx: 2 }],
  ["path", { d: "M15 10l6-3v10l-6-3z" }]
];
var LOCK_BODY = ["rect", { x: 5, y: 11, width: 14, height: 10, rx: 2 }];
var ICONS = {
  mic: MIC,
  micOff: [...MIC, SLASH],
  camera: CAM,
  cameraOff: [...CAM, SLASH],
  screen: [
    ["rect", { x: 3, y: 4, width: 18, height: 12, rx: 1.5 }],
    ["line", { x1: 8, y1: 20, x2: 16, y2: 20 }],
    ["line", { x1: 12, y1: 16, x2: 12, y2: 20 }],
    ["polyline", { points: "9 11 12 8 15 11" }]
  ],
  chat: [["path", { d: "M4 5h16v11H9l-5 4z" }]],
  people: [
    ["circle", { cx: 9, cy: 8, r: 3.5 }],
    ["path", { d: "M2.5 20c.5-4 3.2-6 6.5-6s6 2 6.5 6" }],
    ["path", { d: "M16 4.8a3.5 3.5 0 0 1 0 6.4" }],
    ["path", { d: "M18 14.5c2 .8 3.2 2.7 3.5 5.5" }]
  ],
  leave: [
    ["path", { d: "M3 14c5-4.5 13-4.5 18 0l-2.5 3-3-1.5V13a12 12 0 0 0-7 0v2.5l-3 1.5z" }]
  ],
  settings: [
    ["line", { x1: 4, y1: 6, x2: 7, y2: 6 }],
    ["circle", { cx: 9, cy: 6, r: 2 }],
    ["line", { x1: 11, y1: 6, x2: 20, y2: 6 }],
    ["line", { x1: 4, y1: 12, x2: 13, y2: 12 }],
    ["circle", { cx: 15, cy: 12, r: 2 }],
    ["line", { x1: 17, y1: 12, x2: 20, y2: 12 }],
    ["line", { x1: 4, y1: 18, x2: 5, y2: 18 }],
    ["circle", { cx: 7, cy: 18, r: 2 }],
    ["line", { x1: 9, y1: 18, x2: 20, y2: 18 }]
  ],
  lock: [LOCK_BODY, ["path", { d: "M8 11V7a4 4 0 0 1 8 0v4" }]],
  lockOpen: [LOCK_BODY, ["path", { d: "M8 11V7a4 4 0 0 1 7.75-1.4" }]],
  check: [["polyline", { points: "5 12.5 10 17.5 19 7" }]],
  warning: [
    ["path", { d: "M12 3.5 2.5 20h19z" }],
    ["line", { x1: 12, y1: 10, x2: 12, y2: 14 }],
    ["line", { x1: 12, y1: 17, x2: 12, y2: 17.01 }]
  ],
  link: [
    ["path", { d: "M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1" }],
    ["path", { d: "M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" }]
  ]
};
function icon(name, cls = "icon") {
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", cls);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "2");
  svg.setAttribute("stroke-linecap", "round");
  svg.setAttribute("stroke-linejoin", "round");
  for (const [tag, attrs] of ICONS[name]) {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    svg.appendChild(el);
  }
  return svg;
}
function swapIcon(el, name) {
  const old = el.querySelector("svg");
  const cls = old?.getAttribute("class") ?? "icon";
  const next = icon(name, cls);
  if (old) old.replaceWith(next);
  else el.prepend(next);
}

// app/src/controls.ts
var NO_PUBLISH = "Your token does not allow sharing audio or video";
var ControlBar = class {
  el;
  mic;
  camera;
  settings;
  screen;
  chat;
  people;
  leave;
  badge;
  waitingBadge;
  constructor(actions) {
    this.mic = ctrl("mic-button", "Mute microphone", "Mute", "m", "mic");
    this.camera = ctrl("camera-button", "Stop camera", "Stop camera", "v", "camera");
    this.settings = ctrl("settings-button", null, "Settings", null, "settings");
    this.screen = ctrl("screen-button", "Share screen", "Share screen", "s", "screen");
    this.chat = ctrl("chat-button", "Chat", "Chat", "c", "chat");
    this.badge = h("span", { class: "badge", hidden: true, "aria-hidden": "true" });
    this.chat.append(this.badge);
    this.people = ctrl("participants-button", "Participants", "Participants", "p", "people");
    this.waitingBadge = h("span", { class: "badge badge-waiting", id: "waiting-badge", hidden: true, "aria-hidden": "true" });
    this.people.append(this.waitingBadge);
    this.leave = ctrl("leave-button", "Leave meeting", "Leave", null, "leave", "ctrl-leave");
    for (const b of [this.mic, this.camera, this.screen, this.chat, this.people]) setPressed(b, false);
    this.el = h(
      "section",
      { class: "controls", "aria-label": "Meeting controls" },
      h("div", { class: "controls-group" }, this.mic, this.camera, this.settings, this.screen),
      h("div", { class: "controls-group" }, this.chat, this.people),
      h("div", { class: "controls-group" }, this.leave)
    );
    this.mic.addEventListener("click", () => actions.mic());
    this.camera.addEventListener("click", () => actions.camera());
    this.screen.addEventListener("click", () => actions.screen());
    this.chat.addEventListener("click", () => actions.chat());
    this.people.addEventListener("click", () => actions.people());
    this.leave.addEventListener("click", () => actions.leave());
  }
  paint(s) {
    const key = (k) => s.shortcuts ? ` (${k})` : "";
    paintMedia(this.mic, s.micMuted, key("M"), s.micLocked ? { label: s.micAsked ? "Muted by the host: you asked to unmute" : "Muted by the host: ask to unmute", text: s.micAsked ? "Asked to unmute" : "Ask to unmute", icon: "micOff", locked: true } : s.micMuted ? { label: "Unmute microphone", text: "Unmute", icon: "micOff" } : { label: "Mute microphone", text: "Mute", icon: "mic" });
    paintMedia(this.camera, s.cameraOff, key("V"), s.cameraLocked ? { label: s.cameraAsked ? "Camera stopped by the host: you asked to start it" : "Camera stopped by the host: ask to start it", text: s.cameraAsked ? "Asked to start" : "Ask to start camera", icon: "cameraOff", locked: true } : s.cameraOff ? { label: "Start camera", text: "Start camera", icon: "cameraOff" } : { label: "Stop camera", text: "Stop camera", icon: "camera" });
    setPressed(this.screen, s.sharing);
    for (const b of [this.mic, this.camera, this.screen]) {
      b.disabled = !s.canPublish || !s.live;
      if (!s.canPublish) b.title = NO_PUBLISH;
    }
    if (s.canPublish) this.screen.title = (s.sharing ? "You are sharing: press to stop" : "Share screen") + key("S");
    this.chat.title = `Chat${key("C")}`;
    this.people.title = `Participants${key("P")}`;
    for (const [b, k] of [[this.mic, "m"], [this.camera, "v"], [this.screen, "s"], [this.chat, "c"], [this.people, "p"]]) {
      if (s.shortcuts) b.setAttribute("aria-keyshortcuts", k);
      else b.removeAttribute("aria-keyshortcuts");
    }
    this.settings.title = s.canPublish ? "Camera, microphone and keyboard settings" : `${NO_PUBLISH}; keyboard settings`;
  }
  /** Shows which side panel is open (the security panel has its button in the header). */
  setPanel(which) {
    setPressed(this.chat, which === "chat");
    setPressed(this.people, which === "people");
  }
  /** How many guests wait in the lobby, for those who may admit them. */
  setWaiting(n) {
    this.waitingBadge.hidden = n === 0;
    this.waitingBadge.textContent = n > 9 ? "9+" : String(n);
    this.people.setAttribute("aria-label", n > 0 ? `Participants, ${n} waiting to join` : "Participants");
  }
  setUnread(n) {
    this.badge.hidden = n === 0;
    this.badge.textContent = n > 9 ? "9+" : String(n);
    this.chat.setAttribute("aria-label", n > 0 ? `Chat, ${n} unread` : "Chat");
  }
};
function ctrl(id, label, text, key, ic, extra = "") {
  const name = label ?? text;
  return h(
    "button",
    {
      type: "button",
      id,
      class: `ctrl ${extra}`.trim(),
      "aria-label": label,
      title: key ? `${name} (${key.toUpperCase()})` : name,
      "aria-keyshortcuts": key
    },
    icon(ic),
    h("span", { class: "ctrl-label" }, text)
  );
}
function paintMedia(btn, off, key, v) {
  setPressed(btn, off);
  btn.classList.toggle("is-off", off);
  btn.dataset.hostMuted = String(!!v.locked);
  if (btn.dataset.icon !== v.icon) {
    btn.dataset.icon = v.icon;
    swapIcon(btn, v.icon);
  }
  btn.setAttribute("aria-label", v.label);
  btn.title = v.label + key;
  const text = btn.querySelector(".ctrl-label");
  if (text && text.textContent !== v.text) text.textContent = v.text;
}

// app/src/invite-link.ts
var INVITE_EXPIRIES2 = [
  { seconds: 3600, label: "1 hour" },
  { seconds: 86400, label: "1 day" },
  { seconds: 7 * 86400, label: "7 days" },
  { seconds: 30 * 86400, label: "30 days" }
];
var MAX_INVITE_USES = 1e3;
function guestLink(token) {
  return `${location.origin}/#join=${token}`;
}
function invitesPath(room) {
  return `/v1/meetings/${encodeURIComponent(room)}/invites`;
}
async function createInvite(room, req, bearer) {
  const r = await api("POST", invitesPath(room), req, bearer);
  if (typeof r?.token !== "string" || !r.token.startsWith("cmi1.")) throw new Error("The server sent no invite link.");
  return { invite: r.invite, link: guestLink(r.token) };
}
function inviteSummary(i) {
  const uses = i.max_uses === 1 ? "one person" : `up to ${i.max_uses} people`;
  const role = i.role === "viewer" ? "as viewers (they watch and listen)" : "as participants";
  const domain = i.email_domain ? `, who give an email address at ${i.email_domain}` : "";
  return `For ${uses}${domain}, ${role}, until ${when(i.expires_at)}. Where the meeting has a lobby, each waits there until a host or moderator lets them in.`;
}
var InvitePanel = class {
  constructor(deps) {
    this.deps = deps;
    const role = field("They join as", h(
      "select",
      { id: "invite-role" },
      h("option", { value: "participant", selected: true }, "Participants: speak and show video"),
      h("option", { value: "viewer" }, "Viewers: watch and listen only")
    ));
    const uses = field(
      "How many people can use it",
      input({ id: "invite-uses", type: "number", min: 1, max: MAX_INVITE_USES, step: 1, inputmode: "numeric", value: "1" }),
      `1 to ${MAX_INVITE_USES}. Each use lets one more guest in.`
    );
    uses.input.value = "1";
    const expiry = field("Link works for", h(
      "select",
      { id: "invite-expiry" },
      ...INVITE_EXPIRIES2.map((x) => h("option", { value: String(x.seconds), selected: x.seconds === 86400 }, x.label))
    ));
    const domain = field(
      "Email domain (optional)",
      input({ id: "invite-domain", autocomplete: "off", maxlength: 253, placeholder: "example.org" }),
      "Guests must give an email address at this domain. It is what they state: Conclave sends no email to check it."
    );
    const err = formError();
    err.id = "invite-error";
    const create2 = h("button", { type: "submit", class: "btn btn-primary", id: "invite-create" }, "Create invite link");
    const form = h(
      "form",
      { class: "inline-form invite-form", novalidate: true, "aria-label": "New invite link" },
      role.wrap,
      uses.wrap,
      expiry.wrap,
      domain.wrap,
      err,
      h("div", { class: "actions actions-left" }, create2)
    );
    this.result = h("div", { class: "section-slot", id: "invite-result" });
    this.list = h("div", { class: "invite-open", id: "invite-open" });
    this.el = h("div", { class: "invite-panel", id: "invite-panel", hidden: true }, form, this.result, this.list);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const n = Number(uses.input.value);
      const ok = Number.isInteger(n) && n >= 1 && n <= MAX_INVITE_USES;
      uses.setError(ok ? "" : `Enter a whole number from 1 to ${MAX_INVITE_USES}.`);
      const d = domain.input.value.trim().toLowerCase().replace(/^@/, "");
      const dOk = d === "" || /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d);
      domain.setError(dOk ? "" : "Enter a domain name such as example.org, without the part before “@”.");
      if (!ok) return uses.input.focus();
      if (!dOk) return domain.input.focus();
      const req = { role: role.input.value === "viewer" ? "viewer" : "participant", max_uses: n, expires_in: Number(expiry.input.value) };
      if (d) req.email_domain = d;
      void withBusy(create2, "Creating…", err, async () => {
        const { invite, link } = await createInvite(this.deps.room(), req, this.deps.token());
        this.showLink(invite, link);
        await this.load();
      });
    });
  }
  deps;
  el;
  result;
  list;
  get open() {
    return !this.el.hidden;
  }
  setOpen(open) {
    this.el.hidden = !open;
    if (open) {
      void this.load();
      this.el.querySelector("#invite-role")?.focus();
    }
  }
  showLink(invite, link) {
    this.result.replaceChildren(h(
      "div",
      { class: "one-time", role: "group", "aria-labelledby": "invite-link-title" },
      h("h4", { id: "invite-link-title", tabindex: -1 }, "Invite link"),
      h("p", { id: "invite-link-summary" }, inviteSummary(invite), " Send it over a channel you trust: whoever holds it can use it."),
      copyBox("Invite link", link, "guest-link")
    ));
    navigator.clipboard.writeText(link).then(
      () => notify("Invite link copied."),
      () => this.result.querySelector(".guest-link")?.select()
    );
    this.result.querySelector("#invite-link-title")?.focus();
  }
  /** Lists the room's links that still work, with "Revoke". */
  async load() {
    let invites;
    try {
      invites = (await api("GET", invitesPath(this.deps.room()), void 0, this.deps.token())).invites ?? [];
    } catch (e) {
      this.list.replaceChildren(h("p", { class: "form-error", role: "alert" }, `The open links could not be listed: ${errorText(e)}`));
      return;
    }
    const now = Date.now();
    const open = invites.filter((i) => !i.revoked_at && i.uses < i.max_uses && new Date(i.expires_at).getTime() > now);
    if (open.length === 0) {
      this.list.replaceChildren();
      return;
    }
    this.list.replaceChildren(h("h4", {}, "Links that still work"), h("ul", { class: "acct-list", id: "invite-list", "aria-label": "Invite links that still work" }, ...open.map((i) => {
      const err = formError();
      const revoke = button("Revoke", { class: "btn btn-ghost btn-small", "aria-label": `Revoke the link made ${when(i.created_at)}` });
      revoke.addEventListener("click", () => void withBusy(revoke, "Revoking…", err, async () => {
        await api("DELETE", `${invitesPath(this.deps.room())}/${encodeURIComponent(i.id)}`, {}, this.deps.token());
        notify("The link no longer works.");
        await this.load();
      }));
      return h(
        "li",
        { class: "acct-item", "data-invite": i.id },
        h(
          "div",
          { class: "item-main" },
          h("span", { class: "item-name" }, `${i.role === "viewer" ? "Viewers" : "Participants"} · ${i.uses} of ${i.max_uses} used`),
          h("span", { class: "item-meta" }, `${i.email_domain ? `@${i.email_domain} · ` : ""}until ${when(i.expires_at)}`)
        ),
        h("div", { class: "item-actions" }, revoke),
        err
      );
    })));
  }
};

// app/src/host.ts
var HostPanel = class {
  constructor(deps) {
    this.deps = deps;
    const { room } = deps;
    this.lock = button("Lock meeting", { id: "lock-button" });
    this.lobby = button("Turn lobby on", { id: "lobby-button", title: "Whether guests wait until a host or moderator admits them" });
    this.end = button("End for all", { id: "end-button" }, "danger");
    this.invite = button("Invite people", { id: "invite-people", "aria-expanded": "false", "aria-controls": "invite-panel" });
    this.password = button("Room password", { id: "password-button", "aria-expanded": "false" });
    this.slot = h("div", { class: "section-slot" });
    this.invites = new InvitePanel({ room: () => room.name, token: deps.token });
    this.el = h(
      "section",
      { class: "host-panel", id: "host-panel", "aria-labelledby": "host-title", hidden: true },
      h("h3", { id: "host-title" }, "Meeting controls"),
      h("div", { class: "host-actions" }, this.invite, this.lock, this.lobby, this.password, this.end),
      this.slot,
      this.invites.el
    );
    this.lock.addEventListener("click", () => {
      const locked = !room.locked;
      deps.act(locked ? "lock the meeting" : "unlock the meeting", () => room.lockMeeting(locked));
    });
    this.lobby.addEventListener("click", () => {
      const on = !room.lobbyOn;
      deps.act(on ? "turn the lobby on" : "turn the lobby off", () => room.setLobby(on));
    });
    this.end.addEventListener("click", () => this.confirmEnd());
    this.password.addEventListener("click", () => {
      if (this.slot.querySelector("#room-password")) this.slot.replaceChildren();
      else void this.passwordForm();
      this.password.setAttribute("aria-expanded", String(!!this.slot.querySelector("#room-password")));
    });
    this.invite.addEventListener("click", () => this.showInvites(!this.invites.open));
  }
  deps;
  el;
  invites;
  lock;
  lobby;
  end;
  invite;
  password;
  slot;
  /** Opens (or closes) "Invite people"; false when this participant may not share invites. */
  showInvites(open) {
    if (!this.deps.room.local.permissions.share_invite) return false;
    this.invites.setOpen(open);
    this.invite.setAttribute("aria-expanded", String(open));
    return true;
  }
  /** Shows what the participant's permissions allow, and the lock's state. */
  update() {
    const { room } = this.deps;
    const p = room.local.permissions;
    this.lock.hidden = !p.lock;
    this.lobby.hidden = !p.lock;
    this.end.hidden = !p.end_meeting;
    this.password.hidden = !p.lock;
    this.invite.hidden = !p.share_invite;
    if (!p.share_invite && this.invites.open) this.showInvites(false);
    if (!p.end_meeting && !p.lock) this.slot.replaceChildren();
    this.el.hidden = !p.lock && !p.end_meeting && !p.share_invite;
    const text = room.locked ? "Unlock meeting" : "Lock meeting";
    if (this.lock.textContent !== text) this.lock.textContent = text;
    this.lock.dataset.locked = String(room.locked);
    const lobbyText = room.lobbyOn ? "Turn lobby off" : "Turn lobby on";
    if (this.lobby.textContent !== lobbyText) this.lobby.textContent = lobbyText;
    this.lobby.dataset.lobby = String(room.lobbyOn);
  }
  /**
   * Sets or removes the room password through the REST API (its answer
   * says the change is stored; signaling's set_password has none), with
   * this participant's join token: the room decides on its role now.
   */
  async passwordForm() {
    const { room } = this.deps;
    const path = `/v1/rooms/${encodeURIComponent(room.name)}`;
    const state2 = h("p", { id: "password-state" }, "Checking whether the meeting has a password…");
    const pw = field(
      "New password",
      input({ id: "room-password", type: "password", autocomplete: "new-password", minlength: 8, maxlength: 128 }),
      "At least 8 characters. Guests who join from now on must give it; those already in stay. Share it apart from the invite link."
    );
    const err = formError();
    err.id = "password-error";
    const set = h("button", { type: "submit", class: "btn btn-primary btn-small", id: "password-set" }, "Set password");
    const clear = button("Remove the password", { id: "password-clear", class: "btn btn-ghost btn-small" });
    const close = button("Close", { class: "btn btn-ghost btn-small" });
    const form = h(
      "form",
      { class: "inline-form", novalidate: true, "aria-label": "Room password" },
      state2,
      pw.wrap,
      err,
      h("div", { class: "actions actions-left" }, set, clear, close)
    );
    this.slot.replaceChildren(form);
    close.addEventListener("click", () => {
      this.slot.replaceChildren();
      this.password.setAttribute("aria-expanded", "false");
      this.password.focus();
    });
    const show2 = (has) => {
      state2.dataset.password = String(!!has);
      state2.textContent = has ? "This meeting has a password." : "This meeting has no password.";
      clear.hidden = !has;
    };
    const send = (password, button2, busy) => withBusy(button2, busy, err, async () => {
      const info = await api("POST", `${path}/password`, { password }, this.deps.token());
      show2(info?.password);
      pw.input.value = "";
      notify(password ? "The password is set: guests who join from now on must give it." : "The meeting no longer has a password.");
    });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const v = pw.input.value;
      const n = Array.from(v).length;
      const ok = n >= 8 && new TextEncoder().encode(v).length <= 128 && !/[\u0000-\u001f\u007f]/.test(v);
      pw.setError(ok ? "" : "Use 8 to 128 characters, without line breaks.");
      if (!ok) return pw.input.focus();
      void send(v, set, "Setting…");
    });
    clear.addEventListener("click", () => void send("", clear, "Removing…"));
    pw.input.focus();
    try {
      show2((await api("GET", path, void 0, this.deps.token()))?.password);
    } catch (e) {
      state2.textContent = `Whether the meeting has a password could not be read: ${errorText(e)}`;
      clear.hidden = false;
    }
  }
  confirmEnd() {
    this.password.setAttribute("aria-expanded", "false");
    const yes = button("End the meeting", { id: "end-confirm" }, "danger");
    const no = button("Cancel");
    this.slot.replaceChildren(h(
      "div",
      { class: "confirm", role: "group", "aria-label": "End the meeting for everyone?" },
      h("p", {}, "End the meeting for everyone? Everyone is disconnected and the meeting closes."),
      h("div", { class: "actions actions-left" }, yes, no)
    ));
    no.addEventListener("click", () => {
      this.slot.replaceChildren();
      this.end.focus();
    });
    yes.addEventListener("click", () => {
      this.slot.replaceChildren();
      this.deps.act("end the meeting", () => this.deps.room.endMeeting());
    });
    no.focus();
  }
};
var LockBadge = class {
  el;
  constructor() {
    this.el = h(
      "span",
      { id: "meeting-lock", class: "lock-badge", hidden: true, title: "Nobody new can join until a host unlocks the meeting" },
      icon("lock"),
      h("span", {}, "Locked")
    );
  }
  paint(locked) {
    this.el.hidden = !locked;
    this.el.dataset.locked = String(locked);
  }
};

// app/src/lobby-list.ts
function waited(since, now = Date.now()) {
  const m = Math.floor(Math.max(0, now - since) / 6e4);
  return m < 1 ? "just now" : m === 1 ? "1 minute" : `${m} minutes`;
}
var LobbyList = class {
  constructor(room, act) {
    this.room = room;
    this.act = act;
    this.title = h("h3", { id: "lobby-list-title" }, "Waiting to join");
    this.list = h("ul", { class: "lobby-guests", id: "lobby-list", "aria-labelledby": "lobby-list-title" });
    const admitAll = button("Admit all", { id: "lobby-admit-all", class: "btn btn-primary btn-small" });
    const denyAll = button("Deny all", { id: "lobby-deny-all", class: "btn btn-ghost btn-small" });
    this.all = h("div", { class: "host-actions" }, admitAll, denyAll);
    this.el = h(
      "section",
      { class: "host-panel lobby-panel", id: "lobby-panel", "aria-labelledby": "lobby-list-title", hidden: true },
      this.title,
      this.list,
      this.all
    );
    admitAll.addEventListener("click", () => this.act("admit everyone waiting", () => this.room.admitAll()));
    denyAll.addEventListener("click", () => this.act("turn away everyone waiting", () => this.room.denyAll()));
  }
  room;
  act;
  el;
  title;
  list;
  all;
  rows = /* @__PURE__ */ new Map();
  /** How many wait (0 when this participant may not admit). */
  get count() {
    return this.room.local.permissions.admit ? this.room.lobby.size : 0;
  }
  /** Brings the list into view and puts the focus on the first Admit. */
  reveal() {
    this.el.scrollIntoView({ block: "nearest" });
    this.list.querySelector('[data-action="admit"]')?.focus();
  }
  render() {
    const guests = this.room.local.permissions.admit ? [...this.room.lobby.values()].sort((a, b) => a.since - b.since) : [];
    this.el.hidden = guests.length === 0;
    this.title.textContent = `Waiting to join (${guests.length})`;
    this.all.hidden = guests.length < 2;
    const seen = /* @__PURE__ */ new Set();
    let prev = null;
    for (const g of guests) {
      seen.add(g.id);
      let r = this.rows.get(g.id);
      if (!r) {
        r = this.makeRow(g);
        this.rows.set(g.id, r);
      }
      const how = g.member ? "A signed-in member, with an invite link" : g.invite ? "Came with an invite link" : "Came with a join token";
      const meta = `${how} · waiting ${waited(g.since)}`;
      if (r.meta.textContent !== meta) r.meta.textContent = meta;
      const want = prev ? prev.nextElementSibling : this.list.firstElementChild;
      if (want !== r.li) this.list.insertBefore(r.li, want);
      prev = r.li;
    }
    for (const [id, r] of this.rows) {
      if (seen.has(id)) continue;
      r.li.remove();
      this.rows.delete(id);
    }
  }
  makeRow(g) {
    const who = g.name || "A guest without a name";
    const admit = button("Admit", { class: "btn btn-primary btn-small", "data-action": "admit", "aria-label": `Admit ${who}` });
    const deny = button("Deny", { class: "btn btn-ghost btn-small", "data-action": "deny", "aria-label": `Deny ${who}` });
    admit.addEventListener("click", () => this.act(`admit ${who}`, () => this.room.admit(g.id)));
    deny.addEventListener("click", () => this.act(`turn ${who} away`, () => this.room.deny(g.id)));
    const meta = h("span", { class: "item-meta" });
    const li = h(
      "li",
      { class: "lobby-guest", "data-guest": g.id, "data-invite": String(g.invite), "data-member": String(g.member) },
      h("div", { class: "item-main" }, h("span", { class: "item-name" }, who), meta),
      h("div", { class: "item-actions" }, admit, deny)
    );
    return { li, meta };
  }
};

// app/src/media-actions.ts
import { DeviceError } from "/sdk/conclave.js";

// app/src/prefs.ts
var KEY = "conclave.prefs.v1";
var DEFAULTS = { name: "", cameraId: "", micId: "", cameraOn: true, micOn: true, shortcuts: true };
function loadPrefs() {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return { ...DEFAULTS };
    const v = JSON.parse(raw);
    return {
      name: typeof v.name === "string" ? v.name : DEFAULTS.name,
      cameraId: typeof v.cameraId === "string" ? v.cameraId : DEFAULTS.cameraId,
      micId: typeof v.micId === "string" ? v.micId : DEFAULTS.micId,
      cameraOn: typeof v.cameraOn === "boolean" ? v.cameraOn : DEFAULTS.cameraOn,
      micOn: typeof v.micOn === "boolean" ? v.micOn : DEFAULTS.micOn,
      shortcuts: typeof v.shortcuts === "boolean" ? v.shortcuts : DEFAULTS.shortcuts
    };
  } catch {
    return { ...DEFAULTS };
  }
}
function savePrefs(patch) {
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...loadPrefs(), ...patch }));
  } catch {
  }
}

// app/src/security.ts
function flagged(state2) {
  return state2 === "invalid" || state2 === "changed";
}
function keyState(s) {
  if (!s) return { state: "unverified", waiting: true };
  if (!s.valid) return { state: "invalid", waiting: false };
  return { state: s.changed ? "changed" : s.verified ? "verified" : "unverified", waiting: !s.hasKey };
}
var KEY_TEXT = {
  invalid: "Keys do not verify",
  changed: "Identity key changed since you last met",
  verified: "Verified",
  unverified: "Not verified"
};
var KEY_DETAIL = {
  invalid: "Their keys are not signed by their identity key, so their audio, video and messages cannot be decrypted.",
  changed: "This can be a new device or browser, or someone pretending to be them. Compare the safety code before you trust it.",
  verified: "",
  unverified: ""
};
var TEXT = {
  e2ee: "End-to-end encrypted",
  plain: "Not end-to-end encrypted"
};
var SecurityIndicator = class {
  el;
  text;
  badge;
  constructor(onClick) {
    this.text = h("span", { class: "security-text" });
    this.badge = h("span", { class: "security-badge", "aria-hidden": "true", hidden: true });
    this.el = h(
      "button",
      { type: "button", id: "security-button", class: "security-indicator", "aria-controls": "security-panel", "aria-expanded": "false" },
      icon("lockOpen"),
      this.text,
      this.badge
    );
    this.el.addEventListener("click", onClick);
  }
  /** flaggedCount: participants whose keys do not verify or changed. */
  paint(e2ee, flaggedCount) {
    const text = e2ee ? TEXT.e2ee : TEXT.plain;
    const ic = e2ee ? "lock" : "lockOpen";
    if (this.el.dataset.icon !== ic) {
      this.el.dataset.icon = ic;
      swapIcon(this.el, ic);
    }
    this.el.dataset.e2ee = String(e2ee);
    this.el.dataset.flagged = String(flaggedCount);
    if (this.text.textContent !== text) this.text.textContent = text;
    this.badge.hidden = flaggedCount === 0;
    if (flaggedCount > 0) this.el.setAttribute("aria-label", `${text}: ${flaggedCount === 1 ? "1 participant needs" : `${flaggedCount} participants need`} attention`);
    else this.el.removeAttribute("aria-label");
    this.el.title = e2ee ? "Only the participants can decrypt audio, video and chat: open to compare the safety code" : "The server can access audio, video and chat: open for details";
  }
  setExpanded(open) {
    this.el.setAttribute("aria-expanded", String(open));
  }
};
var SecurityPanel = class {
  constructor(deps, closeButton) {
    this.deps = deps;
    this.lead = h("p", { id: "security-lead", class: "security-lead" });
    this.code = h("p", { id: "safety-code", class: "safety-code", "aria-live": "polite", "aria-atomic": "true" });
    this.memory = h(
      "p",
      { id: "identity-memory", class: "security-note", hidden: true },
      "This browser cannot store your identity key, so it lasts for this page only. When you join again, the others may be told that your identity key changed."
    );
    this.list = h("ul", { id: "key-list", class: "key-list", "aria-labelledby": "keys-title" });
    this.alone = h("p", { class: "hint" }, "Nobody else is here yet.");
    this.attention = h("p", { id: "security-attention", class: "security-attention", hidden: true });
    this.e2eeBox = h(
      "div",
      { class: "security-body", hidden: true },
      this.attention,
      h("h3", { id: "safety-code-title" }, "Safety code"),
      this.code,
      h(
        "p",
        { id: "safety-code-help" },
        "Compare this code with everyone, by voice or on video. If it is the same on every screen, and everyone listed below is someone you expect, nobody else — not even the server — can listen in or read the chat. It changes whenever someone joins or leaves."
      ),
      h("h3", { id: "keys-title" }, "Participants’ keys"),
      this.alone,
      this.list,
      h("h3", {}, "What this means"),
      h("p", {}, "Audio, video and chat are encrypted on each participant’s device and decrypted only on the others’. The server passes them on but cannot decrypt them."),
      this.memory
    );
    this.plainBox = h(
      "div",
      { class: "security-body", hidden: true },
      h("p", {}, "Audio, video and chat are encrypted on their way to and from the server, but the server decrypts them to pass them on, so whoever runs the server can access them."),
      h("p", { class: "hint" }, "A room that requires end-to-end encryption keeps them from the server. The server’s administrator decides which rooms do.")
    );
    this.el = h(
      "aside",
      { id: "security-panel", class: "panel security-panel", "aria-labelledby": "security-title", hidden: true },
      h("div", { class: "panel-head" }, h("h2", { id: "security-title" }, "Security"), closeButton),
      h("div", { class: "security-scroll" }, this.lead, this.e2eeBox, this.plainBox)
    );
  }
  deps;
  el;
  lead;
  e2eeBox;
  plainBox;
  code;
  memory;
  attention;
  list;
  alone;
  rows = /* @__PURE__ */ new Map();
  codeAsked = 0;
  get open() {
    return !this.el.hidden;
  }
  setOpen(open) {
    this.el.hidden = !open;
  }
  render(v) {
    this.el.dataset.e2ee = String(v.e2ee);
    this.e2eeBox.hidden = !v.e2ee;
    this.plainBox.hidden = v.e2ee;
    const lead = v.e2ee ? "This meeting is end-to-end encrypted." : "This meeting is not end-to-end encrypted.";
    if (this.lead.dataset.e2ee !== String(v.e2ee)) {
      this.lead.dataset.e2ee = String(v.e2ee);
      this.lead.replaceChildren(icon(v.e2ee ? "lock" : "lockOpen"), h("span", {}, lead));
    }
    this.memory.hidden = !v.memoryOnly;
    const names = v.e2ee ? v.keys.filter((k) => flagged(k.state)).map((k) => k.name) : [];
    const attention = names.length === 0 ? "" : `${names.join(", ")} ${names.length === 1 ? "needs" : "need"} your attention: see “Participants’ keys”.`;
    if (this.attention.textContent !== attention) this.attention.textContent = attention;
    this.attention.hidden = attention === "";
    this.renderKeys(v.e2ee ? v.keys : []);
    this.alone.hidden = v.keys.length > 0;
    this.refreshCode(v.e2ee);
  }
  /** Asks the SDK for the safety code again; only the latest answer is shown. */
  refreshCode(e2ee) {
    const asked = ++this.codeAsked;
    const show2 = (code) => {
      if (asked !== this.codeAsked || this.code.dataset.code === code) return;
      this.code.dataset.code = code;
      if (code === "") {
        this.code.replaceChildren(h("span", { class: "hint" }, e2ee ? "Working out the safety code…" : ""));
        return;
      }
      this.code.replaceChildren(...code.split(" ").map((g) => h("span", { class: "code-group" }, g)));
    };
    if (!e2ee) {
      show2("");
      return;
    }
    this.deps.safetyCode().then(show2, () => show2(""));
  }
  renderKeys(keys) {
    const seen = /* @__PURE__ */ new Set();
    let prev = null;
    for (const k of keys) {
      seen.add(k.id);
      let row = this.rows.get(k.id);
      if (!row) {
        row = this.makeRow(k);
        this.rows.set(k.id, row);
      }
      row.view = k;
      updateRow(row, k);
      const want = prev ? prev.nextElementSibling : this.list.firstElementChild;
      if (want !== row.li) this.list.insertBefore(row.li, want);
      prev = row.li;
    }
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.li.remove();
        this.rows.delete(id);
      }
    }
  }
  makeRow(k) {
    const avatar = h("span", { class: "avatar avatar-small", "aria-hidden": "true" });
    const name = h("span", { class: "key-name" });
    const who = h("span", { class: "key-who" });
    const stateText = h("span", {});
    const state2 = h("span", { class: "key-state" }, icon("check"), stateText);
    const waiting = h("span", { class: "key-waiting" }, "Waiting for keys");
    const detail = h("p", { class: "key-detail" });
    const button2 = h("button", { type: "button", class: "btn btn-ghost btn-small verify-btn" });
    const li = h(
      "li",
      { class: "key-row", "data-participant-id": k.id, "data-identity": k.identity },
      avatar,
      h("div", { class: "key-main" }, name, who, h("div", { class: "key-states" }, state2, waiting), detail, button2)
    );
    const row = { li, avatar, name, who, state: state2, stateText, waiting, detail, button: button2, view: k };
    button2.addEventListener("click", () => this.deps.markVerified(row.view.id, row.view.state !== "verified"));
    return row;
  }
};
function fingerprint(hex) {
  return (hex.slice(0, 16).match(/.{1,4}/g) ?? []).join(" ");
}
function updateRow(r, k) {
  if (r.name.textContent !== k.name) {
    r.name.textContent = k.name;
    r.avatar.textContent = initials(k.name);
    r.avatar.style.setProperty("--hue", String(hueOf(k.identity)));
  }
  if (r.li.dataset.keyState !== k.state) {
    r.li.dataset.keyState = k.state;
    r.stateText.textContent = KEY_TEXT[k.state];
    swapIcon(r.state, k.state === "verified" ? "check" : k.state === "unverified" ? "lock" : "warning");
    r.detail.textContent = KEY_DETAIL[k.state];
    r.detail.hidden = KEY_DETAIL[k.state] === "";
  }
  const who = k.identityKey === "" ? k.identity : `${k.identity} · key ${fingerprint(k.identityKey)}`;
  if (r.who.textContent !== who) r.who.textContent = who;
  r.li.dataset.waiting = String(k.waiting);
  r.waiting.hidden = !k.waiting;
  r.li.dataset.identityKey = k.identityKey;
  r.button.hidden = k.state === "invalid" || k.identityKey === "";
  const text = k.state === "verified" ? "Unmark" : "Mark as verified";
  const label = k.state === "verified" ? `Unmark as verified: ${k.name}` : `Mark as verified: ${k.name}`;
  if (r.button.textContent !== text) r.button.textContent = text;
  if (r.button.getAttribute("aria-label") !== label) r.button.setAttribute("aria-label", label);
}
var KeyWarnings = class {
  constructor(details) {
    this.details = details;
  }
  details;
  told = /* @__PURE__ */ new Set();
  check(keys) {
    for (const k of keys) {
      if (!flagged(k.state)) continue;
      const key = `${k.state}
${k.identity}
${k.identityKey}`;
      if (this.told.has(key)) continue;
      this.told.add(key);
      if (k.state === "invalid") {
        notify(`${k.name}’s keys do not verify: their audio, video and messages cannot be decrypted.`, "error", 15e3, this.details);
      } else {
        notify(`${k.name}’s identity key changed since you last met: a new device, or someone else. Compare the safety code.`, "warn", 15e3, this.details);
      }
    }
  }
};
function errorSender(message) {
  return /\bfrom (\S+) /.exec(message)?.[1] ?? null;
}

// app/src/view.ts
function localTrack(room, source2) {
  return room.localTracks().find((t) => t.source === source2);
}
function ownMedia(room) {
  const mic = localTrack(room, "microphone");
  const cam = localTrack(room, "camera");
  return {
    micMuted: !mic || mic.muted || mic.track.readyState === "ended",
    cameraOff: !cam || cam.muted || cam.track.readyState === "ended",
    sharing: !!localTrack(room, "screen"),
    micLocked: !!mic?.mutedByHost,
    cameraLocked: !!cam?.mutedByHost
  };
}
function remoteState(p) {
  const mics = p.tracks.filter((t) => t.source === "microphone");
  const cams = p.tracks.filter((t) => t.source === "camera");
  return { micMuted: mics.length === 0 || mics.every((t) => t.muted), cameraOff: cams.length === 0 || cams.every((t) => t.muted) };
}
function meetingView(room, names, quality) {
  const me = room.local;
  const remotes = [...room.participants.values()].sort((a, b) => a.joined_at - b.joined_at || a.id.localeCompare(b.id));
  names.update([me, ...remotes]);
  const own = ownMedia(room);
  const cam = localTrack(room, "camera");
  const screen = localTrack(room, "screen");
  const screens = [];
  const cams = [];
  const persons = [];
  const myName = names.of(me.id);
  const q = (id) => quality.get(id) ?? null;
  if (screen) {
    screens.push({ participantId: me.id, identity: me.identity, name: myName, source: "screen", local: true, track: screen.track, micMuted: false, cameraOff: false, hostMuted: false, quality: null });
  }
  cams.push({
    participantId: me.id,
    identity: me.identity,
    name: myName,
    source: "camera",
    local: true,
    track: own.cameraOff || !cam ? null : cam.track,
    micMuted: own.micMuted,
    cameraOff: own.cameraOff,
    hostMuted: own.micLocked || own.cameraLocked,
    quality: q(me.id)
  });
  persons.push({
    id: me.id,
    identity: me.identity,
    name: myName,
    local: true,
    micMuted: own.micMuted,
    cameraOff: own.cameraOff,
    sharing: own.sharing,
    quality: q(me.id),
    key: null,
    role: me.role,
    member: me.member === true,
    mic: null,
    camera: null
  });
  const e2ee = room.e2ee;
  const keys = [];
  const audio = /* @__PURE__ */ new Map();
  for (const p of remotes) {
    const name = names.of(p.id);
    const st = remoteState(p);
    const rts = room.remoteTracks(p.id).filter((r) => r.track.readyState !== "ended");
    const infoOf = (id) => p.tracks.find((t) => t.id === id);
    const camRt = rts.find((r) => r.info.source === "camera" && r.track.kind === "video");
    const screenInfo = p.tracks.find((t) => t.source === "screen");
    const screenRt = rts.find((r) => r.info.source === "screen" && r.track.kind === "video");
    cams.push({
      participantId: p.id,
      identity: p.identity,
      name,
      source: "camera",
      local: false,
      track: !st.cameraOff && camRt && !infoOf(camRt.info.id)?.muted ? camRt.track : null,
      micMuted: st.micMuted,
      cameraOff: st.cameraOff,
      hostMuted: false,
      quality: q(p.id)
    });
    if (screenInfo || screenRt) {
      const muted = screenInfo?.muted ?? false;
      screens.push({
        participantId: p.id,
        identity: p.identity,
        name,
        source: "screen",
        local: false,
        track: screenRt && !muted ? screenRt.track : null,
        micMuted: false,
        cameraOff: false,
        hostMuted: false,
        quality: null
      });
    }
    let key = null;
    if (e2ee) {
      const status = room.e2eeStatus(p.id);
      key = { id: p.id, identity: p.identity, name, ...keyState(status), identityKey: status?.identityKey ?? "" };
      keys.push(key);
    }
    persons.push({
      id: p.id,
      identity: p.identity,
      name,
      local: false,
      ...st,
      sharing: !!(screenInfo || screenRt),
      quality: q(p.id),
      key: key?.state ?? null,
      role: p.role,
      member: p.member === true,
      mic: p.tracks.find((t) => t.source === "microphone") ?? null,
      camera: p.tracks.find((t) => t.source === "camera") ?? null
    });
    for (const r of rts) if (r.track.kind === "audio") audio.set(r.info.id || r.track.id, r.track);
  }
  return {
    tiles: [...screens, ...cams],
    people: [persons[0], ...persons.slice(1).sort((a, b) => a.name.localeCompare(b.name))],
    audio,
    own,
    alone: remotes.length === 0,
    security: { e2ee, memoryOnly: room.identityStorage === "memory", keys: keys.sort((a, b) => a.name.localeCompare(b.name)) },
    flagged: keys.filter((k) => flagged(k.state)).length
  };
}

// app/src/media-actions.ts
var ASKED_MS = 15e3;
var MediaActions = class {
  /** changed is called whenever what we publish may have changed. */
  constructor(room, changed) {
    this.room = room;
    this.changed = changed;
  }
  room;
  changed;
  busy = /* @__PURE__ */ new Set();
  /** When we last asked the host to lift their mute, per device. */
  askedAt = /* @__PURE__ */ new Map();
  /** Runs one action per key at a time, marking its button busy meanwhile. */
  async guarded(key, btn, fn) {
    if (this.busy.has(key) || btn.disabled) return;
    this.busy.add(key);
    btn.setAttribute("aria-busy", "true");
    try {
      await fn();
    } finally {
      this.busy.delete(key);
      btn.removeAttribute("aria-busy");
      this.changed();
    }
  }
  async startDevice(kind, deviceId) {
    const room = this.room;
    const publish = (id) => kind === "camera" ? room.publishCamera(id ? { deviceId: id } : {}) : room.publishMicrophone(id ? { deviceId: id } : {});
    try {
      try {
        await publish(deviceId || void 0);
      } catch (err) {
        if (deviceId && err instanceof DeviceError && err.kind === "not_found") await publish();
        else throw err;
      }
    } catch (err) {
      notify(deviceErrorText(kind, err instanceof DeviceError ? err.kind : void 0), "error");
    }
  }
  /** Whether we asked the host to lift their mute of this device a moment ago. */
  asked(kind) {
    return Date.now() - (this.askedAt.get(kind) ?? -Infinity) < ASKED_MS;
  }
  /** The host lifted (or set) their mute: a new request may be made. */
  forgetAsk(kind) {
    this.askedAt.delete(kind);
  }
  /**
   * Mutes or unmutes a live track; publishes the device afresh when its
   * track ended or was never published. A track the host muted cannot be
   * unmuted: the press asks the host instead.
   */
  toggleDevice(kind, btn) {
    return this.guarded(kind, btn, async () => {
      const t = localTrack(this.room, kind);
      if (t?.mutedByHost) {
        if (this.asked(kind)) {
          notify("You have asked the host; they decide.", "info", 4e3);
          return;
        }
        try {
          await this.room.requestUnmute(t);
        } catch (e) {
          notify(`Could not ask the host: ${e instanceof Error ? e.message : String(e)}`, "error");
          return;
        }
        this.askedAt.set(kind, Date.now());
        notify(`You asked the host to let you ${kind === "camera" ? "start your camera" : "unmute"}.`, "info", 5e3);
        window.setTimeout(this.changed, ASKED_MS + 50);
        return;
      }
      if (t && t.track.readyState !== "ended") {
        await this.room.setMuted(t, !t.muted).catch((e) => notify(`Could not change the ${kind}: ${String(e)}`, "error"));
        return;
      }
      if (t) await this.room.unpublish(t).catch(() => {
      });
      const prefs = loadPrefs();
      await this.startDevice(kind, kind === "camera" ? prefs.cameraId : prefs.micId);
    });
  }
  toggleMic(btn) {
    return this.toggleDevice("microphone", btn);
  }
  toggleCamera(btn) {
    return this.toggleDevice("camera", btn);
  }
  async stopScreen() {
    for (const t of this.room.localTracks()) {
      if (t.source === "screen" || t.source === "screen_audio") await this.room.unpublish(t).catch(() => {
      });
    }
  }
  toggleScreen(btn) {
    return this.guarded("screen", btn, async () => {
      if (localTrack(this.room, "screen")) return this.stopScreen();
      try {
        const t = await this.room.publishScreen();
        t.track.addEventListener("ended", () => void this.stopScreen().then(this.changed), { once: true });
      } catch (err) {
        const cancelled = err instanceof DOMException && (err.name === "NotAllowedError" || err.name === "AbortError") || err instanceof DeviceError && err.kind === "permission_denied";
        if (err instanceof DeviceError && err.kind === "insecure_context") notify(deviceErrorText("camera", "insecure_context"), "error");
        else if (!cancelled) notify(`Screen sharing failed: ${err instanceof Error ? err.message : String(err)}`, "error");
      }
    });
  }
  /**
   * Publishes the choice made in the preview. A device that is on but comes
   * without a live track (a rejoin, or a preview that had not started it) is
   * started here, unless choice.failed says it could not be started: then the
   * user is told why.
   */
  async publishInitial(choice) {
    const room = this.room;
    if (!room.local.permissions.publish) {
      choice.video?.stop();
      choice.audio?.stop();
      notify("You can watch and listen; your token does not allow sharing audio or video.", "info", 8e3);
      return;
    }
    const tasks = [];
    const failed = choice.failed ?? {};
    for (const kind of ["microphone", "camera"]) {
      const text = failed[kind];
      if (text) notify(`${text}. You joined without your ${kind}; use the ${kind} button to try again.`, "error", 1e4);
    }
    const audio = choice.audio?.readyState === "live" ? choice.audio : null;
    if (audio) {
      audio.enabled = choice.micOn;
      tasks.push(
        room.publishTrack(audio, "microphone").then(async (t) => {
          if (!choice.micOn) await room.setMuted(t, true);
        })
      );
    } else {
      choice.audio?.stop();
      if (choice.micOn && !failed.microphone) tasks.push(this.startDevice("microphone", choice.micId));
    }
    const video = choice.cameraOn && choice.video?.readyState === "live" ? choice.video : null;
    if (video) tasks.push(room.publishTrack(video, "camera").then(() => {
    }));
    else {
      choice.video?.stop();
      if (choice.cameraOn && !failed.camera) tasks.push(this.startDevice("camera", choice.cameraId));
    }
    const results = await Promise.allSettled(tasks);
    for (const r of results) {
      if (r.status === "rejected") notify(`Could not share your media: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`, "error");
    }
    this.changed();
  }
};

// app/src/moderation.ts
var RANK = { viewer: 0, participant: 1, moderator: 2, host: 3 };
var ROLES = ["host", "moderator", "participant", "viewer"];
function rankOf(role) {
  return RANK[role ?? "participant"] ?? RANK.participant;
}
var GUEST_PREFIX = "guest_";
var BAN_DURATIONS = [
  { seconds: 3600, label: "for 1 hour" },
  { seconds: 86400, label: "for 1 day" },
  { seconds: 7 * 86400, label: "for 7 days" },
  { seconds: 0, label: "for as long as this meeting lasts" }
];
function allowed(room, t) {
  const me = room.local;
  const mine = rankOf(me.role);
  const none = { mute: false, roles: [], remove: false, ban: false };
  if (t.local || rankOf(t.role) >= mine) return none;
  const p = me.permissions;
  return {
    mute: !!p.mute_others,
    roles: p.change_roles ? ROLES.filter((r) => RANK[r] <= mine && r !== (t.role ?? "participant")) : [],
    remove: !!p.remove,
    ban: !!p.ban
  };
}
var PersonActions = class {
  constructor(room, act) {
    this.room = room;
    this.act = act;
    this.toggle = h("button", { type: "button", class: "icon-btn person-more", "aria-expanded": "false", hidden: true }, "⋯");
    this.mic = button("Mute microphone", { class: "btn btn-ghost btn-small", "data-action": "mute-mic" });
    this.camera = button("Stop camera", { class: "btn btn-ghost btn-small", "data-action": "mute-camera" });
    for (const r of ROLES) this.roles.set(r, button(`Make ${ROLE_TEXT[r].toLowerCase()}`, { class: "btn btn-ghost btn-small", "data-action": `role-${r}` }));
    this.remove = button("Remove from meeting", { class: "btn btn-ghost btn-small", "data-action": "remove" });
    this.ban = button("Remove and ban…", { class: "btn btn-ghost btn-small", "data-action": "ban" });
    this.items = h("div", { class: "person-menu-items" }, this.mic, this.camera, ...this.roles.values(), this.remove, this.ban);
    this.slot = h("div", { class: "section-slot" });
    this.menu = h("div", { class: "person-menu", role: "group", hidden: true }, this.items, this.slot);
    this.toggle.addEventListener("click", () => this.setOpen(this.toggle.getAttribute("aria-expanded") !== "true"));
    this.menu.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      e.stopPropagation();
      this.setOpen(false);
      this.toggle.focus();
    });
    this.mic.addEventListener("click", () => this.mute("microphone"));
    this.camera.addEventListener("click", () => this.mute("camera"));
    for (const [r, b] of this.roles) {
      b.addEventListener("click", () => {
        const t = this.target;
        if (!t) return;
        this.close();
        this.act(`make ${t.name} ${r === "participant" ? "a participant" : `a ${r}`}`, () => this.room.setRole(t.id, r));
      });
    }
    this.remove.addEventListener("click", () => this.confirmRemove());
    this.ban.addEventListener("click", () => this.confirmBan());
  }
  room;
  act;
  toggle;
  menu;
  items;
  slot;
  mic;
  camera;
  roles = /* @__PURE__ */ new Map();
  remove;
  ban;
  target = null;
  /** Shows the button and the items t allows; hides all when there are none. */
  update(t) {
    this.target = t;
    const a = allowed(this.room, t);
    const any = a.mute || a.roles.length > 0 || a.remove || a.ban;
    this.toggle.hidden = !any;
    this.toggle.setAttribute("aria-label", `Actions for ${t.name}`);
    this.toggle.title = `Actions for ${t.name}`;
    this.menu.setAttribute("aria-label", `Actions for ${t.name}`);
    if (!any) {
      this.setOpen(false);
      return;
    }
    paintMute(this.mic, a.mute ? t.mic : null, "Mute microphone", "Let them unmute");
    paintMute(this.camera, a.mute ? t.camera : null, "Stop camera", "Let them start camera");
    for (const [r, b] of this.roles) b.hidden = !a.roles.includes(r);
    this.remove.hidden = !a.remove;
    this.ban.hidden = !a.ban;
  }
  setOpen(open) {
    if (open === !this.menu.hidden) return;
    this.menu.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    if (!open) this.slot.replaceChildren();
    else {
      this.menu.scrollIntoView({ block: "nearest" });
      this.items.querySelector("button:not([hidden])")?.focus();
    }
  }
  close() {
    this.setOpen(false);
    this.toggle.focus();
  }
  mute(source2) {
    const t = this.target;
    const track = source2 === "microphone" ? t?.mic : t?.camera;
    if (!t || !track) return;
    const lift = !!track.muted_by_host;
    const what = source2 === "microphone" ? lift ? `let ${t.name} unmute` : `mute ${t.name}` : lift ? `let ${t.name} start their camera` : `stop the camera of ${t.name}`;
    this.close();
    this.act(what, () => this.room.muteParticipant(t.id, track.id, !lift));
  }
  confirmRemove() {
    const t = this.target;
    if (!t) return;
    const yes = button("Remove", { "data-action": "confirm-remove" }, "danger");
    const no = button("Cancel");
    this.slot.replaceChildren(h(
      "div",
      { class: "confirm", role: "group", "aria-label": `Remove ${t.name}?` },
      h("p", {}, `Remove ${t.name} from the meeting? The link or token they joined with stops working.`),
      h("div", { class: "actions actions-left" }, yes, no)
    ));
    no.addEventListener("click", () => this.slot.replaceChildren());
    yes.addEventListener("click", () => {
      this.close();
      this.act(`remove ${t.name}`, () => this.room.removeParticipant(t.id));
    });
    no.focus();
  }
  confirmBan() {
    const t = this.target;
    if (!t) return;
    const duration2 = h(
      "select",
      { class: "select-small", "aria-label": `How long ${t.name} is banned`, "data-field": "ban-duration" },
      ...BAN_DURATIONS.map((d) => h("option", { value: String(d.seconds) }, d.label))
    );
    const yes = button("Remove and ban", { "data-action": "confirm-ban" }, "danger");
    const no = button("Cancel");
    this.slot.replaceChildren(h(
      "div",
      { class: "confirm", role: "group", "aria-label": `Ban ${t.name}?` },
      h("p", {}, `Remove ${t.name} and refuse them, whatever token they come back with:`),
      duration2,
      guestNote(t),
      h("div", { class: "actions actions-left" }, yes, no)
    ));
    no.addEventListener("click", () => this.slot.replaceChildren());
    yes.addEventListener("click", () => {
      const seconds = Number(duration2.value);
      this.close();
      this.act(`ban ${t.name}`, () => this.room.removeParticipant(t.id, { duration: seconds }));
    });
    duration2.focus();
  }
};
function guestNote(t) {
  if (!t.identity.startsWith(GUEST_PREFIX)) return null;
  return h("p", { class: "hint" }, "Someone who came with an invite link can use it again as a new guest while it has uses left: revoke the link under “Invite people” to keep them out.");
}
function paintMute(b, track, mute, lift) {
  b.hidden = !track;
  if (!track) return;
  const text = track.muted_by_host ? lift : mute;
  if (b.textContent !== text) b.textContent = text;
}

// app/src/names.ts
var DisplayNames = class {
  assigned = /* @__PURE__ */ new Map();
  present = /* @__PURE__ */ new Set();
  /**
   * p is someone we knew as oldId, back under a new id (a fresh join after a
   * server restart): they keep their label unless someone present took it.
   */
  carry(p, oldId) {
    const a = oldId ? this.assigned.get(oldId) : void 0;
    if (!a || a.base !== baseName(p)) return;
    for (const id of this.present) {
      const b = this.assigned.get(id);
      if (id !== p.id && b && b.base === a.base && b.n === a.n) return;
    }
    this.assigned.set(p.id, { ...a });
  }
  /** Notes the participants present now: the local one first, then the others in the order the room gave them. */
  update(present) {
    const list = [...present];
    const local = list[0]?.id;
    const sorted = list.sort((a, b) => a.joined_at - b.joined_at || (a.id === local ? 1 : 0) - (b.id === local ? 1 : 0));
    this.present = new Set(sorted.map((p) => p.id));
    const used = /* @__PURE__ */ new Map();
    const usedFor = (base) => {
      let set = used.get(base);
      if (!set) used.set(base, set = /* @__PURE__ */ new Set());
      return set;
    };
    for (const p of sorted) {
      const a = this.assigned.get(p.id);
      if (a && a.base === baseName(p)) usedFor(a.base).add(a.n);
    }
    for (const p of sorted) {
      const base = baseName(p);
      const a = this.assigned.get(p.id);
      if (a && a.base === base) continue;
      const taken = usedFor(base);
      let n = 1;
      while (taken.has(n)) n++;
      taken.add(n);
      this.assigned.set(p.id, { base, n });
    }
  }
  /** The label to show for a participant id. */
  of(id) {
    const a = this.assigned.get(id);
    if (!a) return "Someone who left";
    return a.n === 1 ? a.base : `${a.base} (${a.n})`;
  }
};
function baseName(p) {
  return p.name || p.identity;
}

// app/src/chat.ts
var MAX_CHARS = 2e3;
var ChatPanel = class {
  constructor(deps, closeButton) {
    this.deps = deps;
    this.list = h("ol", { class: "chat-list", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "Messages" });
    this.empty = h("p", { class: "chat-empty hint" }, "No messages yet. Messages are visible to everyone in the meeting.");
    this.input = h("textarea", { id: "chat-input", rows: 2, maxlength: MAX_CHARS, "aria-label": "Message", placeholder: "Send a message to everyone" });
    this.sendBtn = h("button", { id: "chat-send", type: "submit", class: "btn btn-primary" }, "Send");
    this.error = h("p", { class: "form-error", role: "alert", hidden: true });
    const form = h("form", { class: "chat-form" }, this.input, this.sendBtn);
    this.el = h(
      "aside",
      { id: "chat-panel", class: "panel", "aria-labelledby": "chat-title", hidden: true },
      h("div", { class: "panel-head" }, h("h2", { id: "chat-title" }, "Chat"), closeButton),
      h("div", { class: "chat-scroll" }, this.empty, this.list),
      this.error,
      form
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.submit();
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        void this.submit();
      }
    });
  }
  deps;
  el;
  input;
  list;
  sendBtn;
  empty;
  error;
  unread = 0;
  onUnreadChange = () => {
  };
  refreshPermission() {
    const ok = this.deps.canSend();
    this.input.disabled = !ok;
    this.sendBtn.disabled = !ok;
    this.input.placeholder = ok ? "Send a message to everyone" : "Your token does not allow sending messages";
  }
  get open() {
    return !this.el.hidden;
  }
  setOpen(open) {
    this.el.hidden = !open;
    if (open) {
      this.unread = 0;
      this.onUnreadChange(0);
      this.scrollToEnd();
    }
  }
  async submit() {
    const text = this.input.value.trim();
    if (text === "" || this.sendBtn.disabled) return;
    this.sendBtn.disabled = true;
    this.error.hidden = true;
    try {
      await this.deps.send(text);
      this.input.value = "";
      this.add({ from: this.deps.localId(), text, time: Date.now() });
    } catch (err) {
      this.error.textContent = `Message not sent: ${err instanceof Error ? err.message : String(err)}`;
      this.error.hidden = false;
    } finally {
      this.sendBtn.disabled = !this.deps.canSend();
      this.input.focus();
    }
  }
  /** Shows a message; ours are added once sent, so an echo of our own is ignored. */
  receive(m) {
    if (m.from === this.deps.localId()) return;
    this.add(m);
    if (!this.open) {
      this.unread++;
      this.onUnreadChange(this.unread);
    }
  }
  /** A line from the app itself among the messages (e.g. one that could not be decrypted). */
  note(text) {
    const atBottom = this.isAtBottom();
    this.list.append(h("li", { class: "chat-note" }, text));
    this.empty.hidden = true;
    if (atBottom) this.scrollToEnd();
  }
  add(m) {
    const own = m.from === this.deps.localId();
    const ms = m.time > 1e12 ? m.time : m.time * 1e3;
    const when2 = new Date(Number.isFinite(ms) && ms > 0 ? ms : Date.now());
    const name = own ? "You" : this.deps.nameOf(m.from);
    const atBottom = this.isAtBottom();
    this.list.append(
      h(
        "li",
        { class: own ? "chat-message own" : "chat-message", "data-from": m.from, "data-own": own ? "true" : null },
        h(
          "div",
          { class: "chat-meta" },
          h("span", { class: "chat-name" }, name),
          h("time", { class: "chat-time", datetime: when2.toISOString() }, when2.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }))
        ),
        h("p", { class: "chat-text" }, m.text)
      )
    );
    this.empty.hidden = true;
    if (own || atBottom) this.scrollToEnd();
  }
  isAtBottom() {
    const s = this.list.parentElement;
    return !s || s.scrollHeight - s.scrollTop - s.clientHeight < 40;
  }
  scrollToEnd() {
    const s = this.list.parentElement;
    if (s) s.scrollTop = s.scrollHeight;
  }
};

// app/src/tiles.ts
var QUALITY_TEXT = {
  excellent: "Excellent connection",
  good: "Good connection",
  poor: "Poor connection",
  lost: "Connection lost"
};
var Tile = class {
  el;
  video;
  avatar;
  nameEl;
  micEl;
  qualityEl;
  hostEl;
  trackId = "";
  constructor(s) {
    this.video = h("video", { autoplay: true, playsinline: true, class: s.local && s.source === "camera" ? "mirror" : null });
    this.video.muted = true;
    this.video.addEventListener("loadeddata", () => this.el.classList.toggle("has-video", this.trackId !== ""));
    this.avatar = h("div", { class: "avatar", "aria-hidden": "true" });
    this.nameEl = h("span", { class: "tile-name" });
    this.micEl = h("span", { class: "tile-mic", role: "img", "aria-label": "Microphone muted" }, icon("micOff"));
    this.qualityEl = h("span", { class: "quality", role: "img" });
    this.hostEl = h("span", { class: "tile-tag tile-host", hidden: true }, "Muted by the host");
    const tag = s.source === "screen" ? h("span", { class: "tile-tag" }, s.local ? "Your screen" : "Screen") : s.local ? h("span", { class: "tile-tag" }, "You") : null;
    this.el = h(
      "figure",
      {
        class: "tile",
        "data-participant-id": s.participantId,
        "data-identity": s.identity,
        "data-source": s.source,
        "data-local": s.local ? "true" : null
      },
      this.video,
      this.avatar,
      h("figcaption", { class: "tile-label" }, s.source === "camera" ? this.micEl : null, this.nameEl, tag, this.hostEl, s.source === "camera" ? this.qualityEl : null)
    );
    this.update(s);
  }
  update(s) {
    if (this.nameEl.textContent !== s.name) {
      this.nameEl.textContent = s.name;
      this.avatar.textContent = initials(s.name);
      this.avatar.style.setProperty("--hue", String(hueOf(s.identity)));
    }
    if (this.el.dataset.identity !== s.identity) this.el.dataset.identity = s.identity;
    const id = s.track?.id ?? "";
    if (id !== this.trackId) {
      this.trackId = id;
      this.el.classList.remove("has-video");
      this.video.srcObject = s.track ? new MediaStream([s.track]) : null;
      if (s.track) this.video.play().catch(() => {
      });
    }
    if (s.source === "camera") {
      this.el.dataset.micMuted = String(s.micMuted);
      this.el.dataset.cameraOff = String(s.cameraOff);
      this.micEl.hidden = !s.micMuted;
      this.hostEl.hidden = !s.hostMuted;
      this.el.dataset.hostMuted = String(s.hostMuted);
      const q = s.quality;
      this.qualityEl.hidden = q === null;
      if (q) {
        this.qualityEl.dataset.quality = q;
        this.qualityEl.setAttribute("aria-label", QUALITY_TEXT[q]);
        this.qualityEl.title = QUALITY_TEXT[q];
      }
    }
    this.el.setAttribute("aria-label", `${s.name}${s.local ? " (you)" : ""}${s.source === "screen" ? ", screen share" : ""}${s.hostMuted ? ", muted by the host" : ""}`);
  }
  dispose() {
    this.video.srcObject = null;
    this.el.remove();
  }
};
var TileGrid = class {
  el;
  tiles = /* @__PURE__ */ new Map();
  speaking = /* @__PURE__ */ new Set();
  constructor() {
    this.el = h("div", { class: "tile-grid", id: "tiles" });
  }
  /** Makes the grid show exactly these tiles, in this order. */
  render(states) {
    const seen = /* @__PURE__ */ new Set();
    let prev = null;
    for (const s of states) {
      const key = `${s.participantId}|${s.source}`;
      seen.add(key);
      let tile = this.tiles.get(key);
      if (tile) tile.update(s);
      else {
        tile = new Tile(s);
        this.tiles.set(key, tile);
      }
      const want = prev ? prev.nextElementSibling : this.el.firstElementChild;
      if (want !== tile.el) this.el.insertBefore(tile.el, want);
      tile.el.classList.toggle("speaking", s.source === "camera" && this.speaking.has(s.participantId));
      prev = tile.el;
    }
    for (const [key, tile] of this.tiles) {
      if (!seen.has(key)) {
        tile.dispose();
        this.tiles.delete(key);
      }
    }
    this.el.dataset.count = String(Math.min(this.tiles.size, 7));
    this.el.classList.toggle("has-screen", states.some((s) => s.source === "screen"));
  }
  setSpeaking(ids) {
    this.speaking = new Set(ids);
    for (const tile of this.tiles.values()) {
      const pid = tile.el.dataset.participantId ?? "";
      tile.el.classList.toggle("speaking", tile.el.dataset.source === "camera" && this.speaking.has(pid));
    }
  }
  dispose() {
    for (const t of this.tiles.values()) t.dispose();
    this.tiles.clear();
  }
};

// app/src/people.ts
var PeoplePanel = class {
  constructor(closeButton, extra, actionsFor = null) {
    this.actionsFor = actionsFor;
    this.list = h("ul", { id: "participant-list", class: "people-list" });
    this.title = h("h2", { id: "people-title" }, "Participants");
    this.el = h(
      "aside",
      { id: "participants-panel", class: "panel", "aria-labelledby": "people-title", hidden: true },
      h("div", { class: "panel-head" }, this.title, closeButton),
      // The host's controls can be tall: they scroll with the list.
      h("div", { class: "people-scroll" }, extra, this.list)
    );
  }
  actionsFor;
  el;
  list;
  title;
  rows = /* @__PURE__ */ new Map();
  get open() {
    return !this.el.hidden;
  }
  setOpen(open) {
    this.el.hidden = !open;
  }
  render(people) {
    const seen = /* @__PURE__ */ new Set();
    let prev = null;
    for (const p of people) {
      seen.add(p.id);
      let row = this.rows.get(p.id);
      if (!row) {
        row = this.makeRow(p);
        this.rows.set(p.id, row);
      }
      this.updateRow(row, p);
      const want = prev ? prev.nextElementSibling : this.list.firstElementChild;
      if (want !== row.li) this.list.insertBefore(row.li, want);
      prev = row.li;
    }
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.li.remove();
        this.rows.delete(id);
      }
    }
    this.title.textContent = `Participants (${people.length})`;
  }
  makeRow(p) {
    const name = h("span", { class: "person-name" });
    const avatar = h("span", { class: "avatar avatar-small", "aria-hidden": "true" });
    const mic = h("span", { class: "person-state", role: "img" }, icon("mic"));
    const cam = h("span", { class: "person-state", role: "img" }, icon("camera"));
    const share = h("span", { class: "person-state person-share", role: "img", "aria-label": "Sharing screen", title: "Sharing screen" }, icon("screen"));
    const quality = h("span", { class: "quality", role: "img" });
    const key = h("span", { class: "person-key", role: "img", hidden: true }, icon("warning"));
    const role = h("span", { class: "person-role", hidden: true });
    const actions = p.local ? null : this.actionsFor?.(p.id) ?? null;
    const li = h(
      "li",
      { "data-participant-id": p.id, "data-identity": p.identity, class: "person" },
      avatar,
      h("span", { class: "person-label" }, name, p.local ? h("span", { class: "person-you" }, " (you)") : null, role),
      key,
      h("span", { class: "person-states" }, share, mic, cam, quality),
      actions?.toggle,
      actions?.menu
    );
    return { li, name, avatar, mic, cam, share, quality, key, role, actions };
  }
  updateRow(r, p) {
    if (r.name.textContent !== p.name) {
      r.name.textContent = p.name;
      r.avatar.textContent = initials(p.name);
      r.avatar.style.setProperty("--hue", String(hueOf(p.identity)));
    }
    r.li.dataset.micMuted = String(p.micMuted);
    r.li.dataset.cameraOff = String(p.cameraOff);
    setState(r.mic, p.micMuted ? "micOff" : "mic", p.micMuted ? "Microphone off" : "Microphone on", p.micMuted);
    setState(r.cam, p.cameraOff ? "cameraOff" : "camera", p.cameraOff ? "Camera off" : "Camera on", p.cameraOff);
    r.share.hidden = !p.sharing;
    setKey(r.key, p.key);
    const named = p.role && p.role !== "participant" ? ROLE_TEXT[p.role] : "";
    const role = p.member ? named ? `${named} · member` : "Member" : named;
    r.li.dataset.role = p.role ?? "participant";
    r.role.hidden = role === "";
    if (r.role.textContent !== role) r.role.textContent = role;
    r.actions?.update({ id: p.id, identity: p.identity, name: p.name, role: p.role, local: p.local, mic: p.mic, camera: p.camera });
    r.quality.hidden = p.quality === null;
    if (p.quality) {
      r.quality.dataset.quality = p.quality;
      r.quality.setAttribute("aria-label", QUALITY_TEXT[p.quality]);
      r.quality.title = QUALITY_TEXT[p.quality];
    }
  }
};
function setKey(el, k) {
  const shown = k === "invalid" || k === "changed" || k === "verified" ? k : null;
  if ((el.dataset.key ?? null) === shown) return;
  el.hidden = shown === null;
  if (shown === null) {
    delete el.dataset.key;
    return;
  }
  el.dataset.key = shown;
  swapIcon(el, shown === "verified" ? "check" : "warning");
  el.setAttribute("aria-label", KEY_TEXT[shown]);
  el.title = KEY_TEXT[shown];
}
function setState(el, name, label, off) {
  if (el.getAttribute("aria-label") === label) return;
  swapIcon(el, name);
  el.setAttribute("aria-label", label);
  el.title = label;
  el.classList.toggle("is-off", off);
}

// app/src/panels.ts
var SidePanels = class {
  constructor(opts) {
    this.opts = opts;
    const close = (label) => {
      const b = h("button", { type: "button", class: "icon-btn", "aria-label": label }, "×");
      b.addEventListener("click", () => this.set(null));
      return b;
    };
    this.chatClose = close("Close chat");
    this.chat = new ChatPanel(opts.chat, this.chatClose);
    this.peopleClose = close("Close participants");
    this.people = new PeoplePanel(this.peopleClose, opts.peopleExtra, opts.actionsFor);
    this.securityClose = close("Close security");
    this.security = new SecurityPanel(opts.security, this.securityClose);
    this.chat.onUnreadChange = (n) => opts.controls.setUnread(n);
  }
  opts;
  chat;
  people;
  security;
  chatClose;
  peopleClose;
  securityClose;
  get anyOpen() {
    return this.chat.open || this.people.open || this.security.open;
  }
  /** The panel that is open, or null. */
  get current() {
    return this.chat.open ? "chat" : this.people.open ? "people" : this.security.open ? "security" : null;
  }
  toggle(which) {
    this.set(this.current === which ? null : which);
  }
  set(which, focus = true) {
    const was = this.current;
    this.chat.setOpen(which === "chat");
    this.people.setOpen(which === "people");
    this.security.setOpen(which === "security");
    this.opts.controls.setPanel(which);
    this.opts.securityButton.setExpanded(which === "security");
    this.opts.page()?.classList.toggle("panel-open", which !== null);
    if (!focus) return;
    if (which === "chat") (this.chat.input.disabled ? this.chatClose : this.chat.input).focus();
    else if (which === "people") this.peopleClose.focus();
    else if (which === "security") this.securityClose.focus();
    else if (was === "chat") this.opts.controls.chat.focus();
    else if (was === "people") this.opts.controls.people.focus();
    else if (was === "security") this.opts.securityButton.el.focus();
  }
};

// app/src/settings.ts
import { DeviceError as DeviceError2, listDevices } from "/sdk/conclave.js";

// app/src/shortcuts.ts
var SHORTCUT_KEYS = ["m", "v", "s", "c", "p"];
function installShortcuts(s) {
  const onKey = (e) => {
    if (e.key === "Escape") {
      s.escape();
      return;
    }
    if (!s.enabled() || e.ctrlKey || e.metaKey || e.altKey || e.repeat || isTyping(e)) return;
    const fn = s.keys[e.key.toLowerCase()];
    if (fn) {
      e.preventDefault();
      fn();
    }
  };
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}

// app/src/settings.ts
var SettingsPanel = class {
  /**
   * toggle is the button that opens the panel; changed is called after a
   * device switch (the local tile shows the new track) and after the
   * shortcuts setting changed.
   */
  constructor(room, toggle, changed) {
    this.room = room;
    this.toggle = toggle;
    this.changed = changed;
    const camera = h("select", { id: "meeting-camera-select", "aria-describedby": "meeting-camera-message" });
    const microphone = h("select", { id: "meeting-mic-select", "aria-describedby": "meeting-mic-message" });
    this.select = { camera, microphone };
    this.msg = {
      camera: h("p", { id: "meeting-camera-message", class: "device-message", role: "status" }),
      microphone: h("p", { id: "meeting-mic-message", class: "device-message", role: "status" })
    };
    this.shortcuts = h("input", { type: "checkbox", id: "shortcuts-toggle", "aria-describedby": "shortcuts-hint" });
    this.shortcuts.checked = loadPrefs().shortcuts;
    this.closeButton = h("button", { type: "button", class: "icon-btn", "aria-label": "Close settings" }, "×");
    this.el = h(
      "div",
      { id: "settings-panel", class: "devices-panel", role: "group", "aria-labelledby": "settings-title", hidden: true },
      h("div", { class: "devices-head" }, h("h2", { id: "settings-title" }, "Settings"), this.closeButton),
      h("div", { class: "field" }, h("label", { for: "meeting-camera-select" }, "Camera"), camera, this.msg.camera),
      h("div", { class: "field" }, h("label", { for: "meeting-mic-select" }, "Microphone"), microphone, this.msg.microphone),
      h(
        "div",
        { class: "field field-check" },
        h("label", { for: "shortcuts-toggle" }, this.shortcuts, " Single-key shortcuts"),
        h("p", { id: "shortcuts-hint", class: "hint" }, `${SHORTCUT_KEYS.map((k) => k.toUpperCase()).join(", ")} press the controls. Turn them off if they get in the way of your keyboard or speech input.`)
      )
    );
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-controls", "settings-panel");
    this.shortcuts.addEventListener("change", () => {
      savePrefs({ shortcuts: this.shortcuts.checked });
      changed();
    });
    camera.addEventListener("change", () => void this.switchTo("camera", camera.value));
    microphone.addEventListener("change", () => void this.switchTo("microphone", microphone.value));
    toggle.addEventListener("click", () => this.setOpen(toggle.getAttribute("aria-expanded") !== "true"));
    this.closeButton.addEventListener("click", () => this.setOpen(false));
    const onPointerDown = (e) => {
      const t = e.target;
      if (this.open && t && !this.el.contains(t) && !toggle.contains(t)) this.setOpen(false, false);
    };
    document.addEventListener("pointerdown", onPointerDown);
    const onDeviceChange = () => void this.refresh();
    navigator.mediaDevices?.addEventListener("devicechange", onDeviceChange);
    this.offs.push(
      () => document.removeEventListener("pointerdown", onPointerDown),
      () => navigator.mediaDevices?.removeEventListener("devicechange", onDeviceChange)
    );
  }
  room;
  toggle;
  changed;
  el;
  /** Single-key shortcuts on (remembered in the preferences). */
  shortcuts;
  select;
  msg;
  closeButton;
  switching = { camera: false, microphone: false };
  enumerating = 0;
  disposed = false;
  offs = [];
  get open() {
    return !this.el.hidden;
  }
  setOpen(open, focus = true) {
    if (open === this.open) return;
    this.el.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    this.toggle.classList.toggle("is-open", open);
    if (open) {
      void this.refresh();
      const { camera, microphone } = this.select;
      if (focus) (camera.disabled ? microphone.disabled ? this.closeButton : microphone : camera).focus();
    } else if (focus) this.toggle.focus();
  }
  dispose() {
    this.disposed = true;
    for (const off of this.offs) off();
  }
  /** The device in use: the published track's, else the remembered choice. */
  current(kind) {
    const t = this.room.localTracks().find((x) => x.source === kind);
    const id = t && t.track.readyState !== "ended" ? t.track.getSettings().deviceId ?? "" : "";
    if (id) return id;
    const prefs = loadPrefs();
    return kind === "camera" ? prefs.cameraId : prefs.micId;
  }
  setMsg(kind, text) {
    this.msg[kind].textContent = text;
    this.msg[kind].classList.toggle("is-error", text !== "");
  }
  fill(kind, list) {
    const sel = this.select[kind];
    const noun = kind === "camera" ? "Camera" : "Microphone";
    sel.replaceChildren(...list.map((d, i) => h("option", { value: d.deviceId }, d.label || `${noun} ${i + 1}`)));
    if (list.length === 0) sel.append(h("option", { value: "" }, `No ${kind} found`));
    sel.disabled = list.length === 0 || this.switching[kind] || !this.room.local.permissions.publish;
    const want = this.current(kind);
    if (list.some((d) => d.deviceId === want)) sel.value = want;
  }
  async refresh() {
    const my = ++this.enumerating;
    let devs;
    try {
      devs = await listDevices();
    } catch (err) {
      if (this.disposed || my !== this.enumerating) return;
      const text = deviceErrorText("camera", err instanceof DeviceError2 ? err.kind : void 0);
      this.setMsg("camera", text);
      this.setMsg("microphone", text);
      return;
    }
    if (this.disposed || my !== this.enumerating) return;
    this.fill("camera", devs.videoinput);
    this.fill("microphone", devs.audioinput);
  }
  async switchTo(kind, deviceId) {
    if (this.switching[kind] || !deviceId) return;
    const sel = this.select[kind];
    this.switching[kind] = true;
    sel.disabled = true;
    sel.setAttribute("aria-busy", "true");
    this.setMsg(kind, "");
    try {
      await this.room.switchDevice(kind === "camera" ? "videoinput" : "audioinput", deviceId);
      savePrefs(kind === "camera" ? { cameraId: deviceId } : { micId: deviceId });
    } catch (err) {
      const text = err instanceof DeviceError2 ? deviceErrorText(kind, err.kind) : `Could not switch the ${kind}: ${err instanceof Error ? err.message : String(err)}`;
      this.setMsg(kind, text);
      notify(text, "error");
    } finally {
      this.switching[kind] = false;
      sel.removeAttribute("aria-busy");
      if (!this.disposed) {
        this.changed();
        await this.refresh();
        if (document.activeElement === document.body && this.open) sel.focus();
      }
    }
  }
};

// app/src/status.ts
var CONN_TEXT = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  disconnected: "Disconnected"
};
var ConnectionStatus = class {
  /** The reconnect banner, placed above the meeting by the caller. */
  banner;
  pill;
  text;
  bannerText;
  why = "network";
  nextAt = 0;
  ticker = 0;
  /** between goes in the header between the room name and the pill. */
  constructor(headerSlot2, roomName, ...between) {
    this.text = h("span", { class: "conn-text" });
    this.pill = h("div", { id: "connection-status", class: "conn-status", role: "status" }, h("span", { class: "conn-dot", "aria-hidden": "true" }), this.text);
    headerSlot2.replaceChildren(h("span", { class: "header-room", title: "Room" }, roomName), ...between, this.pill);
    this.bannerText = h("span", { id: "reconnect-text" });
    this.banner = h(
      "div",
      { id: "reconnect-banner", class: "banner banner-warn", role: "status", hidden: true },
      h("span", { class: "spinner", "aria-hidden": "true" }),
      this.bannerText
    );
  }
  /** The SDK started reconnecting. */
  reconnecting(why) {
    this.why = why;
    this.nextAt = 0;
    this.showBanner(true);
  }
  /** The SDK's next attempt starts in delayMs. */
  attempt(delayMs) {
    this.nextAt = Date.now() + delayMs;
    this.paintBanner();
  }
  /** Shows the state; a connected one with a poor own network says so. */
  set(s, own) {
    this.pill.dataset.state = s;
    this.text.textContent = s === "connected" && own && own !== "excellent" && own !== "good" ? `Connected · ${own} network` : CONN_TEXT[s];
  }
  showBanner(show2) {
    if (show2 === !this.banner.hidden) return;
    this.banner.hidden = !show2;
    window.clearInterval(this.ticker);
    if (!show2) return;
    this.paintBanner();
    this.ticker = window.setInterval(() => this.paintBanner(), 250);
  }
  dispose() {
    window.clearInterval(this.ticker);
  }
  paintBanner() {
    const first = this.why === "server_shutdown" ? "The server is restarting." : "The connection was interrupted.";
    const s = Math.ceil((this.nextAt - Date.now()) / 1e3);
    if (s > 0) this.banner.dataset.seconds = String(s);
    else delete this.banner.dataset.seconds;
    const text = `${first} ${s > 0 ? `Reconnecting in ${s} s…` : "Reconnecting…"} Your call will resume automatically.`;
    if (this.bannerText.textContent !== text) this.bannerText.textContent = text;
  }
};

// app/src/meeting.ts
var ACTION_ANSWER_MS = 15e3;
function renderMeeting(root2, headerSlot2, opts) {
  const { room } = opts;
  const quality = /* @__PURE__ */ new Map();
  const names = new DisplayNames();
  const returning = /* @__PURE__ */ new Set();
  const returningIds = /* @__PURE__ */ new Map();
  let forgetReturning = 0;
  const offs = [];
  let disposed = false;
  let ended = false;
  let leaving = false;
  const wanted = { micOn: opts.choice.micOn, cameraOn: opts.choice.cameraOn };
  const security = new SecurityIndicator(() => panels.toggle("security"));
  const lockBadge = new LockBadge();
  const status = new ConnectionStatus(headerSlot2, room.name, lockBadge.el, security.el);
  const setConn = () => status.set(room.state, quality.get(room.local.id));
  const audio = new RemoteAudio();
  const grid = new TileGrid();
  const media = new MediaActions(room, schedule);
  const controls = new ControlBar({
    mic: () => void media.toggleMic(controls.mic),
    camera: () => void media.toggleCamera(controls.camera),
    screen: () => void media.toggleScreen(controls.screen),
    chat: () => panels.toggle("chat"),
    people: () => panels.toggle("people"),
    leave: () => void leave()
  });
  const settings = new SettingsPanel(room, controls.settings, schedule);
  let lastAction = { what: "", at: 0 };
  const act = (what, send) => {
    lastAction = { what, at: Date.now() };
    send();
  };
  const host = new HostPanel({ room, token: opts.token, act });
  const lobby = new LobbyList(room, act);
  const inviteLabel = h("span", {}, "Copy invite link");
  const inviteButton = (label) => h("button", { type: "button", class: "btn btn-ghost invite-btn" }, icon("link"), label);
  const panelInvite = inviteButton(h("span", {}, "Copy invite link"));
  panelInvite.id = "invite-button";
  const panels = new SidePanels({
    chat: {
      localId: () => room.local.id,
      nameOf,
      send: (text) => room.sendChat(text),
      canSend: () => room.local.permissions.publish_data && room.state === "connected"
    },
    peopleExtra: h("div", { class: "panel-extra" }, lobby.el, panelInvite, host.el),
    actionsFor: () => new PersonActions(room, act),
    security: { markVerified, safetyCode: () => room.safetyCode() },
    controls,
    securityButton: security,
    page: () => root2.querySelector(".page-meeting")
  });
  const keyWarnings = new KeyWarnings({ label: "Details", run: () => panels.set("security") });
  const waiting = h("div", { class: "waiting", hidden: true }, h("p", {}, "You are the only one here."), inviteButton(inviteLabel));
  root2.replaceChildren(
    h(
      "div",
      { class: "page page-meeting", "aria-labelledby": "meeting-title" },
      h("h1", { id: "meeting-title", class: "visually-hidden" }, `Meeting ${room.name}`),
      status.banner,
      audio.banner,
      h(
        "div",
        { class: "meeting-body" },
        h("section", { class: "stage", "aria-label": "Participants’ video" }, h("div", { class: "stage-tiles" }, grid.el), waiting),
        settings.el,
        panels.chat.el,
        panels.people.el,
        panels.security.el
      ),
      controls.el,
      audio.box
    )
  );
  for (const b of root2.querySelectorAll(".invite-btn")) b.addEventListener("click", () => void copyInvite());
  function markVerified(id, verified) {
    room.markVerified(id, verified);
    const name = nameOf(id);
    if (room.e2eeStatus(id)?.verified !== verified) notify(`This browser could not store the mark for ${name}.`, "warn");
    else notify(verified ? `${name} is marked as verified.` : `${name} is no longer marked as verified.`, "info", 3e3);
  }
  function e2eeError(code, message) {
    const id = errorSender(message);
    const known = id !== null && room.participants.has(id);
    const who = known ? nameOf(id) : "";
    if (code === "data_undecryptable") {
      const text = who ? `A message from ${who} could not be decrypted.` : "A message could not be decrypted.";
      notify(text, "warn");
      panels.chat.note(text);
      return;
    }
    if (known && room.e2eeStatus(id)?.valid === false) return;
    notify(`Encryption keys from ${who || "a participant"} could not be used: their audio, video and messages may not be decrypted.`, "warn");
  }
  function nameOf(id) {
    names.update([room.local, ...room.participants.values()]);
    return names.of(id);
  }
  let scheduled = false;
  function schedule() {
    if (scheduled || disposed) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      if (!disposed) render();
    });
  }
  function render() {
    const v = meetingView(room, names, quality);
    const mic = localTrack(room, "microphone");
    const cam = localTrack(room, "camera");
    if (mic?.track.readyState === "live") wanted.micOn = !mic.muted;
    if (cam?.track.readyState === "live") wanted.cameraOn = !cam.muted;
    grid.render(v.tiles);
    panels.people.render(v.people);
    audio.sync(v.audio);
    waiting.hidden = !v.alone;
    const canPublish = room.local.permissions.publish;
    controls.paint({
      ...v.own,
      canPublish,
      live: room.state === "connected" || room.state === "reconnecting",
      shortcuts: settings.shortcuts.checked,
      micAsked: media.asked("microphone"),
      cameraAsked: media.asked("camera")
    });
    panels.chat.refreshPermission();
    panels.security.render(v.security);
    security.paint(v.security.e2ee, v.flagged);
    host.update();
    lobby.render();
    controls.setWaiting(lobby.count);
    lockBadge.paint(room.locked);
    const share = !!room.local.permissions.share_invite;
    panelInvite.hidden = share;
    inviteLabel.textContent = share ? "Invite people" : "Copy invite link";
    keyWarnings.check(v.security.keys);
    setConn();
  }
  async function copyInvite() {
    if (room.local.permissions.share_invite) {
      panels.set("people", false);
      host.showInvites(true);
      return;
    }
    const link = `${location.origin}/?room=${encodeURIComponent(room.name)}`;
    try {
      await navigator.clipboard.writeText(link);
      notify("Invite link copied. It contains the room name only, no token.");
    } catch {
      notify(`Invite link: ${link}`, "info", 15e3);
    }
  }
  function byName(by) {
    if (by === room.local.id) return "You";
    return by ? nameOf(by) : "The meeting’s owner";
  }
  offs.push(
    installShortcuts({
      escape: () => {
        if (settings.open) settings.setOpen(false);
        else if (panels.anyOpen) panels.set(null);
        else return false;
        return true;
      },
      keys: {
        m: () => void media.toggleMic(controls.mic),
        v: () => void media.toggleCamera(controls.camera),
        s: () => void media.toggleScreen(controls.screen),
        c: () => panels.toggle("chat"),
        p: () => panels.toggle("people")
      },
      enabled: () => settings.shortcuts.checked
    })
  );
  const on = room.on.bind(room);
  offs.push(
    // While reconnecting, the SDK reconciles the participant list: after a
    // server restart everyone drops out (some with reason server_shutdown
    // before our own leave arrives) and comes back under a new id, with the
    // same identity. That is no news: no notices for it.
    on("participantJoined", (p) => {
      if (returning.delete(p.identity)) {
        names.carry(p, returningIds.get(p.identity));
      } else if (room.state === "connected") {
        notify(`${nameOf(p.id)} joined`, "info", 3e3);
      }
      schedule();
    }),
    on("participantLeft", (p, reason) => {
      quality.delete(p.id);
      if (reason === "removed") {
        notify(`${names.of(p.id)} was removed from the meeting.`, "info", 5e3);
      } else if (room.state !== "connected" || reason === "server_shutdown") {
        returning.add(p.identity);
        returningIds.set(p.identity, p.id);
      } else {
        notify(`${names.of(p.id)} ${reason === "connection_lost" ? "lost their connection" : "left"}`, "info", 3e3);
      }
      schedule();
    }),
    on("participantUpdated", schedule),
    on("trackSubscribed", schedule),
    on("trackUnsubscribed", schedule),
    on("trackMuted", schedule),
    on("trackUnmuted", schedule),
    on("localTrackPublished", schedule),
    on("localTrackUnpublished", schedule),
    on("hostMuteChanged", (t, locked) => {
      const what = t.source === "camera" ? "camera" : t.source === "microphone" ? "microphone" : "screen share";
      if (t.source === "camera" || t.source === "microphone") media.forgetAsk(t.source);
      if (locked) {
        const ask = t.source === "microphone" ? " Use “Ask to unmute” to ask to speak." : t.source === "camera" ? " Use “Ask to start camera” to ask to turn it on." : "";
        notify(`The host muted your ${what}.${ask}`, "warn", 1e4);
      } else {
        notify(`The host lets you turn your ${what} on again.`, "info", 8e3);
      }
      schedule();
    }),
    on("activeSpeakers", (ids) => grid.setSpeaking(ids)),
    on("connectionQuality", (id, q) => {
      quality.set(id, q);
      schedule();
    }),
    on("connectionStateChanged", (s) => {
      setConn();
      status.showBanner(s === "reconnecting");
      schedule();
    }),
    on("reconnecting", (why) => {
      status.reconnecting(why);
      status.set("reconnecting", void 0);
    }),
    on("reconnectAttempt", (_n, delayMs) => status.attempt(delayMs)),
    on("reconnected", () => {
      window.clearTimeout(forgetReturning);
      forgetReturning = window.setTimeout(() => {
        returning.clear();
        returningIds.clear();
      }, 3e4);
      status.showBanner(false);
      notify("Reconnected.", "info", 3e3);
      schedule();
    }),
    on("disconnected", (reason) => end(reason)),
    on("chat", (m) => panels.chat.receive(m)),
    on("roleChanged", (p, by) => {
      const role = p.role ?? "participant";
      const article = role === "participant" ? "a participant" : `a ${role}`;
      if (p.id === room.local.id) {
        const what = role === "viewer" ? " You can watch and listen; your microphone and camera are off." : "";
        notify(`${byName(by)} made you ${article}.${what}`, "info", 8e3);
      } else {
        notify(`${byName(by)} made ${nameOf(p.id)} ${article}.`, "info", 4e3);
      }
      schedule();
    }),
    on("lockChanged", (locked, by) => {
      notify(locked ? `${byName(by)} locked the meeting: nobody new can join.` : `${byName(by)} unlocked the meeting: people with a link or token can join again.`, "info", 6e3);
      schedule();
    }),
    on("lobbyChanged", (on2, by) => {
      notify(on2 ? `${byName(by)} turned the lobby on: guests who join now wait to be admitted.` : `${byName(by)} turned the lobby off: guests who join now come straight in; those waiting still need admitting.`, "info", 6e3);
      schedule();
    }),
    on("lobbyGuestWaiting", (g) => {
      notify(`${g.name || "A guest"} is waiting to join.`, "info", 1e4, {
        label: "Show",
        run: () => {
          panels.set("people", false);
          render();
          lobby.reveal();
        }
      });
      schedule();
    }),
    on("lobbyGuestLeft", (g, reason) => {
      if (reason === "left" || reason === "timeout") notify(`${g.name || "A guest"} stopped waiting.`, "info", 4e3);
      schedule();
    }),
    on("meetingEnding", (_endsAt, secondsLeft) => {
      const minutes = Math.max(1, Math.round(secondsLeft / 60));
      notify(`The meeting reaches its maximum duration and ends in ${minutes} minute${minutes === 1 ? "" : "s"}.`, "warn", 15e3);
    }),
    on("e2eeChanged", schedule),
    on("bitrateLimited", (maxBitrate) => {
      notify(`This meeting allows at most ${Math.round(maxBitrate / 1e3)} kbit/s from each participant: your video quality was lowered to stay under it.`, "info", 1e4);
    }),
    on("error", (code, message) => {
      if (code === "data_undecryptable" || code === "e2ee_key_package") e2eeError(code, message);
      else if (code === "track_not_encrypted" || code === "data_not_encrypted") notify("The server refused to pass on something that was not end-to-end encrypted.", "warn");
      else if (code === "rate_limited") notify("You are sending too fast; a message was dropped.", "warn");
      else if (code === "muted_by_host") notify("The host muted you: ask them to let you unmute.", "warn");
      else if (moderationErrorText(code)) {
        const recent = lastAction.what && Date.now() - lastAction.at < ACTION_ANSWER_MS;
        notify(recent ? `Could not ${lastAction.what}. ${moderationErrorText(code)}` : moderationErrorText(code), "warn", 1e4);
        lastAction = { what: "", at: 0 };
      } else notify(`The server refused an action (${code}${message ? `: ${message}` : ""}).`, "warn");
    })
  );
  async function leave() {
    if (leaving || ended) return;
    leaving = true;
    controls.leave.disabled = true;
    try {
      await room.leave();
    } catch {
    }
    end("client_left");
  }
  function end(reason) {
    if (ended) return;
    ended = true;
    status.set("disconnected", void 0);
    status.showBanner(false);
    for (const t of room.localTracks()) t.track.stop();
    opts.choice.video?.stop();
    opts.choice.audio?.stop();
    opts.onEnd(leaving ? "client_left" : reason, { ...wanted });
  }
  const onPageHide = () => {
    if (!ended) void room.leave().catch(() => {
    });
  };
  window.addEventListener("pagehide", onPageHide);
  const waitingClock = window.setInterval(() => {
    if (lobby.count > 0) schedule();
  }, 3e4);
  render();
  setConn();
  void media.publishInitial(opts.choice);
  controls.mic.focus();
  return () => {
    disposed = true;
    window.clearTimeout(forgetReturning);
    window.clearInterval(waitingClock);
    for (const off of offs) off();
    settings.dispose();
    status.dispose();
    window.removeEventListener("pagehide", onPageHide);
    grid.dispose();
    audio.dispose();
    if (!ended) {
      leaving = true;
      void room.leave().catch(() => {
      });
      for (const t of room.localTracks()) t.track.stop();
    }
  };
}

// app/src/preview.ts
import { DeviceError as DeviceError3, getLocalMedia, LevelMeter, listDevices as listDevices2 } from "/sdk/conclave.js";
var ENTER_WAIT_MS = 15e3;
function renderPreview(root2, opts) {
  const prefs = loadPrefs();
  let cameraOn = prefs.cameraOn;
  let micOn = prefs.micOn;
  let video = null;
  let audio = null;
  let meter = null;
  let raf = 0;
  let disposed = false;
  let handedOver = false;
  const gen = { camera: 0, microphone: 0 };
  const inflight = { camera: null, microphone: null };
  const lastError = { camera: "", microphone: "" };
  const previewVideo = h("video", { id: "preview-video", autoplay: true, playsinline: true, class: "mirror" });
  previewVideo.muted = true;
  const avatar = h("div", { class: "avatar avatar-large", "aria-hidden": "true" }, initials(opts.name || opts.room));
  avatar.style.setProperty("--hue", String(hueOf(opts.name)));
  const stage = h("div", { class: "preview-stage", "data-camera-off": "true" }, previewVideo, avatar);
  const camToggle = h("button", { type: "button", id: "preview-camera-toggle", class: "round-btn", "aria-label": "Camera" }, icon("camera"));
  const micToggle = h("button", { type: "button", id: "preview-mic-toggle", class: "round-btn", "aria-label": "Microphone" }, icon("mic"));
  const cameraSelect = h("select", { id: "camera-select" });
  const micSelect = h("select", { id: "mic-select" });
  const meterFill = h("div", { class: "meter-fill" });
  const micMeter = h(
    "div",
    { id: "mic-meter", class: "meter", role: "meter", "aria-label": "Microphone level", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": 0 },
    meterFill
  );
  const cameraMsg = h("p", { id: "camera-message", class: "device-message", role: "status" });
  const micMsg = h("p", { id: "mic-message", class: "device-message", role: "status" });
  const enterError = h("p", { id: "enter-error", class: "form-error", role: "alert", hidden: true });
  const enterButton = h("button", { type: "button", id: "enter-button", class: "btn btn-primary" }, "Join now");
  const backButton = h("button", { type: "button", id: "back-button", class: "btn btn-ghost" }, "Back");
  root2.replaceChildren(
    h(
      "div",
      { class: "page page-preview" },
      h(
        "section",
        { class: "card preview-card", "aria-labelledby": "preview-title" },
        h("h1", { id: "preview-title" }, "Ready to join ", h("span", { class: "room-name" }, opts.room || "the meeting"), "?"),
        h("p", { class: "hint" }, "Joining as ", h("strong", {}, opts.name || "the name in your token")),
        h(
          "div",
          { class: "preview-layout" },
          h("div", { class: "preview-media" }, stage, h("div", { class: "preview-toggles" }, micToggle, camToggle)),
          h(
            "div",
            { class: "preview-settings" },
            h("div", { class: "field" }, h("label", { for: "camera-select" }, "Camera"), cameraSelect, cameraMsg),
            h("div", { class: "field" }, h("label", { for: "mic-select" }, "Microphone"), micSelect, h("div", { class: "meter-row" }, micMeter), micMsg),
            enterError,
            h("div", { class: "actions" }, backButton, enterButton)
          )
        )
      )
    )
  );
  const paintToggles = () => {
    setPressed(camToggle, cameraOn);
    setPressed(micToggle, micOn);
    camToggle.title = cameraOn ? "Join with camera on (click to turn off)" : "Join with camera off (click to turn on)";
    micToggle.title = micOn ? "Join with microphone on (click to mute)" : "Join with microphone muted (click to unmute)";
    swapIcon(camToggle, cameraOn ? "camera" : "cameraOff");
    swapIcon(micToggle, micOn ? "mic" : "micOff");
    stage.dataset.cameraOff = String(!(cameraOn && video));
    if (audio) audio.enabled = micOn;
  };
  const setMsg = (el, text) => {
    el.textContent = text;
    el.classList.toggle("is-error", text !== "");
  };
  const stopMeter = () => {
    cancelAnimationFrame(raf);
    raf = 0;
    meter?.close();
    meter = null;
    micMeter.setAttribute("aria-valuenow", "0");
    meterFill.style.transform = "scaleX(0)";
  };
  const startMeter = (track) => {
    stopMeter();
    try {
      meter = new LevelMeter(track);
    } catch {
      return;
    }
    let shown = -1;
    const tick = () => {
      if (!meter) return;
      const rms = micOn ? meter.level() : 0;
      const level = rms > 0 ? Math.max(0, Math.min(1, (20 * Math.log10(rms) + 60) / 60)) : 0;
      const pct = Math.round(level * 100);
      meterFill.style.transform = `scaleX(${level.toFixed(3)})`;
      if (pct !== shown) {
        micMeter.setAttribute("aria-valuenow", String(pct));
        shown = pct;
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
  };
  function acquire(kind) {
    const p = startTrack(kind).finally(() => {
      if (inflight[kind] === p) inflight[kind] = null;
    });
    inflight[kind] = p;
    return p;
  }
  async function startTrack(kind) {
    const my = ++gen[kind];
    const deviceId = kind === "camera" ? cameraSelect.value : micSelect.value;
    const constraint = deviceId ? { deviceId } : true;
    try {
      const stream = await getLocalMedia(kind === "camera" ? { video: constraint } : { audio: constraint });
      const track = kind === "camera" ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
      if (disposed || handedOver || my !== gen[kind] || !track) {
        stream.getTracks().forEach((t) => t.stop());
        return;
      }
      release(kind);
      lastError[kind] = "";
      if (kind === "camera") {
        video = track;
        previewVideo.srcObject = new MediaStream([track]);
        setMsg(cameraMsg, "");
      } else {
        audio = track;
        startMeter(track);
        setMsg(micMsg, "");
      }
      track.addEventListener("ended", () => {
        if (kind === "camera" && video === track) {
          release("camera");
          setMsg(cameraMsg, "The camera stopped.");
        }
        if (kind === "microphone" && audio === track) {
          release("microphone");
          setMsg(micMsg, "The microphone stopped.");
        }
        paintToggles();
      });
      paintToggles();
      void refreshDevices();
    } catch (err) {
      if (disposed || handedOver || my !== gen[kind]) return;
      const text = deviceErrorText(kind, err instanceof DeviceError3 ? err.kind : void 0);
      lastError[kind] = text;
      setMsg(kind === "camera" ? cameraMsg : micMsg, `${text}. You can still join without it.`);
      paintToggles();
    }
  }
  function release(kind) {
    if (kind === "camera") {
      video?.stop();
      video = null;
      previewVideo.srcObject = null;
    } else {
      stopMeter();
      audio?.stop();
      audio = null;
    }
  }
  const deviceOf = (t) => t?.getSettings().deviceId ?? "";
  const fillSelect = (sel, devices, noun, want) => {
    sel.replaceChildren(...devices.map((d, i) => h("option", { value: d.deviceId }, d.label || `${noun} ${i + 1}`)));
    if (devices.length === 0) sel.append(h("option", { value: "" }, `No ${noun.toLowerCase()} found`));
    sel.disabled = devices.length === 0;
    if (devices.some((d) => d.deviceId === want)) sel.value = want;
  };
  const honoured = { camera: false, microphone: false };
  async function refreshDevices() {
    let devs;
    try {
      devs = await listDevices2();
    } catch (err) {
      if (err instanceof DeviceError3 && err.kind === "insecure_context") {
        setMsg(cameraMsg, deviceErrorText("camera", "insecure_context"));
        setMsg(micMsg, deviceErrorText("microphone", "insecure_context"));
      }
      return;
    }
    if (disposed || handedOver) return;
    sync("camera", cameraSelect, devs.videoinput, video, cameraMsg, cameraOn);
    sync("microphone", micSelect, devs.audioinput, audio, micMsg, true);
  }
  function sync(kind, sel, list, track, msg, wanted2) {
    const pref = kind === "camera" ? prefs.cameraId : prefs.micId;
    const listed = (id) => id !== "" && list.some((d) => d.deviceId === id);
    let want = deviceOf(track) || sel.value;
    const usePref = track !== null && !honoured[kind] && listed(pref) && pref !== deviceOf(track);
    if (track && listed(deviceOf(track))) honoured[kind] = true;
    if (usePref) {
      want = pref;
      honoured[kind] = true;
    }
    fillSelect(sel, list, kind === "camera" ? "Camera" : "Microphone", want);
    if (!wanted2) return;
    if (list.length === 0) {
      if (!track) setMsg(msg, `${deviceErrorText(kind, "not_found")}. You can still join without it.`);
      return;
    }
    const unplugged = track !== null && deviceOf(track) !== "" && !listed(deviceOf(track));
    const appeared = track === null && msg.textContent !== "" && gen[kind] > 0;
    if (usePref || unplugged || appeared) void acquire(kind);
  }
  const onDeviceChange = () => void refreshDevices();
  navigator.mediaDevices?.addEventListener("devicechange", onDeviceChange);
  camToggle.addEventListener("click", () => {
    cameraOn = !cameraOn;
    savePrefs({ cameraOn });
    if (cameraOn) void acquire("camera");
    else {
      gen.camera++;
      release("camera");
      setMsg(cameraMsg, "");
    }
    paintToggles();
  });
  micToggle.addEventListener("click", () => {
    micOn = !micOn;
    savePrefs({ micOn });
    paintToggles();
  });
  cameraSelect.addEventListener("change", () => {
    savePrefs({ cameraId: cameraSelect.value });
    if (cameraOn) void acquire("camera");
  });
  micSelect.addEventListener("change", () => {
    savePrefs({ micId: micSelect.value });
    void acquire("microphone");
  });
  backButton.addEventListener("click", () => opts.onBack());
  const setLocked = (locked) => {
    for (const el of [camToggle, micToggle, cameraSelect, micSelect, backButton]) el.disabled = locked;
    if (locked) return;
    void refreshDevices().then(() => {
      if (disposed || handedOver) return;
      if (cameraOn && !video && !inflight.camera) void acquire("camera");
      if (!audio && !inflight.microphone) void acquire("microphone");
    });
  };
  const live = (t) => t !== null && t.readyState === "live";
  const hasTrack = (kind) => live(kind === "camera" ? video : audio);
  const wanted = (kind) => kind === "camera" ? cameraOn : micOn;
  async function ready(kind) {
    await startup;
    let waited2 = false;
    while (!disposed && wanted(kind) && !hasTrack(kind) && inflight[kind]) {
      waited2 = true;
      await inflight[kind];
    }
    if (disposed || !wanted(kind) || hasTrack(kind)) return "";
    if (!(waited2 && lastError[kind])) await acquire(kind);
    if (disposed || !wanted(kind) || hasTrack(kind)) return "";
    return lastError[kind] || deviceErrorText(kind, void 0);
  }
  async function readyAll() {
    const failed = {};
    const kinds = ["camera", "microphone"];
    let timer = 0;
    const timeout = new Promise((resolve) => {
      timer = window.setTimeout(() => resolve("timeout"), ENTER_WAIT_MS);
    });
    const results = await Promise.all(kinds.map((k) => Promise.race([ready(k), timeout])));
    window.clearTimeout(timer);
    kinds.forEach((k, i) => {
      const r = results[i];
      if (r && r !== "timeout") failed[k] = r;
    });
    return failed;
  }
  let entering = false;
  let holdTimer = 0;
  const holdUntil = (at) => {
    const paint = () => {
      const left = Math.ceil((at - Date.now()) / 1e3);
      if (disposed || left <= 0) {
        window.clearInterval(holdTimer);
        holdTimer = 0;
        if (disposed) return;
        enterButton.disabled = false;
        enterButton.textContent = "Try again";
        entering = false;
        return;
      }
      const text = `Try again in ${waitText(left)}`;
      if (enterButton.textContent !== text) enterButton.textContent = text;
    };
    enterButton.disabled = true;
    holdTimer = window.setInterval(paint, 250);
    paint();
  };
  enterButton.addEventListener("click", async () => {
    if (entering) return;
    entering = true;
    enterError.hidden = true;
    enterButton.disabled = true;
    enterButton.setAttribute("aria-busy", "true");
    const waiting = ["camera", "microphone"].filter((k) => wanted(k) && !hasTrack(k));
    if (waiting.length > 0) {
      enterButton.textContent = waiting.length === 2 ? "Starting camera and microphone…" : waiting[0] === "camera" ? "Starting camera…" : "Starting microphone…";
    }
    const failed = waiting.length > 0 ? await readyAll() : {};
    if (disposed) return;
    enterButton.textContent = "Joining…";
    handedOver = true;
    setLocked(true);
    const choice = {
      cameraOn,
      micOn,
      cameraId: cameraSelect.value,
      micId: micSelect.value,
      video: cameraOn && live(video) ? video : null,
      audio: live(audio) ? audio : null,
      failed
    };
    try {
      await opts.onEnter(choice);
    } catch (err) {
      if (disposed) return;
      handedOver = false;
      setLocked(false);
      enterError.textContent = err instanceof Error ? err.message : String(err);
      enterError.hidden = false;
      enterButton.removeAttribute("aria-busy");
      const wait = err instanceof JoinError && err.retryable ? err.retryAfter : 0;
      if (wait > 0) {
        holdUntil(Date.now() + wait * 1e3);
        return;
      }
      enterButton.disabled = false;
      enterButton.textContent = "Try again";
      entering = false;
    }
  });
  paintToggles();
  const startup = refreshDevices().then(() => {
    if (disposed) return;
    if (cameraOn) void acquire("camera");
    void acquire("microphone");
  });
  enterButton.focus();
  return () => {
    disposed = true;
    window.clearInterval(holdTimer);
    navigator.mediaDevices?.removeEventListener("devicechange", onDeviceChange);
    stopMeter();
    if (!handedOver) {
      release("camera");
      release("microphone");
    }
    previewVideo.srcObject = null;
  };
}

// app/src/main.ts
var root = byId("app");
var headerSlot = byId("header-slot");
var cleanup = () => {
};
var source = { kind: "paste" };
var session = null;
var lastChoice = null;
var state = "join";
var accounts = new Accounts(headerSlot.parentElement ?? document.body, (r) => route(r));
function show(next, title, render) {
  cleanup();
  cleanup = () => {
  };
  state = next;
  document.body.dataset.state = next;
  document.title = title ? `${title} · Conclave` : "Conclave";
  if (next === "left" && session?.room) headerSlot.replaceChildren(h("span", { class: "header-room", title: "Room" }, session.room));
  else if (next !== "meeting") headerSlot.replaceChildren();
  cleanup = render();
}
function roomFromUrl() {
  const params = new URLSearchParams(location.search);
  const room = params.get("room") ?? "";
  if (params.has("token")) {
    params.delete("token");
    const q = params.toString();
    history.replaceState(null, "", `${location.pathname}${q ? `?${q}` : ""}`);
  }
  return ROOM_PATTERN.test(room) ? room : "";
}
function showJoin(error) {
  show("join", "", () => {
    const done = renderJoin(root, {
      source,
      room: session?.room || roomFromUrl(),
      name: session?.name || loadPrefs().name,
      error,
      onJoined: (r) => {
        session = { ...r, credsUsed: false };
        if (r.name) savePrefs({ name: r.name });
        if (r.room) history.replaceState(null, "", `/?room=${encodeURIComponent(r.room)}`);
        showPreview();
      }
    });
    const card = meetingsCard(accounts, hosted);
    if (card) root.firstElementChild?.prepend(card);
    return done;
  });
}
function hosted(j) {
  session = { room: j.room, name: j.join.name, creds: { url: "", token: j.join.token }, credsUsed: false, hosted: true };
  history.replaceState(null, "", `/?room=${encodeURIComponent(j.room)}`);
  showPreview();
}
function showGuest(invite, passwordError) {
  show(
    "guest",
    "Join a meeting",
    () => renderGuest(root, {
      invite,
      name: loadPrefs().name,
      member: accounts.user ? { name: accounts.user.name } : void 0,
      passwordError,
      onReady: (p, password) => {
        session = { room: p.room, name: p.name, creds: { url: "", token: p.token }, credsUsed: false, guest: true, password };
        savePrefs({ name: p.name });
        showPreview();
      }
    })
  );
}
function meetingUrl(s) {
  return s.guest ? `${location.pathname}#join` : `/?room=${encodeURIComponent(s.room)}`;
}
function showPreview() {
  const s = session;
  if (!s) return showJoin();
  show(
    "preview",
    s.room,
    () => renderPreview(root, {
      room: s.room,
      name: s.name,
      onEnter: (choice) => enter(choice),
      onBack: () => s.guest ? showGuest("") : showJoin()
    })
  );
}
async function credentials(s) {
  if (s.guest) return s.creds;
  if (!s.credsUsed) {
    s.credsUsed = true;
    return s.creds;
  }
  if (s.hosted) s.creds = { url: "", token: (await hostToken(s.room)).token };
  else if (source.kind === "dev") s.creds = await fetchDevToken(s.room, s.name);
  return s.creds;
}
async function enter(choice) {
  const s = session;
  if (!s) throw new Error("No meeting selected.");
  lastChoice = { cameraOn: choice.cameraOn, micOn: choice.micOn, cameraId: choice.cameraId, micId: choice.micId };
  const creds = await credentials(s);
  const abort = new AbortController();
  const wait = { view: null };
  const onLobby = (st) => {
    if (wait.view) return wait.view.update(st);
    show("lobby", "Waiting to join", () => {
      wait.view = renderLobby(root, {
        room: s.room,
        name: s.name,
        video: choice.video,
        onLeave: () => abort.abort(),
        onRetry: () => showPreview(),
        onHome: () => showJoin()
      }, st);
      return () => wait.view?.dispose();
    });
  };
  let room;
  try {
    room = await connect(creds.url, creds.token, { reconnect: true, password: s.password || void 0, signal: abort.signal, onLobby });
  } catch (err) {
    const code = typeof err?.code === "string" ? err.code : "";
    if (wait.view) {
      choice.video?.stop();
      choice.audio?.stop();
      wait.view.refused(abort.signal.aborted ? "client_left" : code || "error");
      return;
    }
    if (s.guest && (code === "password_required" || code === "password_wrong")) {
      choice.video?.stop();
      choice.audio?.stop();
      s.password = void 0;
      showGuest("", connectErrorText(err));
      return;
    }
    throw connectError(err);
  }
  window.conclaveRoom = room;
  s.room = room.name || s.room;
  history.replaceState(null, "", meetingUrl(s));
  show(
    "meeting",
    s.room,
    () => renderMeeting(root, headerSlot, {
      room,
      choice,
      token: () => creds.token,
      onEnd: (reason, media) => {
        if (lastChoice) lastChoice = { ...lastChoice, ...media };
        showLeft(reason);
      }
    })
  );
}
function showLeft(reason) {
  show(
    "left",
    "Left",
    () => renderLeft(root, {
      reason,
      room: session?.room ?? "",
      rejoin: () => enter({ ...lastChoice ?? { cameraOn: true, micOn: true, cameraId: "", micId: "" }, video: null, audio: null }),
      onHome: () => showJoin()
    })
  );
}
function route(r) {
  const page2 = (title, render) => show("account", title, render);
  switch (r.page) {
    case "home":
      return showJoin();
    case "signin":
      return page2("Sign in", () => renderSignin(root, accounts));
    case "signup":
      return page2("Create your account", () => renderSignup(root, accounts, r.token));
    case "reset":
      return page2("Set a new password", () => renderReset(root, accounts, r.token));
    case "gone":
      return page2(r.what === "invite" ? "Create your account" : "Set a new password", () => renderGone(root, r.what));
    case "account":
      return page2("Your account", () => renderAccount(root, accounts));
    case "admin":
      return page2("Administration", () => renderAdmin(root, accounts));
    case "guest":
      return showGuest(r.invite);
  }
}
async function start() {
  root.replaceChildren(h("p", { class: "loading", role: "status" }, "Loading…"));
  const first = routeOf(location.hash);
  [source] = await Promise.all([detectTokenSource(), accounts.refresh()]);
  window.addEventListener("hashchange", () => {
    if (state !== "meeting") route(routeOf(location.hash));
  });
  route(first);
}
void start();
