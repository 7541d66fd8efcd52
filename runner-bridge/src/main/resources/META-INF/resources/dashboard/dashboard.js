// The cde dashboard: reads the bridge's API with the login cookie (docs/dashboard.md). Text from the API is only ever
// set as textContent, never parsed as markup: job names and labels come from other people's repositories.
/* global Chart, Terminal */

const REFRESH_MS = 3000;
const COST_REFRESH_MS = 10000;

class Unauthorized extends Error {}

const $ = (id) => document.getElementById(id);
const state = {
  timers: [],
  selected: null,        // the session shown in the detail panel
  selectedState: null,
  log: null,             // {term, abort}
  terminal: null,        // {term, socket}
  charts: {},
};

// ------------------------------------------------------------------------------------------------ API and login

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: 'same-origin', ...options });
  if (response.status === 401) {
    showLogin();
    throw new Unauthorized();
  }
  if (!response.ok) {
    let detail = response.statusText;
    try {
      detail = (await response.json()).detail || detail;
    } catch (e) { /* not a problem document */ }
    throw new Error(`${path}: ${response.status} ${detail}`);
  }
  return response;
}

const json = async (path) => (await api(path)).json();

function showLogin() {
  state.timers.forEach(clearInterval);
  state.timers = [];
  $('main').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  $('status').textContent = 'not logged in';
}

async function login(event) {
  event.preventDefault();
  const input = $('login-token');
  const response = await fetch('/dashboard/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: input.value }),
  });
  input.value = '';
  if (!response.ok) {
    $('login-error').textContent = response.status === 401 ? 'That is not the API token.' : `Login failed (${response.status})`;
    return;
  }
  $('login-error').textContent = '';
  start();
}

async function logout() {
  await fetch('/dashboard/logout', { method: 'POST', credentials: 'same-origin' });
  closeDetail();
  showLogin();
}

// ------------------------------------------------------------------------------------------------ formatting

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text == null ? '' : String(text);
  if (className) {
    td.className = className;
  }
  return td;
}

function stateBadge(row, value) {
  const span = document.createElement('span');
  span.className = `state ${value}`;
  span.textContent = value;
  row.insertCell().appendChild(span);
}

function duration(seconds) {
  if (seconds == null || Number.isNaN(seconds)) {
    return '';
  }
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
}

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

const time = (iso) => (iso ? new Date(iso).toLocaleString() : '');

function size(s) {
  const mem = s.memoryMb % 1024 === 0 ? `${s.memoryMb / 1024}g` : `${s.memoryMb}m`;
  return `cpu=${s.cpu} mem=${mem}${s.gpuCount > 0 ? ` gpu=${s.gpuType}${s.gpuCount > 1 ? `:${s.gpuCount}` : ''}` : ''}`;
}

// ------------------------------------------------------------------------------------------------ sessions and jobs

async function refreshSessions() {
  const [sessions, runners, jobs] = await Promise.all([
    json('/api/v1/sessions?limit=50'),
    json('/api/v1/github/runners?limit=200'),
    json('/api/v1/github/jobs?limit=50'),
  ]);
  const jobsById = new Map(jobs.map((j) => [j.jobId, j]));
  const runnerBySession = new Map(runners.map((r) => [r.sessionId, r]));

  const body = $('sessions').tBodies[0];
  body.replaceChildren();
  for (const s of sessions) {
    const row = body.insertRow();
    row.className = 'selectable' + (s.id === state.selected ? ' selected' : '');
    row.dataset.session = s.id;
    row.addEventListener('click', () => select(s.id, s.state));
    cell(row, s.id);
    const runner = runnerBySession.get(s.id);
    const job = runner ? jobsById.get(runner.jobId ?? runner.forJobId) : null;
    cell(row, runner ? `${runner.repository} · ${job ? job.jobName : runner.name}` : (s.name || ''));
    stateBadge(row, s.state);
    row.cells[row.cells.length - 1].title = s.endReason || ''; // why it ended, e.g. its cost cap
    cell(row, size(s));
    cell(row, time(s.createdAt));
    const end = s.endedAt ? Date.parse(s.endedAt) : Date.now();
    cell(row, s.startedAt ? duration((end - Date.parse(s.startedAt)) / 1000) : '', 'num');
    cell(row, s.costUsd ?? '', 'num');
    if (s.id === state.selected && s.state !== state.selectedState) {
      showState(s.state);
    }
  }
  if (state.selected) {
    await refreshTerminals();
  }

  const jobBody = $('jobs').tBodies[0];
  jobBody.replaceChildren();
  for (const j of jobs) {
    const row = jobBody.insertRow();
    cell(row, j.repository);
    cell(row, j.jobName);
    stateBadge(row, j.status);
    cell(row, (j.labels || []).join(', '));
    cell(row, j.runnerName);
    cell(row, j.labelError || j.detail);
    cell(row, time(j.createdAt));
  }
}

// ------------------------------------------------------------------------------------------------ one session

