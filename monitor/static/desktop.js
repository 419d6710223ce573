// The agent desktop: state, screen pop, agent script, disposition, wrap-up countdown, outbound, voicemails.
"use strict";
(() => {
  const { api, el, duration, wsUrl } = Caruso;
  const $ = id => document.getElementById(id);
  let desk = null, offset = 0, retry = 250;
  const now = () => Date.now() / 1000 + offset;
  const errorBox = $("desk-error");
  const fail = err => { errorBox.textContent = err ? err.message : ""; };

  for (const d of document.body.dataset.dispositions.split(","))
    $("disposition").append(el("option", { value: d }, d.replace("_", " ")));

  function renderState() {
    if (!desk) return;
    $("my-state").textContent = desk.state.replace("_", " ");
    $("my-state").className = `state state-${desk.state}`;
    $("my-reason").textContent = desk.reason ? `(${desk.reason})` : "";
    $("my-time").textContent = desk.since ? duration(now() - desk.since) : "";
    const wrap = $("wrapup");
    wrap.hidden = !(desk.state === "wrap_up" && desk.wrap_up_until);
    if (!wrap.hidden) wrap.textContent = `Wrap-up: ${duration(Math.max(0, desk.wrap_up_until - now()))} left`;
    const offer = desk.offer;
    if (offer) $("call-wait").textContent = duration((desk.connected || desk.call_ended ? offer.offered_at : now()) - offer.waiting_since);
  }

  function renderCall() {
    const offer = desk && desk.offer;
    $("no-call").hidden = !!offer;
    $("call-detail").hidden = !offer;
    $("disposition-form").hidden = !(desk && desk.disposition_needed);
    if (offer) {
      $("call-status").textContent = desk.call_ended ? "Call ended" : desk.connected ? "Connected" : "Ringing — answer on your phone";
      $("call-queue").textContent = offer.queue;
      $("call-caller").textContent = offer.caller || "unknown number";
    }
    const c = offer && offer.customer;
    $("no-customer").hidden = !!c;
    $("no-customer").textContent = offer ? "Caller not identified." : "No customer.";
    $("customer-values").hidden = !c;
    if (c) $("customer-values").tBodies[0].replaceChildren(
      el("tr", {}, el("th", { scope: "row" }, c.object), el("td", { id: "customer-key" }, c.key)),
      ...Object.entries(c.values).filter(([, v]) => v !== null && typeof v !== "object")
        .map(([k, v]) => el("tr", {}, el("th", { scope: "row" }, k), el("td", { "data-field": k }, String(v)))));
    $("history").replaceChildren(...((offer && offer.history) || []).map(h => el("li", {},
      el("strong", {}, new Date(h.started_at).toLocaleString()), ` ${h.kind.replace("_", " ")} (${h.channel})`,
      h.outcome ? ` — ${h.outcome}` : "", h.summary ? `: ${h.summary}` : "")));
  }

  function questionInput(q) {
    const input = q.input || { type: "text" };
    const id = "answer";
    if (input.choices && input.choices.length) {
      return el("fieldset", {}, el("legend", {}, q.text || "Choose"),
        input.choices.map((c, i) => el("label", {}, el("input", { type: "radio", name: "answer", value: c.value,
          required: input.required !== false, autofocus: i === 0 }), " ", c.label)));
    }
    if (input.type === "yesno" || input.type === "boolean") {
      return el("fieldset", {}, el("legend", {}, q.text || ""),
        el("label", {}, el("input", { type: "radio", name: "answer", value: "yes", required: true }), " Yes"),
        el("label", {}, el("input", { type: "radio", name: "answer", value: "no" }), " No"));
    }
    const attrs = { id, name: "answer", required: input.required !== false, autocomplete: "off" };
    if (input.type === "number" || input.type === "integer") { attrs.type = "number"; attrs.step = "any"; }
    if (input.min !== undefined) attrs.min = input.min;
    if (input.max !== undefined) attrs.max = input.max;
    if (input.minlength !== undefined) attrs.minlength = input.minlength;
    if (input.maxlength !== undefined) attrs.maxlength = input.maxlength;
    if (input.pattern !== undefined) attrs.pattern = input.pattern;
    return el("label", { for: id }, q.text || "", el("br"), el("input", attrs));
  }

  let shownQuestion = null;
  function renderScript() {
    const s = desk && desk.script;
    $("no-script").hidden = !!s;
    $("script-infos").replaceChildren(...(s ? s.infos : []).map(i => el("p", { class: "info", "data-step": i.step }, i.text)));
    $("script-form").hidden = !(s && s.question && !s.ended);
    $("script-invalid").textContent = (s && s.invalid) || "";
    $("btn-back").disabled = !(s && s.can_go_back);
    const key = s && s.question ? `${s.run}:${s.question.step}:${JSON.stringify(s.infos)}` : null;
    if (s && s.question && key !== shownQuestion) {
      $("script-question").replaceChildren(el("div", { "data-step": s.question.step }, questionInput(s.question)));
      const first = $("script-question").querySelector("input");
      if (first) first.focus();
    }
    shownQuestion = key;
    $("script-end").hidden = !(s && s.ended);
    if (s && s.ended) {
      $("script-end").textContent = `Script finished: ${s.outcome || "no outcome"}. Choose the disposition.`;
      const pick = [...$("disposition").options].find(o => o.value === s.outcome);
      if (pick) $("disposition").value = pick.value;
    }
    if (s && s.errors && s.errors.length) fail(new Error(s.errors[s.errors.length - 1]));
  }

  function render() { renderState(); renderCall(); renderScript(); }

  function apply(msg) {
    if (msg.type === "snapshot" || msg.type === "update") {
      offset = msg.server_time - Date.now() / 1000;
      desk = msg;
    } else if (msg.type === "outbound") {
      $("outbound-result").textContent = msg.outcome === "dialing" ? `Calling ${msg.number}…`
        : `Call to ${msg.number}: ${msg.outcome}`;
    } else if (msg.type === "offer" && desk) {
      desk.offer = msg.offer; desk.connected = false; desk.call_ended = false; desk.script = null;
    }
  }

  function connect() {
    const ws = new WebSocket(wsUrl("/api/desktop/ws"));
    ws.onopen = () => { retry = 250; $("link").textContent = "live"; $("link").className = "link up"; };
    ws.onmessage = ev => { for (const m of JSON.parse(ev.data)) apply(m); render(); };
    ws.onclose = () => {
      $("link").textContent = "reconnecting…"; $("link").className = "link down";
      setTimeout(connect, retry); retry = Math.min(retry * 2, 5000);
    };
  }

  const act = fn => async ev => { if (ev) ev.preventDefault(); fail(null); try { await fn(ev); } catch (err) { fail(err); } };
  $("btn-ready").addEventListener("click", act(() => api("POST", "/api/desktop/state", { state: "ready" })));
  $("btn-pause").addEventListener("click", act(() => api("POST", "/api/desktop/state",
    { state: "paused", reason: $("pause-reason").value })));
  $("btn-logout").addEventListener("click", act(() => api("POST", "/api/desktop/state", { state: "logged_out" })));
  $("script-form").addEventListener("submit", act(async () => {
    const checked = $("script-form").querySelector("input[name=answer]:checked");
    const field = checked || $("script-form").querySelector("input[name=answer]");
    let value = field ? field.value : null;
    const q = desk.script.question;
    const type = q && q.input && q.input.type;
    if (type === "yesno" || type === "boolean") value = value === "yes";
    else if ((type === "number" || type === "integer") && value !== "") value = Number(value);
    desk.script = await api("POST", "/api/desktop/script/answer", { value });
    renderScript();
  }));
  $("btn-back").addEventListener("click", act(async () => {
    desk.script = await api("POST", "/api/desktop/script/back");
    shownQuestion = null;
    renderScript();
  }));
  $("disposition-form").addEventListener("submit", act(async () => {
    await api("POST", "/api/desktop/disposition", { disposition: $("disposition").value, note: $("disposition-note").value });
    $("disposition-note").value = "";
  }));
  $("outbound-form").addEventListener("submit", act(async () => {
    const r = await api("POST", "/api/desktop/outbound", { number: $("outbound-number").value });
    $("outbound-result").textContent = `Calling ${r.number}…`;
  }));
  let preview = null;
  const campaign = () => encodeURIComponent($("preview-campaign").value);
  $("preview-form").addEventListener("submit", act(async () => {
    const { next } = await api("POST", `/api/campaigns/${campaign()}/preview/next`);
    preview = next;
    $("preview-contact").hidden = !next;
    if (!next) { $("outbound-result").textContent = "No contact due in this campaign."; return; }
    const c = next.customer || {};
    $("preview-text").textContent = `${c.firstName || ""} ${c.lastName || ""} ${next.contact.number}` +
      ` (${next.contact.attempts} attempt(s))${next.script ? `, script ${next.script}` : ""}`;
  }));
  $("preview-dial").addEventListener("click", act(async () => {
    $("preview-contact").hidden = true;
    $("outbound-result").textContent = `Calling ${preview.contact.number}…`;
    const r = await api("POST", `/api/campaigns/${campaign()}/preview/${preview.contact.id}/dial`);
    $("outbound-result").textContent = `Call to ${preview.contact.number}: ${r.result}`;
  }));
  $("preview-skip").addEventListener("click", act(async () => {
    await api("POST", `/api/campaigns/${campaign()}/preview/skip`);
    $("preview-contact").hidden = true;
  }));

  async function loadVoicemails() {
    try {
      const { voicemails } = await api("GET", "/api/desktop/voicemails");
      $("voicemails").replaceChildren(...voicemails.map(v => el("li", { "data-voicemail": v.id },
        `${new Date(v.created_at).toLocaleString()} — ${v.caller || "unknown"} (${Math.round(v.duration)} s, ${v.mailbox})`,
        v.listened ? " — listened" : " — new", el("br"),
        el("audio", { controls: true, preload: "none", src: `/api/desktop/voicemails/${v.id}/audio` }))));
      if (!voicemails.length) $("voicemails").replaceChildren(el("li", { class: "muted" }, "No voicemail."));
    } catch (err) {
      $("voicemails").replaceChildren(el("li", { class: "muted" }, err.message));
    }
  }

  // keyboard: Alt+R ready, Alt+P pause, Alt+B back, Alt+N next (everything else is reachable with Tab)
  const keys = { r: "btn-ready", p: "btn-pause", b: "btn-back", n: "btn-next" };
  document.addEventListener("keydown", ev => {
    const id = ev.altKey && !ev.ctrlKey && !ev.metaKey && keys[ev.key.toLowerCase()];
    if (!id) return;
    ev.preventDefault();
    const button = $(id);
    if (!button.disabled && button.offsetParent !== null) button.click();
  });

  connect();
  loadVoicemails();
  setInterval(renderState, 1000);
  setInterval(loadVoicemails, 60000);
})();
