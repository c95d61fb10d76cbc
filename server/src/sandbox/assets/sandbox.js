// The sandbox customer page: plain DOM, no framework (it is a stand-in for Messenger, not part
// of Atende's UI). Text is always set with textContent, never parsed as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const saved = JSON.parse(localStorage.getItem("atende-sandbox") || "{}");
let typingTimer = null;
// Reads of the chat overlap (each event starts one) and a busy server may answer them out of
// order: only the latest read may draw the list, or an older one hides a newer message.
let chatReads = 0;

function selection() {
  return { psid: $("customer").value, page: $("page").value };
}

function remember() {
  localStorage.setItem("atende-sandbox", JSON.stringify(selection()));
}

function say(text) {
  $("status").textContent = text || "";
}

async function api(method, path, body, headers) {
  const options = { method, headers: headers || {} };
  if (body instanceof Blob) {
    options.body = body;
  } else if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers["content-type"] = "application/json";
  }
  const response = await fetch(path, options);
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try { message = (await response.json()).message || message; } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return response.status === 204 ? null : response.json();
}

function fill(select, items, value, label) {
  select.replaceChildren(...items.map((item) => {
    const option = document.createElement("option");
    option.value = item.value;
    option.textContent = label(item);
    return option;
  }));
  if (items.some((item) => item.value === value)) select.value = value;
}

async function loadState() {
  const state = await api("GET", "/sandbox/api/state");
  fill($("customer"), state.customers.map((c) => ({ ...c, value: c.psid })),
    saved.psid, (c) => `${c.name} (${c.psid})`);
  fill($("page"), state.pages.map((p) => ({ ...p, value: p.cifra })),
    saved.page, (p) => `${p.name} · ${p.instagram ? "Instagram" : "Messenger"} ${p.cifra}`);
  $("injection").value = state.injection;
  if (!state.pages.length) say("No active service points its integration URL at /sandbox/graph/.");
  await loadChat();
}

function render(message) {
  const item = document.createElement("li");
  item.className = `bubble ${message.author}`;
  item.dataset.mid = message.mid;
  if (message.attachment_url) {
    const image = document.createElement("img");
    image.src = message.attachment_url;
    image.alt = message.attachment_kind || "attachment";
    item.append(image);
  }
  if (message.text) item.append(document.createTextNode(message.text));
  const meta = document.createElement("div");
  meta.className = "meta";
  const time = new Date(message.created_at).toLocaleTimeString();
  const kind = message.messaging_type
    ? ` · ${message.messaging_type}${message.tag ? " " + message.tag : ""}` : "";
  const read = message.author === "page" && message.read_at ? " · seen" : "";
  meta.textContent = `${time}${kind}${read}`;
  item.append(meta);
  return item;
}

function quickReplies(replies) {
  const item = document.createElement("li");
  item.className = "quick-replies";
  item.append(...replies.map((reply) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = reply.title;
    button.addEventListener("click", () => tap(reply));
    return button;
  }));
  return item;
}

async function tap(reply) {
  try {
    await api("POST", "/sandbox/api/chat/text",
      { ...selection(), text: reply.title, quick_reply: reply.payload });
    say("");
    await loadChat();
  } catch (error) { say(error.message); }
}

async function loadChat() {
  const { psid, page } = selection();
  const ready = Boolean(psid && page);
  $("send").disabled = !ready;
  $("chat-title").textContent = ready
    ? `${$("customer").selectedOptions[0].textContent} → ${$("page").selectedOptions[0].textContent}`
    : "Pick a customer and a page";
  if (!ready) { chatReads++; $("messages").replaceChildren(); return; }
  const query = new URLSearchParams({ psid, page });
  const read = ++chatReads;
  const chat = await api("GET", `/sandbox/api/chat?${query}`);
  if (read !== chatReads) return;
  const list = $("messages");
  list.replaceChildren(...chat.messages.map(render));
  // Like Messenger: the quick replies of the page's last message, until the customer answers.
  const last = chat.messages[chat.messages.length - 1];
  const replies = last && last.author === "page" ? JSON.parse(last.quick_replies || "[]") : [];
  if (replies.length) list.append(quickReplies(replies));
  list.scrollTop = list.scrollHeight;
  if (!document.hidden && chat.messages.some((m) => m.author === "page" && !m.read_at)) {
    await api("POST", "/sandbox/api/chat/seen", { psid, page });
  }
}

async function sendText(event) {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text) return;
  try {
    await api("POST", "/sandbox/api/chat/text", { ...selection(), text });
    $("text").value = "";
    say("");
    await loadChat();
  } catch (error) { say(error.message); }
}

async function sendImage() {
  const file = $("image").files[0];
  $("image").value = "";
  if (!file) return;
  const query = new URLSearchParams(selection());
  try {
    await api("POST", `/sandbox/api/chat/image?${query}`, file, { "content-type": file.type });
    say("");
    await loadChat();
  } catch (error) { say(error.message); }
}

async function createCustomer(event) {
  event.preventDefault();
  try {
    const customer = await api("POST", "/sandbox/api/customers",
      { name: $("new-name").value, has_profile: $("new-profile").checked, locale: $("new-locale").value });
    $("new-name").value = "";
    saved.psid = customer.psid;
    say("");
    await loadState();
    remember();
  } catch (error) { say(error.message); }
}

function listen() {
  const events = new EventSource("/sandbox/api/events");
  events.addEventListener("change", (event) => {
    const change = JSON.parse(event.data);
    const { psid, page } = selection();
    if (change.psid !== psid || change.page !== page) return;
    if (change.typing) {
      $("typing").hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => { $("typing").hidden = true; }, 5000);
      return;
    }
    $("typing").hidden = true;
    loadChat().catch((error) => say(error.message));
  });
  events.addEventListener("resync", () => loadChat().catch((error) => say(error.message)));
}

document.addEventListener("DOMContentLoaded", () => {
  $("composer").addEventListener("submit", sendText);
  $("image").addEventListener("change", sendImage);
  $("new-customer").addEventListener("submit", createCustomer);
  for (const id of ["customer", "page"]) {
    $(id).addEventListener("change", () => { remember(); loadChat().catch((e) => say(e.message)); });
  }
  $("injection").addEventListener("change", () =>
    api("PUT", "/sandbox/api/injection", { mode: $("injection").value }).catch((e) => say(e.message)));
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) loadChat().catch((e) => say(e.message));
  });
  listen();
  loadState().catch((error) => say(error.message));
});
