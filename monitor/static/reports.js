// Reports: a period form, the tables from /api/reports, CSV links and server-rendered SVG charts.
"use strict";
(() => {
  const { api, el } = Caruso;
  const form = document.getElementById("report-form");
  const pad = n => String(n).padStart(2, "0");
  const local = d => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const today = new Date(); today.setHours(0, 0, 0, 0);
  const tomorrow = new Date(today); tomorrow.setDate(today.getDate() + 1);
  form.start.value = local(today);
  form.end.value = local(tomorrow);

  function query() {
    const q = new URLSearchParams();
    for (const name of ["start", "end", "queue", "agent"]) if (form[name].value) q.set(name, form[name].value);
    return q.toString();
  }

  async function run(ev) {
    if (ev) ev.preventDefault();
    const q = query();
    const error = document.getElementById("report-error");
    error.textContent = "";
    try {
      const report = await api("GET", `/api/reports?${q}`);
      document.getElementById("chart-queues").src = `/api/reports/charts/queues.svg?${q}`;
      document.getElementById("chart-agents").src = `/api/reports/charts/agents.svg?${q}`;
      document.getElementById("tables").replaceChildren(...report.tables.map(t => el("section", { id: `table-${t.name}` },
        el("h2", {}, t.title, " ", el("a", { href: `/api/reports/${t.name}.csv?${q}`, download: "" }, "CSV")),
        el("table", { "data-table": t.name },
          el("thead", {}, el("tr", {}, t.columns.map(c => el("th", { scope: "col" }, c)))),
          el("tbody", {}, t.rows.length ? t.rows.map(r => el("tr", {}, r.map((v, i) =>
            el(i ? "td" : "th", i ? { class: typeof v === "number" ? "num" : "" } : { scope: "row" }, v))))
            : el("tr", {}, el("td", { colspan: t.columns.length, class: "muted" }, "nothing in this period")))))));
    } catch (err) { error.textContent = err.message; }
  }

  form.addEventListener("submit", run);
  run();
})();