function newTerminal(container) {
  // The DOM renderer keeps the text in the page, where screen readers (and the dashboard's browser test) find it.
  const term = new Terminal({ convertEol: true, disableStdin: true, rendererType: 'dom', scrollback: 10000,
    cols: 120, rows: 22, fontSize: 13 });
  term.open(container);
  return term;
}

function showState(value) {
  state.selectedState = value;
  $('detail-state').textContent = value;
  $('detail-state').className = `state ${value}`;
}

/** Shows a session's log and terminals; {@code sessionState} as the table last showed it, until the next refresh. */
async function select(id, sessionState) {
  if (state.selected === id) {
    return;
  }
  closeDetail();
  state.selected = id;
  showState(sessionState);
  $('session-detail').hidden = false;
  $('detail-id').textContent = id;
  for (const row of $('sessions').tBodies[0].rows) {
    row.classList.toggle('selected', row.dataset.session === id);
  }
  // xterm.js draws only what is on screen: the log must not wait below the fold for someone to scroll to it.
  $('session-detail').scrollIntoView();
  followLog(id);
  refreshTerminals();
}

function closeDetail() {
  if (state.log) {
    state.log.abort.abort();
    state.log.term.dispose();
    state.log = null;
  }
  stopWatching();
  state.selected = null;
  $('session-detail').hidden = true;
}

/** The session's log, then what it prints, until it ends: GET .../logs?follow=true is one long response. */
async function followLog(id) {
  const abort = new AbortController();
  const term = newTerminal($('log-view'));
  state.log = { term, abort };
  try {
    const response = await api(`/api/v1/sessions/${encodeURIComponent(id)}/logs?tail=5000&follow=true`,
      { signal: abort.signal });
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      term.write(value);
    }
    term.write('\r\n\x1b[2m[end of log: the session has ended]\x1b[0m\r\n');
  } catch (e) {
    if (!abort.signal.aborted && !(e instanceof Unauthorized)) {
      term.write(`\r\n\x1b[31m[log stream failed: ${e.message}]\x1b[0m\r\n`);
    }
  }
}

async function refreshTerminals() {
  const id = state.selected;
  if (!id || state.terminal) {
    return;
  }
  const terminals = await json(`/api/v1/sessions/${encodeURIComponent(id)}/terminals`);
  if (id !== state.selected) {
    return;
  }
  const select = $('terminal-name');
  const chosen = select.value;
  select.replaceChildren(...terminals.map((t) => new Option(t.cols ? `${t.name} (${t.cols}×${t.rows})` : t.name, t.name)));
  if (terminals.some((t) => t.name === chosen)) {
    select.value = chosen;
  }
  $('terminal-none').hidden = terminals.length > 0;
  $('terminal-choice').hidden = terminals.length === 0;
}

/** A read-only view of a terminal: the bridge sends its output as binary messages and its events as JSON text. */
function watchTerminal() {
  stopWatching();
  const id = state.selected;
  const name = $('terminal-name').value;
  const view = $('terminal-view');
  view.hidden = false;
  const term = newTerminal(view);
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${scheme}://${location.host}/api/v1/sessions/${encodeURIComponent(id)}/terminal`
    + `?name=${encodeURIComponent(name)}`);
  socket.binaryType = 'arraybuffer';
  state.terminal = { term, socket };
  $('terminal-status').textContent = 'connecting…';
  socket.onopen = () => { $('terminal-status').textContent = `watching ${name}`; };
  socket.onmessage = (message) => {
    if (typeof message.data !== 'string') {
      term.write(new Uint8Array(message.data));
      return;
    }
    const event = JSON.parse(message.data);
    if (event.type === 'size') {
      term.resize(event.cols, event.rows);
    } else if (event.type === 'exit') {
      $('terminal-status').textContent = `the terminal's process ended (${event.status.code ?? event.status.signal})`;
    } else if (event.type === 'closed') {
      $('terminal-status').textContent = `closed: ${event.reason}`;
    }
  };
  socket.onclose = (close) => {
    if (state.terminal && state.terminal.socket === socket && close.code !== 1000) {
      $('terminal-status').textContent = `disconnected (${close.code}${close.reason ? `: ${close.reason}` : ''})`;
    }
  };
}

function stopWatching() {
  if (state.terminal) {
    state.terminal.socket.close();
    state.terminal.term.dispose();
    state.terminal = null;
  }
  $('terminal-view').hidden = true;
  $('terminal-status').textContent = '';
}

// ------------------------------------------------------------------------------------------------ costs and cache

function utcDay(date) {
  return date.toISOString().slice(0, 10);
}

function period() {
  const params = new URLSearchParams({ from: $('cost-from').value, to: $('cost-to').value });
  if ($('cost-gpu').value) {
    params.set('gpu', $('cost-gpu').value);
  }
  return params;
}

function costUrl(groupBy, format) {
  const params = period();
  params.set('groupBy', groupBy);
  if (format) {
    params.set('format', format);
  }
  return `/api/v1/costs?${params}`;
}

