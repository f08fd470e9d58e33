// Glint dashboard: one page, one view per tab, each refreshed every 2 seconds from /api/.
"use strict";

const REFRESH_MS = 2000;
const charts = {};
let selectedJob = null;
let selectedWorker = null;
let selectedTask = null;

function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, c =>
    ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})[c]);
}

function bytes(n) {
  if (n == null) return "";
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + u[i];
}

function time(ms) {
  return ms ? new Date(ms).toLocaleTimeString() : "";
}

async function api(path, options) {
  const r = await fetch(path, Object.assign({credentials: "same-origin"}, options || {}));
  if (!r.ok) throw new Error(path + ": " + r.status + " " + (await r.text()));
  return r.json();
}

function table(id, headers, rows) {
  const el = document.getElementById(id);
  el.innerHTML = "<thead><tr>" + headers.map(h => "<th>" + esc(h) + "</th>").join("") +
    "</tr></thead><tbody>" + rows.join("") + "</tbody>";
}

function card(label, value) {
  return '<div class="card">' + esc(label) + "<b>" + esc(value) + "</b></div>";
}

function state(s) {
  return '<span class="state-' + esc(s) + '">' + esc(s) + "</span>";
}

// ---- overview ----

function chart(id, series, data) {
  const el = document.getElementById(id);
  if (!charts[id]) {
    charts[id] = new uPlot({
      width: 420, height: 220,
      scales: {x: {time: true}},
      series: [{}].concat(series.map((s, i) => ({
        label: s, stroke: ["#1a73e8", "#e8710a", "#188038", "#a142f4"][i], width: 2}))),
    }, data, el);
  } else {
    charts[id].setData(data);
  }
}

async function overview() {
  const [status, history] = await Promise.all([api("/api/cluster_status"), api("/api/history")]);
  const t = status.total, a = status.available;
  const actors = Object.values(status.actors).reduce((x, y) => x + y, 0);
  document.getElementById("summary").innerHTML =
    card("Nodes alive", status.nodes_alive) +
    card("Nodes dead", status.nodes_dead) +
    card("CPU in use", ((t.CPU || 0) - (a.CPU || 0)) + " / " + (t.CPU || 0)) +
    card("GPU in use", ((t.GPU || 0) - (a.GPU || 0)) + " / " + (t.GPU || 0)) +
    card("Actors", actors) +
    card("Alive actors", status.actors.ALIVE || 0);
  const xs = history.map(s => s.timeMillis / 1000);
  chart("chart-cpu", ["CPU used", "CPU total", "GPU used", "GPU total"],
    [xs, history.map(s => s.cpuUsed), history.map(s => s.cpuTotal),
     history.map(s => s.gpuUsed), history.map(s => s.gpuTotal)]);
  const gib = 1024 * 1024 * 1024;
  chart("chart-mem", ["store used", "store capacity", "memory reserved"],
    [xs, history.map(s => s.storeUsed / gib), history.map(s => s.storeCapacity / gib),
     history.map(s => s.memoryUsed / gib)]);
  const rate = history.map((s, i) => i === 0 ? 0 :
    Math.max(0, (s.tasksFinished + s.tasksFailed - history[i - 1].tasksFinished -
      history[i - 1].tasksFailed) / Math.max(0.001, (s.timeMillis - history[i - 1].timeMillis) / 1000)));
  chart("chart-tasks", ["tasks/s"], [xs, rate]);
}

// ---- nodes, workers, actors, groups ----

function resources(m) {
  return Object.entries(m || {}).map(([k, v]) => esc(k) + " " + esc(v)).join(", ");
}

async function nodes() {
  const list = await api("/api/nodes");
  table("nodes-table", ["Node", "Address", "State", "Available / total", "Object store", "Sent", "Received"],
    list.map(n => {
      const s = n.object_store || {};
      return "<tr><td>" + esc(n.name) + "</td><td>" + esc(n.address) + "</td><td>" +
        state(n.alive ? "ALIVE" : "DEAD") + (n.death_reason ? " " + esc(n.death_reason) : "") +
        "</td><td>" + resources(n.available) + "<br><span class=muted>" + resources(n.total) +
        "</span></td><td>" + bytes(s.used_bytes) + " / " + bytes(s.capacity_bytes) + " (" +
        esc(s.objects) + " objects)</td><td>" + bytes(s.bytes_sent_total) + "</td><td>" +
        bytes(s.bytes_received_total) + "</td></tr>";
    }));
}

