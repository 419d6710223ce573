// The live status monitor: one WebSocket, a snapshot then whole-entity updates; reconnects by itself.
"use strict";
(() => {
  const { el, duration, percent, wsUrl } = Caruso;
  const state = { agents: new Map(), queues: new Map(), campaigns: new Map(), offset: 0 };
  const link = document.getElementById("link");
  let retry = 250;

  const now = () => Date.now() / 1000 + state.offset;   // server time, corrected for clock skew

  function apply(msg) {
    switch (msg.type) {
      case "snapshot":
        state.offset = msg.at - Date.now() / 1000;
        state.agents = new Map(msg.agents.map(a => [a.id, a]));
        state.queues = new Map(msg.queues.map(q => [q.id, q]));
        state.campaigns = new Map(msg.campaigns.map(c => [c.id, c]));
        break;
      case "agent": state.agents.set(msg.agent.id, msg.agent); break;
      case "queue": state.queues.set(msg.queue.id, msg.queue); break;
      case "campaign": state.campaigns.set(msg.campaign.id, msg.campaign); break;
    }
  }

  function render() {
    const t = now();
    const queues = [...state.queues.values()].sort((a, b) => a.name.localeCompare(b.name));
    document.querySelector("#queues tbody").replaceChildren(...queues.map(q => el("tr", { "data-queue": q.id },
      el("th", { scope: "row" }, q.name),
      el("td", { class: "num waiting" }, q.waiting),
      el("td", { class: "num longest" }, q.oldest_since ? duration(t - q.oldest_since) : "—"),
      el("td", { class: "num" }, duration(q.ewt)),
      el("td", { class: "num sl" }, percent(q.today.service_level)),
      el("td", { class: "num offered" }, q.today.offered),
      el("td", { class: "num answered" }, q.today.answered),
      el("td", { class: "num abandoned" }, q.today.abandoned),
      el("td", { class: "num overflowed" }, q.today.overflowed),
      el("td", { class: "num" }, duration(q.today.average_wait)))));
    const calls = queues.flatMap(q => q.calls.map(c => ({ ...c, queue: q.name })));
    calls.sort((a, b) => a.since - b.since);
    document.querySelector("#calls tbody").replaceChildren(...calls.map(c => el("tr", { "data-call": c.call },
      el("td", {}, c.queue), el("td", {}, c.caller || "unknown"), el("td", { class: "num" }, duration(t - c.since)))));
    const agents = [...state.agents.values()].sort((a, b) => a.name.localeCompare(b.name));
    document.querySelector("#agents tbody").replaceChildren(...agents.map(a => el("tr", { "data-agent": a.id },
      el("th", { scope: "row" }, a.name),
      el("td", { class: `state state-${a.state}` }, a.state.replace("_", " ")),
      el("td", {}, a.reason || ""),
      el("td", { class: "num" }, a.since ? duration(t - a.since) : "—"),
      el("td", {}, a.call || ""),
      el("td", {}, a.queues.join(", ")))));
    const campaigns = [...state.campaigns.values()];
    document.getElementById("campaigns-section").hidden = campaigns.length === 0;
    document.querySelector("#campaigns tbody").replaceChildren(...campaigns.map(c => el("tr", {},
      el("th", { scope: "row" }, c.name || c.id),
      el("td", {}, Object.entries(c).filter(([k]) => !["id", "name", "at"].includes(k))
        .map(([k, v]) => `${k}: ${v}`).join(", ")))));
  }

  function connect() {
    const ws = new WebSocket(wsUrl("/api/monitor/ws"));
    ws.onopen = () => { retry = 250; link.textContent = "live"; link.className = "link up"; };
    ws.onmessage = ev => { for (const msg of JSON.parse(ev.data)) apply(msg); render(); };
    ws.onclose = () => {
      link.textContent = "reconnecting…"; link.className = "link down";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 5000);
    };
  }

  document.body.classList.toggle("is-admin", document.body.dataset.role === "admin");
  connect();
  setInterval(render, 1000);
})();