function chart(id, type, options) {
  if (!state.charts[id]) {
    state.charts[id] = new Chart($(id), {
      type,
      data: { labels: [], datasets: [{ label: 'USD', data: [], backgroundColor: '#4f6bed' }] },
      options: { maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } }, ...options },
    });
  }
  return state.charts[id];
}

function plot(id, labels, values, type, options) {
  const c = chart(id, type, options);
  c.data.labels = labels;
  c.data.datasets[0].data = values;
  c.update();
}

// A job's size advice (docs/costs.md, "Size recommendation"): "move to" when its cheapest measured size is not the
// one it runs on now, else the advice's one line; the evidence per size in the tooltip.
function suggestion(row, advice) {
  if (!advice || advice.status !== 'advice') {
    return cell(row, advice ? advice.summary : '—', 'muted');
  }
  const move = advice.cheapest.size !== advice.current;
  const td = cell(row, move ? `move to ${advice.cheapest.size}: ${advice.summary}` : advice.summary,
    move ? 'advice move' : 'advice');
  td.title = advice.sizes.filter((s) => s.basis !== 'untried').map((s) => `${s.size}: ${s.basis}, ${s.runs} runs, `
    + `${s.medianSeconds} s, ${s.cost} ${advice.prices.currency} a run`).join('\n')
    + `\nprices: ${advice.prices.table}`;
  return td;
}

async function refreshCosts() {
  const [byDay, byRepository, byJob, cache] = await Promise.all([
    json(costUrl('day')),
    json(costUrl('repository')),
    json(costUrl('job')),
    json(`/api/v1/cache/usage?${new URLSearchParams({ from: $('cost-from').value, to: $('cost-to').value })}`),
  ]);
  plot('cost-by-day', byDay.groups.map((g) => g.day), byDay.groups.map((g) => Number(g.totalUsd)), 'bar', {});
  plot('cost-by-repository', byRepository.groups.map((g) => g.repository ?? g.key),
    byRepository.groups.map((g) => Number(g.totalUsd)), 'bar', { indexAxis: 'y' });
  $('cost-total').textContent = `${byDay.total.sessions} sessions, ${byDay.total.totalUsd} ${byDay.currency}`;

  const body = $('cost-jobs').tBodies[0];
  body.replaceChildren();
  for (const g of byJob.groups) {
    const row = body.insertRow();
    cell(row, g.repository);
    cell(row, g.workflow);
    cell(row, g.job);
    cell(row, g.sessions, 'num');
    cell(row, g.sizes.join('; '));
    cell(row, g.gpuSeconds, 'num');
    cell(row, g.totalUsd, 'num');
    suggestion(row, g.recommendation);
  }
  for (const groupBy of ['repository', 'job', 'day']) {
    $(`csv-${groupBy}`).href = costUrl(groupBy, 'csv');
  }

  const st = cache.stats;
  $('cache-summary').textContent = `${cache.entries} archives, ${bytes(cache.bytes)} in all (quota per repository `
    + `${bytes(cache.quotaBytesPerRepository)}). In this period: ${st.hits} hits, ${st.partialHits} partial hits, `
    + `${st.misses} misses; ${bytes(st.bytesRestored)} restored, ${bytes(st.bytesSaved)} saved.`;
  const cacheBody = $('cache').tBodies[0];
  cacheBody.replaceChildren();
  for (const r of cache.repositories) {
    const row = cacheBody.insertRow();
    cell(row, r.repository);
    cell(row, r.entries, 'num');
    cell(row, bytes(r.bytes), 'num');
    cell(row, `${((100 * r.bytes) / cache.quotaBytesPerRepository).toFixed(1)} %`, 'num');
    cell(row, time(r.lastUsedAt));
  }
}

// ------------------------------------------------------------------------------------------------ main

function every(ms, task) {
  const run = async () => {
    try {
      await task();
      $('status').textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (e) {
      if (!(e instanceof Unauthorized)) {
        $('status').textContent = `update failed: ${e.message}`;
      }
    }
  };
  run();
  state.timers.push(setInterval(run, ms));
}

function start() {
  $('login').hidden = true;
  $('main').hidden = false;
  $('logout').hidden = false;
  every(REFRESH_MS, refreshSessions);
  every(COST_REFRESH_MS, refreshCosts);
}

function init() {
  const today = new Date();
  $('cost-to').value = utcDay(today);
  $('cost-from').value = utcDay(new Date(today.getTime() - 6 * 86400000));
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('terminal-watch').addEventListener('click', watchTerminal);
  $('cost-filter').addEventListener('submit', (e) => {
    e.preventDefault();
    refreshCosts().catch((err) => { $('status').textContent = `update failed: ${err.message}`; });
  });
  // One probe decides between the login form and the dashboard.
  fetch('/api/v1/sessions?limit=1', { credentials: 'same-origin' })
    .then((r) => (r.status === 401 ? showLogin() : start()))
    .catch((e) => { $('status').textContent = `bridge not reachable: ${e.message}`; });
}

init();