async function workers() {
  const list = await api("/api/workers");
  table("workers-table", ["PID", "Node", "State", "Actor", "Running now", "Heap", "RSS", "Log"],
    list.map(w => "<tr data-pid=\"" + esc(w.pid) + "\"><td>" + esc(w.pid) + "</td><td>" +
      esc(w.node) + "</td><td>" + esc(w.state) + "</td><td>" + esc(w.actor_name) + "</td><td>" +
      (w.current_tasks || []).map(t => esc(t.name)).join(", ") + "</td><td>" +
      bytes(w.heap_used_bytes) + "</td><td>" + bytes(w.rss_bytes) + "</td><td>" +
      '<button class="link" data-node="' + esc(w.node_id) + '" data-pid="' + esc(w.pid) +
      '" data-stream="out">stdout</button> <button class="link" data-node="' + esc(w.node_id) +
      '" data-pid="' + esc(w.pid) + '" data-stream="err">stderr</button></td></tr>'));
  document.querySelectorAll("#workers-table button").forEach(b => b.onclick = () => {
    selectedWorker = {node: b.dataset.node, pid: b.dataset.pid, stream: b.dataset.stream};
    workerLog();
  });
  await workerLog();
}

async function workerLog() {
  if (!selectedWorker) return;
  const w = selectedWorker;
  const r = await api("/api/logs/worker?node_id=" + encodeURIComponent(w.node) + "&pid=" +
    encodeURIComponent(w.pid) + "&stream=" + w.stream);
  document.getElementById("worker-log-title").textContent =
    "Worker " + w.pid + " std" + w.stream + (r.found ? " (" + bytes(r.size) + ")" : " (no log)");
  document.getElementById("worker-log").textContent = r.text;
}

async function actors() {
  const list = await api("/api/actors");
  table("actors-table", ["Class", "Name", "State", "Restarts", "Node", "PID", "Calls served", "Heap", "RSS", "Death cause"],
    list.map(a => "<tr data-actor-id=\"" + esc(a.actor_id) + "\"><td>" + esc(a.class_name) +
      "</td><td>" + esc(a.name) + "</td><td>" + state(a.state) + "</td><td>" +
      esc(a.num_restarts) + "</td><td>" + esc((a.node_id || "").slice(0, 8)) + "</td><td>" +
      esc(a.pid) + "</td><td>" + esc(a.calls_served) + "</td><td>" + bytes(a.heap_used_bytes) +
      "</td><td>" + bytes(a.rss_bytes) + "</td><td>" + esc(a.death_cause) + "</td></tr>"));
}

async function groups() {
  const list = await api("/api/placement_groups");
  table("groups-table", ["Id", "Name", "State", "Strategy", "Bundles", "Why it waits"],
    list.map(g => "<tr><td>" + esc(g.placement_group_id.slice(0, 12)) + "</td><td>" + esc(g.name) +
      "</td><td>" + state(g.state) + "</td><td>" + esc(g.strategy) + "</td><td>" +
      g.bundles.map(resources).join(" | ") + "</td><td>" + esc(g.pending_reason) + "</td></tr>"));
}

// ---- tasks and timeline ----

async function tasks() {
  const [r, ws] = await Promise.all([api("/api/tasks?limit=200"), api("/api/workers")]);
  const running = ws.reduce((n, w) => n + (w.current_tasks || []).length, 0);
  const queued = ws.reduce((n, w) => n + (w.queued_tasks || 0), 0);
  document.getElementById("task-totals").innerHTML =
    card("Running now", running) + card("Queued in workers", queued) +
    card("Finished", r.finished_total) + card("Failed", r.failed_total) + card("Dropped", r.dropped_total);
  table("tasks-table", ["Task", "Type", "State", "Node", "Worker", "Started", "Waited", "Duration", "Log"],
    r.tasks.slice().reverse().map(t => "<tr class=\"task-row\"><td>" + esc(t.name) + "</td><td>" +
      esc(t.type) + "</td><td>" + state(t.state) + (t.error_type ? " " + esc(t.error_type) : "") +
      "</td><td>" + esc(t.node) + "</td><td>" + esc(t.worker_pid) + "</td><td>" +
      time(t.start_time_us / 1000) + "</td><td>" +
      (t.submit_time_us ? ((t.start_time_us - t.submit_time_us) / 1000).toFixed(1) + " ms" : "") +
      "</td><td>" + ((t.end_time_us - t.start_time_us) / 1000).toFixed(1) +
      ' ms</td><td><button class="link" data-task="' + esc(t.task_id) + '">output</button></td></tr>'));
  document.querySelectorAll("#tasks-table button").forEach(b => b.onclick = () => {
    selectedTask = b.dataset.task;
    taskLog();
  });
}

async function taskLog() {
  if (!selectedTask) return;
  const r = await api("/api/logs/task?task_id=" + encodeURIComponent(selectedTask));
  document.getElementById("task-log-title").textContent = "Output of " + r.name;
  document.getElementById("task-log").textContent =
    (r.stdout || "") + (r.stderr ? "\n[stderr]\n" + r.stderr : "") || "(no output)";
}

