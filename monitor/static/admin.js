// Admin pages: agents, queues, skills, users, scripts (upload, preview, graph), models, audit log.
"use strict";
(() => {
  const { api, el } = Caruso;
  const errorBox = document.getElementById("admin-error");
  const show = err => { errorBox.textContent = err ? err.message : ""; };
  const pairs = text => Object.fromEntries((text || "").split(",").map(s => s.trim()).filter(Boolean)
    .map(s => { const [k, v] = s.split("="); return [k.trim(), Number(v || 1)]; }));
  const fmtPairs = obj => Object.entries(obj || {}).map(([k, v]) => `${k}=${v}`).join(", ");
  const rows = (id, items, make) => document.querySelector(`#${id} tbody`).replaceChildren(...items.map(make));

  const loaders = {
    async agents() {
      const { agents } = await api("GET", "/api/admin/agents");
      rows("agents-table", agents, a => el("tr", { "data-login": a.login }, el("th", { scope: "row" }, a.login),
        el("td", {}, a.name), el("td", {}, a.extension || a.phone || ""), el("td", { class: "num" }, a.wrapup_seconds ?? ""),
        el("td", {}, fmtPairs(a.skills)), el("td", {}, fmtPairs(a.queues)), el("td", {}, a.enabled ? "yes" : "no")));
    },
    async queues() {
      const { queues } = await api("GET", "/api/admin/queues");
      rows("queues-table", queues, q => el("tr", { "data-queue": q.name }, el("th", { scope: "row" }, q.name),
        el("td", {}, q.label), el("td", {}, q.strategy), el("td", { class: "num" }, q.priority),
        el("td", {}, fmtPairs(q.skills)), el("td", {}, JSON.stringify(q.settings))));
    },
    async skills() {
      const { skills } = await api("GET", "/api/admin/skills");
      rows("skills-table", skills, k => el("tr", {}, el("th", { scope: "row" }, k.name), el("td", {}, k.description),
        el("td", {}, el("button", { type: "button", class: "secondary", onclick: async () => {
          try { await api("DELETE", `/api/admin/skills/${encodeURIComponent(k.name)}`); await loaders.skills(); }
          catch (err) { show(err); } } }, "Delete"))));
    },
    async users() {
      const { users } = await api("GET", "/api/users");
      rows("users-table", users, u => el("tr", { "data-user": u.username }, el("th", { scope: "row" }, u.username),
        el("td", {}, u.display_name), el("td", {}, u.role), el("td", {}, u.agent_id || ""), el("td", {}, u.active ? "yes" : "no"),
        el("td", {}, el("button", { type: "button", class: "secondary", onclick: async () => {
          try { await api("PATCH", `/api/users/${u.id}`, { active: !u.active }); await loaders.users(); }
          catch (err) { show(err); } } }, u.active ? "Disable" : "Enable"))));
    },
    async scripts() {
      const { scripts, problems } = await api("GET", "/api/admin/scripts");
      rows("scripts-table", scripts, s => el("tr", { "data-script": s.id }, el("th", { scope: "row" }, s.id),
        el("td", {}, s.title), el("td", {}, s.version), el("td", {}, s.versions.join(", ")), el("td", {}, s.channels.join(", ")),
        el("td", {}, el("button", { type: "button", class: "secondary", onclick: () => openScript(s) }, "Preview / graph"))));
      const lines = Object.values(problems).flat();
      if (lines.length) document.getElementById("script-problems").textContent = "Files not loaded:\n" + lines.join("\n");
    },
    async models() {
      const { models } = await api("GET", "/api/admin/models");
      document.getElementById("models").replaceChildren(...models.map(m => el("section", {},
        el("h3", {}, `${m.name} → table ${m.table}${m.legacy ? " (legacy)" : ""}, key ${m.key}`),
        el("table", {}, el("thead", {}, el("tr", {}, ["attribute", "type", "column", "flags"].map(h => el("th", {}, h)))),
          el("tbody", {}, m.attributes.map(a => el("tr", {}, el("td", {}, a.name), el("td", {}, a.type), el("td", {}, a.column),
            el("td", {}, ["required", "generated", "personal", "callerid"].filter(f => a[f]).join(", ")))),
            m.relations.map(r => el("tr", {}, el("td", {}, r.name), el("td", {}, r.kind === "many" ? "has many" : "belongs to"),
              el("td", {}, r.object), el("td", {}, `via ${r.via}`))))))));
    },
    async audit() {
      const { entries } = await api("GET", "/api/audit?limit=200");
      rows("audit-table", entries, e => el("tr", {}, el("td", {}, new Date(e.at * 1000).toLocaleString()),
        el("td", {}, e.actor || "(system)"), el("td", {}, e.action), el("td", {}, `${e.target_kind || ""}:${e.target_id || ""}`),
        el("td", {}, JSON.stringify(e.details)), el("td", {}, e.remote_addr || "")));
    },
  };

  let current = null;
  function openScript(s) {
    current = s;
    document.getElementById("script-detail").hidden = false;
    document.getElementById("script-detail-title").textContent = `${s.title} (${s.id}, version ${s.version})`;
    document.getElementById("script-graph").src = `/api/admin/scripts/${encodeURIComponent(s.id)}/graph.svg?v=${s.version}`;
    document.getElementById("preview-out").textContent = "";
  }
  document.getElementById("preview-run").addEventListener("click", async () => {
    const answers = document.getElementById("preview-answers").value.split("\n").filter(Boolean);
    try {
      const r = await api("POST", `/api/admin/scripts/${encodeURIComponent(current.id)}/preview`, { answers });
      const steps = r.effects.filter(e => e.effect === "step").map(e => `${e.step}: ${e.text || ""}`);
      document.getElementById("preview-out").textContent =
        `${r.status}${r.outcome ? ` (${r.outcome})` : ""}\npath: ${r.path.join(" → ")}\n\n${steps.join("\n")}` +
        (r.actions.length ? `\n\nactions (not carried out):\n${r.actions.map(a => JSON.stringify(a)).join("\n")}` : "");
    } catch (err) { show(err); }
  });

  function tab(name) {
    for (const b of document.querySelectorAll("#tabs button")) b.className = b.dataset.tab === name ? "" : "secondary";
    for (const p of document.querySelectorAll("[data-panel]")) p.hidden = p.dataset.panel !== name;
    show(null);
    loaders[name]().catch(show);
  }
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => tab(b.dataset.tab));

  const submit = (id, work) => document.getElementById(id).addEventListener("submit", async ev => {
    ev.preventDefault();
    show(null);
    try { await work(new FormData(ev.target)); ev.target.reset(); } catch (err) { show(err); }
  });
  submit("agent-form", async f => {
    const body = { name: f.get("name"), extension: f.get("extension"), skills: pairs(f.get("skills")),
                   queues: pairs(f.get("queues")) };
    if (f.get("wrapup_seconds")) body.wrapup_seconds = Number(f.get("wrapup_seconds"));
    await api("PUT", `/api/admin/agents/${encodeURIComponent(f.get("login"))}`, body);
    await loaders.agents();
  });
  submit("queue-form", async f => {
    await api("PUT", `/api/admin/queues/${encodeURIComponent(f.get("name"))}`, {
      label: f.get("label"), strategy: f.get("strategy"), priority: Number(f.get("priority") || 0),
      skills: pairs(f.get("skills")),
      settings: { script: f.get("script") || undefined, service_level_seconds: Number(f.get("service_level_seconds") || 20) } });
    await loaders.queues();
  });
  submit("skill-form", async f => {
    await api("PUT", `/api/admin/skills/${encodeURIComponent(f.get("name"))}`, { description: f.get("description") });
    await loaders.skills();
  });
  submit("user-form", async f => {
    await api("POST", "/api/users", Object.fromEntries([...f.entries()].filter(([, v]) => v)));
    await loaders.users();
  });
  document.getElementById("script-form").addEventListener("submit", async ev => {
    ev.preventDefault();
    const out = document.getElementById("script-problems");
    out.textContent = "";
    try {
      const r = await api("POST", "/api/admin/scripts", new FormData(ev.target));
      out.textContent = `Uploaded ${r.script.id}, version ${r.script.version}.`;
      await loaders.scripts();
    } catch (err) {
      out.textContent = err.message + (Array.isArray(err.data && err.data.details)
        ? "\n" + err.data.details.map(p => `line ${p.line}, column ${p.column}: ${p.message}`).join("\n") : "");
    }
  });
  tab("agents");
})();
