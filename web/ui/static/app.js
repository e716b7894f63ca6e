// Metarr UI: a small helper for API calls (session cookie + CSRF header), declarative buttons and
// forms, and the websocket feed that keeps pages live. No build step.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

  function toast(text, kind) {
    const box = document.getElementById("toasts");
    if (!box) return;
    const el = document.createElement("div");
    el.className = "toast" + (kind ? " " + kind : "");
    el.textContent = text;
    box.appendChild(el);
    setTimeout(() => el.remove(), 5000);
  }

  async function api(method, path, body) {
    const opts = { method, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" };
    if (body instanceof FormData || body instanceof Blob) {
      opts.body = body;
    } else if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const resp = await fetch(path, opts);
    let data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    if (!resp.ok || !data || data.success === false) {
      const msg = (data && data.error && data.error.message) || ("HTTP " + resp.status);
      toast(msg, "error");
      throw new Error(msg);
    }
    return data;
  }
  window.metarr = { api, toast };

  // grids (movies, shows, music): the next page (by cursor, a[data-next-page]) is fetched and its
  // cards appended when the reader nears the end, so scrolling goes through the whole library
  function infiniteGrid() {
    const grid = document.querySelector("[data-grid]");
    let link = document.querySelector("a[data-next-page]");
    if (!grid || !link || !("IntersectionObserver" in window)) return;
    let busy = false;
    const watch = new IntersectionObserver(async (entries) => {
      if (busy || !entries.some((e) => e.isIntersecting) || !link) return;
      busy = true;
      try {
        const resp = await fetch(link.href, { credentials: "same-origin" });
        if (!resp.ok) return;
        const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
        doc.querySelectorAll("[data-grid] > *").forEach((card) => grid.appendChild(document.adoptNode(card)));
        const next = doc.querySelector("a[data-next-page]");
        if (next) { link.href = next.href; } else { watch.disconnect(); link.remove(); link = null; }
      } finally {
        busy = false;
        // observed anew: a link still in view after the append is reported again (loads the next page)
        if (link) { watch.unobserve(link); watch.observe(link); }
      }
    }, { rootMargin: "600px" });
    watch.observe(link);
  }
  infiniteGrid();

  // a publish dry run in words: files by what will happen to them, and each NFO change as a diff
  const OPS = [["write", "New files to write"], ["replace", "Files to replace"],
               ["recycle_replace", "Files moved to the recycle bin and replaced"], ["remove", "Files to remove (to the recycle bin)"]];
  function el(tag, text, cls) { const e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; }
  // a show's episode order preview: file → episode now and in the order asked for, what is written again
  function renderOrder(target, p) {
    target.innerHTML = "";
    const apply = document.getElementById("eo-apply");
    if (apply) apply.value = p.order;
    target.appendChild(el("p", p.available
      ? `${p.order_words}${p.source ? " (from " + p.source + ")" : ""}: ${p.changed} file(s) change episode; ` +
        `${p.rewritten.length} published file(s) are written again (the old ones go to the recycle bin).`
      : `The providers have no ${p.order_words} for this show.`));
    const table = el("table", "", "cards");
    const cols = ["File", "Now", "In " + p.order_words];
    const head = el("tr");
    for (const h of cols) head.appendChild(el("th", h));
    // in a thead, so that at phone width the header hides and each cell carries its column's name
    table.appendChild(el("thead")).appendChild(head);
    const body = table.appendChild(el("tbody"));
    const side = (x) => `S${String(x.season).padStart(2, "0")}E${String(x.episode).padStart(2, "0")} ` +
                        (x.title || "(" + (x.note || "no episode: " + x.matched_by) + ")");
    for (const f of p.files) {
      const tr = el("tr", "", f.changed ? "changed" : "");
      [[f.file || "", "path"], [side(f.now), ""], [side(f["new"]), ""]].forEach(([text, cls], i) => {
        const td = tr.appendChild(el("td", text, cls));
        td.dataset.label = cols[i];
      });
      body.appendChild(tr);
    }
    target.appendChild(table);
  }

  function renderPlan(target, plan) {
    target.innerHTML = "";
    const acts = plan.actions || [];
    const kept = acts.filter(a => a.op === "keep").length;
    target.appendChild(el("p", plan.changes ? `${plan.changes} change(s); ${kept} file(s) already as they should be.`
                                            : `Nothing to change: all ${kept} file(s) are already as they should be.`));
    for (const [op, title] of OPS) {
      const list = acts.filter(a => a.op === op);
      if (!list.length) continue;
      target.appendChild(el("h3", `${title} (${list.length})`));
      const ul = el("ul", "", "plan-" + op);
      for (const a of list) {
        const li = el("li"); li.appendChild(el("code", a.path));
        if (a.reason) li.appendChild(el("span", " — " + a.reason, "muted"));
        ul.appendChild(li);
      }
      target.appendChild(ul);
    }
    for (const [path, diff] of Object.entries(plan.nfo_diff || {})) {
      if (!diff) continue;
      target.appendChild(el("h3", "NFO changes: " + path));
      const pre = el("pre", "", "diff");
      for (const line of diff.split("\n")) {
        const cls = line.startsWith("+") && !line.startsWith("+++") ? "add"
                  : line.startsWith("-") && !line.startsWith("---") ? "del" : (line.startsWith("@@") ? "hunk" : "");
        pre.appendChild(el("span", line + "\n", cls));
      }
      target.appendChild(pre);
    }
  }

  // times in the reader's own zone and in words: "just now", "5 min ago", "in 2 hours", then
  // "yesterday 14:05", "tomorrow 06:00", "12 May 06:00"; the exact local time on hover
  const DAY = 86400000;
  function clock(d) { return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }); }
  function words(iso, now) {
    const t = Date.parse(iso); if (isNaN(t)) return null;
    const d = new Date(t), s = Math.round((now - t) / 1000), a = Math.abs(s), fut = s < 0;
    if (a < 45) return fut ? "in under a minute" : "just now";
    if (a < 3600) { const m = Math.max(1, Math.round(a / 60)); return fut ? `in ${m} min` : `${m} min ago`; }
    if (a < 6 * 3600) { const h = Math.round(a / 3600); const u = h === 1 ? "hour" : "hours";
                        return fut ? `in ${h} ${u}` : `${h} ${u} ago`; }
    const start = new Date(now); start.setHours(0, 0, 0, 0);
    const days = Math.floor((t - start.getTime()) / DAY);
    if (days === 0) return "today " + clock(d);
    if (days === -1) return "yesterday " + clock(d);
    if (days === 1) return "tomorrow " + clock(d);
    const opts = { day: "numeric", month: "short" };
    if (d.getFullYear() !== new Date(now).getFullYear()) opts.year = "numeric";
    return d.toLocaleDateString([], opts) + " " + clock(d);
  }
  function localTimes(root) {
    const now = Date.now();
    for (const t of (root || document).querySelectorAll("time[data-rel]")) {
      const txt = words(t.getAttribute("datetime"), now); if (!txt) continue;
      t.textContent = txt; t.title = new Date(t.getAttribute("datetime")).toLocaleString();
    }
  }
  document.addEventListener("DOMContentLoaded", () => { localTimes(); setInterval(localTimes, 30000); });
  window.metarrWords = words;

  function changed(el) {
    if (el.type === "checkbox") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") return [...el.options].some(o => o.selected !== o.defaultSelected);
    return el.value !== el.defaultValue;
  }

  function formJSON(form) {
    const out = {};
    const onlyChanged = form.dataset.changedOnly !== undefined;  // edits lock what they touch, nothing else
    for (const el of form.elements) {
      if (!el.name || el.disabled) continue;
      if (onlyChanged && !changed(el)) continue;
      if (el.type === "checkbox" && el.dataset.multi !== undefined) {   // several boxes, one list of values
        out[el.name] = out[el.name] || [];
        if (el.checked) out[el.name].push(el.value);
      }
      else if (el.type === "checkbox") out[el.name] = el.checked;
      else if (el.type === "number" || el.dataset.number !== undefined) { if (el.value !== "") out[el.name] = Number(el.value); }
      else if (el.dataset.mapping !== undefined) {   // "Old -> New" a line; nothing after the arrow: drop
        const rules = {};
        for (const line of el.value.split("\n")) {
          if (!line.trim()) continue;
          const [from, ...rest] = line.split("->");
          rules[from.trim()] = rest.length && rest.join("->").trim() ? rest.join("->").trim() : null;
        }
        out[el.name] = rules;
      }
      else if (el.dataset.list !== undefined) out[el.name] = el.value.split(",").map(s => s.trim()).filter(Boolean);
      else if (el.value !== "" || el.dataset.keepEmpty !== undefined) out[el.name] = el.value;
    }
    return out;
  }

  document.addEventListener("click", async (ev) => {
    const btn = ev.target.closest("[data-action]");
    if (!btn) return;
    ev.preventDefault();
    if (btn.dataset.confirm && !confirm(btn.dataset.confirm)) return;
    btn.disabled = true;
    try {
      const body = btn.dataset.body ? JSON.parse(btn.dataset.body) : undefined;
      const res = await api(btn.dataset.method || "POST", btn.dataset.url, body);
      toast(btn.dataset.done || "Done");
      if (btn.dataset.show) {
        const target = document.getElementById(btn.dataset.show);
        if (target && target.dataset.render === "plan") renderPlan(target, res.data);
        else if (target) target.textContent = typeof res.data === "string" ? res.data : JSON.stringify(res.data, null, 2);
      }
      if (btn.dataset.reload !== undefined) setTimeout(() => location.reload(), 400);
    } catch (e) { /* toast already shown */ }
    finally { btn.disabled = false; }
  });

  document.addEventListener("submit", async (ev) => {
    const form = ev.target.closest("form[data-api]");
    if (!form) return;
    ev.preventDefault();
    let [method, url] = form.dataset.api.split(" ");
    try {
      let body;
      if (form.dataset.upload !== undefined) {
        const file = form.querySelector('input[type="file"]').files[0];
        if (!file) { toast("choose a file first", "error"); return; }
        body = file;
      } else if (method === "GET") {   // a search: the fields go in the query string (a GET has no body)
        const q = new URLSearchParams(formJSON(form)).toString();
        if (q) url += (url.includes("?") ? "&" : "?") + q;
      } else {
        body = formJSON(form);
        if (form.dataset.changedOnly !== undefined && Object.keys(body).length === 0) { toast("Nothing changed"); return; }
      }
      const res = await api(method, url, body);
      toast(form.dataset.done || "Saved");
      if (form.dataset.show) {
        const target = document.getElementById(form.dataset.show);
        if (target.dataset.render === "order") renderOrder(target, res.data);
        else target.textContent = JSON.stringify(res.data, null, 2);
      }
      if (form.dataset.reload !== undefined) setTimeout(() => location.reload(), 400);
    } catch (e) { /* shown */ }
  });

  // checkboxes that save themselves (no inline handlers: the page's CSP allows no inline script)
  document.addEventListener("change", async (ev) => {
    const box = ev.target.closest("input[data-toggle-url]");
    if (!box) return;
    try {
      await api("PATCH", box.dataset.toggleUrl, { [box.dataset.toggleKey]: box.checked });
      toast("Saved");
    } catch (e) { box.checked = !box.checked; }
  });

  // a list of checkboxes that saves itself as one list (a library's players)
  document.addEventListener("change", async (ev) => {
    const box = ev.target.closest("input[data-player-kind]");
    if (!box) return;
    const group = box.closest("[data-players-url]");
    const boxes = [...group.querySelectorAll("input[data-player-kind]")];
    try {
      await api("PATCH", group.dataset.playersUrl, { players: boxes.filter(b => b.checked).map(b => b.value) });
      toast("Saved: published items get the names of these players");
    } catch (e) { box.checked = !box.checked; }
  });

  // lock toggles: aria-pressed reflects the lock; PUT …/locks/{field}
  document.addEventListener("click", async (ev) => {
    const b = ev.target.closest("button.lock");
    if (!b) return;
    ev.preventDefault();
    const locked = b.getAttribute("aria-pressed") !== "true";
    try {
      await api("PUT", b.dataset.url, { locked });
      b.setAttribute("aria-pressed", String(locked));
      b.textContent = locked ? "Locked" : "Unlocked";
    } catch (e) { /* shown */ }
  });

  // live updates
  let statsTimer = null;
  function refreshStats() {
    const box = document.querySelector("[data-live-stats]");
    if (!box) return;
    clearTimeout(statsTimer);
    statsTimer = setTimeout(async () => {
      try {
        const res = await api("GET", "/api/v1/jobs/stats");
        for (const [k, v] of Object.entries(res.data)) {
          const el = box.querySelector(`[data-stat="${k}"]`);
          if (el) el.textContent = v;
        }
      } catch (e) { /* ignore */ }
    }, 250);
  }

  function onEvent(msg) {
    const d = msg.data || {};
    if (msg.type.startsWith("job.")) {
      refreshStats();
      const row = document.querySelector(`[data-job-id="${d.id}"]`);
      if (row) {
        const st = row.querySelector("[data-job-status]");
        if (st) st.textContent = msg.type.split(".")[1];
        if (msg.type === "job.progress") {
          const bar = row.querySelector(".progress > span");
          if (bar && d.total) bar.style.width = Math.round(100 * d.current / d.total) + "%";
        }
      } else if (msg.type === "job.created") {
        // new jobs are counted, not drawn raw ("enrich.movie movie:2"): a reload shows them named
        const note = document.querySelector("[data-new-jobs]");
        if (note) {
          note.dataset.count = String(Number(note.dataset.count || 0) + 1);
          note.querySelector("span").textContent = `${note.dataset.count} new job(s) since this page was loaded`;
          note.hidden = false;
        }
      }
      if (msg.type === "job.dead") toast(`Job ${d.id} failed for good: ${d.error || ""}`, "error");
    }
    if (msg.type === "scan.progress") {
      const el = document.querySelector(`[data-scan-progress="${d.library_id}"]`);
      if (el) {
        el.hidden = false;
        const bar = el.querySelector(".progress > span");
        const label = el.querySelector("[data-scan-label]");
        if (bar) bar.style.width = d.total ? Math.round(100 * d.current / d.total) + "%" : "5%";
        if (label) label.textContent = `${d.phase} ${d.current}/${d.total}`;
      }
    }
    if (msg.type === "publish.completed") toast(`Published ${d.entity_type} ${d.id}: ${d.written || 0} written, ${d.replaced || 0} replaced`);
    if (msg.type === "entity.updated" && d.id && document.body.dataset.entity === `${d.entity}:${d.id}` && d.source !== "user") {
      toast("This item was updated — reload to see the changes.");
    }
    const feed = document.querySelector("[data-live-feed]");
    if (feed && (msg.type === "activity" || msg.type === "job.dead")) {
      const li = document.createElement("li");
      li.textContent = msg.type === "activity" ? d.message : `A job failed for good: ${d.error || "no reason given"}`;
      feed.prepend(li);
      while (feed.children.length > 20) feed.lastChild.remove();
    }
  }

  function connect(delay) {
    if (!document.body.dataset.ws) return;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/ws`);
    ws.onmessage = (e) => { try { onEvent(JSON.parse(e.data)); } catch (err) { /* ignore */ } };
    ws.onclose = () => setTimeout(() => connect(Math.min(30000, (delay || 1000) * 2)), delay || 1000);
    window.metarrSocket = ws;
  }
  connect(1000);

  // folder browser for the add-library form
  document.addEventListener("click", async (ev) => {
    const b = ev.target.closest("[data-browse]");
    if (!b) return;
    ev.preventDefault();
    const input = document.getElementById(b.dataset.browse);
    const list = document.getElementById(b.dataset.browse + "-list");
    try {
      const res = await api("GET", "/ui/browse?path=" + encodeURIComponent(input.value || ""));
      list.innerHTML = "";
      input.value = res.data.path;
      for (const d of res.data.dirs) {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = "#"; a.textContent = d.name + "/";
        a.addEventListener("click", (e) => { e.preventDefault(); input.value = d.path; b.click(); });
        li.appendChild(a); list.appendChild(li);
      }
    } catch (e) { /* shown */ }
  });
})();
