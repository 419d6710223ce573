// Admin privacy page: erasure (dry run first), export, retention, audit log search and CSV export.
"use strict";
(() => {
  const { api, el, csrf } = Caruso;
  const $ = id => document.getElementById(id);
  const fail = err => { $("privacy-error").textContent = err.message; };

  $("subject-form").addEventListener("submit", async ev => {
    ev.preventDefault();
    $("privacy-error").textContent = "";
    const action = ev.submitter ? ev.submitter.dataset.action : "dry-run";
    const customer = new FormData(ev.target).get("customer");
    try {
      if (action === "export") {
        const resp = await fetch("/api/privacy/export", { method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
          body: JSON.stringify({ customer }) });
        if (!resp.ok) throw new Error((await resp.json()).message);
        const link = el("a", { href: URL.createObjectURL(await resp.blob()), download: "caruso-export.zip" });
        link.click();
        return;
      }
      if (action === "erase" && !confirm("Erase this person's data everywhere? This cannot be undone.")) return;
      const { text } = await api("POST", "/api/privacy/erase", { customer, dry_run: action !== "erase" });
      $("erase-report").textContent = text.join("\n");
    } catch (err) { fail(err); }
  });

  $("retention-form").addEventListener("submit", async ev => {
    ev.preventDefault();
    const dry = !ev.submitter || ev.submitter.dataset.action === "dry-run";
    try {
      const { counts, files } = await api("POST", "/api/privacy/retention", { dry_run: dry });
      $("retention-report").textContent = Object.entries(counts).map(([k, v]) => `${k}: ${v}`).join("\n")
        + `\nfiles: ${files}` + (dry ? "\n(dry run: nothing removed)" : "");
    } catch (err) { fail(err); }
  });

  function query() {
    const params = new URLSearchParams();
    for (const [k, v] of new FormData($("audit-form"))) if (v) params.set(k, v);
    return params.toString();
  }

  async function search() {
    const q = query();
    $("audit-csv").href = "/api/privacy/audit.csv" + (q ? "?" + q : "");
    try {
      const { entries } = await api("GET", "/api/privacy/audit?limit=200" + (q ? "&" + q : ""));
      const body = $("audit-table").tBodies[0];
      body.replaceChildren(...entries.map(e => el("tr", {},
        el("td", {}, new Date(e.at * 1000).toLocaleString()), el("td", {}, e.actor || "(system)"),
        el("td", {}, e.action), el("td", {}, [e.target_kind, e.target_id].filter(Boolean).join(":")),
        el("td", {}, JSON.stringify(e.details)), el("td", {}, e.remote_addr || ""))));
    } catch (err) { fail(err); }
  }

  $("audit-form").addEventListener("submit", ev => { ev.preventDefault(); search(); });
  search();
})();