async function timeline() {
  const r = await api("/api/tasks?limit=2000");
  const runs = r.tasks;
  const box = document.getElementById("timeline-box");
  if (runs.length === 0) {
    box.innerHTML = '<p class="muted">No task has finished yet.</p>';
    return;
  }
  const lanes = [...new Set(runs.map(t => t.node + " pid " + t.worker_pid))].sort();
  const t0 = Math.min(...runs.map(t => t.start_time_us));
  const t1 = Math.max(...runs.map(t => t.end_time_us));
  const label = 170, width = Math.max(600, box.clientWidth || 1000) - label - 10, laneH = 22;
  const x = us => label + (t1 === t0 ? 0 : (us - t0) / (t1 - t0) * width);
  let svg = '<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="' + (label + width + 10) +
    '" height="' + (lanes.length * laneH + 24) + '">';
  lanes.forEach((lane, i) => {
    svg += '<g class="lane" data-lane="' + esc(lane) + '" transform="translate(0,' + (i * laneH) + ')">' +
      '<text class="lane-label" x="4" y="15">' + esc(lane) + "</text>";
    runs.filter(t => t.node + " pid " + t.worker_pid === lane).forEach(t => {
      const w = Math.max(1, x(t.end_time_us) - x(t.start_time_us));
      svg += '<rect class="task-bar' + (t.state === "FAILED" ? " failed" : "") + '" data-task="' +
        esc(t.name) + '" x="' + x(t.start_time_us).toFixed(1) + '" y="3" width="' + w.toFixed(1) +
        '" height="16"><title>' + esc(t.name) + " " + ((t.end_time_us - t.start_time_us) / 1000).toFixed(2) +
        " ms</title></rect>";
    });
    svg += "</g>";
  });
  svg += '<text class="lane-label" x="' + label + '" y="' + (lanes.length * laneH + 16) + '">0</text>' +
    '<text class="lane-label" text-anchor="end" x="' + (label + width) + '" y="' + (lanes.length * laneH + 16) +
    '">' + ((t1 - t0) / 1000).toFixed(1) + " ms</text></svg>";
  box.innerHTML = svg;
}

// ---- object store ----

async function objects() {
  const stores = await api("/api/object_store");
  document.getElementById("stores").innerHTML = stores.map(s =>
    "<h2>Node " + esc(s.node_id.slice(0, 12)) + "</h2><div class=cards>" +
    card("Used", bytes(s.used_bytes) + " / " + bytes(s.capacity_bytes)) + card("Objects", s.objects) +
    card("Spilled", bytes(s.spilled_bytes_total)) + card("Restored", bytes(s.restored_bytes_total)) +
    "</div><table class=\"store-objects\"><thead><tr><th>Object</th><th>Size</th><th>Owner</th>" +
    "<th>Pinned</th><th>Spilled</th></tr></thead><tbody>" +
    (s.largest_objects || []).map(o => "<tr class=\"object-row\"><td>" + esc(o.object_id) +
      "</td><td>" + bytes(o.size_bytes) + "</td><td>" + esc(o.owner) + "</td><td>" + esc(o.pinned) +
      "</td><td>" + esc(o.spilled) + "</td></tr>").join("") + "</tbody></table>").join("");
}

// ---- jobs ----

async function jobs() {
  const list = await api("/api/jobs/");
  table("jobs-table", ["Submission id", "Entrypoint", "Status", "Started", "Ended", ""],
    list.map(j => "<tr class=\"job-row\" data-job=\"" + esc(j.submission_id) + "\"><td>" +
      esc(j.submission_id) + "</td><td><code>" + esc(j.entrypoint) + "</code></td><td>" +
      state(j.status) + "</td><td>" + time(j.start_time) + "</td><td>" + time(j.end_time) +
      '</td><td><button class="link" data-job="' + esc(j.submission_id) + '">logs</button>' +
      (j.status === "RUNNING" || j.status === "PENDING"
        ? ' <button class="link stop" data-job="' + esc(j.submission_id) + '">stop</button>' : "") +
      "</td></tr>"));
  document.querySelectorAll("#jobs-table button").forEach(b => b.onclick = async () => {
    if (b.classList.contains("stop")) {
      await api("/api/jobs/" + encodeURIComponent(b.dataset.job) + "/stop", {method: "POST"});
    }
    selectedJob = b.dataset.job;
    jobLogs();
  });
  await jobLogs();
}

async function jobLogs() {
  if (!selectedJob) return;
  const r = await api("/api/jobs/" + encodeURIComponent(selectedJob) + "/logs");
  document.getElementById("job-log-title").textContent = "Logs of " + selectedJob;
  const pre = document.getElementById("job-logs");
  const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  pre.textContent = r.logs;
  if (atEnd) pre.scrollTop = pre.scrollHeight;
}

// ---- tabs ----

const VIEWS = {overview, nodes, workers, actors, tasks, timeline, objects, jobs, groups};

function current() {
  const t = location.hash.replace("#", "");
  return VIEWS[t] ? t : "overview";
}

async function refresh() {
  const tab = current();
  document.querySelectorAll(".view").forEach(v => v.classList.toggle("active", v.id === "view-" + tab));
  document.querySelectorAll("#nav a").forEach(a => a.classList.toggle("active", a.dataset.tab === tab));
  try {
    await VIEWS[tab]();
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById("updated").textContent = "not updated: " + e.message;
  }
}

window.addEventListener("hashchange", refresh);
refresh();
setInterval(refresh, REFRESH_MS);
