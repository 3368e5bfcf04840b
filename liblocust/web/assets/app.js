/*
 * liblocust web UI: polls ./stats/requests every 2 s and ./exceptions every
 * 5 s (as Locust 0.9's page does), fills the tables, draws the charts with
 * Chart.js and drives the runner through ./swarm, ./stop and ./stats/reset.
 * Plain JavaScript; every value from the server goes into the page as text.
 */
(function () {
  'use strict';

  var STATS_INTERVAL = 2000;
  var EXCEPTIONS_INTERVAL = 5000;
  var MAX_POINTS = 1800; // an hour of points at one per 2 s
  var STATES = ['ready', 'hatching', 'running', 'cleanup', 'stopped'];

  var body = document.body;
  var distributed = body.dataset.distributed === 'true';
  var state = body.dataset.state;
  var sortKey = null;
  var sortDesc = false;
  var lastRows = [];
  var charts = null;

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function int(v) { return Math.round(v).toLocaleString('en-US'); }
  function ms(v) { return v >= 1 || v === 0 ? int(v) : (Math.round(v * 100) / 100).toString(); }
  function rate(v) { return (Math.round(v * 100) / 100).toFixed(2); }

  /* ---- state ---- */

  function setState(s) {
    if (STATES.indexOf(s) < 0) return;
    state = s;
    STATES.forEach(function (c) { body.classList.toggle(c, c === s); });
    $('state').textContent = s;
    // A running test always shows its statistics, even after "New test".
    if (s === 'hatching' || s === 'running') body.classList.remove('new-test');
  }

  if (distributed) body.classList.add('distributed');
  setState(state);

  /* ---- tabs ---- */

  function showTab(name) {
    var found = false;
    document.querySelectorAll('.tab').forEach(function (t) {
      var on = t.dataset.tab === name;
      t.classList.toggle('active', on);
      found = found || on;
    });
    if (!found) return showTab('stats');
    document.querySelectorAll('.pane').forEach(function (p) {
      p.classList.toggle('active', p.id === 'pane-' + name);
    });
    if (name === 'charts' && charts) charts.forEach(function (c) { c.resize(); });
    if (history.replaceState) history.replaceState(null, '', '#' + name);
  }

  document.querySelectorAll('.tab').forEach(function (t) {
    t.addEventListener('click', function () { showTab(t.dataset.tab); });
  });
  showTab((location.hash || '#stats').slice(1));

  /* ---- requests to the runner ---- */

  function submitSwarm(form, done) {
    var error = form.querySelector('.form-error');
    error.textContent = '';
    var data = new URLSearchParams(new FormData(form));
    /* Empty tag fields keep the filter the runner has (e.g. locust-run -T). */
    ['tags', 'exclude_tags'].forEach(function (k) { if (data.has(k) && !data.get(k)) data.delete(k); });
    fetch('./swarm', { method: 'POST', body: data })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        if (!j.success) throw new Error(j.message || 'the swarm could not be started');
        setState('hatching');
        if (done) done();
        pollStats();
      })
      .catch(function (e) { error.textContent = e.message; });
  }

  $('swarm-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    submitSwarm(this, function () {
      resetCharts();
      showTab('stats');
    });
  });

  $('edit-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    submitSwarm(this, function () { $('edit').hidden = true; });
  });

  $('edit-link').addEventListener('click', function (ev) {
    ev.preventDefault();
    $('edit_locust_count').value = $('user-count').textContent.replace(/\D/g, '') || '0';
    $('edit').querySelector('.form-error').textContent = '';
    $('edit').hidden = false;
    $('edit_locust_count').focus();
  });
  $('edit-cancel').addEventListener('click', function () { $('edit').hidden = true; });
  $('edit').addEventListener('click', function (ev) { if (ev.target === this) this.hidden = true; });
  document.addEventListener('keydown', function (ev) { if (ev.key === 'Escape') $('edit').hidden = true; });

  $('new-test-link').addEventListener('click', function (ev) {
    ev.preventDefault();
    body.classList.add('new-test');
    $('locust_count').focus();
  });
  $('back-link').addEventListener('click', function (ev) {
    ev.preventDefault();
    body.classList.remove('new-test');
  });

  $('stop-button').addEventListener('click', function () {
    fetch('./stop').then(function () { setState('stopped'); pollStats(); });
  });

  $('reset-button').addEventListener('click', function () {
    fetch('./stats/reset').then(function () { pollStats(); });
  });

  /* ---- statistics table ---- */

  var COLUMNS = [
    ['method', 'text method', function (r) { return r.method || ''; }],
    ['name', 'text name', function (r) { return r.name; }],
    ['num_requests', '', function (r) { return int(r.num_requests); }],
    ['num_failures', 'fails', function (r) { return int(r.num_failures); }],
    ['median_response_time', '', function (r) { return ms(r.median_response_time); }],
    ['avg_response_time', '', function (r) { return ms(r.avg_response_time); }],
    ['min_response_time', '', function (r) { return ms(r.min_response_time); }],
    ['max_response_time', '', function (r) { return ms(r.max_response_time); }],
    ['avg_content_length', '', function (r) { return int(r.avg_content_length); }],
    ['current_rps', '', function (r) { return rate(r.current_rps); }]
  ];

  function statsRow(r) {
    var tr = el('tr');
    COLUMNS.forEach(function (c) {
      var td = el('td', c[1], c[2](r));
      if (c[0] === 'num_failures' && !r.num_failures) td.className = '';
      if (c[0] === 'name') td.title = r.name;
      tr.appendChild(td);
    });
    return tr;
  }

  function compare(a, b) {
    var x = a[sortKey], y = b[sortKey];
    if (x === null || x === undefined) x = '';
    if (y === null || y === undefined) y = '';
    var d = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return sortDesc ? -d : d;
  }

  function renderStats(rows) {
    lastRows = rows;
    var entries = rows.slice(0, -1);
    var total = rows[rows.length - 1];
    if (sortKey) entries = entries.slice().sort(compare);
    var tbody = document.createElement('tbody');
    entries.forEach(function (r) { tbody.appendChild(statsRow(r)); });
    var table = $('stats-table');
    table.replaceChild(tbody, table.tBodies[0]);
    var tfoot = table.tFoot;
    tfoot.textContent = '';
    if (total) {
      var tr = statsRow(total);
      tr.firstChild.textContent = '';
      tfoot.appendChild(tr);
    }
    table.parentNode.classList.toggle('is-empty', entries.length === 0);
    table.querySelectorAll('thead th').forEach(function (th) {
      th.classList.toggle('sorted', th.dataset.key === sortKey);
      th.classList.toggle('desc', th.dataset.key === sortKey && sortDesc);
    });
  }

  $('stats-table').querySelectorAll('thead th').forEach(function (th) {
    th.addEventListener('click', function () {
      if (sortKey === th.dataset.key) sortDesc = !sortDesc;
      else { sortKey = th.dataset.key; sortDesc = th.classList.contains('text') ? false : true; }
      renderStats(lastRows);
    });
  });

  function fillTable(id, rows, makeRow) {
    var table = $(id);
    var tbody = document.createElement('tbody');
    rows.forEach(function (r) { tbody.appendChild(makeRow(r)); });
    table.replaceChild(tbody, table.tBodies[0]);
    table.parentNode.classList.toggle('is-empty', rows.length === 0);
  }

  function setPill(id, n) {
    $(id).textContent = n;
    $(id).classList.toggle('alert', n > 0);
  }

  /* ---- charts ---- */

  function lineChart(canvas, datasets, unit) {
    // A single series needs no legend: the card's title names it.
    var legend = datasets.length > 1;
    return new Chart(canvas, {
      type: 'line',
      data: { labels: [], datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        // Monotone curves never overshoot: 20 users never draw as 21.
        elements: { point: { radius: 0, hoverRadius: 4 }, line: { cubicInterpolationMode: 'monotone', borderWidth: 2 } },
        plugins: {
          legend: { display: legend, position: 'bottom', labels: { boxWidth: 12, boxHeight: 12 } },
          tooltip: { callbacks: { label: function (c) { return ' ' + c.dataset.label + ': ' + c.formattedValue + unit; } } }
        },
        scales: {
          x: { grid: { display: false }, ticks: { maxTicksLimit: 8, maxRotation: 0, color: '#6b7280' } },
          y: { beginAtZero: true, grace: '8%', grid: { color: '#eef1f5' }, ticks: { color: '#6b7280' } }
        }
      }
    });
  }

  function series(label, color, fill) {
    return {
      label: label, data: [], borderColor: color, backgroundColor: fill ? color + '22' : color,
      fill: !!fill, spanGaps: false
    };
  }

  function makeCharts() {
    if (typeof Chart === 'undefined') return null;
    Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
    return [
      lineChart($('chart-rps'), [series('RPS', '#10b981', true)], ' req/s'),
      lineChart($('chart-response'), [series('Median Response Time', '#3b82f6'),
        series('95% percentile', '#f59e0b')], ' ms'),
      lineChart($('chart-users'), [series('Users', '#8b5cf6', true)], '')
    ];
  }

  function resetCharts() {
    if (!charts) return;
    charts.forEach(function (c) {
      c.data.labels = [];
      c.data.datasets.forEach(function (d) { d.data = []; });
      c.update();
    });
  }

  function round2(v) { return v === null || v === undefined ? null : Math.round(v * 100) / 100; }

  function addPoint(report, total) {
    if (!charts) return;
    var label = new Date().toLocaleTimeString();
    var values = [
      [total ? total.current_rps : 0],
      [report.current_response_time_percentile_50, report.current_response_time_percentile_95],
      [report.user_count]
    ];
    charts.forEach(function (c, i) {
      c.data.labels.push(label);
      c.data.datasets.forEach(function (d, j) { d.data.push(round2(values[i][j])); });
      if (c.data.labels.length > MAX_POINTS) {
        c.data.labels.shift();
        c.data.datasets.forEach(function (d) { d.data.shift(); });
      }
      c.update('none');
    });
  }

  charts = makeCharts();

  /* ---- polling ---- */

  var statsTimer = null;

  function update(report) {
    $('offline').hidden = true;
    setState(report.state);
    $('user-count').textContent = int(report.user_count);
    /* A load shape in control (Locust 2.x's LoadTestShape, --stages): say so, with its stage. */
    var shape = $('shape-status');
    if (shape) {
      shape.hidden = !report.shape;
      if (report.shape) {
        shape.textContent = ' (shape ' + report.shape.name + (report.shape.running ? ' in control' : ' set') +
          (report.shape.stages ? ', stage ' + report.shape.stage + ' of ' + report.shape.stages : '') + ')';
      }
    }
    $('total-rps').textContent = rate(report.total_rps);
    $('fail-ratio').textContent = Math.round(report.fail_ratio * 100) + '%';
    var rows = report.stats || [];
    renderStats(rows);

    renderOpenModel(report.open_model);

    var errors = report.errors || [];
    fillTable('failures-table', errors, function (e) {
      var tr = el('tr');
      tr.appendChild(el('td', 'fails', int(e.occurences)));
      tr.appendChild(el('td', 'text method', e.method));
      tr.appendChild(el('td', 'text name', e.name));
      tr.appendChild(el('td', 'text wide', e.error));
      return tr;
    });
    setPill('failures-count', errors.length);

    if (distributed && report.slaves) {
      $('slave-count').textContent = report.slaves.length;
      fillTable('slaves-table', report.slaves, function (s) {
        var tr = el('tr');
        tr.appendChild(el('td', 'text', s.id));
        tr.appendChild(el('td', 'text', s.state));
        tr.appendChild(el('td', '', int(s.user_count)));
        return tr;
      });
    }
    if (report.state !== 'stopped' && report.state !== 'ready') addPoint(report, rows[rows.length - 1]);
  }

  /* Scheduled runs (--rate, paced users): the dropped runs, and every entry's precise percentiles of the
   * service time (from the moment a request was sent) and of the corrected time (from the moment its run
   * was meant to start), on two labelled rows. */
  var PCT_KEYS = ['50', '90', '99', '99.9', '99.99', '100'];
  function renderOpenModel(om) {
    $('open-model').hidden = !om;
    if (!om) return;
    $('open-model-summary').textContent =
      (om.rate > 0 ? 'Open model: target ' + rate(om.rate) + ' runs/s' +
         (om.achieved_rate !== undefined ? ', achieved ' + rate(om.achieved_rate) + ' runs/s' : '') + '; '
       : 'Scheduled runs (constant_pacing/constant_throughput); ') +
      'runs dropped: ' + int(om.dropped_runs);
    var rows = [];
    (om.percentiles || []).forEach(function (p) {
      [['service time', p.service_ms], ['corrected (from intended start)', p.corrected_ms]].forEach(function (k) {
        if (k[1]) rows.push({ entry: p, label: k[0], t: k[1] });
      });
    });
    fillTable('open-model-table', rows, function (x) {
      var tr = el('tr');
      tr.appendChild(el('td', 'text method', x.entry.method || ''));
      tr.appendChild(el('td', 'text name', x.entry.name));
      tr.appendChild(el('td', 'text', x.label));
      tr.appendChild(el('td', '', int(x.t.count)));
      PCT_KEYS.forEach(function (k) { tr.appendChild(el('td', '', ms(x.t[k]))); });
      return tr;
    });
  }

  function pollStats() {
    clearTimeout(statsTimer);
    fetch('./stats/requests', { cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(update)
      .catch(function () { $('offline').hidden = false; })
      .then(function () { statsTimer = setTimeout(pollStats, STATS_INTERVAL); });
  }

  function pollExceptions() {
    fetch('./exceptions', { cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        var rows = j.exceptions || [];
        fillTable('exceptions-table', rows, function (x) {
          var tr = el('tr');
          tr.title = 'Occurred on: ' + x.nodes;
          tr.appendChild(el('td', 'fails', int(x.count)));
          var td = el('td', 'text wide');
          td.appendChild(el('pre', 'traceback', x.traceback + '\n' + x.msg));
          tr.appendChild(td);
          tr.appendChild(el('td', 'text', x.nodes));
          return tr;
        });
        setPill('exceptions-count', rows.length);
      })
      .catch(function () { /* the stats poll shows the banner */ })
      .then(function () { setTimeout(pollExceptions, EXCEPTIONS_INTERVAL); });
  }

  pollStats();
  pollExceptions();
})();
