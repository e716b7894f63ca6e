// Poster grids: pick items (checkbox; shift-click selects the range), or every item the filter
// finds ("Select all N matching the filter"), and run one batch action on them through
// POST /api/v1/{kind}/batch; the batch's job tree is followed until it is done, and can be cancelled.
(function () {
  "use strict";
  const grid = document.getElementById("grid");
  const bar = document.getElementById("action-bar");
  if (!grid || !bar) return;
  const $ = (id) => document.getElementById(id);
  const boxes = () => Array.from(grid.querySelectorAll("input.sel-box"));
  const total = parseInt(grid.dataset.total || "0", 10);
  let all = false;       // every item matching the filter, not only the ticked ones
  let last = null;       // the last box clicked, for shift-click ranges

  function picked() { return boxes().filter(b => b.checked).map(b => parseInt(b.dataset.id, 10)); }
  function update() {
    const n = all ? total : picked().length;
    bar.hidden = n === 0;
    $("sel-count").textContent = all ? `all ${total} matching the filter selected` : `${n} selected`;
    $("sel-all").hidden = all || total <= picked().length;
    for (const b of boxes()) b.closest(".cell").classList.toggle("chosen", b.checked);
  }
  grid.addEventListener("click", (ev) => {
    const box = ev.target.closest("input.sel-box");
    if (!box) return;
    if (ev.shiftKey && last && last !== box) {
      const list = boxes();
      const [a, b] = [list.indexOf(last), list.indexOf(box)].sort((x, y) => x - y);
      for (const x of list.slice(a, b + 1)) x.checked = box.checked;
    }
    last = box;
    if (!box.checked) all = false;
    update();
  });
  $("sel-all").addEventListener("click", () => { all = true; for (const b of boxes()) b.checked = true; update(); });
  $("b-clear").addEventListener("click", () => { all = false; for (const b of boxes()) b.checked = false; update(); });

  function showParams() {
    const action = $("b-action").value;
    for (const el of bar.querySelectorAll("[data-for]")) el.hidden = !el.dataset.for.split(" ").includes(action);
  }
  $("b-action").addEventListener("change", showParams);
  showParams();

  function body() {
    const action = $("b-action").value;
    const out = all ? { filter: JSON.parse(grid.dataset.filter || "{}") } : { ids: picked() };
    out.action = action;
    if (action === "lock" || action === "unlock") {
      out.fields = Array.from($("b-fields").selectedOptions).map(o => o.value);
    } else if (action === "set") {
      const opt = $("b-field").selectedOptions[0];
      out.field = opt.value;
      const v = $("b-value").value.trim();
      if (opt.dataset.list) out.add = v.split(",").map(x => x.trim()).filter(Boolean);
      else out.value = /^\d+$/.test(v) && ["year", "runtime", "tmdb_id", "tvdb_id"].includes(opt.value) ? parseInt(v, 10) : v;
    } else if (action === "reject_artwork") {
      out.slot = $("b-slot").value;
    } else if (action === "identify" && $("b-best").checked) {
      out.take_best = true;
    }
    return out;
  }

  let following = null;
  async function follow(jobId) {
    $("b-cancel").hidden = false;
    $("b-cancel").onclick = async () => {
      await window.metarr.api("POST", `/api/v1/jobs/${jobId}/cancel`);
      window.metarr.toast("Batch cancelled");
    };
    following = jobId;
    while (following === jobId) {
      let t;
      try { t = (await window.metarr.api("GET", `/api/v1/jobs/${jobId}/tree`)).data; } catch (e) { break; }
      const s = t.by_status || {};
      const parts = [`${t.finished} of ${t.total} job(s) done`];
      if (s.dead) parts.push(`${s.dead} failed`);
      if (s.cancelled) parts.push(`${s.cancelled} cancelled`);
      $("b-progress").textContent = `Batch ${jobId}: ${parts.join(", ")}`;
      $("b-progress").dataset.done = t.done ? "1" : "";
      if (t.done) break;
      await new Promise(r => setTimeout(r, 1000));
    }
    $("b-cancel").hidden = true;
  }

  $("b-apply").addEventListener("click", async () => {
    const b = body();
    let res;
    try { res = (await window.metarr.api("POST", `/api/v1/${grid.dataset.plural}/batch`, b)).data; } catch (e) { return; }
    let text = `Batch started: ${res.items} item(s)`;
    if (res.refused) text += `; ${res.refused} left out (${Object.entries(res.refused_reasons).map(([k, n]) => `${n} ${k}`).join(", ")})`;
    window.metarr.toast(text);
    follow(res.job_id);
  });
  update();
})();
